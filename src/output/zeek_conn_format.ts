/**
 * Zeek's conn.log: one record per finished connection or UDP flow, in
 * Zeek's tab-separated ASCII log (with its `#` header lines) or its JSON log,
 * so that zeek-cut, Zeek log readers, Splunk/Elastic Zeek pipelines and RITA
 * read sockscope's records like Zeek's own. `docs/formats.md` ("Zeek
 * conn.log") says how each field is derived from what a socket can observe.
 *
 * @module
 */

import type { ServiceName } from "../detect/app_info.ts";
import type { ConnCloseEvent, MonitorEvent } from "../monitor/events.ts";
import { parseIpInto } from "../net/ip.ts";
import type { RecordFormat } from "./record_format.ts";

/** The fields of Zeek's conn.log, in Zeek's order, with community-id-logging's `community_id` last. */
const FIELDS: readonly string[] = [
  "ts",
  "uid",
  "id.orig_h",
  "id.orig_p",
  "id.resp_h",
  "id.resp_p",
  "proto",
  "service",
  "duration",
  "orig_bytes",
  "resp_bytes",
  "conn_state",
  "local_orig",
  "local_resp",
  "missed_bytes",
  "history",
  "orig_pkts",
  "orig_ip_bytes",
  "resp_pkts",
  "resp_ip_bytes",
  "tunnel_parents",
  "ip_proto",
  "community_id",
];

/** Zeek's type of each field, as the `#types` line names them. */
const TYPES: readonly string[] = [
  "time",
  "string",
  "addr",
  "port",
  "addr",
  "port",
  "enum",
  "string",
  "interval",
  "count",
  "count",
  "string",
  "bool",
  "bool",
  "count",
  "string",
  "count",
  "count",
  "count",
  "count",
  "set[string]",
  "count",
  "string",
];

/** Options of {@linkcode ZeekConnFormat}. */
export interface ZeekConnFormatOptions {
  /**
   * Write Zeek's JSON log (`LogAscii::use_json=T`: one object per line,
   * `ts` in epoch seconds, dotted field names, unset fields left out, no
   * header lines) instead of the tab-separated one. Default false.
   */
  readonly json?: boolean;
}

/** IP header plus UDP header, per datagram, for `orig_ip_bytes`/`resp_ip_bytes` of UDP flows. */
const UDP_IP_OVERHEAD_V4 = 20 + 8;
const UDP_IP_OVERHEAD_V6 = 40 + 8;
const TCP = 6;
const UDP = 17;

const SCRATCH = new Uint8Array(16);
const ENCODER = new TextEncoder();

/**
 * Zeek's conn.log as a {@linkcode RecordFormat}: one record per `conn.close`
 * (TCP connections and UDP flows); other events are ignored.
 *
 * The tab-separated form starts every file with Zeek's header lines
 * (`#separator \x09`, `#set_separator`, `#empty_field`, `#unset_field`,
 * `#path conn`, `#open`, `#fields`, `#types`) and ends it with `#close`, the
 * times in local time as Zeek writes them. Unset fields are `-`, and strings
 * are escaped as Zeek escapes them (`\x09` for a tab, `\\` for a backslash,
 * `\xNN` for control bytes).
 *
 * @example
 * ```ts
 * import { RecordWriter, type Sink, ZeekConnFormat } from "@sockscope/sockscope";
 * const sink: Sink = {
 *   write: () => Promise.resolve(),
 *   sync: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * const log = new RecordWriter(sink, new ZeekConnFormat());
 * const json = new ZeekConnFormat({ json: true });
 * console.log(json.encode({
 *   ts: "2026-11-26T10:00:01.500Z", type: "conn.close", uid: "CHhAvVGS1DHFjwGM9a", proto: "tcp",
 *   src: "192.0.2.7", sport: 41620, dst: "10.0.0.1", dport: 22, reason: "fin", duration: 1.5,
 *   orig_bytes: 26, resp_bytes: 4, start: "2026-11-26T10:00:00.000Z", orig_end: "fin",
 *   resp_end: "fin", first_end: "orig", orig_first_ms: 2, resp_first_ms: 1,
 * }));
 * // {"ts":1795687200,"uid":"CHhAvVGS1DHFjwGM9a",...,"conn_state":"SF",...,"history":"ShAdDFf",...}
 * await log.close();
 * ```
 */
export class ZeekConnFormat implements RecordFormat {
  /** `zeek conn.log` or `zeek conn.log (json)`. */
  readonly name: string;
  /** False: records come from `conn.close` alone. */
  readonly wantsData = false;
  #json: boolean;

