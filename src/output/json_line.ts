/**
 * NDJSON lines of the events every connection makes, written as bytes
 * straight into a writer's queue.
 *
 * `conn.open`, `conn.data`, `conn.close` and `udp.datagram` are laid out field by field in
 * {@linkcode eventToJson}'s order (a test holds them equal): constant parts
 * are copied from pre-encoded bytes, strings character by character with
 * the escape check in the same loop. A string that would need escaping (or a
 * number JSON cannot write) makes the writer decline, and the caller falls
 * back to `JSON.stringify`; so does every other event. Measured per
 * `conn.close` line against a template string plus `encodeInto` (the
 * previous way): Bun 0.45 vs 1.3-2.0 µs, Deno 0.55 vs 1.2-2.2 µs, Node 1.1-1.7
 * vs 1.5 µs (Node 20 copies characters slowly, but flattening the template
 * costs as much).
 *
 * @module
 */

import type {
  ConnCloseEvent,
  ConnDataEvent,
  ConnOpenEvent,
  MonitorEvent,
  UdpDatagramEvent,
} from "../monitor/events.ts";
import { encodeBase64Into } from "../format/base64.ts";
import {
  lit,
  putBytes as bytes,
  putJsonNullable as nullable,
  putJsonNumber as num,
  putJsonString as str,
} from "./line_bytes.ts";

const TS = lit('{"ts":');
const OPEN_TYPE = lit(',"type":"conn.open","uid":');
const CLOSE_TYPE = lit(',"type":"conn.close","uid":');
const DATA_TYPE = lit(',"type":"conn.data","uid":');
const DATAGRAM_TYPE = lit(',"type":"udp.datagram","uid":');
const COMMUNITY_ID = lit(',"community_id":');
const PROTO = lit(',"proto":');
const SRC = lit(',"src":');
const SPORT = lit(',"sport":');
const DST = lit(',"dst":');
const DPORT = lit(',"dport":');
const REASON = lit(',"reason":');
const DURATION = lit(',"duration":');
const ORIG_BYTES = lit(',"orig_bytes":');
const RESP_BYTES = lit(',"resp_bytes":');
const ERROR = lit(',"error":');
const START = lit(',"start":');
const ORIG_END = lit(',"orig_end":');
const RESP_END = lit(',"resp_end":');
const FIRST_END = lit(',"first_end":');
const ORIG_FIRST_MS = lit(',"orig_first_ms":');
const RESP_FIRST_MS = lit(',"resp_first_ms":');
const ORIG_PKTS = lit(',"orig_pkts":');
const RESP_PKTS = lit(',"resp_pkts":');
const SERVICE = lit(',"service":');
const UPSTREAM_ADDR = lit(',"upstream_addr":');
const UPSTREAM_PORT = lit(',"upstream_port":');
const UPSTREAM_SPORT = lit(',"upstream_sport":');
const UPSTREAM_CONNECT_MS = lit(',"upstream_connect_ms":');
const UPSTREAM_ERROR = lit(',"upstream_error":');
const DIR = lit(',"dir":');
const OFFSET = lit(',"offset":');
const LEN = lit(',"len":');
const DATA = lit(',"data":"');
const NULL = lit("null");
const END = lit("}\n");
const DATA_END = lit('"}\n');
/**
 * Room for everything but the strings of the longest line (a tap's
 * conn.close): some 450 bytes of names and punctuation, 12 numbers of at
 * most 24 characters, `null`s and quotes.
 */
const FIXED_BYTES = 1024;

/**
 * An upper bound of the bytes {@linkcode writeJsonLine} may write for
 * `event`, or 0 when it does not write this kind of event.
 *
 * @example
 * ```ts
 * import { jsonLineBound } from "./json_line.ts";
 * console.log(jsonLineBound({ ts: "", type: "monitor.warning", kind: "accept-error", message: "" })); // 0
 * ```
 */
