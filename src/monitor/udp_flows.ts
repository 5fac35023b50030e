/**
 * UDP has no connections; monitors, Zeek and Suricata alike, group datagrams
 * into flows by 5-tuple and end a flow after a quiet interval. This table
 * does that for `listen -u`, so that every output has UDP records with a
 * `uid` and a Community ID.
 *
 * @module
 */

import type { ServiceName } from "../detect/app_info.ts";

import { communityId } from "../format/community_id.ts";
import { isoTimestamp } from "../format/timestamp.ts";
import type { ConnCloseEvent, ConnOpenEvent, UpstreamError } from "./events.ts";
import { newUid } from "./uid.ts";

const UDP = 17;
/** Zeek's `udp_inactivity_timeout`. */
export const DEFAULT_UDP_TIMEOUT_MS = 60_000;
/**
 * Flows tracked at once. Past it, the quietest flow is ended early
 * (reason `idle-timeout`), so a spray of spoofed sources cannot grow memory
 * without bound.
 */
export const MAX_UDP_FLOWS = 65_536;

/**
 * Community ID v1 of a UDP 5-tuple; undefined when an address cannot be
 * hashed (a record without an ID beats no record).
 */
export function udpCommunityId(
  src: string,
  sport: number,
  dst: string,
  dport: number,
  onError?: (err: unknown) => void,
): string | undefined {
  try {
    return communityId({ proto: UDP, srcAddr: src, dstAddr: dst, srcPort: sport, dstPort: dport });
  } catch (err) {
    onError?.(err);
    return undefined;
  }
}

/** The table's key of a flow's 4-tuple. */
function flowKey(src: string, sport: number, dst: string, dport: number): string {
  return `${src}|${sport}|${dst}|${dport}`;
}

/** One UDP flow (a 5-tuple seen recently). */
export interface UdpFlow {
  /** The flow's uid, shared by its datagram events. */
  readonly uid: string;
  /** Community ID v1 (undefined if an address cannot be hashed). */
  readonly communityId: string | undefined;
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly startMs: number;
  lastMs: number;
  origBytes: number;
  origPkts: number;
  respBytes: number;
  respPkts: number;
  /** What the fingerprints recognised in its first datagram. */
  service?: ServiceName;
  /** The payload rules' per-flow state (flowbits). */
  ruleFlow?: unknown;
  /** Tap mode: where the flow is relayed to, as its `conn.close` tells it. */
  upstream?: UdpFlowUpstream;
}

/** A tapped UDP flow's upstream side. */
export interface UdpFlowUpstream {
  /** The service's host. */
  readonly addr: string;
  /** The service's port. */
  readonly port: number;
  /** The local port of the flow's own socket towards the service, once bound. */
  sport?: number;
  /** Why the flow could not be relayed (its socket could not be opened). */
  error?: UpstreamError;
}

/** Where the table's events and faults go. */
export interface UdpFlowHost {
  /** Emits `conn.open` / `conn.close` for UDP flows. */
  emitFlow(event: ConnOpenEvent | ConnCloseEvent): void;
  /** Reports an address that cannot be hashed. */
  warn(kind: "handler-error", error: unknown): void;
}

/** The live UDP flows of a monitor, in least-recently-active order. */
export class UdpFlows {
  #host: UdpFlowHost;
  #timeoutMs: number;
  // A Map iterates in insertion order; re-inserting on activity keeps the
  // quietest flow first, so sweeping stops at the first live one.
  #flows = new Map<string, UdpFlow>();

  constructor(host: UdpFlowHost, timeoutMs: number = DEFAULT_UDP_TIMEOUT_MS) {
    this.#host = host;
    this.#timeoutMs = timeoutMs;
  }

  /** Flows open now. */
  get size(): number {
    return this.#flows.size;
  }

