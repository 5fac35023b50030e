/**
 * The EVE `flow` record of a finished connection, written as bytes straight
 * into a writer's queue (the tap writes one per connection). The record is
 * laid out field by field in the order `JSON.stringify` gives the string
 * path of {@linkcode EveFlowFormat} (a test holds the two equal); a string
 * that would need escaping, or a time not in the monitor's own form, makes
 * it decline, and the format then builds the record as an object.
 *
 * @module
 */

import type { ConnCloseEvent } from "../monitor/events.ts";
import { isMonitorTimestamp, parseIsoTimestamp } from "../format/timestamp.ts";
import { eveAppProto, eveFlowId, eveIpVersion } from "./eve_common.ts";
import { lit, putBytes, putJsonNumber, putJsonString } from "./line_bytes.ts";

/** TCP flag bits, as {@linkcode eveTcpFlags} packs them. */
export const FIN = 0x01;
/** TCP flag bits, as {@linkcode eveTcpFlags} packs them. */
export const SYN = 0x02;
/** TCP flag bits, as {@linkcode eveTcpFlags} packs them. */
export const RST = 0x04;
/** TCP flag bits, as {@linkcode eveTcpFlags} packs them. */
export const ACK = 0x10;

/**
 * The TCP flags seen to the server (bits 8-15) and to the client (bits 0-7):
 * those of the letters of the connection's synthesized Zeek history
 * (`zeekHistory`; S/s SYN, h SYN+ACK, A/a/D/d ACK, F/f FIN+ACK, R/r RST),
 * worked out without building it.
 */
export function eveTcpFlags(ev: ConnCloseEvent): number {
  const refused = ev.upstream_error === "refused";
  let ts = SYN; // S
  let tc = 0;
  if (ev.upstream_error === undefined) {
    ts |= ACK; // A
    tc |= SYN | ACK; // h
  } else if (refused) {
    tc |= RST; // r
  }
  if (ev.orig_bytes > 0) ts |= ACK; // D
  if (ev.resp_bytes > 0) tc |= ACK; // d
  if (ev.orig_end === "fin") ts |= FIN | ACK;
  else if (ev.orig_end === "rst") ts |= RST;
  // A refusal is the responder's reset, already told.
  if (!refused) {
    if (ev.resp_end === "fin") tc |= FIN | ACK;
    else if (ev.resp_end === "rst") tc |= RST;
  }
  return (ts << 8) | tc;
}

/** Suricata's TCP session state at the end, as far as a socket can tell. */
export function eveTcpState(ev: ConnCloseEvent): string {
  if (ev.upstream_error === "refused") return "closed";
  if (ev.upstream_error !== undefined) return "syn_sent";
  if (ev.orig_end === "rst" || ev.resp_end === "rst") return "closed";
  if (ev.orig_end === "fin") return ev.resp_end === "fin" ? "closed" : "close_wait";
  return ev.resp_end === "fin" ? "fin_wait2" : "established";
}

/** The flow's `state`: Suricata's flow state word for the TCP end state. */
export function eveFlowState(ev: ConnCloseEvent, tcpEnd: string | undefined): string {
  if (tcpEnd === undefined) return (ev.resp_pkts ?? ev.resp_bytes) > 0 ? "established" : "new";
  return tcpEnd === "closed" ? "closed" : tcpEnd === "syn_sent" ? "new" : "established";
}

/** The flow's `reason`: only a monitor shutdown is told apart; any other end is a timeout. */
export function eveFlowReason(ev: ConnCloseEvent): string {
  return ev.reason === "shutdown" ? "shutdown" : "timeout";
}

/** `age`: whole seconds between the start and the end, as Suricata counts them. */
export function eveFlowAge(startMs: number, endMs: number): number {
  return Math.floor(endMs / 1000) - Math.floor(startMs / 1000);
}

