/**
 * The tab-separated conn.log record of a finished connection, written as
 * bytes straight into a writer's queue (the tap and the listener write one
 * per connection). Field by field what the string path of
 * `ZeekConnFormat` writes (a test holds the two equal); a string that Zeek
 * would escape (or that reads as one of its markers), a number that is not
 * finite, or a time not in the monitor's own form makes it decline, and the
 * format then builds the line as a string.
 *
 * @module
 */

import type { ConnCloseEvent } from "../monitor/events.ts";
import { isMonitorTimestamp, parseIsoTimestamp } from "../format/timestamp.ts";
import { lit, putAscii, putBytes, putJsonNumber } from "./line_bytes.ts";
import {
  isLocalAddress,
  udpIpOverhead,
  zeekConnState,
  zeekHistory,
  zeekService,
} from "./zeek_conn_fields.ts";

const TAB = 0x09;
const DASH = 0x2d;
const UNSET = lit("\t-");
const PROTO_TCP = lit("\ttcp\t");
const PROTO_UDP = lit("\tudp\t");
const BOOL_T = lit("\tT");
const BOOL_F = lit("\tF");
/** missed_bytes: a socket gets the whole stream. */
const MISSED = lit("\t0\t");
/** Unset packet counts and IP bytes, unset tunnel_parents, and ip_proto. */
const NO_PKTS_TCP = lit("\t-\t-\t-\t-\t-\t6\t");
const NO_PKTS_UDP = lit("\t-\t-\t-\t-\t-\t17\t");
/** Unset tunnel_parents and ip_proto after a UDP flow's packet counts. */
const TUNNEL_UDP = lit("\t-\t17\t");
/** Zeek's empty-field marker (a UDP flow with no datagram either way has no history). */
const EMPTY = lit("(empty)");
const NEWLINE = 0x0a;
/** Room for separators, numbers and the short words of the longest record. */
const FIXED_BYTES = 384;

/**
 * An upper bound of the bytes {@linkcode writeZeekTsvLine} may write for `ev`.
 *
 * @example
 * ```ts
 * import { zeekTsvLineBound } from "./zeek_conn_line.ts";
 * zeekTsvLineBound({
 *   ts: "2026-11-26T10:00:01.500Z", type: "conn.close", uid: "C1", proto: "tcp", src: null,
 *   sport: null, dst: "10.0.0.1", dport: 22, reason: "rst", duration: 1.5, orig_bytes: 0,
 *   resp_bytes: 0, start: "2026-11-26T10:00:00.000Z", orig_end: "rst", resp_end: null,
 *   first_end: "orig",
 * }) > 384; // true
 * ```
 */
export function zeekTsvLineBound(ev: ConnCloseEvent): number {
  return FIXED_BYTES + ev.uid.length + (ev.src?.length ?? 0) + ev.dst.length +
    (ev.community_id?.length ?? 0);
}

/**
 * A string field as it is, when Zeek's ASCII writer would write it so:
 * printable ASCII without a backslash (nor `"`, which `putAscii` leaves to
 * the string path), not empty and not one of the markers `-`/`(empty)`.
 */
function putText(buf: Uint8Array, o: number, s: string): number {
  if (s.length === 0 || s === "-" || s === "(empty)") return -1;
  return putAscii(buf, o, s);
}

/** A count or port as `String(v)` writes it; -1 for what is not finite (`NaN` is the string path's). */
function putCount(buf: Uint8Array, o: number, v: number): number {
  return Number.isFinite(v) ? putJsonNumber(buf, o, v) : -1;
}

/** Milliseconds as seconds with six decimals (`time`, `interval`); -1 when not finite. */
function putFixed6(buf: Uint8Array, o: number, ms: number): number {
  if (!Number.isFinite(ms)) return -1;
  const s = Math.floor(ms / 1000);
  const frac = ms - s * 1000;
  o = putJsonNumber(buf, o, s);
  buf[o++] = 0x2e;
  // frac is a whole number of milliseconds (callers round): three digits, then "000".
  buf[o++] = 0x30 + Math.floor(frac / 100);
  buf[o++] = 0x30 + (Math.floor(frac / 10) % 10);
  buf[o++] = 0x30 + (frac % 10);
  buf[o++] = 0x30;
  buf[o++] = 0x30;
  buf[o++] = 0x30;
  return o;
}

