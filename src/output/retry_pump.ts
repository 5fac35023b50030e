/**
 * The delivery loop of the alert channels (webhook, syslog): a bounded
 * queue that `push` never waits on (the monitor must not wait for a
 * receiver), one loop that hands its head to the writer's `deliver`,
 * retries with exponential backoff and jitter while the peer fails, and a
 * `close()` bounded in time. What cannot be kept is dropped and counted by
 * cause. The writer keeps what is its own: how to send, which errors are
 * worth a retry, and how long the peer asked to wait.
 *
 * @module
 */

import type { OutageEnd } from "./batch_writer.ts";
import { nonNegativeNumber, positiveInteger } from "./option_checks.ts";

/**
 * A delivery that failed and is worth another try, as `deliver` reports it.
 *
 * @example
 * ```ts
 * import type { Retry } from "./retry_pump.ts";
 * const busy: Retry = { error: new Error("HTTP 429"), cause: "http-429", afterMs: 2000 };
 * ```
 */
export interface Retry {
  /** What went wrong (reported with `onOutage` when it starts an outage). */
  readonly error: Error;
  /** A short name for it (`econnrefused`, `timeout`, `http-503`...). */
  readonly cause: string;
  /** How long the peer asked to wait (ms), used instead of the backoff up to `backoffMaxMs`. */
  readonly afterMs?: number;
  /** Items at the head to give up on now, counted as failed under `cause`. */
  readonly fail?: { readonly count: number; readonly cause: string };
}

/**
 * Options of {@linkcode RetryPump}.
 *
 * @example
 * ```ts
 * import type { RetryPumpOptions } from "./retry_pump.ts";
 * const options: RetryPumpOptions = { deliver: () => Promise.resolve(undefined), maxQueue: 10 };
 * ```
 */
export interface RetryPumpOptions {
  /**
   * Sends from the head of the queue ({@linkcode RetryPump.peek}), marking
   * what went with `markSent` or `markFailed`; resolves undefined when the
   * peer works, else a {@linkcode Retry}. A rejection (a bug) stops the loop.
   */
  readonly deliver: () => Promise<Retry | undefined>;
  /** `close()` ran out of time: stop the delivery under way (abort a request...). */
  readonly interrupt?: () => void;
  /** Items waiting at most, those being sent included (default 1,000); past it they are dropped. */
  readonly maxQueue?: number;
  /** First retry delay (ms, default 200), doubling after each failure in a row. */
  readonly backoffMinMs?: number;
  /** Longest retry delay, `afterMs` included (ms, default 30,000). */
  readonly backoffMaxMs?: number;
  /** How long `close()` keeps delivering what is queued (ms, default 5,000). */
  readonly closeTimeoutMs?: number;
  /** A delivery failed and will be retried: an outage starts (once per outage). */
  readonly onOutage?: (error: Error, cause: string) => void;
  /** A delivery worked (or the peer answered at all) after an outage: the outage is over. */
  readonly onResume?: (end: OutageEnd) => void;
}

interface Outage {
  readonly error: Error;
  readonly cause: string;
  readonly since: number;
  dropped: number;
  /** The latest failure's cause (the outage keeps its first). */
  latest: string;
}

/**
 * Queues items and delivers them through a writer's `deliver`, retrying
 * while the peer fails, off the caller's stack.
 *
 * @example
 * ```ts
 * import { RetryPump } from "./retry_pump.ts";
 * const pump: RetryPump<string> = new RetryPump<string>({
 *   deliver: async () => {
 *     console.log(pump.peek(1)[0]); // send it
 *     pump.markSent(1);
 *     return undefined; // the peer works; a Retry would say why not
 *   },
 * });
 * pump.push("hello");
 * await pump.close();
 * ```
 */
export class RetryPump<T> {
  readonly #options: RetryPumpOptions;
  readonly #maxQueue: number;
  readonly #backoffMinMs: number;
  readonly #backoffMaxMs: number;
  readonly #closeTimeoutMs: number;

  /** Queued items from index `#head` on. */
  #queue: T[] = [];
  #head = 0;
  #running: Promise<void> | undefined;
  /** Failures in a row: what the backoff grows with. */
  #failures = 0;
  #outage: Outage | undefined;
  #wake: (() => void) | undefined;
  #closing = false;
  /** Set when close() settles the queue: nothing more is attempted. */
  #givenUp = false;
  #closed: Promise<void> | undefined;

  #sent = 0;
  #failed = 0;
  #failedByCause: Record<string, number> = {};
  #dropped = 0;
  #droppedByCause: Record<string, number> = {};

  /**
   * Creates an idle pump; the loop starts with the first push.
   *
   * @throws {RangeError} when a number option is out of range.
   */
  constructor(options: RetryPumpOptions) {
    this.#options = options;
    this.#maxQueue = positiveInteger("maxQueue", options.maxQueue ?? 1000);
    this.#backoffMinMs = nonNegativeNumber("backoffMinMs", options.backoffMinMs ?? 200);
    this.#backoffMaxMs = nonNegativeNumber("backoffMaxMs", options.backoffMaxMs ?? 30_000);
    this.#closeTimeoutMs = nonNegativeNumber("closeTimeoutMs", options.closeTimeoutMs ?? 5000);
  }

  /** Items delivered (`markSent`). */
  get sent(): number {
    return this.#sent;
  }

  /** Items given up after being tried (`markFailed`). */
  get failed(): number {
    return this.#failed;
  }

