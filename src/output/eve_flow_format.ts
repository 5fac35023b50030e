/**
 * Suricata's EVE JSON: a `flow` event per finished connection or UDP flow,
 * and an `alert` event per sockscope alert, so that tools reading
 * Suricata's eve.json (Elastic, Splunk, Arkime, EveBox, jq recipes) take
 * sockscope's records like Suricata's own. Every line validates against
 * Suricata's EVE JSON schema. `docs/formats.md` ("Suricata EVE") says how
 * each field is derived from what a socket can observe, and what is left
 * out.
 *
 * @module
 */

import type { ConnAppEvent, ConnCloseEvent, MonitorEvent } from "../monitor/events.ts";
import type { RecordFormat } from "./record_format.ts";
import { eveAppProto, eveFlowId, eveIpVersion, eveTime } from "./eve_common.ts";
import {
  ACK,
  eveFlowAge,
  eveFlowLineBound,
  eveFlowReason,
  eveFlowState,
  eveTcpFlags,
  eveTcpState,
  FIN,
  RST,
  SYN,
  writeEveFlowLine,
} from "./eve_flow_line.ts";
import { eveAlert, type FlowApps } from "./eve_alert.ts";

/**
 * Flows remembered at once for their alerts and fingerprints: entries go at
 * the flow's `conn.close`, so this only bounds what a format attached in the
 * middle of a stream (or a lost close) could leave behind.
 */
const MAX_TRACKED = 65_536;

/**
 * Suricata's EVE JSON as a {@linkcode RecordFormat}: a `flow` line per
 * `conn.close` (TCP connections and UDP flows) and an `alert` line per
 * `alert` event, both with the flow's `flow_id`; other events are not
 * written; no header or footer. The format remembers, per open flow, what
 * the fingerprints recognised (`conn.app`: the `http`/`tls`/`ssh`/`dns`
 * objects of its rule alerts) and whether it alerted (the flow record's
 * `flow.alerted`).
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
  /** `suricata eve`. */
  readonly name = "suricata eve";
  /** False: records come from `conn.close`, `conn.app` and `alert`. */
  readonly wantsData = false;
  #apps = new Map<string, { orig?: ConnAppEvent; resp?: ConnAppEvent }>();
  #alerted = new Set<string>();

  /** Nothing: EVE files are plain JSON lines. */
  header(_nowMs: number, _existingBytes: number): string {
    return "";
  }

  /**
   * A `flow` line for a `conn.close`, an `alert` line for an `alert`;
   * `undefined` for every other event (`conn.app` is only remembered).
   */
  encode(event: MonitorEvent): string | undefined {
    switch (event.type) {
      case "conn.close": {
        const alerted = this.#alerted.delete(event.uid);
        this.#apps.delete(event.uid);
        return JSON.stringify(eveFlow(event, alerted)) + "\n";
      }
      case "alert": {
        const seen = this.#apps.get(event.uid);
        const apps: FlowApps = seen === undefined ? {} : { orig: seen.orig, resp: seen.resp };
        const line = JSON.stringify(eveAlert(event, apps)) + "\n";
        if (!this.#alerted.has(event.uid)) {
          if (this.#alerted.size >= MAX_TRACKED) this.#alerted.clear();
          this.#alerted.add(event.uid);
        }
        return line;
      }
      case "conn.app": {
        let seen = this.#apps.get(event.uid);
        if (seen === undefined) {
          if (this.#apps.size >= MAX_TRACKED) this.#apps.delete(this.#apps.keys().next().value!);
          seen = {};
          this.#apps.set(event.uid, seen);
        }
        seen[event.dir] = event;
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** Room for {@linkcode encodeInto}'s record of `event`; 0 for the events it leaves to `encode`. */
  bound(event: MonitorEvent): number {
    return event.type === "conn.close" ? eveFlowLineBound(event) : 0;
  }

  /** A `conn.close`'s `flow` line as bytes into `buf` at `at`; -1 leaves the event to `encode`. */
  encodeInto(buf: Uint8Array, at: number, event: MonitorEvent): number {
    if (event.type !== "conn.close") return -1;
    const end = writeEveFlowLine(buf, at, event, this.#alerted.has(event.uid));
    if (end >= 0) {
      this.#alerted.delete(event.uid);
      this.#apps.delete(event.uid);
    }
    return end;
  }

  /** Nothing. */
  footer(_nowMs: number): string {
    return "";
  }
}

function hex2(n: number): string {
  return (n < 16 ? "0" : "") + n.toString(16);
}

function eveFlow(ev: ConnCloseEvent, alerted: boolean): Record<string, unknown> {
  const [timestamp, endMs] = eveTime(ev.ts, "ts");
  const [start, startMs] = eveTime(ev.start, "start");
  const known = ev.src !== null && ev.sport !== null;
  const ipv = eveIpVersion(known ? ev.src! : ev.dst);
  const udp = ev.proto === "udp";
  const out: Record<string, unknown> = {
    timestamp,
    flow_id: eveFlowId(ev.uid),
    event_type: "flow",
  };
  // An unknown peer is left out, never made up (the schema does not require it).
  if (known) {
    out.src_ip = ev.src;
    out.src_port = ev.sport;
  }
  out.dest_ip = ev.dst;
  out.dest_port = ev.dport;
  if (ipv !== 0) out.ip_v = ipv;
  out.proto = udp ? "UDP" : "TCP";
  const appProto = eveAppProto(ev.service);
  if (appProto !== undefined) out.app_proto = appProto;
  const tcpEnd = udp ? undefined : eveTcpState(ev);
  const state = eveFlowState(ev, tcpEnd);
  let tcp: Record<string, unknown> | undefined;
  if (tcpEnd !== undefined) {
    const bits = eveTcpFlags(ev);
    const ts = bits >> 8;
    const tc = bits & 0xff;
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
  flow.age = eveFlowAge(startMs, endMs);
  flow.state = state;
  flow.reason = eveFlowReason(ev);
  flow.alerted = alerted;
  out.flow = flow;
  if (ev.community_id !== undefined) out.community_id = ev.community_id;
  if (tcp) out.tcp = tcp;
  return out;
}
