/**
 * RFC 5424 syslog messages for alerts, bans and the end of behaviour
 * episodes:
 *
 * ```
 * <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID PARAM="VALUE" ...] MSG
 * ```
 *
 * Why bans and episode ends too: a ban is the action a SIEM or a firewall
 * script acts on (as with fail2ban's log), and an episode's end says what
 * the scan or flood amounted to, once, after its single alert. Connection
 * events do not belong in syslog (the NDJSON and Zeek logs hold them).
 *
 * Header fields are PRINTUSASCII of bounded length (anything else becomes
 * `_`; empty becomes the NILVALUE `-`); structured-data values escape `"`,
 * `\` and `]` (section 6.3.3) and, being rule text, show controls and bidi
 * characters as `\u{XXXX}`; MSG is ASCII, or UTF-8 with its BOM when it has
 * other characters (section 6.4). The whole message fits `maxBytes`.
 *
 * @module
 */

import type { AlertEvent, BanEvent, EpisodeEndEvent } from "../monitor/events.ts";
import { alertSummary, formatEndpoint, visibleText } from "./alert_text.ts";

/** The events that have a syslog form. */
export type SyslogEvent = AlertEvent | BanEvent | EpisodeEndEvent;

/**
 * Facility names of RFC 5424 table 1, as syslog.conf spells them, with their codes.
 *
 * @example
 * ```ts
 * import { SYSLOG_FACILITIES } from "./syslog_format.ts";
 * console.log(SYSLOG_FACILITIES.local5); // 21
 * ```
 */
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/**
 * Default facility: `auth` (4, "security/authorization messages"), what
 * Snort's `alert_syslog` uses by default.
 *
 * @example
 * ```ts
 * import { DEFAULT_SYSLOG_FACILITY } from "./syslog_format.ts";
 * console.log(DEFAULT_SYSLOG_FACILITY * 8 + 3); // PRI of an error-level message: 35
 * ```
 */
export const DEFAULT_SYSLOG_FACILITY = 4;

/**
 * The default structured-data SD-ID's enterprise number: 32473 is the
 * number IANA reserves for documentation and examples (RFC 5612).
 * sockscope has no Private Enterprise Number of its own; set
 * `enterpriseId` to yours if your collector keys on it.
 *
 * @example
 * ```ts
 * import { DEFAULT_ENTERPRISE_ID } from "./syslog_format.ts";
 * console.log(`sockscope@${DEFAULT_ENTERPRISE_ID}`); // the SD-ID
 * ```
 */
export const DEFAULT_ENTERPRISE_ID = "32473";

/** Smallest message size every receiver must accept (RFC 5426 section 3.2). */
const MIN_MAX_BYTES = 480;

/**
 * Parses a facility: a name (`auth`, `local5`, ...) or a code 0-23.
 *
 * @example
 * ```ts
 * import { parseSyslogFacility } from "./syslog_format.ts";
 * parseSyslogFacility("local5"); // 21
 * parseSyslogFacility("4"); // 4
 * ```
 *
 * @throws {TypeError} naming `flag` and the names when `text` is neither.
 */
export function parseSyslogFacility(text: string, flag = "--syslog-facility"): number {
  const name = text.trim().toLowerCase();
  if (Object.hasOwn(SYSLOG_FACILITIES, name)) return SYSLOG_FACILITIES[name];
  if (/^\d{1,2}$/.test(name) && Number(name) <= 23) return Number(name);
  throw new TypeError(
    `Invalid ${flag} "${text}": expected a code 0-23 or one of ${
      Object.keys(SYSLOG_FACILITIES).join(", ")
    }`,
  );
}

/**
 * The RFC 5424 severity (0 emergency .. 7 debug) of an event: alerts map
 * their severity 1 (high) .. 4 (low) to 2 critical, 3 error, 4 warning,
 * 5 notice; a ban is 5 notice; an unban and an episode's end are
 * 6 informational.
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "../monitor/events.ts";
 * import { syslogSeverity } from "./syslog_format.ts";
 * declare const alert: AlertEvent;
 * syslogSeverity(alert); // 2..5
 * ```
 */
