/**
 * Fans events out to subscribers. Emitting is synchronous and cheap; each
 * subscriber queues and does its real work later, so no subscriber sits on
 * the data path.
 *
 * @module
 */

import type { MonitorEvent } from "./events.ts";

/**
 * A synchronous event consumer. It must return quickly: queue the event and
 * do the work later.
 */
export type EventListener = (event: MonitorEvent) => void;

/**
 * Options of {@linkcode EventHub.subscribe}.
 */
export interface SubscribeOptions {
  /** False when the subscriber ignores `conn.data`; when no subscriber wants it, the monitor skips capturing. */
  readonly data?: boolean;
}

/**
 * The monitor's event fan-out.
 *
 * @example
 * ```ts
 * import { EventHub } from "@sockscope/sockscope";
 * const hub = new EventHub();
 * const stop = hub.subscribe((ev) => console.log(ev.type));
 * stop();
 * ```
 */
export class EventHub {
  #listeners: EventListener[] = [];
  #dataListeners = 0;
  #flags = new Map<EventListener, boolean>();
  #onError: ((error: unknown) => void) | undefined;

  /** Creates a hub; `onError` hears of every listener that throws. */
  constructor(onError?: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** True when at least one subscriber wants `conn.data` / `udp.datagram` payloads. */
  get wantsData(): boolean {
    return this.#dataListeners > 0;
  }

  /** True when anyone listens at all. */
  get active(): boolean {
    return this.#listeners.length > 0;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    const data = options.data !== false;
    this.#listeners = [...this.#listeners, listener];
    this.#flags.set(listener, data);
    if (data) this.#dataListeners++;
    return () => {
      if (!this.#flags.has(listener)) return;
      if (this.#flags.get(listener)) this.#dataListeners--;
      this.#flags.delete(listener);
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Delivers `event` to every listener; a throwing listener does not disturb the others. */
  emit(event: MonitorEvent): void {
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](event);
      } catch (err) {
        // A faulty consumer must not take the monitor down, nor go unnoticed.
        try {
          this.#onError?.(err);
        } catch { /* the reporter itself failed: nothing more to do */ }
      }
    }
  }
}
