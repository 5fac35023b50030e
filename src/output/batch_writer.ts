/**
 * The write pump every writer shares: records are encoded as they come
 * (see {@linkcode ByteQueue} for why at once), queue without awaiting
 * anything, and go to the sink in batches, at most one write per short
 * interval.
 *
 * Why batches and a delay: under load a pump that writes whatever arrived
 * during the previous write makes one write per event (a fs-promises write
 * costs ~20 µs of CPU on Node), which was the log's main cost.
 *
 * Why outages: a full disk or an I/O error passes, and a log that gives up at
 * the first failed write loses everything after it. A failed batch goes back
 * to the front of the queue and is retried with a growing delay; what does
 * not fit meanwhile is dropped and counted by cause. Only a sink that can
 * never work again (a closed pipe) stops the pump for good.
 *
 * @module
 */

import type { Sink } from "./sink.ts";
import { isPermanentSinkError, sinkErrorCause } from "./sink_error.ts";
import { ByteQueue } from "./byte_queue.ts";

/**
 * How a write outage ended, as reported when the sink works again.
 *
 * @example
 * ```ts
 * import type { OutageEnd } from "@sockscope/sockscope";
 * function line(end: OutageEnd): string {
 *   return `resumed after ${end.durationMs} ms; ${end.dropped} events dropped (${end.cause})`;
 * }
 * ```
 */
export interface OutageEnd {
  /** The cause the outage's drops were counted under (`enospc`, `eio`, ..., `error`). */
  readonly cause: string;
  /** The write error that started the outage. */
  readonly error: Error;
  /** Milliseconds from the first failed write to the write that caught up. */
  readonly durationMs: number;
  /** Records dropped while it lasted. */
  readonly dropped: number;
}

/** Options of {@linkcode BatchWriter}. */
export interface BatchWriterOptions {
  /** How long records gather before a write (ms). */
  readonly delayMs: number;
  /** Pending bytes at which the batch goes on the next turn instead (default: never). */
  readonly fullBytes?: number;
  /** During an outage, pending size past which pushes are refused and counted (default: no limit). */
  readonly outageMaxBytes?: number;
  /**
   * Largest write (in bytes) while catching up after a failure.
   * Catching up starts with one record per write and doubles the size after
   * each write that works, up to this: small writes use whatever space was
   * freed, where one big write could not fit. Default 64 KiB.
   */
  readonly retryChunkBytes?: number;
  /** First retry delay after a failed write (ms), doubling up to `retryMaxMs`; default 100. */
  readonly retryMinMs?: number;
  /** Longest retry delay (ms); default 5000. */
  readonly retryMaxMs?: number;
  /** A write failed and will be retried: an outage starts (once per outage). */
  readonly onOutage?: (error: Error, cause: string) => void;
  /** The queue held during an outage is written: the outage is over. */
  readonly onResume?: (end: OutageEnd) => void;
  /** The sink is gone for good (e.g. EPIPE): called once; nothing is written from then on. */
  readonly onFatal?: (error: Error, cause: string) => void;
  /**
   * What starts each destination (a file format's header), asked for before
   * the first write to the sink and before the first write after each
   * reopen. Its bytes go in that same write, in front of the batch, so that
   * a failed write leaves neither behind and the retry carries the header
   * again (asking anew: the destination's size may have changed). A
   * rejection fails the write like a sink error: an outage, retried.
   */
  readonly header?: () => Promise<Uint8Array>;
  /**
   * What ends each destination (a file format's footer): written on close
   * after the last batch, preceded by the header if the destination has not
   * had it yet, and into the old destination before a reopen if it has had
   * its header. Best effort: a destination that cannot take it goes without.
   */
  readonly footer?: () => Uint8Array;
  /**
   * Records the owner holds back to encode in one go (an EventBacklog,
   * event_backlog.ts): drained into the queue before each write,
   * and counted as waiting. The owner calls {@linkcode BatchWriter.wake}
   * when it starts holding some.
   */
  readonly backlog?: { readonly size: number; drain(): void };
}

interface Outage {
  readonly error: Error;
  readonly cause: string;
  readonly since: number;
  dropped: number;
}

const DEFAULT_RETRY_CHUNK_BYTES = 64 * 1024;
const DEFAULT_RETRY_MIN_MS = 100;
const DEFAULT_RETRY_MAX_MS = 5000;

