/**
 * Suricata's EVE JSON `flow` events: one per finished connection or UDP
 * flow, so that tools reading Suricata's eve.json (Elastic, Splunk, Arkime,
 * EveBox, jq recipes) take sockscope's records like Suricata's own. Every
 * line validates against Suricata's EVE JSON schema. `docs/formats.md`
 * ("Suricata EVE") says how each field is derived from what a socket can
 * observe, and what is left out.
 *
 * @module
 */

import type { ConnCloseEvent, MonitorEvent } from "../monitor/events.ts";
import { parseIpInto } from "../net/ip.ts";
import { sha1 } from "../format/sha1.ts";
import { isoTimestamp } from "../format/timestamp.ts";
import type { RecordFormat } from "./record_format.ts";
import { zeekHistory } from "./zeek_conn_format.ts";

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** TCP flags each history letter stands for (PSH and the rest cannot be observed). */
const LETTER_FLAGS: Readonly<Record<string, number>> = {
  S: SYN,
  s: SYN,
  h: SYN | ACK,
  H: SYN | ACK,
  A: ACK,
  a: ACK,
  D: ACK,
  d: ACK,
  F: FIN | ACK,
  f: FIN | ACK,
  R: RST,
  r: RST,
};

const SCRATCH = new Uint8Array(16);
const DIGEST = new Uint8Array(20);
const ENCODER = new TextEncoder();
/** 2^32, to assemble the 51-bit flow id from two 32-bit halves. */
const HIGH = 0x1_0000_0000;

/**
 * Suricata's EVE `flow` event as a {@linkcode RecordFormat}: one JSON line
 * per `conn.close` (TCP connections and UDP flows); other events are
 * ignored; no header or footer.
 *
 * @example
 * ```ts
 * import { EveFlowFormat, RecordWriter, type Sink } from "@sockscope/sockscope";
 * const sink: Sink = {
 *   write: () => Promise.resolve(),
 *   sync: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * const eve = new EveFlowFormat();
 * const log = new RecordWriter(sink, eve);
 * console.log(eve.encode({
 *   ts: "2026-11-26T10:00:01.500Z", type: "conn.close", uid: "CHhAvVGS1DHFjwGM9a", proto: "tcp",
 *   src: "192.0.2.7", sport: 41620, dst: "10.0.0.1", dport: 22, reason: "fin", duration: 1.5,
 *   orig_bytes: 26, resp_bytes: 4, start: "2026-11-26T10:00:00.000Z", orig_end: "fin",
 *   resp_end: "fin", first_end: "orig",
 * }));
 * // {"timestamp":"2026-11-26T10:00:01.500000+0000","flow_id":...,"event_type":"flow",...}
 * await log.close();
 * ```
 */
export class EveFlowFormat implements RecordFormat {
  /** `suricata eve flow`. */
  readonly name = "suricata eve flow";
  /** False: records come from `conn.close` alone. */
  readonly wantsData = false;

  /** Nothing: EVE files are plain JSON lines. */
  header(_nowMs: number, _existingBytes: number): string {
    return "";
  }

  /** One `flow` event line for a `conn.close`; `undefined` for every other event. */
  encode(event: MonitorEvent): string | undefined {
    return event.type === "conn.close" ? JSON.stringify(eveFlow(event)) + "\n" : undefined;
  }

  /** Nothing. */
  footer(_nowMs: number): string {
    return "";
  }
}

/** A UTC time as Suricata writes it: microseconds and a numeric offset. */
function eveTime(iso: string, field: string): [string, number] {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new TypeError(`Invalid ${field} "${iso}": expected an ISO-8601 time`);
  return [isoTimestamp(ms).slice(0, 23) + "000+0000", ms];
}

/**
 * The flow id: Suricata's is a 64-bit number cut to 51 bits "as JavaScript
 * and even JSON often seem to max out there" (flow.h); this one is the first
 * 51 bits of the SHA-1 of the uid, so the same connection always gets the
 * same id, and it stays a safe JSON integer.
 */
