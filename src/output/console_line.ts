/**
 * The pieces of a console line that every connection makes: the local time
 * of day, the peer, and the `open` and `close` lines themselves, the last
 * two also written as bytes straight into the console writer's queue (one
 * of each per connection; the scanner benchmark makes tens of thousands a
 * second). A line that needs anything the byte path does not do (colour,
 * an error text to escape, a time not in the monitor's form) is declined and
 * the writer builds it as a string; a test holds both paths equal.
 *
 * @module
 */

import type { ConnCloseEvent, ConnOpenEvent } from "../monitor/events.ts";
import { formatHostPort } from "../net/ip.ts";
import { formatDuration } from "../format/duration.ts";
import { formatBytes } from "../format/size.ts";
import { isMonitorTimestamp } from "../format/timestamp.ts";
import { lit, putAscii, putBytes, putJsonNumber } from "./line_bytes.ts";

function pad(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

let cachedSecond = "";
let cachedLocal = "";

/** The local `HH:MM:SS.` of an ISO timestamp's second, computed once per second. */
function localSecond(ts: string): string {
  const second = ts.slice(0, 19);
  if (second !== cachedSecond) {
    const d = new Date(second + "Z");
    cachedSecond = second;
    cachedLocal = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.`;
  }
  return cachedLocal;
}

/**
 * Local time of day with milliseconds, from an ISO timestamp. The local
 * `HH:MM:SS` is computed once per second: a console line per connection
 * at thousands of connections per second must stay cheap.
 *
 * @example
 * ```ts
 * import { consoleTime } from "./console_line.ts";
 * consoleTime("2026-11-26T10:00:00.250Z").endsWith(":00.250"); // true (in any time zone)
 * ```
 */
export function consoleTime(ts: string): string {
  return localSecond(ts) + ts.slice(20, 23);
}

/**
 * `host:port` of a peer, or a plain statement that the runtime could not read it.
 *
 * @example
 * ```ts
 * import { consolePeer } from "./console_line.ts";
 * consolePeer(null, null); // "(unknown peer)"
 * ```
 */
export function consolePeer(address: string | null, port: number | null): string {
  return address === null || port === null ? "(unknown peer)" : formatHostPort(address, port);
}

const OPEN = lit(" open   ");
const CLOSE = lit(" close  ");
const ARROW = lit(" -> ");
const UNKNOWN_PEER = lit("(unknown peer)");
const GAP = lit("  ");
const UPSTREAM = lit("  upstream ");
const IN = lit("  in ");
const OUT = lit("  out ");
const B = lit(" B");
/** Room for the constant parts, numbers and short words of a close line. */
const FIXED_BYTES = 256;

/** What a close line needs besides its event: the label the writer kept for it, if any. */
export interface CloseLineInput {
  /** The connection's event. */
  event: ConnCloseEvent;
  /** `src -> dst` as its open line showed it (kept for data lines), or undefined. */
  label: string | undefined;
}

/**
 * An upper bound of the bytes an open or close line of `ev` takes (with
 * `label` in place of the peers when given).
 *
 * @example
 * ```ts
 * import { consoleLineBound } from "./console_line.ts";
 * consoleLineBound({ ts: "", type: "conn.open", uid: "C1", proto: "tcp", src: null, sport: null, dst: "::1", dport: 1 }, undefined) > 0; // true
 * ```
 */
export function consoleLineBound(
  ev: ConnOpenEvent | ConnCloseEvent,
  label: string | undefined,
): number {
  return FIXED_BYTES + ev.uid.length + (label?.length ?? (ev.src?.length ?? 0) + ev.dst.length) +
    (ev.type === "conn.close" ? ev.reason.length + (ev.upstream_error?.length ?? 0) : 0);
}

/** `HH:MM:SS.mmm` from a time in the monitor's form; -1 for any other. */
function putTime(buf: Uint8Array, o: number, ts: string): number {
  if (!isMonitorTimestamp(ts)) return -1;
  o = putAscii(buf, o, localSecond(ts));
  if (o < 0) return -1;
  for (let i = 20; i < 23; i++) buf[o++] = ts.charCodeAt(i);
  return o;
}

/** `host:port`, IPv6 in brackets, as {@linkcode formatHostPort} writes it. */
function putHostPort(buf: Uint8Array, o: number, address: string, port: number): number {
  const v6 = address.indexOf(":") !== -1 && address.charCodeAt(0) !== 0x5b;
  if (v6) buf[o++] = 0x5b;
  o = putAscii(buf, o, address);
  if (o < 0) return -1;
  if (v6) buf[o++] = 0x5d;
  buf[o++] = 0x3a;
  return putJsonNumber(buf, o, port);
}

/** `src -> dst` of a connection (the label of its lines). */
function putLabel(buf: Uint8Array, o: number, ev: ConnOpenEvent | ConnCloseEvent): number {
  o = ev.src === null || ev.sport === null
    ? putBytes(buf, o, UNKNOWN_PEER)
    : putHostPort(buf, o, ev.src, ev.sport);
  if (o < 0) return -1;
  return putHostPort(buf, putBytes(buf, o, ARROW), ev.dst, ev.dport);
}

function validPort(port: number | null): boolean {
  return port === null || (Number.isInteger(port) && port >= 0 && port <= 65535);
}

/**
 * The uncoloured `open` line of `ev` into `buf` at `at`; where it ends, or
 * -1 to leave the line to the string path.
 *
 * @example
 * ```ts
 * import { consoleLineBound, writeOpenLine } from "./console_line.ts";
 * const ev = { ts: "2026-11-26T10:00:00.250Z", type: "conn.open", uid: "C1", proto: "tcp", src: "192.0.2.7", sport: 41620, dst: "10.0.0.1", dport: 22 } as const;
 * const buf = new Uint8Array(consoleLineBound(ev, undefined));
 * new TextDecoder().decode(buf.subarray(0, writeOpenLine(buf, 0, ev))); // "HH:MM:SS.250 open   192.0.2.7:41620 -> 10.0.0.1:22  C1\n"
 * ```
 */
export function writeOpenLine(buf: Uint8Array, at: number, ev: ConnOpenEvent): number {
  // A port formatHostPort would refuse goes to the string path (and its error).
  if (!validPort(ev.sport) || !validPort(ev.dport)) return -1;
  let o = putTime(buf, at, ev.ts);
  if (o < 0) return -1;
  o = putLabel(buf, putBytes(buf, o, OPEN), ev);
  if (o < 0) return -1;
  o = putAscii(buf, putBytes(buf, o, GAP), ev.uid);
  if (o < 0) return -1;
  buf[o] = 10;
  return o + 1;
}

/** A count or duration the byte path writes: not negative, not NaN, not infinite. */
function finite(n: number): boolean {
  return n >= 0 && n < Infinity;
}

/** A byte count as {@linkcode formatBytes} writes it. */
function putSize(buf: Uint8Array, o: number, n: number): number {
  if (n >= 0 && n < 1024 && Number.isInteger(n)) return putBytes(buf, putJsonNumber(buf, o, n), B);
  return putAscii(buf, o, formatBytes(n));
}

/**
 * The uncoloured `close` line of a connection without an error text into
 * `buf` at `at`; where it ends, or -1 to leave the line to the string path.
 *
 * @example
 * ```ts ignore
 * const end = writeCloseLine(buf, at, { event, label: undefined });
 * ```
 */
export function writeCloseLine(buf: Uint8Array, at: number, input: CloseLineInput): number {
  const ev = input.event;
  if (ev.error || !validPort(ev.sport) || !validPort(ev.dport)) return -1;
  if (!finite(ev.orig_bytes) || !finite(ev.resp_bytes) || !finite(ev.duration)) return -1;
  let o = putTime(buf, at, ev.ts);
  if (o < 0) return -1;
  o = putBytes(buf, o, CLOSE);
  o = input.label === undefined ? putLabel(buf, o, ev) : putAscii(buf, o, input.label);
  if (o < 0) return -1;
  o = putAscii(buf, putBytes(buf, o, GAP), ev.reason);
  if (o < 0) return -1;
  if (ev.upstream_addr !== undefined) {
    const state = ev.upstream_error ?? (ev.resp_end === "rst" ? "reset" : "ok");
    o = putAscii(buf, putBytes(buf, o, UPSTREAM), state);
    if (o < 0) return -1;
  }
  o = putSize(buf, putBytes(buf, o, IN), ev.orig_bytes);
  o = putSize(buf, putBytes(buf, o, OUT), ev.resp_bytes);
  o = putAscii(buf, putBytes(buf, o, GAP), formatDuration(ev.duration * 1000));
  buf[o] = 10;
  return o + 1;
}