export function jsonLineBound(event: MonitorEvent): number {
  switch (event.type) {
    case "conn.open":
      return FIXED_BYTES + flowLength(event);
    case "conn.close":
      return FIXED_BYTES + flowLength(event) + event.reason.length + (event.error?.length ?? 0) +
        event.start.length + (event.service?.length ?? 0) + (event.upstream_addr?.length ?? 0) +
        (event.upstream_error?.length ?? 0);
    case "conn.data":
      return FIXED_BYTES + event.ts.length + event.uid.length + event.dir.length +
        4 * Math.ceil(event.data.byteLength / 3);
    case "udp.datagram":
      return FIXED_BYTES + event.ts.length + event.uid.length + event.dir.length +
        (event.community_id?.length ?? 0) + event.src.length + event.dst.length +
        4 * Math.ceil(event.data.byteLength / 3);
    default:
      return 0;
  }
}

/**
 * Writes `event`'s NDJSON line (the text of `eventToJson(event) + "\n"`)
 * into `buf` at `at`, which has {@linkcode jsonLineBound} bytes of room;
 * returns where the line ends, or -1 when this event needs `eventToJson`
 * (another type, or a string to escape).
 *
 * @example
 * ```ts
 * import { jsonLineBound, writeJsonLine } from "./json_line.ts";
 * const ev = {
 *   ts: "2026-01-01T00:00:00.000Z", type: "conn.data", uid: "C1", dir: "orig",
 *   offset: 0, len: 2, data: new Uint8Array([104, 105]),
 * } as const;
 * const buf = new Uint8Array(jsonLineBound(ev));
 * const end = writeJsonLine(buf, 0, ev);
 * console.log(new TextDecoder().decode(buf.subarray(0, end))); // {"ts":...,"data":"aGk="}
 * ```
 */
export function writeJsonLine(buf: Uint8Array, at: number, event: MonitorEvent): number {
  switch (event.type) {
    case "conn.open":
      return openLine(buf, at, event);
    case "conn.close":
      return closeLine(buf, at, event);
    case "conn.data":
      return dataLine(buf, at, event);
    case "udp.datagram":
      return datagramLine(buf, at, event);
    default:
      return -1;
  }
}

function flowLength(e: ConnOpenEvent | ConnCloseEvent): number {
  return e.ts.length + e.uid.length + (e.community_id?.length ?? 0) + e.proto.length +
    (e.src?.length ?? 0) + e.dst.length;
}

/** `ts`, the type and `uid`, the first fields of every line here; -1 if a string needs escaping. */
function head(
  buf: Uint8Array,
  at: number,
  e: { readonly ts: string; readonly uid: string },
  type: Uint8Array,
): number {
  const o = str(buf, bytes(buf, at, TS), e.ts);
  return o < 0 ? -1 : str(buf, bytes(buf, o, type), e.uid);
}

/** `community_id` (when known) to `dport`; -1 if a string needs escaping. */
function tuple(
  buf: Uint8Array,
  o: number,
  e: ConnOpenEvent | ConnCloseEvent | UdpDatagramEvent,
): number {
  if (e.community_id !== undefined) {
    o = str(buf, bytes(buf, o, COMMUNITY_ID), e.community_id);
    if (o < 0) return -1;
  }
  o = str(buf, bytes(buf, o, PROTO), e.proto);
  if (o < 0) return -1;
  o = bytes(buf, o, SRC);
  o = nullable(buf, o, e.src);
  if (o < 0) return -1;
  o = bytes(buf, o, SPORT);
  o = e.sport === null ? bytes(buf, o, NULL) : num(buf, o, e.sport);
  o = str(buf, bytes(buf, o, DST), e.dst);
  if (o < 0) return -1;
  return num(buf, bytes(buf, o, DPORT), e.dport);
}

/** The flow fields up to `dport`; -1 if a string needs escaping. */
function flow(
  buf: Uint8Array,
  at: number,
  e: ConnOpenEvent | ConnCloseEvent,
  type: Uint8Array,
): number {
  const o = head(buf, at, e, type);
  return o < 0 ? -1 : tuple(buf, o, e);
}

function openLine(buf: Uint8Array, at: number, e: ConnOpenEvent): number {
  const o = flow(buf, at, e, OPEN_TYPE);
  return o < 0 ? -1 : bytes(buf, o, END);
}