/**
 * Queues encoded records and writes them to a {@linkcode Sink} in batches,
 * off the caller's stack.
 *
 * @example
 * ```ts
 * import { BatchWriter } from "./batch_writer.ts";
 * import type { Sink } from "./sink.ts";
 * const sink: Sink = {
 *   write: (d) => Promise.resolve(void console.log(new TextDecoder().decode(d))),
 *   sync: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * const out = new BatchWriter(sink, { delayMs: 10 });
 * out.push("one line\n");
 * await out.close(false);
 * ```
 */
export class BatchWriter {
  #sink: Sink;
  #options: BatchWriterOptions;
  /** What waits for the sink; a failed write leaves its records at the front. */
  #queue = new ByteQueue();
  #pump: Promise<void> | undefined;
  /** 0: nothing scheduled; 1: a delayed write; -1: one on the next turn. */
  #scheduled = 0;
  #written = 0;
  #recordsWritten = 0;
  #dropped = 0;
  #droppedByCause: Record<string, number> = {};
  #outage: Outage | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelay: number;
  /** Size of the next catch-up write; 0: a single record (after a failure). */
  #chunkBytes = 0;
  /** Set once the sink failed for good. */
  #fatal: { error: Error; cause: string } | undefined;
  #closed = false;
  /** Reopens run one after the other. */
  #reopens: Promise<void> = Promise.resolve();
  /** Reopens asked for and not done: no write starts meanwhile (they belong in the new file). */
  #reopensWanted = 0;
  /** The destination has not had its header yet (only with a `header` option). */
  #headerDue: boolean;

  /** Creates a pump that owns `sink`. */
  constructor(sink: Sink, options: BatchWriterOptions) {
    this.#sink = sink;
    this.#options = options;
    this.#retryDelay = options.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
    this.#headerDue = options.header !== undefined;
  }

  /** Records waiting for a write. */
  get pendingCount(): number {
    return this.#queue.records;
  }

  /** Bytes waiting for a write. */
  get pendingBytes(): number {
    return this.#queue.bytes;
  }

  /** Records written. */
  get written(): number {
    return this.#written;
  }

  /**
   * Records with bytes written: {@linkcode BatchWriter.written} less the
   * empty records of events a format writes nothing for (a header or footer
   * is not a record).
   */
  get recordsWritten(): number {
    return this.#recordsWritten;
  }