  /** Failed items by the writer's cause. */
  get failedByCause(): Record<string, number> {
    return { ...this.#failedByCause };
  }

  /** Items never tried to the end: `queue-full`, `closed` or `close-timeout`. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Dropped items by cause. */
  get droppedByCause(): Record<string, number> {
    return { ...this.#droppedByCause };
  }

  /** Items waiting, those being sent included. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** During an outage, the cause of the failure that started it; else undefined. */
  get outageCause(): string | undefined {
    return this.#outage?.cause;
  }

  /** During an outage, the cause of the latest failure; else undefined. */
  get latestCause(): string | undefined {
    return this.#outage?.latest;
  }

  /** True once `close()` has settled the queue or run out of time: `deliver` should stop. */
  get givenUp(): boolean {
    return this.#givenUp;
  }

  /**
   * Queues `item`, or drops and counts it past `maxQueue` (`queue-full`) or
   * after `close()` (`closed`). Never blocks, never throws.
   */
  push(item: T): void {
    if (this.#closing) return this.#drop(1, "closed");
    if (this.pending >= this.#maxQueue) return this.#drop(1, "queue-full");
    this.#queue.push(item);
    this.#running ??= this.#run();
  }

  /** The first `n` waiting items (fewer if fewer wait), in order. */
  peek(n: number): T[] {
    return this.#queue.slice(this.#head, this.#head + n);
  }

  /** Removes the first `n` waiting items as delivered (a no-op once given up). */
  markSent(n: number): void {
    if (this.#take(n)) this.#sent += n;
  }

  /** Removes the first `n` waiting items as failed under `cause` (a no-op once given up). */
  markFailed(n: number, cause: string): void {
    if (!this.#take(n)) return;
    this.#failed += n;
    this.#failedByCause[cause] = (this.#failedByCause[cause] ?? 0) + n;
    if (this.#outage) this.#outage.dropped += n;
  }

  /** The peer answered (if only to refuse): the backoff starts over, an outage ends (`onResume`). */
  reached(): void {
    this.#failures = 0;
    const outage = this.#outage;
    if (!outage) return;
    this.#outage = undefined;
    safely(this.#options.onResume, {
      cause: outage.cause,
      error: outage.error,
      durationMs: Date.now() - outage.since,
      dropped: outage.dropped,
    });
  }

  #drop(n: number, cause: string): void {
    if (n === 0) return;
    this.#dropped += n;
    this.#droppedByCause[cause] = (this.#droppedByCause[cause] ?? 0) + n;
    if (this.#outage) this.#outage.dropped += n;
  }

  /** Advances the head, compacting now and then (amortised O(1)); false once given up. */
  #take(n: number): boolean {
    if (this.#givenUp) return false; // close() counted these with the rest
    this.#head += n;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return true;
  }

  async #run(): Promise<void> {
    // A later turn: delivering is not the caller's work.
    await undefined;
    try {
      while (!this.#givenUp && this.pending > 0) {
        const retry = await this.#options.deliver();
        if (this.#givenUp) break; // close() counted what was under way with the rest
        if (retry === undefined) {
          this.reached();
          continue;
        }
        this.#failures++;
        if (!this.#outage) {
          const { error, cause } = retry;
          this.#outage = { error, cause, since: Date.now(), dropped: 0, latest: cause };
          safely(this.#options.onOutage, error, cause);
        }
        this.#outage.latest = retry.cause;
        if (retry.fail) this.markFailed(retry.fail.count, retry.fail.cause);
        await this.#sleep(this.#delay(retry.afterMs));
      }
    } catch {
      // Only a bug gets here (callbacks are called safely): the loop stops, close() counts the rest.
    } finally {
      // Cleared as the loop decides to stop, so that a push from now on starts a new one.
      this.#running = undefined;
    }
  }

  /** Backoff with "equal jitter": half fixed, half random, so retries of many writers spread. */
  #delay(afterMs: number | undefined): number {
    if (afterMs !== undefined) return Math.min(afterMs, this.#backoffMaxMs);
    const base = Math.min(this.#backoffMaxMs, this.#backoffMinMs * 2 ** (this.#failures - 1));
    return base / 2 + Math.random() * (base / 2);
  }

  #sleep(ms: number): Promise<void> {
    if (this.#givenUp) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      // Node and Bun: a retry alone does not keep a finished program alive (close() makes the
      // last attempts). Deno's timers cannot be unref'd from here; close() clears it.
      (timer as { unref?: () => void }).unref?.();
    });
  }

  /**
   * Stops taking items and keeps delivering what is queued for at most
   * `closeTimeoutMs` (a retry waiting for its backoff goes at once); then
   * gives up, counting what is left as dropped (`close-timeout`), and runs
   * `finish` (the writer closing its sockets) within what is left of that
   * time: `timedOut` resolves when it is over. Safe to call more than once
   * (the first call's `finish` is the one run).
   */
  close(finish?: (timedOut: Promise<void>) => Promise<void>): Promise<void> {
    return this.#closed ??= this.#close(finish);
  }

  async #close(finish?: (timedOut: Promise<void>) => Promise<void>): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        this.#givenUp = true;
        this.#options.interrupt?.();
        this.#wake?.();
        resolve();
      }, this.#closeTimeoutMs);
    });
    try {
      if (this.#running !== undefined) await Promise.race([this.#running, timedOut]);
      this.#givenUp = true;
      this.#wake?.();
      this.#drop(this.pending, "close-timeout");
      this.#queue = [];
      this.#head = 0;
      await finish?.(timedOut);
    } finally {
      clearTimeout(deadline);
    }
  }
}

/** Calls an operator's callback; one that throws must not stop delivery. */
function safely<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    fn?.(...args);
  } catch { /* the callback's own bug; delivery goes on */ }
}