  /** Creates the format; tab-separated unless `options.json`. */
  constructor(options: ZeekConnFormatOptions = {}) {
    this.#json = options.json ?? false;
    this.name = this.#json ? "zeek conn.log (json)" : "zeek conn.log";
  }

  /**
   * Zeek's header lines (tab-separated form), `#open` at `nowMs` in local
   * time; nothing for JSON. A file being appended to gets a new header block
   * too: Zeek log readers take each block's `#fields` as they come.
   */
  header(nowMs: number, _existingBytes: number): string {
    if (this.#json) return "";
    return "#separator \\x09\n" +
      "#set_separator\t,\n" +
      "#empty_field\t(empty)\n" +
      "#unset_field\t-\n" +
      "#path\tconn\n" +
      `#open\t${zeekLocalTime(nowMs)}\n` +
      `#fields\t${FIELDS.join("\t")}\n` +
      `#types\t${TYPES.join("\t")}\n`;
  }

  /** One line for a `conn.close`; `undefined` for every other event. */
  encode(event: MonitorEvent): string | undefined {
    if (event.type !== "conn.close") return undefined;
    const r = connRecord(event);
    return this.#json ? jsonLine(r) : tsvLine(r);
  }

  /** `#close` at `nowMs` in local time (tab-separated form); nothing for JSON. */
  footer(nowMs: number): string {
    return this.#json ? "" : `#close\t${zeekLocalTime(nowMs)}\n`;
  }
}

/** A conn.log record: one value per field of {@linkcode FIELDS}, `undefined` when unset. */
type ConnRecord = (string | number | boolean | undefined)[];
/** Indexes of the time and interval fields (milliseconds in a record). */
const TS = 0;
const DURATION = 8;

function connRecord(ev: ConnCloseEvent): ConnRecord {
  const startMs = Date.parse(ev.start);
  if (Number.isNaN(startMs)) {
    throw new TypeError(`Invalid start "${ev.start}": expected an ISO-8601 time`);
  }
  const known = ev.src !== null && ev.sport !== null;
  const udp = ev.proto === "udp";
  let origPkts: number | undefined;
  let respPkts: number | undefined;
  let origIpBytes: number | undefined;
  let respIpBytes: number | undefined;
  if (udp && ev.orig_pkts !== undefined && ev.resp_pkts !== undefined) {
    origPkts = ev.orig_pkts;
    respPkts = ev.resp_pkts;
    const family = parseIpInto(ev.src ?? ev.dst, SCRATCH);
    const overhead = family === 16 && !isV4Mapped(SCRATCH)
      ? UDP_IP_OVERHEAD_V6
      : UDP_IP_OVERHEAD_V4;
    origIpBytes = ev.orig_bytes + overhead * origPkts;
    respIpBytes = ev.resp_bytes + overhead * respPkts;
  }
  return [
    startMs,
    ev.uid,
    known ? ev.src! : undefined,
    known ? ev.sport! : undefined,
    ev.dst,
    ev.dport,
    ev.proto,
    zeekService(ev.service),
    Math.max(0, Math.round(ev.duration * 1000)),
    ev.orig_bytes,
    ev.resp_bytes,
    zeekConnState(ev),
    known ? isLocalAddress(ev.src!) : undefined,
    isLocalAddress(ev.dst),
    0, // missed_bytes: a socket gets the whole stream
    zeekHistory(ev),
    origPkts,
    origIpBytes,
    respPkts,
    respIpBytes,
    undefined, // tunnel_parents: sockets see no encapsulation
    udp ? UDP : TCP,
    ev.community_id,
  ];
}

function tsvLine(r: ConnRecord): string {
  let line = "";
  for (let i = 0; i < r.length; i++) {
    const v = r[i];
    if (i > 0) line += "\t";
    if (v === undefined) line += "-";
    else if (i === TS || i === DURATION) line += fixed6(v as number);
    else if (typeof v === "boolean") line += v ? "T" : "F";
    else if (typeof v === "number") line += String(v);
    else line += tsvText(v);
  }
  return line + "\n";
}

function jsonLine(r: ConnRecord): string {
  const o: Record<string, string | number | boolean> = {};
  for (let i = 0; i < r.length; i++) {
    const v = r[i];
    if (v === undefined) continue;
    if (i === TS || i === DURATION) o[FIELDS[i]] = (v as number) / 1000;
    else o[FIELDS[i]] = typeof v === "string" ? escapeUtf8(v, true) : v;
  }
  return JSON.stringify(o) + "\n";
}

/** Milliseconds as seconds with six decimals, as Zeek writes `time` and `interval`, without float rounding. */
function fixed6(ms: number): string {
  const s = Math.floor(ms / 1000);
  const frac = ms - s * 1000;
  return `${s}.${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}000`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DD-HH-MM-SS` in local time: the `#open`/`#close` stamp of Zeek's ASCII writer. */
function zeekLocalTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}-` +
    `${two(d.getHours())}-${two(d.getMinutes())}-${two(d.getSeconds())}`;
}

/**
 * Zeek's `service` name for a recognised protocol: Zeek names a service
 * after the analyzer that confirmed it, so TLS is `ssl` (Zeek's SSL
 * analyzer), and `http`, `ssh`, `dns` and `redis` (Zeek 8's Redis analyzer)
 * are as they are. The generic `text`/`binary` guesses are not services:
 * unset, as Zeek leaves it when no analyzer confirmed a protocol.
 *
 * @example
 * ```ts
 * import { zeekService } from "./zeek_conn_format.ts";
 * zeekService("tls"); // "ssl"
 * zeekService("text"); // undefined
 * ```
 *
 * @param service The service of the `conn.close`, if any.
 * @returns The conn.log `service` value, or `undefined` for unset.
 */
export function zeekService(service: ServiceName | undefined): string | undefined {
  switch (service) {
    case "tls":
      return "ssl";
    case "http":
    case "ssh":
    case "dns":
    case "redis":
      return service;
    default:
      return undefined;
  }
}

/**
 * Zeek's `conn_state` for what a socket saw of a connection: `SF` both
 * sides closed with FIN; `S2`/`S3` only the originator's/responder's FIN;
 * `S1` established and neither side closed; `RSTR`/`RSTO` the responder/the
 * originator reset (a responder reset wins, as in Zeek); tap mode: `REJ` the
 * upstream refused, `S0` it did not answer (timeout, unreachable, other
 * error). UDP flows as Zeek does: `SF` when both sides sent, `S0` when only
 * the originator did.
 *
 * @example
 * ```ts
 * import type { ConnCloseEvent } from "@sockscope/sockscope";
 * import { zeekConnState } from "./zeek_conn_format.ts";
 * declare const ev: ConnCloseEvent;
 * if (zeekConnState(ev) === "REJ") console.log("upstream refused", ev.uid);
 * ```
 *
 * @param ev The connection's `conn.close`.
 * @returns The conn_state code.
 */
export function zeekConnState(ev: ConnCloseEvent): string {
  if (ev.proto === "udp") {
    const orig = (ev.orig_pkts ?? ev.orig_bytes) > 0;
    const resp = (ev.resp_pkts ?? ev.resp_bytes) > 0;
    return orig ? (resp ? "SF" : "S0") : resp ? "SHR" : "OTH";
  }
  if (ev.upstream_error === "refused") return "REJ";
  if (ev.upstream_error !== undefined) return "S0";
  if (ev.resp_end === "rst") return "RSTR";
  if (ev.orig_end === "rst") return "RSTO";
  if (ev.orig_end === "fin") return ev.resp_end === "fin" ? "SF" : "S2";
  return ev.resp_end === "fin" ? "S3" : "S1";
}

/**
 * Zeek's `history` letters for what a socket saw of a connection, upper
 * case for the originator, lower case for the responder, each at its first
 * occurrence: `ShA` (the handshake every accepted connection completed;
 * only `S`, then `r` if refused, when a tap's upstream was not reached),
 * then `D`/`d` (payload from each side) ordered by `orig_first_ms` and
 * `resp_first_ms`, then `F`/`R` and `f`/`r` (how each side ended) in the
 * order of `first_end`. UDP: `D`/`d` for datagrams from each side.
 *
 * @example
 * ```ts
 * import type { ConnCloseEvent } from "@sockscope/sockscope";
 * import { zeekHistory } from "./zeek_conn_format.ts";
 * declare const ev: ConnCloseEvent;
 * console.log(zeekHistory(ev)); // e.g. "ShADadFf" for a request answered and closed
 * ```
 *
 * @param ev The connection's `conn.close`.
 * @returns The history letters.
 */
export function zeekHistory(ev: ConnCloseEvent): string {
  const origData = ev.proto === "udp" ? (ev.orig_pkts ?? ev.orig_bytes) > 0 : ev.orig_bytes > 0;
  const respData = ev.proto === "udp" ? (ev.resp_pkts ?? ev.resp_bytes) > 0 : ev.resp_bytes > 0;
  const origAt = ev.orig_first_ms ?? Infinity;
  const respAt = ev.resp_first_ms ?? Infinity;
  let data: string;
  if (origData && respData) data = respAt < origAt ? "dD" : "Dd";
  else data = origData ? "D" : respData ? "d" : "";
  if (ev.proto === "udp") return data;
  const refused = ev.upstream_error === "refused";
  const start = ev.upstream_error === undefined ? "ShA" : refused ? "Sr" : "S";
  const orig = ev.orig_end === "fin" ? "F" : ev.orig_end === "rst" ? "R" : "";
  // A refusal is the responder's reset, already told.
  const resp = refused ? "" : ev.resp_end === "fin" ? "f" : ev.resp_end === "rst" ? "r" : "";
  return start + data + (ev.first_end === "resp" ? resp + orig : orig + resp);
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * Whether `address` counts as local for `local_orig`/`local_resp`: this host
 * and private networks: loopback (127/8, ::1), unspecified (0/8, ::, the
 * wildcard a listener is bound to), RFC 1918 (10/8, 172.16/12, 192.168/16),
 * link-local (169.254/16, fe80::/10) and unique local IPv6 (fc00::/7).
 * IPv4-mapped IPv6 counts as its IPv4 address. `undefined` for text that is
 * not an address.
 */
function isLocalAddress(address: string): boolean | undefined {
  const b = SCRATCH;
  const n = parseIpInto(address, b);
  if (n === 0) return undefined;
  let v4 = n === 4 ? 0 : isV4Mapped(b) ? 12 : -1;
  if (v4 === -1) {
    let zeros = true;
    for (let i = 0; i < 15; i++) if (b[i] !== 0) zeros = false;
    if (zeros && (b[15] === 0 || b[15] === 1)) return true; // :: and ::1
    return (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) || (b[0] & 0xfe) === 0xfc;
  }
  const a0 = b[v4];
  const a1 = b[++v4];
  return a0 === 127 || a0 === 0 || a0 === 10 || (a0 === 172 && (a1 & 0xf0) === 16) ||
    (a0 === 192 && a1 === 168) || (a0 === 169 && a1 === 254);
}

/**
 * Code points Zeek's UTF-8 check refuses to pass through: C0 and C1
 * controls, DEL, private use (U+E000-U+F8FF), specials (U+FFF0-U+FFFF),
 * and, JavaScript's own, lone surrogates.
 */
function refused(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff) ||
    (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfff0 && cp <= 0xffff);
}

function keptControl(c: number, keep: boolean): boolean {
  return keep && (c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d);
}

/**
 * Zeek's `escape_utf8`: text passes as it is unless it holds a code point
 * Zeek refuses; then every byte of its UTF-8 outside printable ASCII becomes
 * `\xNN` (lower-case hex). `keepWhitespaceControls`: `\b \f \n \r \t` stay
 * as they are (JSON, where the JSON encoder escapes them).
 */
function escapeUtf8(s: string, keepWhitespaceControls: boolean): string {
  let clean = true;
  for (let i = 0; i < s.length && clean; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || keptControl(c, keepWhitespaceControls)) continue;
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (refused(cp)) clean = false;
  }
  if (clean) return s;
  let out = "";
  // A lone surrogate encodes as U+FFFD's bytes, escaped like any refused character.
  for (const b of ENCODER.encode(s)) {
    out += (b >= 0x20 && b < 0x7f) || keptControl(b, keepWhitespaceControls)
      ? String.fromCharCode(b)
      : `\\x${b < 16 ? "0" : ""}${b.toString(16)}`;
  }
  return out;
}

/**
 * A string field of the tab-separated log, escaped as Zeek's ASCII writer
 * does: empty is `(empty)`; a value that reads as the unset or empty marker
 * gets its first character escaped; a backslash becomes `\\` and the
 * separator (tab) `\x09`; between them, {@linkcode escapeUtf8} with control
 * characters escaped too.
 */
function tsvText(s: string): string {
  if (s === "") return "(empty)";
  if (s === "-") return "\\x2d";
  if (s === "(empty)") return "\\x28empty)";
  let plain = true;
  for (let i = 0; i < s.length && plain; i++) {
    const c = s.charCodeAt(i);
    plain = c >= 0x20 && c < 0x7f && c !== 0x5c;
  }
  if (plain) return s;
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x5c && c !== 0x09) continue;
    out += escapeUtf8(s.slice(from, i), false) + (c === 0x5c ? "\\\\" : "\\x09");
    from = i + 1;
  }
  return out + escapeUtf8(s.slice(from), false);
}
