/**
 * Writes the event stream as NDJSON to a {@linkcode Sink}, in batches, off the
 * data path.
 *
 * @module
 */

import { isDroppable, type MonitorEvent } from "../monitor/events.ts";
import type { Sink } from "./sink.ts";
import { JsonLineEncoder } from "./json_line_encoder.ts";

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
/** Pending bytes (estimated) that start a write at once. */
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
  #sink: Sink;
  #pending: MonitorEvent[] = [];
  #pendingBytes = 0;
  #maxPendingBytes: number;
  #pump: Promise<void> | undefined;
  /** 0: nothing scheduled; 1: a delayed flush; -1: an immediate one. */
  #scheduled = 0;
  #dropped = 0;
  #written = 0;
  #failed = false;
  #onError: ((error: Error) => void) | undefined;
  #encoder = new JsonLineEncoder();

  /** Creates a writer that owns `sink`. */
  constructor(sink: Sink, options: NdjsonWriterOptions = {}) {
    this.#sink = sink;
    this.#maxPendingBytes = options.maxPendingBytes ?? 16 * 1024 * 1024;
    this.#onError = options.onError;
  }

  /** Events dropped because the sink was too slow or failed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Events written. */
  get written(): number {
    return this.#written;
  }

  /** The event listener to subscribe: queues the event and returns at once. */
  readonly handle = (event: MonitorEvent): void => {
    if (this.#failed) {
      this.#dropped++;
      return;
    }
    const size = estimate(event);
    if (
      (this.#pendingBytes + size > this.#maxPendingBytes && isDroppable(event)) ||
      this.#pending.length >= HARD_PENDING_EVENTS
    ) {
      this.#dropped++;
      return;
    }
    this.#pending.push(event);
    this.#pendingBytes += size;
    // Gathering a few milliseconds of events into one write costs the log's
    // reader nothing and saves a write per handful of connections; a full
    // batch goes on the next turn. Never on this call stack: the caller is
    // the socket path. A running pump reschedules when it ends.
    if (!this.#pump) this.#schedule();
  };

  #startPump(force = false): Promise<void> {
    this.#pump ??= this.#drain(force).finally(() => {
      this.#pump = undefined;
      // What arrived during the last write waits for the next batch, unless
      // it is already a full one: one write per few connections, not per event.
      if (this.#pending.length > 0 && this.#scheduled === 0 && !this.#failed) this.#schedule();
    });
    return this.#pump;
  }

  #schedule(): void {
    const soon = this.#pendingBytes >= FLUSH_BYTES;
    if (this.#scheduled === 0 || (soon && this.#scheduled > 0)) {
      this.#scheduled = soon ? -1 : 1;
      setTimeout(() => {
        this.#scheduled = 0;
        this.#startPump();
      }, soon ? 0 : FLUSH_DELAY_MS);
    }
  }

  async #drain(force: boolean): Promise<void> {
    do {
      const batch = this.#pending;
      this.#pending = [];
      this.#pendingBytes = 0;
      // One buffer, reused: the sink is done with it once its write resolves.
      const out = this.#encoder;
      out.reset();
      for (let i = 0; i < batch.length; i++) out.append(batch[i]);
      try {
        await this.#sink.write(out.bytes());
        this.#written += batch.length;
      } catch (err) {
        this.#failed = true;
        this.#dropped += batch.length + this.#pending.length;
        this.#pending = [];
        this.#onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    } while (
      this.#pending.length > 0 && !this.#failed && (force || this.#pendingBytes >= FLUSH_BYTES)
    );
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#pump) await this.#startPump(true);
  }

  /** Flushes, syncs the sink to stable storage and closes it. */
  async close(): Promise<void> {
    await this.flush();
    if (!this.#failed) {
      try {
        await this.#sink.sync();
      } catch { /* stdout and pipes cannot be synced */ }
    }
    await this.#sink.close();
  }
}

function estimate(event: MonitorEvent): number {
  return event.type === "conn.data" || event.type === "udp.datagram"
    ? 256 + event.data.byteLength * 1.34
    : 256;
}