  /** Counts one datagram from `src:sport` to `dst:dport`; opens its flow if new. */
  received(src: string, sport: number, dst: string, dport: number, len: number): UdpFlow {
    const key = flowKey(src, sport, dst, dport);
    const now = Date.now();
    let flow = this.#flows.get(key);
    if (flow === undefined) {
      if (this.#flows.size >= MAX_UDP_FLOWS) {
        const [oldest] = this.#flows.values();
        this.#end(oldest, "idle-timeout", now);
      }
      flow = this.#open(src, sport, dst, dport, now);
    } else {
      this.#flows.delete(key);
    }
    this.#flows.set(key, flow);
    flow.lastMs = now;
    flow.origBytes += len;
    flow.origPkts++;
    return flow;
  }

  /** Whether `src:sport` to `dst:dport` is a flow open now. */
  has(src: string, sport: number, dst: string, dport: number): boolean {
    return this.#flows.has(flowKey(src, sport, dst, dport));
  }

  /** Counts one datagram of the responder's (tap mode: the upstream's answer); it keeps the flow alive. */
  answered(flow: UdpFlow, len: number): void {
    const key = flowKey(flow.src, flow.sport, flow.dst, flow.dport);
    // Only a live flow: an answer after the flow ended starts nothing.
    if (this.#flows.get(key) !== flow) return;
    this.#flows.delete(key);
    this.#flows.set(key, flow);
    flow.lastMs = Date.now();
    flow.respBytes += len;
    flow.respPkts++;
  }

  /** Ends the flows quiet for the timeout. */
  sweep(now: number = Date.now()): void {
    for (const flow of this.#flows.values()) {
      if (now - flow.lastMs < this.#timeoutMs) break;
      this.#end(flow, "idle-timeout", now);
    }
  }

  /** Ends every flow (monitor shutdown). */
  closeAll(): void {
    const now = Date.now();
    for (const flow of [...this.#flows.values()]) this.#end(flow, "shutdown", now);
  }

  #open(src: string, sport: number, dst: string, dport: number, now: number): UdpFlow {
    const id = udpCommunityId(
      src,
      sport,
      dst,
      dport,
      (err) => this.#host.warn("handler-error", err),
    );
    const flow: UdpFlow = {
      uid: newUid(),
      communityId: id,
      src,
      sport,
      dst,
      dport,
      startMs: now,
      lastMs: now,
      origBytes: 0,
      origPkts: 0,
      respBytes: 0,
      respPkts: 0,
    };
    this.#host.emitFlow({
      ts: isoTimestamp(now),
      type: "conn.open",
      uid: flow.uid,
      community_id: id,
      proto: "udp",
      src,
      sport,
      dst,
      dport,
    });
    return flow;
  }

  #end(flow: UdpFlow, reason: "idle-timeout" | "shutdown", now: number): void {
    this.#flows.delete(flowKey(flow.src, flow.sport, flow.dst, flow.dport));
    // The flow ended when it went quiet, not when the sweep noticed.
    const end = reason === "idle-timeout" ? flow.lastMs : now;
    const up = flow.upstream;
    this.#host.emitFlow({
      ts: isoTimestamp(end),
      type: "conn.close",
      uid: flow.uid,
      community_id: flow.communityId,
      proto: "udp",
      src: flow.src,
      sport: flow.sport,
      dst: flow.dst,
      dport: flow.dport,
      reason,
      duration: (end - flow.startMs) / 1000,
      orig_bytes: flow.origBytes,
      resp_bytes: flow.respBytes,
      start: isoTimestamp(flow.startMs),
      orig_end: null,
      resp_end: null,
      first_end: null,
      orig_pkts: flow.origPkts,
      resp_pkts: flow.respPkts,
      ...(flow.service === undefined ? {} : { service: flow.service }),
      ...(up === undefined ? {} : {
        upstream_addr: up.addr,
        upstream_port: up.port,
        ...(up.sport === undefined ? {} : { upstream_sport: up.sport }),
        ...(up.error === undefined ? {} : { upstream_error: up.error }),
      }),
    });
  }
}