export function syslogSeverity(event: SyslogEvent): number {
  switch (event.type) {
    case "alert": {
      const s = Math.round(event.severity);
      return s <= 1 ? 2 : s >= 4 ? 5 : s + 1;
    }
    case "ban":
      return event.action === "ban" ? 5 : 6;
    case "episode.end":
      return 6;
  }
}

/** Options of {@linkcode formatSyslog}. */
export interface SyslogFormatOptions {
  /** Facility code 0-23 (default 4, `auth`); see {@linkcode parseSyslogFacility}. */
  readonly facility?: number;
  /** HOSTNAME: this machine's name or address (default `-`, the NILVALUE; collectors fill in the peer). */
  readonly hostname?: string;
  /** APP-NAME (default `sockscope`). */
  readonly appName?: string;
  /** PROCID: the process id, when known (default `-`). */
  readonly procId?: string;
  /** Enterprise number of the SD-ID `sockscope@N` (default 32473, see {@linkcode DEFAULT_ENTERPRISE_ID}). */
  readonly enterpriseId?: string;
  /** Longest message in UTF-8 bytes (default 2,048; at least 480): MSG, then long values, are cut to fit. */
  readonly maxBytes?: number;
}

const ENCODER = new TextEncoder();

/** PRINTUSASCII (%d33-126) of at most `max` characters; empty is the NILVALUE. */
function headerField(value: string | undefined, max: number): string {
  const text = (value ?? "").replace(/[^\x21-\x7e]/g, "_").slice(0, max);
  return text === "" ? "-" : text;
}