  /** Records dropped, whatever the cause. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Records dropped, by cause (`queue-full`, `enospc`, `epipe`, `closed`...). */
  get droppedByCause(): Record<string, number> {
    return { ...this.#droppedByCause };
  }

  /** The cause of the outage under way (writes fail and are retried), else undefined. */
  get outageCause(): string | undefined {
    return this.#outage?.cause;
  }

  /** True once nothing more will be written: the sink failed for good, or the writer is closed. */
  get stopped(): boolean {
    return this.#fatal !== undefined || this.#closed;
  }

  /**
   * Queues one encoded record (a string is written as UTF-8). Returns
   * false, and counts the record as dropped, once the writer has stopped,
   * or during an outage when `outageMaxBytes` are already waiting.
   */
  push(record: string | Uint8Array): boolean {
    if (!this.#admits(typeof record === "string" ? record.length : record.byteLength)) return false;
    this.#queue.push(record);
    this.#queued();
    return true;
  }

  /**
   * Queues a record that `write` lays out straight into the queue's buffer
   * (see {@linkcode ByteQueue.pushInPlace}; `maxBytes` bounds its length).
   * `"declined"`: `write` returned -1 and nothing was queued or counted (the
   * caller queues the record another way); `"dropped"` as with `push`.
   */
  pushInPlace<T>(
    maxBytes: number,
    write: (buf: Uint8Array, at: number, arg: T) => number,
    arg: T,
  ): "queued" | "dropped" | "declined" {
    if (this.#refusedAsStopped()) return "dropped";
    const outage = this.#outage;
    const limit = outage ? this.#options.outageMaxBytes ?? Infinity : Infinity;
    const done = this.#queue.pushInPlace(maxBytes, write, arg, limit);
    if (done === -1) return "declined";
    if (done === 0) {
      this.drop(outage!.cause);
      return "dropped";
    }
    this.#queued();
    return "queued";
  }

  /** Whether a record of about `size` bytes may join the queue; counts it dropped if not. */
  #admits(size: number): boolean {
    if (this.#refusedAsStopped()) return false;
    const outage = this.#outage;
    if (outage && this.#queue.bytes + size > (this.#options.outageMaxBytes ?? Infinity)) {
      this.drop(outage.cause);
      return false;
    }
    return true;
  }

  /** Once stopped, every record is refused and counted under why (`closed`, or the fatal cause). */
  #refusedAsStopped(): boolean {
    if (!this.stopped) return false;
    this.drop(this.#fatal?.cause ?? "closed");
    return true;
  }

  /**
   * True while writes work (no outage, not stopped): an owner may then hold
   * records back until the next write. Otherwise it queues them at once, so
   * that what the writer cannot take is counted when it comes.
   */
  get steady(): boolean {
    return this.#outage === undefined && !this.stopped;
  }

  /** The owner holds records back (its `backlog`): a write is scheduled as for a push. */
  wake(): void {
    this.#queued();
  }

  /** Records waiting: queued, and held back by the owner. */
  #waiting(): number {
    return this.#queue.records + (this.#options.backlog?.size ?? 0);
  }

  #queued(): void {
    // A running pump reschedules when it ends; during an outage the retry timer writes.
    if (!this.#pump && !this.#outage) this.#schedule();
  }

  /** Counts one record the caller decided not to queue, under `cause`. */
  drop(cause: string): void {
    this.#count(1, cause);
  }

  #count(n: number, cause: string): void {
    if (n === 0) return;
    this.#dropped += n;
    this.#droppedByCause[cause] = (this.#droppedByCause[cause] ?? 0) + n;
    if (this.#outage) this.#outage.dropped += n;
  }

  #schedule(): void {
    const full = this.#queue.bytes >= (this.#options.fullBytes ?? Infinity);
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
      if (
        this.#waiting() > 0 && this.#scheduled === 0 && !this.stopped && !this.#outage &&
        this.#reopensWanted === 0
      ) this.#schedule();
    });
    return this.#pump;
  }

  async #drain(force: boolean): Promise<void> {
    // Stopped: a write scheduled before close() or a fatal error. A reopen
    // waiting: it starts the pump again when done.
    if (this.stopped || this.#reopensWanted > 0) return;
    this.#options.backlog?.drain();
    if (this.#queue.records === 0) return;
    const full = this.#options.fullBytes ?? Infinity;
    const queue = this.#queue;
    do {
      const catchingUp = this.#outage !== undefined;
      // Records pushed while this write runs go after the view: it stays intact.
      const { bytes, count } = queue.peek(catchingUp ? this.#chunkBytes : Infinity);
      try {
        const header = this.#headerDue ? await this.#options.header!() : undefined;
        // Records of nothing (a format with no line for an event) count as written, unwritten.
        if (header !== undefined) await this.#sink.write(concat(header, bytes));
        else if (bytes.byteLength > 0) await this.#sink.write(bytes);
      } catch (err) {
        this.#failed(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.#headerDue = false;
      this.#written += count;
      this.#recordsWritten += queue.recordsWithBytes(count);
      queue.shift(count);
      if (catchingUp) {
        // Progress: the next failure starts over from the shortest delay, and
        // the next write may be twice as large.
        this.#retryDelay = this.#options.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
        this.#chunkBytes = Math.min(
          this.#options.retryChunkBytes ?? DEFAULT_RETRY_CHUNK_BYTES,
          2 * Math.max(bytes.byteLength, this.#chunkBytes),
        );
        if (queue.records === 0) this.#endOutage();
      }
      // During an outage, keep writing until caught up: that is what ends it.
    } while (
      queue.records > 0 && !this.stopped && this.#reopensWanted === 0 &&
      (force || this.#outage !== undefined || queue.bytes >= full)
    );
  }

  /** A write failed: its records stay at the front of the queue (or, for good, are counted lost). */
  #failed(error: Error): void {
    const cause = sinkErrorCause(error);
    if (isPermanentSinkError(error)) {
      this.#fatal = { error, cause };
      this.#outage = undefined;
      this.#clearRetry();
      this.#count(this.#queue.clear(), cause);
      this.#options.onFatal?.(error, cause);
      return;
    }
    // Order is kept and nothing is lost yet. The next attempt writes a
    // single record: it fits if any space was freed.
    this.#chunkBytes = 0;
    if (!this.#outage) {
      this.#outage = { error, cause, since: Date.now(), dropped: 0 };
      this.#retryDelay = this.#options.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
      this.#options.onOutage?.(error, cause);
    }
    this.#retryLater();
  }

  #endOutage(): void {
    const outage = this.#outage;
    if (!outage) return;
    this.#outage = undefined;
    this.#clearRetry();
    this.#options.onResume?.({
      cause: outage.cause,
      error: outage.error,
      durationMs: Date.now() - outage.since,
      dropped: outage.dropped,
    });
  }

  #retryLater(): void {
    this.#clearRetry();
    if (this.#closed) return; // close() makes the last attempt itself
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(delay * 2, this.#options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#startPump(false);
    }, delay);
    // Node and Bun: a retry alone does not keep a finished program alive
    // (close() makes the last attempt). Deno's timer ids cannot be unref'd
    // from here; there the timer lives until the outage ends or close().
    (this.#retryTimer as { unref?: () => void }).unref?.();
  }

  #clearRetry(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /**
   * Writes everything queued so far. During an outage it makes one attempt
   * and returns with what is left still queued (the retries go on), so that
   * it never waits for a disk to be freed.
   */
  async flush(): Promise<void> {
    while ((this.#waiting() > 0 || this.#pump) && !this.stopped) {
      if (this.#reopensWanted > 0) {
        await this.#reopens; // what waits belongs in the reopened file
        continue;
      }
      await this.#startPump(true);
      if (this.#outage) return;
    }
  }

  /**
   * Reopens the sink (log rotation), if it can be: the write under way ends
   * first, then writes go to the reopened destination. During an outage the
   * new destination is tried at once. Resolves false when the sink has
   * nothing to reopen or the writer has stopped; rejects when reopening fails
   * (the old destination stays in use).
   */
  reopen(): Promise<boolean> {
    // Counted at once: from now on no write starts, and a pump under way stops after its write.
    this.#reopensWanted++;
    const run = async (): Promise<boolean> => {
      try {
        if (!this.#sink.reopen || this.stopped) return false;
        while (this.#pump) await this.#pump;
        // The old file is complete: it gets its footer; records after a
        // reopen that fails then start a new header block in it.
        const ended = !this.#headerDue && this.#options.footer !== undefined &&
          await this.#writeFooter();
        try {
          await this.#sink.reopen();
        } finally {
          if (ended) this.#headerDue = this.#options.header !== undefined;
        }
        this.#headerDue = this.#options.header !== undefined;
        return true;
      } finally {
        this.#reopensWanted--;
        if (this.#reopensWanted === 0 && this.#waiting() > 0 && !this.stopped) {
          if (this.#outage) {
            // A fresh file may well work (the operator rotated the full one away): try it now.
            this.#retryDelay = this.#options.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
            this.#clearRetry();
            this.#startPump(false);
          } else if (!this.#pump) this.#schedule();
        }
      }
    };
    const reopened = this.#reopens.then(run, run);
    this.#reopens = reopened.then(() => undefined, () => undefined);
    return reopened;
  }

  /**
   * Flushes; then, if `sync`, syncs the sink (errors ignored: pipes cannot
   * sync); then closes it. During an outage the flush is one last attempt;
   * what it cannot write is counted as dropped under the outage's cause.
   */
  async close(sync: boolean): Promise<void> {
    if (this.#closed) return;
    await this.#reopens;
    this.#clearRetry();
    await this.flush();
    // Still held after a last attempt that failed: queued, so that they are counted with the rest.
    this.#options.backlog?.drain();
    this.#closed = true;
    this.#clearRetry();
    if (this.#queue.records > 0) this.#count(this.#queue.clear(), this.#outage?.cause ?? "closed");
    if (this.#options.footer && !this.#fatal && !this.#outage) await this.#writeFooter();
    if (sync && !this.#fatal && !this.#outage) {
      try {
        await this.#sink.sync();
      } catch { /* stdout and pipes cannot be synced */ }
    }
    try {
      await this.#sink.close();
    } catch (err) {
      // A sink that already failed may fail to close as well; that is no news.
      if (!this.#fatal && !this.#outage) throw err;
    }
  }

  /** Writes the footer (after the header if still due); true if it was written. */
  async #writeFooter(): Promise<boolean> {
    try {
      const header = this.#headerDue ? await this.#options.header!() : undefined;
      const footer = this.#options.footer!();
      const data = header === undefined ? footer : concat(header, footer);
      if (data.byteLength > 0) await this.#sink.write(data);
      this.#headerDue = false;
      return true;
    } catch {
      return false; // best effort: the records are written, only the end marker is missing
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
