/**
 * How event writers (NDJSON log, Zeek, EVE, pcap) queue monitor events for
 * their sink: one admission rule and one batching rhythm for all of them.
 *
 * @module
 */

import { isDroppable, type MonitorEvent } from "../monitor/events.ts";
import type { BatchWriter } from "./batch_writer.ts";

/** Lifecycle events are never dropped for speed; only a sink stalled this far behind loses them. */
const HARD_PENDING_EVENTS = 1_000_000;
/** Pending bytes that start a write on the next turn. */
export const FLUSH_BYTES = 256 * 1024;
/** Longest wait before pending events are written. */
export const FLUSH_DELAY_MS = 20;

/** Bytes an event will take once encoded, roughly (payloads as base64 dominate). */
function estimate(event: MonitorEvent): number {
  return event.type === "conn.data" || event.type === "udp.datagram"
    ? 256 + event.data.byteLength * 1.34
    : 256;
}

/**
 * Whether `event` may join `out`'s queue; if not it is counted as dropped
 * (`queue-full`): payload events past `maxPendingBytes`, any event past a
 * million pending. Decided before encoding, so that an overloaded writer
 * spends nothing on what it drops. During an outage the pump itself bounds
 * the queue, counting by the outage's cause.
 *
 * @example
 * ```ts
 * import { admitEvent } from "./event_queueing.ts";
 * import { BatchWriter } from "./batch_writer.ts";
 * import type { MonitorEvent } from "../monitor/events.ts";
 * declare const out: BatchWriter;
 * declare const event: MonitorEvent;
 * if (admitEvent(out, event, 16 * 1024 * 1024)) out.push(JSON.stringify(event) + "\n");
 * ```
 */
export function admitEvent(
  out: BatchWriter,
  event: MonitorEvent,
  maxPendingBytes: number,
): boolean {
  if (
    out.outageCause === undefined &&
    ((out.pendingBytes + estimate(event) > maxPendingBytes && isDroppable(event)) ||
      out.pendingCount >= HARD_PENDING_EVENTS)
  ) {
    out.drop("queue-full");
    return false;
  }
  return true;
}