/** A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash (RFC 5424 section 6.3.3). */
function paramValue(value: string): string {
  return value.replace(/["\\\]]/g, "\\$&");
}

/** RFC 3339 as RFC 5424 section 6.2.3 restricts it (at most 6 fraction digits, no leap second). */
const TIMESTAMP =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function timestamp(ts: string): string {
  if (TIMESTAMP.test(ts)) return ts;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? "-" : new Date(ms).toISOString();
}

type Params = [name: string, value: string | number | undefined][];

/** The event's parameters, and its MSG. `cut` bounds the free-text values (code points). */
function describe(event: SyslogEvent, cut: number): [params: Params, msg: string] {
  switch (event.type) {
    case "alert": {
      const ep = event.episode;
      return [[
        ["sid", event.signature_id],
        ["rev", event.rev],
        ["severity", event.severity],
        ["action", event.action],
        ["origin", event.origin],
        ["proto", event.proto],
        ["src", event.src ?? undefined],
        ["sport", event.sport ?? undefined],
        ["dst", event.dst],
        ["dport", event.dport],
        ["uid", event.uid],
        ["community_id", event.community_id],
        ["app_proto", event.app_proto === undefined ? undefined : visibleText(event.app_proto, 32)],
        ["suppressed", event.suppressed],
        ["kind", ep?.kind],
        ["count", ep?.count],
        ["threshold", ep?.threshold],
        ["window", ep?.window],
        ["category", visibleText(event.category, cut)],
        ["signature", visibleText(event.signature, cut)],
      ], alertSummary(event, cut)];
    }
    case "ban":
      return [
        [
          ["action", event.action],
          ["src", event.src],
          ["sid", event.signature_id],
          ["offense", event.offense],
          ["duration", event.duration],
          ["until", event.until],
          ["reason", visibleText(event.reason, cut)],
        ],
        event.action === "ban"
          ? `banned ${event.src} for ${event.duration}s (offense ${event.offense}): ${
            visibleText(event.reason)
          }`
          : `unbanned ${event.src} (offense ${event.offense})`,
      ];
    case "episode.end":
      return [
        [
          ["kind", event.kind],
          ["src", event.src ?? undefined],
          ["connections", event.connections],
          ["port_count", event.port_count],
          ["first", event.first],
          ["last", event.last],
        ],
        `${event.kind} episode from ${
          formatEndpoint(event.src, null)
        } ended: ${event.connections} connections, ${event.port_count} ports, ${event.first} to ${event.last}`,
      ];
  }
}

function structuredData(sdId: string, params: Params): string {
  let sd = `[${sdId}`;
  for (const [name, value] of params) {
    if (value === undefined || value === "") continue;
    sd += ` ${name}="${paramValue(String(value))}"`;
  }
  return sd + "]";
}

/** The longest prefix of `text` within `bytes` UTF-8 bytes (whole code points). */
function fitBytes(text: string, bytes: number): string {
  if (ENCODER.encode(text).byteLength <= bytes) return text;
  let out = "";
  let used = 0;
  for (const c of text) {
    const n = ENCODER.encode(c).byteLength;
    if (used + n > bytes) break;
    out += c;
    used += n;
  }
  return out;
}

/**
 * The RFC 5424 message of an event (without any framing or newline); its
 * UTF-8 form is at most `maxBytes` long.
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "../monitor/events.ts";
 * import { formatSyslog } from "./syslog_format.ts";
 * declare const alert: AlertEvent;
 * console.log(formatSyslog(alert, { hostname: "sensor1" }));
 * // <34>1 2026-12-01T10:00:01.123Z sensor1 sockscope - alert [sockscope@32473 sid="2000537" ...] severity 2: ...
 * ```
 *
 * @throws {RangeError} when `facility` or `maxBytes` is out of range.
 */
export function formatSyslog(event: SyslogEvent, options: SyslogFormatOptions = {}): string {
  const facility = options.facility ?? DEFAULT_SYSLOG_FACILITY;
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) {
    throw new RangeError(`Invalid syslog facility "${facility}": expected an integer 0-23`);
  }
  const maxBytes = options.maxBytes ?? 2048;
  if (!Number.isInteger(maxBytes) || maxBytes < MIN_MAX_BYTES) {
    throw new RangeError(
      `Invalid syslog maxBytes "${maxBytes}": expected an integer >= ${MIN_MAX_BYTES}`,
    );
  }
  const header = `<${facility * 8 + syslogSeverity(event)}>1 ${timestamp(event.ts)} ${
    headerField(options.hostname, 255)
  } ${headerField(options.appName ?? "sockscope", 48)} ${headerField(options.procId, 128)} ${
    headerField(event.type, 32)
  } `;
  // SD-NAME: PRINTUSASCII except = SP ] ", at most 32 characters.
  const sdId = `sockscope@${
    (options.enterpriseId ?? DEFAULT_ENTERPRISE_ID).replace(/[^0-9.]/g, "") ||
    DEFAULT_ENTERPRISE_ID
  }`.slice(0, 32);
  let msg = "";
  let sd = "-";
  let room = -1;
  // Long free text is cut harder until the structured data leaves room for the whole MSG.
  for (const cut of [256, 48, 8]) {
    const [params, text] = describe(event, cut);
    msg = text;
    sd = structuredData(sdId, params);
    room = maxBytes - ENCODER.encode(header + sd).byteLength;
    if (room >= 4 + ENCODER.encode(msg).byteLength) break;
  }
  if (room < 2) {
    // Only with huge header fields: the NILVALUE instead of structured data.
    sd = "-";
    room = maxBytes - ENCODER.encode(header + sd).byteLength;
    if (room < 1) return fitBytes(header + sd, maxBytes);
  }
  // A space, then MSG: ASCII as it is, anything else as UTF-8 after a BOM.
  const ascii = /^[\x20-\x7e]*$/.test(msg);
  const body = fitBytes(msg, room - 1 - (ascii ? 0 : 3));
  return `${header}${sd} ${ascii || body === "" ? body : "\uFEFF" + body}`;
}