/**
 * Writes the conn.log line of `ev` into `buf` at `at` (room:
 * {@linkcode zeekTsvLineBound}); returns where it ends, or -1 when the line
 * needs the string path.
 *
 * @example
 * ```ts
 * import { writeZeekTsvLine, zeekTsvLineBound } from "./zeek_conn_line.ts";
 * const ev = {
 *   ts: "2026-11-26T10:00:01.500Z", type: "conn.close", uid: "C1", proto: "tcp", src: "192.0.2.7",
 *   sport: 41620, dst: "10.0.0.1", dport: 22, reason: "fin", duration: 1.5, orig_bytes: 26,
 *   resp_bytes: 4, start: "2026-11-26T10:00:00.000Z", orig_end: "fin", resp_end: "fin",
 *   first_end: "orig",
 * } as const;
 * const buf = new Uint8Array(zeekTsvLineBound(ev));
 * const end = writeZeekTsvLine(buf, 0, ev);
 * new TextDecoder().decode(buf.subarray(0, end)); // "1795687200.000000\tC1\t192.0.2.7\t41620\t..."
 * ```
 */
export function writeZeekTsvLine(buf: Uint8Array, at: number, ev: ConnCloseEvent): number {
  if (!isMonitorTimestamp(ev.start)) return -1;
  const startMs = parseIsoTimestamp(ev.start);
  const durationMs = Math.max(0, Math.round(ev.duration * 1000));
  let o = putFixed6(buf, at, startMs);
  if (o < 0) return -1;
  buf[o++] = TAB;
  o = putText(buf, o, ev.uid);
  if (o < 0) return -1;
  const known = ev.src !== null && ev.sport !== null;
  if (known) {
    buf[o++] = TAB;
    o = putText(buf, o, ev.src!);
    if (o < 0) return -1;
    o = putTabCount(buf, o, ev.sport!);
    if (o < 0) return -1;
  } else {
    o = putBytes(buf, putBytes(buf, o, UNSET), UNSET);
  }
  buf[o++] = TAB;
  o = putText(buf, o, ev.dst);
  if (o < 0) return -1;
  o = putTabCount(buf, o, ev.dport);
  if (o < 0) return -1;
  const udp = ev.proto === "udp";
  if (!udp && ev.proto !== "tcp") return -1;
  o = putBytes(buf, o, udp ? PROTO_UDP : PROTO_TCP);
  const service = zeekService(ev.service);
  if (service === undefined) buf[o++] = DASH;
  else o = putAscii(buf, o, service);
  buf[o++] = TAB;
  o = putFixed6(buf, o, durationMs);
  if (o < 0) return -1;
  o = putTabCount(buf, o, ev.orig_bytes);
  o = putTabCount(buf, o, ev.resp_bytes);
  if (o < 0) return -1;
  buf[o++] = TAB;
  o = putAscii(buf, o, zeekConnState(ev));
  o = putLocal(buf, o, known ? isLocalAddress(ev.src!) : undefined);
  o = putLocal(buf, o, isLocalAddress(ev.dst));
  o = putBytes(buf, o, MISSED);
  const history = zeekHistory(ev);
  o = history === "" ? putBytes(buf, o, EMPTY) : putAscii(buf, o, history);
  if (udp && ev.orig_pkts !== undefined && ev.resp_pkts !== undefined) {
    const overhead = udpIpOverhead(ev);
    o = putTabCount(buf, o, ev.orig_pkts);
    o = putTabCount(buf, o, ev.orig_bytes + overhead * ev.orig_pkts);
    o = putTabCount(buf, o, ev.resp_pkts);
    o = putTabCount(buf, o, ev.resp_bytes + overhead * ev.resp_pkts);
    if (o < 0) return -1;
    o = putBytes(buf, o, TUNNEL_UDP);
  } else {
    o = putBytes(buf, o, udp ? NO_PKTS_UDP : NO_PKTS_TCP);
  }
  if (ev.community_id === undefined) buf[o++] = DASH;
  else {
    o = putText(buf, o, ev.community_id);
    if (o < 0) return -1;
  }
  buf[o++] = NEWLINE;
  return o;
}

/** A tab and a count; -1 if `o` already is (so that a run of them checks once). */
function putTabCount(buf: Uint8Array, o: number, v: number): number {
  if (o < 0) return -1;
  buf[o] = TAB;
  return putCount(buf, o + 1, v);
}

function putLocal(buf: Uint8Array, o: number, local: boolean | undefined): number {
  return putBytes(buf, o, local === undefined ? UNSET : local ? BOOL_T : BOOL_F);
}