const TIMESTAMP = lit('{"timestamp":"');
const FLOW_ID = lit('","flow_id":');
const EVENT_TYPE = lit(',"event_type":"flow"');
const SRC_IP = lit(',"src_ip":');
const SRC_PORT = lit(',"src_port":');
const DEST_IP = lit(',"dest_ip":');
const DEST_PORT = lit(',"dest_port":');
const IP_V = lit(',"ip_v":');
const PROTO_TCP = lit(',"proto":"TCP"');
const PROTO_UDP = lit(',"proto":"UDP"');
const APP_PROTO = lit(',"app_proto":');
const FLOW_PKTS = lit(',"flow":{"pkts_toserver":');
const PKTS_TOCLIENT = lit(',"pkts_toclient":');
const FLOW_BYTES = lit(',"flow":{"bytes_toserver":');
const BYTES_TOSERVER = lit(',"bytes_toserver":');
const BYTES_TOCLIENT = lit(',"bytes_toclient":');
const START = lit(',"start":"');
const END = lit('","end":"');
const AGE = lit('","age":');
const STATE = lit(',"state":');
const REASON = lit(',"reason":');
const ALERTED_TRUE = lit(',"alerted":true}');
const ALERTED_FALSE = lit(',"alerted":false}');
const COMMUNITY_ID = lit(',"community_id":');
const TCP_FLAGS = lit(',"tcp":{"tcp_flags":"');
const TCP_FLAGS_TS = lit('","tcp_flags_ts":"');
const TCP_FLAGS_TC = lit('","tcp_flags_tc":"');
const SYN_TRUE = lit('","syn":true');
const FIN_TRUE = lit(',"fin":true');
const RST_TRUE = lit(',"rst":true');
const ACK_TRUE = lit(',"ack":true');
const QUOTE = lit('"');
const CLOSE_TCP = lit("}}\n");
const CLOSE = lit("}\n");
/** The microseconds and offset Suricata writes after the milliseconds. */
const USEC_OFFSET = lit("000+0000");
const HEX = lit("0123456789abcdef");
/** Room for names, punctuation and numbers of the longest record (a TCP flow with every flag). */
const FIXED_BYTES = 768;

/**
 * An upper bound of the bytes {@linkcode writeEveFlowLine} may write for `ev`.
 *
 * @example
 * ```ts
 * import { eveFlowLineBound } from "./eve_flow_line.ts";
 * eveFlowLineBound({
 *   ts: "2026-11-26T10:00:01.500Z", type: "conn.close", uid: "C1", proto: "tcp", src: null,
 *   sport: null, dst: "10.0.0.1", dport: 22, reason: "rst", duration: 1.5, orig_bytes: 0,
 *   resp_bytes: 0, start: "2026-11-26T10:00:00.000Z", orig_end: "rst", resp_end: null,
 *   first_end: "orig",
 * }) > 768; // true
 * ```
 */
export function eveFlowLineBound(ev: ConnCloseEvent): number {
  return FIXED_BYTES + 2 * (ev.ts.length + ev.start.length) + (ev.src?.length ?? 0) +
    ev.dst.length + (ev.community_id?.length ?? 0);
}

/** An EVE timestamp (without its quotes) from a time in the monitor's form. */
function putTime(buf: Uint8Array, o: number, iso: string): number {
  for (let i = 0; i < 23; i++) buf[o + i] = iso.charCodeAt(i);
  return putBytes(buf, o + 23, USEC_OFFSET);
}

function putHex2(buf: Uint8Array, o: number, n: number): number {
  buf[o] = HEX[n >> 4];
  buf[o + 1] = HEX[n & 15];
  return o + 2;
}

/**
 * Writes the EVE `flow` line of `ev` into `buf` at `at` (room:
 * {@linkcode eveFlowLineBound}); returns where it ends, or -1 when the
 * record needs the string path (a string to escape, or a time not in the
 * monitor's form).
 *
 * @example
 * ```ts
 * import { eveFlowLineBound, writeEveFlowLine } from "./eve_flow_line.ts";
 * const ev = {
 *   ts: "2026-11-26T10:00:01.500Z", type: "conn.close", uid: "C1", proto: "tcp", src: "192.0.2.7",
 *   sport: 41620, dst: "10.0.0.1", dport: 22, reason: "fin", duration: 1.5, orig_bytes: 26,
 *   resp_bytes: 4, start: "2026-11-26T10:00:00.000Z", orig_end: "fin", resp_end: "fin",
 *   first_end: "orig",
 * } as const;
 * const buf = new Uint8Array(eveFlowLineBound(ev));
 * const end = writeEveFlowLine(buf, 0, ev, false);
 * new TextDecoder().decode(buf.subarray(0, end)); // {"timestamp":"2026-11-26T10:00:01.500000+0000",...
 * ```
 */
