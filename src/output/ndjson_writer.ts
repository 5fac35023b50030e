/**
 * Writes the event stream as NDJSON to a {@linkcode Sink}, in batches, off the
 * data path.
 *
 * @module
 */

import { isDroppable, type MonitorEvent } from "../monitor/events.ts";
import type { Sink } from "./sink.ts";
import { JsonLineEncoder } from "./json_line_encoder.ts";
import { BatchWriter } from "./batch_writer.ts";

/** Options of {@linkcode NdjsonWriter}. */
export interface NdjsonWriterOptions {
  /**
   * Bytes (estimated) that may wait for the sink before payload events
   * (`conn.data`, `udp.datagram`) are dropped and counted. Lifecycle events
   * are never dropped. Default 16 MiB.
   */
  readonly maxPendingBytes?: number;
  /** Called once with the first write error; events after it are counted as dropped. */
  readonly onError?: (error: Error) => void;
}

/** Lifecycle events are never dropped for speed; only a sink stalled this far behind loses them. */
const HARD_PENDING_EVENTS = 1_000_000;
/** Pending bytes (estimated) that start a write on the next turn. */
const FLUSH_BYTES = 256 * 1024;
/** Longest wait before pending events are written. */
const FLUSH_DELAY_MS = 20;

/**
 * An NDJSON event log.
 *
 * @example
 * ```ts
 * import { listen, NdjsonWriter, type Sink } from "@sockscope/sockscope";
 * const lines: string[] = [];
 * const sink: Sink = {
 *   write(d) { lines.push(new TextDecoder().decode(d)); return Promise.resolve(); },
 *   sync: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * const monitor = await listen({ ports: [0] });
 * const log = new NdjsonWriter(sink);
 * monitor.subscribe(log.handle);
 * await monitor.close();
 * await log.close();
 * ```
 */
export class NdjsonWriter {
  #out: BatchWriter<MonitorEvent>;
  #maxPendingBytes: number;
  #dropped = 0;

  /** Creates a writer that owns `sink`. */
  constructor(sink: Sink, options: NdjsonWriterOptions = {}) {
    this.#maxPendingBytes = options.maxPendingBytes ?? 16 * 1024 * 1024;
    const encoder = new JsonLineEncoder();
    this.#out = new BatchWriter(sink, {
      delayMs: FLUSH_DELAY_MS,
      fullBytes: FLUSH_BYTES,
      encode(batch) {
        // One buffer, reused: the sink is done with it before the next batch.
        encoder.reset();
        for (let i = 0; i < batch.length; i++) encoder.append(batch[i]);
        return encoder.bytes();
      },
      onError: (error, lost) => {
        this.#dropped += lost;
        options.onError?.(error);
      },
    });
  }

  /** Events dropped because the sink was too slow or failed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Events written. */
  get written(): number {
    return this.#out.written;
  }

  /** The event listener to subscribe: queues the event and returns at once. */
  readonly handle = (event: MonitorEvent): void => {
    const out = this.#out;
    const size = estimate(event);
    if (
      out.failed ||
      (out.pendingBytes + size > this.#maxPendingBytes && isDroppable(event)) ||
      out.pendingCount >= HARD_PENDING_EVENTS ||
      !out.push(event, size)
    ) {
      this.#dropped++;
    }
  };

  /** Writes everything queued so far. */
  flush(): Promise<void> {
    return this.#out.flush();
  }

  /** Flushes, syncs the sink to stable storage and closes it. */
  close(): Promise<void> {
    return this.#out.close(true);
  }
}

function estimate(event: MonitorEvent): number {
  return event.type === "conn.data" || event.type === "udp.datagram"
    ? 256 + event.data.byteLength * 1.34
    : 256;
}
