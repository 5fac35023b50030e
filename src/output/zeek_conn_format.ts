/**
 * Zeek's conn.log: one record per finished connection or UDP flow, in
 * Zeek's tab-separated ASCII log (with its `#` header lines) or its JSON log,
 * so that zeek-cut, Zeek log readers, Splunk/Elastic Zeek pipelines and RITA
 * read sockscope's records like Zeek's own. `docs/formats.md` ("Zeek
 * conn.log") says how each field is derived from what a socket can observe.
 *
 * @module
 */

import type { ConnCloseEvent, MonitorEvent } from "../monitor/events.ts";
import { parseIsoTimestamp } from "../format/timestamp.ts";
import type { RecordFormat } from "./record_format.ts";
import {
  isLocalAddress,
  udpIpOverhead,
  zeekConnState,
  zeekHistory,
  zeekService,
} from "./zeek_conn_fields.ts";
import { writeZeekTsvLine, zeekTsvLineBound } from "./zeek_conn_line.ts";

export { zeekConnState, zeekHistory, zeekService } from "./zeek_conn_fields.ts";

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

const TCP = 6;
const UDP = 17;

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

  /** Room for {@linkcode encodeInto}'s line of `event`: a tab-separated log's `conn.close`; else 0. */
  bound(event: MonitorEvent): number {
    return !this.#json && event.type === "conn.close" ? zeekTsvLineBound(event) : 0;
  }

  /** A `conn.close`'s tab-separated line as bytes into `buf` at `at`; -1 leaves the event to `encode`. */
  encodeInto(buf: Uint8Array, at: number, event: MonitorEvent): number {
    if (this.#json || event.type !== "conn.close") return -1;
    return writeZeekTsvLine(buf, at, event);
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
  const startMs = parseIsoTimestamp(ev.start);
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
    const overhead = udpIpOverhead(ev);
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