function flowId(uid: string): number {
  const d = sha1(ENCODER.encode(uid), DIGEST);
  const high = ((d[0] << 16) | (d[1] << 8) | d[2]) & 0x7ffff;
  const low = ((d[3] << 24) | (d[4] << 16) | (d[5] << 8) | d[6]) >>> 0;
  return high * HIGH + low;
}

function hex2(n: number): string {
  return (n < 16 ? "0" : "") + n.toString(16);
}

/** Suricata's TCP session state at the end, as far as a socket can tell. */
function tcpState(ev: ConnCloseEvent): string {
  if (ev.upstream_error === "refused") return "closed";
  if (ev.upstream_error !== undefined) return "syn_sent";
  if (ev.orig_end === "rst" || ev.resp_end === "rst") return "closed";
  if (ev.orig_end === "fin") return ev.resp_end === "fin" ? "closed" : "close_wait";
  return ev.resp_end === "fin" ? "fin_wait2" : "established";
}

function eveFlow(ev: ConnCloseEvent): Record<string, unknown> {
  const [timestamp, endMs] = eveTime(ev.ts, "ts");
  const [start, startMs] = eveTime(ev.start, "start");
  const known = ev.src !== null && ev.sport !== null;
  const family = parseIpInto(known ? ev.src! : ev.dst, SCRATCH);
  const udp = ev.proto === "udp";
  const out: Record<string, unknown> = {
    timestamp,
    flow_id: flowId(ev.uid),
    event_type: "flow",
  };
  // An unknown peer is left out, never made up (the schema does not require it).
  if (known) {
    out.src_ip = ev.src;
    out.src_port = ev.sport;
  }
  out.dest_ip = ev.dst;
  out.dest_port = ev.dport;
  if (family !== 0) out.ip_v = family === 4 || isV4Mapped(SCRATCH) ? 4 : 6;
  out.proto = udp ? "UDP" : "TCP";
  let state: string;
  let tcp: Record<string, unknown> | undefined;
  if (udp) {
    state = (ev.resp_pkts ?? ev.resp_bytes) > 0 ? "established" : "new";
  } else {
    const tcpEnd = tcpState(ev);
    state = tcpEnd === "closed" ? "closed" : tcpEnd === "syn_sent" ? "new" : "established";
    let ts = 0;
    let tc = 0;
    for (const letter of zeekHistory(ev)) {
      const flags = LETTER_FLAGS[letter] ?? 0;
      if (letter === letter.toUpperCase()) ts |= flags;
      else tc |= flags;
    }
    const all = ts | tc;
    tcp = { tcp_flags: hex2(all), tcp_flags_ts: hex2(ts), tcp_flags_tc: hex2(tc) };
    if (all & SYN) tcp.syn = true;
    if (all & FIN) tcp.fin = true;
    if (all & RST) tcp.rst = true;
    if (all & ACK) tcp.ack = true;
    tcp.state = tcpEnd;
  }
  const flow: Record<string, unknown> = {};
  // Packets: counted for UDP datagrams; a TCP socket sees no segments, so none are written.
  if (udp && ev.orig_pkts !== undefined && ev.resp_pkts !== undefined) {
    flow.pkts_toserver = ev.orig_pkts;
    flow.pkts_toclient = ev.resp_pkts;
  }
  flow.bytes_toserver = ev.orig_bytes;
  flow.bytes_toclient = ev.resp_bytes;
  flow.start = start;
  flow.end = timestamp;
  flow.age = Math.floor(endMs / 1000) - Math.floor(startMs / 1000);
  flow.state = state;
  flow.reason = ev.reason === "shutdown" ? "shutdown" : "timeout";
  flow.alerted = false;
  out.flow = flow;
  if (ev.community_id !== undefined) out.community_id = ev.community_id;
  if (tcp) out.tcp = tcp;
  return out;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