export function writeEveFlowLine(
  buf: Uint8Array,
  at: number,
  ev: ConnCloseEvent,
  alerted: boolean,
): number {
  // Suricata's timestamp is the monitor's form's first 23 characters and "000+0000".
  if (!isMonitorTimestamp(ev.ts) || !isMonitorTimestamp(ev.start)) return -1;
  const endMs = parseIsoTimestamp(ev.ts);
  const startMs = parseIsoTimestamp(ev.start);
  if (Number.isNaN(endMs) || Number.isNaN(startMs)) return -1;
  const known = ev.src !== null && ev.sport !== null;
  const ipv = eveIpVersion(known ? ev.src! : ev.dst);
  const udp = ev.proto === "udp";
  let o = putTime(buf, putBytes(buf, at, TIMESTAMP), ev.ts);
  o = putJsonNumber(buf, putBytes(buf, o, FLOW_ID), eveFlowId(ev.uid));
  o = putBytes(buf, o, EVENT_TYPE);
  if (known) {
    o = putJsonString(buf, putBytes(buf, o, SRC_IP), ev.src!);
    if (o < 0) return -1;
    o = putJsonNumber(buf, putBytes(buf, o, SRC_PORT), ev.sport!);
  }
  o = putJsonString(buf, putBytes(buf, o, DEST_IP), ev.dst);
  if (o < 0) return -1;
  o = putJsonNumber(buf, putBytes(buf, o, DEST_PORT), ev.dport);
  if (ipv !== 0) o = putJsonNumber(buf, putBytes(buf, o, IP_V), ipv);
  o = putBytes(buf, o, udp ? PROTO_UDP : PROTO_TCP);
  const appProto = eveAppProto(ev.service);
  if (appProto !== undefined) o = putJsonString(buf, putBytes(buf, o, APP_PROTO), appProto);
  if (udp && ev.orig_pkts !== undefined && ev.resp_pkts !== undefined) {
    o = putJsonNumber(buf, putBytes(buf, o, FLOW_PKTS), ev.orig_pkts);
    o = putJsonNumber(buf, putBytes(buf, o, PKTS_TOCLIENT), ev.resp_pkts);
    o = putBytes(buf, o, BYTES_TOSERVER);
  } else {
    o = putBytes(buf, o, FLOW_BYTES);
  }
  o = putJsonNumber(buf, o, ev.orig_bytes);
  o = putJsonNumber(buf, putBytes(buf, o, BYTES_TOCLIENT), ev.resp_bytes);
  o = putTime(buf, putBytes(buf, o, START), ev.start);
  o = putTime(buf, putBytes(buf, o, END), ev.ts);
  o = putJsonNumber(buf, putBytes(buf, o, AGE), eveFlowAge(startMs, endMs));
  const tcpEnd = udp ? undefined : eveTcpState(ev);
  o = putJsonString(buf, putBytes(buf, o, STATE), eveFlowState(ev, tcpEnd));
  o = putJsonString(buf, putBytes(buf, o, REASON), eveFlowReason(ev));
  o = putBytes(buf, o, alerted ? ALERTED_TRUE : ALERTED_FALSE);
  if (ev.community_id !== undefined) {
    o = putJsonString(buf, putBytes(buf, o, COMMUNITY_ID), ev.community_id);
    if (o < 0) return -1;
  }
  if (tcpEnd === undefined) return putBytes(buf, o, CLOSE);
  const bits = eveTcpFlags(ev);
  const ts = bits >> 8;
  const tc = bits & 0xff;
  const all = ts | tc;
  o = putHex2(buf, putBytes(buf, o, TCP_FLAGS), all);
  o = putHex2(buf, putBytes(buf, o, TCP_FLAGS_TS), ts);
  o = putHex2(buf, putBytes(buf, o, TCP_FLAGS_TC), tc);
  o = all & SYN ? putBytes(buf, o, SYN_TRUE) : putBytes(buf, o, QUOTE);
  if (all & FIN) o = putBytes(buf, o, FIN_TRUE);
  if (all & RST) o = putBytes(buf, o, RST_TRUE);
  if (all & ACK) o = putBytes(buf, o, ACK_TRUE);
  o = putJsonString(buf, putBytes(buf, o, STATE), tcpEnd);
  return putBytes(buf, o, CLOSE_TCP);
}
