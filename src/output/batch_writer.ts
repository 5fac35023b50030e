/**
 * The write pump both writers share: items queue without awaiting anything,
 * and go to the sink in batches, at most one write per short interval.
 *
 * Why batches and a delay: under load a pump that writes whatever arrived
 * during the previous write makes one write per event (a fs-promises write
 * costs ~20 µs of CPU on Node), which was the log's main cost.
 *
 * @module
 */

import type { Sink } from "./sink.ts";

/** Options of {@linkcode BatchWriter}. */
export interface BatchWriterOptions<T> {
  /** How long items gather before a write (ms). */
  readonly delayMs: number;
  /** Pending size at which the batch goes on the next turn instead (default: never). */
  readonly fullBytes?: number;
  /**
   * Encodes a batch. May return a view of a buffer it reuses: the sink is
   * done with it once its write resolves, before the next batch is encoded.
   */
  readonly encode: (batch: readonly T[]) => Uint8Array;
  /** The first write error, with the number of items lost with it; later pushes are refused. */
  readonly onError?: (error: Error, lost: number) => void;
}

/** Queues items and writes them to a {@linkcode Sink} in batches, off the caller's stack. */
export class BatchWriter<T> {
  #sink: Sink;
  #options: BatchWriterOptions<T>;
  #pending: T[] = [];
  #pendingBytes = 0;
  #pump: Promise<void> | undefined;
  /** 0: nothing scheduled; 1: a delayed write; -1: one on the next turn. */
  #scheduled = 0;
  #written = 0;
  #failed = false;

  /** Creates a pump that owns `sink`. */
  constructor(sink: Sink, options: BatchWriterOptions<T>) {
    this.#sink = sink;
    this.#options = options;
  }

  /** Items waiting for a write. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Sum of the sizes given with the waiting items. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Items written. */
  get written(): number {
    return this.#written;
  }

  /** True once a write failed; pushes are refused from then on. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Queues `item` (of roughly `size` bytes); returns false once the sink has failed. */
  push(item: T, size: number): boolean {
    if (this.#failed) return false;
    this.#pending.push(item);
    this.#pendingBytes += size;
    if (!this.#pump) this.#schedule(); // a running pump reschedules when it ends
    return true;
  }

  #schedule(): void {
    const full = this.#pendingBytes >= (this.#options.fullBytes ?? Infinity);
    if (this.#scheduled === 0 || (full && this.#scheduled > 0)) {
      this.#scheduled = full ? -1 : 1;
      setTimeout(() => {
        this.#scheduled = 0;
        this.#startPump(false);
      }, full ? 0 : this.#options.delayMs);
    }
  }

  #startPump(force: boolean): Promise<void> {
    this.#pump ??= this.#drain(force).finally(() => {
      this.#pump = undefined;
      // What arrived during the write waits for its own batch.
      if (this.#pending.length > 0 && this.#scheduled === 0 && !this.#failed) this.#schedule();
    });
    return this.#pump;
  }

  async #drain(force: boolean): Promise<void> {
    const full = this.#options.fullBytes ?? Infinity;
    do {
      const batch = this.#pending;
      this.#pending = [];
      this.#pendingBytes = 0;
      try {
        await this.#sink.write(this.#options.encode(batch));
        this.#written += batch.length;
      } catch (err) {
        this.#failed = true;
        const lost = batch.length + this.#pending.length;
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#options.onError?.(err instanceof Error ? err : new Error(String(err)), lost);
      }
    } while (this.#pending.length > 0 && !this.#failed && (force || this.#pendingBytes >= full));
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#pump) await this.#startPump(true);
  }

  /** Flushes; then, if `sync`, syncs the sink (errors ignored: pipes cannot sync); then closes it. */
  async close(sync: boolean): Promise<void> {
    await this.flush();
    if (sync && !this.#failed) {
      try {
        await this.#sink.sync();
      } catch { /* stdout and pipes cannot be synced */ }
    }
    await this.#sink.close();
  }
}
