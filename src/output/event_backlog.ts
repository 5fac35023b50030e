/**
 * Events a writer holds back a few milliseconds to encode in one go.
 *
 * Encoding each event the moment it is emitted interleaves a writer's code
 * with the runtime's socket handling for every connection; encoding a
 * batch in one loop keeps the encoder's code and caches hot. On the real tap
 * (Node, every output, two taps side by side under the same load) it cost
 * less CPU per connection in 10 of 10 rounds, 14 % by median
 * (bench/RESULTS.md).
 * Held events are bounded: past {@linkcode BACKLOG_LIMIT} they are encoded
 * at once, and none is held longer than {@linkcode BACKLOG_HOLD_MS}.
 *
 * @module
 */

/** Events held at most; the next one encodes them all at once. */
export const BACKLOG_LIMIT = 512;
/**
 * Longest hold (ms), even when the write comes later: an event object kept
 * past the garbage collector's next scavenge is copied, and allocation sites
 * whose objects keep surviving are pretenured by V8 (allocated straight into
 * the old generation, which made every connection cost more; bench/RESULTS.md).
 */
export const BACKLOG_HOLD_MS = 5;

/**
 * A bounded list of events waiting to be encoded, in order.
 *
 * @example
 * ```ts
 * import { EventBacklog } from "./event_backlog.ts";
 *
 * const lines: string[] = [];
 * const backlog = new EventBacklog<number>({
 *   holds: () => true,
 *   encode: (n) => lines.push(`event ${n}`),
 *   onFirst: () => {},
 *   onError: (err) => console.error(err),
 * });
 * backlog.push(1);
 * backlog.push(2);
 * backlog.drain();
 * console.log(lines); // ["event 1", "event 2"]
 * ```
 */
export class EventBacklog<T> {
  #held: T[] = [];
  #holds: () => boolean;
  #encode: (item: T) => void;
  #onFirst: () => void;
  #onError: (error: unknown, item: T) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Creates an empty backlog. */
  constructor(options: {
    /**
     * Whether events may be held now: the writer's writes work. When not (an
     * outage, a stopped writer), what is held and each new event are encoded
     * at once, so that a drop is counted when it happens.
     */
    readonly holds: () => boolean;
    /** Queues one event's record. */
    readonly encode: (item: T) => void;
    /** The backlog stopped being empty: the writer schedules its next write. */
    readonly onFirst: () => void;
    /** `encode` threw for `item`; the events after it are still encoded. */
    readonly onError: (error: unknown, item: T) => void;
  }) {
    this.#holds = options.holds;
    this.#encode = options.encode;
    this.#onFirst = options.onFirst;
    this.#onError = options.onError;
  }

  /** Events held. */
  get size(): number {
    return this.#held.length;
  }

  /** Holds `item` (or, while the writer cannot hold, encodes it at once after what is held). */
  push(item: T): void {
    if (!this.#holds()) {
      this.drain();
      this.#encode(item);
      return;
    }
    const n = this.#held.push(item);
    if (n === 1) {
      this.#timer = setTimeout(this.#onTimer, BACKLOG_HOLD_MS);
      this.#onFirst();
    } else if (n >= BACKLOG_LIMIT) this.drain();
  }

  #onTimer = (): void => {
    this.#timer = undefined;
    this.drain();
  };

  /** Encodes every held event, in the order they came. */
  drain(): void {
    const held = this.#held;
    if (held.length === 0) return;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    // A fresh list first: an encoder that makes another event (a format
    // error reported as a line) queues it behind these, not into this loop.
    this.#held = [];
    for (let i = 0; i < held.length; i++) {
      try {
        this.#encode(held[i]);
      } catch (err) {
        // Drained from a timer: a throw would end the program, and lose the rest.
        this.#onError(err, held[i]);
      }
    }
  }
}
