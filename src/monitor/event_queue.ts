/**
 * A bounded queue behind an async iterator: `Monitor.events`.
 *
 * @module
 */

import { isDroppable, type MonitorEvent } from "./events.ts";

/** Default bound of queued events per iterator before payload events are dropped. */
export const DEFAULT_QUEUE_LIMIT = 65_536;
/** Default bound of queued payload bytes per iterator before payload events are dropped. */
export const DEFAULT_QUEUE_BYTES = 16 * 1024 * 1024;
/**
 * Hard bound on queued events of any kind. Lifecycle events past it are
 * dropped too (and counted): only a consumer stalled for about a million
 * events reaches it, and unbounded memory would be worse.
 */
export const HARD_QUEUE_LIMIT = 1_000_000;

function payloadBytes(event: MonitorEvent): number {
  return event.type === "conn.data" || event.type === "udp.datagram" ? event.data.byteLength : 0;
}

/**
 * Queues events for one async-iterator consumer. When the consumer falls
 * `limit` events or 16 MiB of payload behind, payload events (`conn.data`,
 * `udp.datagram`) are dropped and counted; lifecycle events are kept (up to
 * {@linkcode HARD_QUEUE_LIMIT}), so every `conn.open` still meets its
 * `conn.close`.
 */
export class EventQueue implements AsyncIterableIterator<MonitorEvent> {
  #items: MonitorEvent[] = [];
  #head = 0;
  #waiting: ((r: IteratorResult<MonitorEvent>) => void) | undefined;
  #ended = false;
  #limit: number;
  #bytes = 0;
  #onDrop: () => void;
  #onReturn: () => void;

  /** Creates a queue; `onDrop` counts drops, `onReturn` unsubscribes. */
  constructor(limit: number, onDrop: () => void, onReturn: () => void) {
    this.#limit = limit;
    this.#onDrop = onDrop;
    this.#onReturn = onReturn;
  }

  /** Enqueues, or hands straight to a waiting consumer. */
  push(event: MonitorEvent): void {
    if (this.#ended) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting({ value: event, done: false });
      return;
    }
    const queued = this.#items.length - this.#head;
    if (
      queued >= HARD_QUEUE_LIMIT ||
      (isDroppable(event) && (queued >= this.#limit || this.#bytes >= DEFAULT_QUEUE_BYTES))
    ) {
      this.#onDrop();
      return;
    }
    this.#bytes += payloadBytes(event);
    this.#items.push(event);
  }

  /** Ends the iteration once the queued events are consumed. */
  end(): void {
    this.#ended = true;
    const waiting = this.#waiting;
    if (waiting && this.#head >= this.#items.length) {
      this.#waiting = undefined;
      waiting({ value: undefined, done: true });
    }
  }

  /** Next event. */
  next(): Promise<IteratorResult<MonitorEvent>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++];
      this.#bytes -= payloadBytes(value);
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Stops iterating (on `break`). */
  return(): Promise<IteratorResult<MonitorEvent>> {
    this.#ended = true;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** This queue is its own iterator. */
  [Symbol.asyncIterator](): AsyncIterableIterator<MonitorEvent> {
    return this;
  }
}