function closeLine(buf: Uint8Array, at: number, e: ConnCloseEvent): number {
  let o = flow(buf, at, e, CLOSE_TYPE);
  if (o < 0) return -1;
  o = str(buf, bytes(buf, o, REASON), e.reason);
  if (o < 0) return -1;
  o = num(buf, bytes(buf, o, DURATION), e.duration);
  o = num(buf, bytes(buf, o, ORIG_BYTES), e.orig_bytes);
  o = num(buf, bytes(buf, o, RESP_BYTES), e.resp_bytes);
  if (e.error !== undefined) {
    o = str(buf, bytes(buf, o, ERROR), e.error);
    if (o < 0) return -1;
  }
  o = str(buf, bytes(buf, o, START), e.start);
  if (o < 0) return -1;
  o = nullable(buf, bytes(buf, o, ORIG_END), e.orig_end);
  if (o < 0) return -1;
  o = nullable(buf, bytes(buf, o, RESP_END), e.resp_end);
  if (o < 0) return -1;
  o = nullable(buf, bytes(buf, o, FIRST_END), e.first_end);
  if (o < 0) return -1;
  // Optional fields in the interface's order, which is the monitor's (and so JSON.stringify's).
  if (e.orig_first_ms !== undefined) o = num(buf, bytes(buf, o, ORIG_FIRST_MS), e.orig_first_ms);
  if (e.resp_first_ms !== undefined) o = num(buf, bytes(buf, o, RESP_FIRST_MS), e.resp_first_ms);
  if (e.orig_pkts !== undefined) o = num(buf, bytes(buf, o, ORIG_PKTS), e.orig_pkts);
  if (e.resp_pkts !== undefined) o = num(buf, bytes(buf, o, RESP_PKTS), e.resp_pkts);
  if (e.service !== undefined) o = str(buf, bytes(buf, o, SERVICE), e.service);
  if (o >= 0 && e.upstream_addr !== undefined) {
    o = str(buf, bytes(buf, o, UPSTREAM_ADDR), e.upstream_addr);
  }
  if (o < 0) return -1;
  if (e.upstream_port !== undefined) o = num(buf, bytes(buf, o, UPSTREAM_PORT), e.upstream_port);
  if (e.upstream_sport !== undefined) {
    o = num(buf, bytes(buf, o, UPSTREAM_SPORT), e.upstream_sport);
  }
  if (e.upstream_connect_ms !== undefined) {
    o = num(buf, bytes(buf, o, UPSTREAM_CONNECT_MS), e.upstream_connect_ms);
  }
  if (e.upstream_error !== undefined) {
    o = str(buf, bytes(buf, o, UPSTREAM_ERROR), e.upstream_error);
    if (o < 0) return -1;
  }
  return bytes(buf, o, END);
}

/** A payload event's first fields (`ts`, `type`, `uid`, `dir`); -1 if a string needs escaping. */
function payloadHead(
  buf: Uint8Array,
  at: number,
  e: ConnDataEvent | UdpDatagramEvent,
  type: Uint8Array,
): number {
  const o = head(buf, at, e, type);
  return o < 0 ? -1 : str(buf, bytes(buf, o, DIR), e.dir);
}

/** A payload event's last fields: `len` and the bytes in base64, and the line's end. */
function payloadTail(buf: Uint8Array, o: number, len: number, data: Uint8Array): number {
  o = num(buf, bytes(buf, o, LEN), len);
  o = encodeBase64Into(data, buf, bytes(buf, o, DATA));
  return bytes(buf, o, DATA_END);
}

function dataLine(buf: Uint8Array, at: number, e: ConnDataEvent): number {
  const o = payloadHead(buf, at, e, DATA_TYPE);
  if (o < 0) return -1;
  return payloadTail(buf, num(buf, bytes(buf, o, OFFSET), e.offset), e.len, e.data);
}

function datagramLine(buf: Uint8Array, at: number, e: UdpDatagramEvent): number {
  let o = payloadHead(buf, at, e, DATAGRAM_TYPE);
  if (o >= 0) o = tuple(buf, o, e);
  if (o < 0) return -1;
  return payloadTail(buf, o, e.len, e.data);
}
