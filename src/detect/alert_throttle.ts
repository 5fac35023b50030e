/**
 * Dedup and throttling of alerts per (signature, source), so that a flood of
 * matching connections never becomes a flood of alerts: each key gets at
 * most one alert per window, a global per-second cap bounds the total, and
 * what either rule held back is counted and handed to the next alert of
 * that key (`suppressed` in the alert event).
 *
 * Pure: the caller passes the clock, so tests and replays are exact and no
 * timer keeps a program alive.
 *
 * @module
 */

/** Options of {@linkcode AlertThrottle}. */
export interface AlertThrottleOptions {
  /** At most one alert per (signature, source) within this many ms (default 60,000; 0 = no dedup). */
  readonly windowMs?: number;
  /**
   * Keys remembered at most (default 65,536). Past it the key admitted
   * longest ago is forgotten (with any count it held), so a source spoofing
   * addresses cannot grow memory.
   */
  readonly maxKeys?: number;
  /** Alerts admitted per clock second across all keys (default 50). */
  readonly maxPerSecond?: number;
}

interface KeyState {
  /** When the key's last alert was admitted; -Infinity when it never was (only cut by the cap). */
  last: number;
  /** Held back since then. */
  suppressed: number;
}

/**
 * Decides which alerts go out. One instance per alert stream; not shared
 * between monitors.
 *
 * @example
 * ```ts
 * import { AlertThrottle } from "./alert_throttle.ts";
 * const throttle = new AlertThrottle({ windowMs: 60_000 });
 * throttle.admit(2000001, "192.0.2.7", 0); // 0: goes out, nothing was suppressed
 * throttle.admit(2000001, "192.0.2.7", 1_000); // false: a repeat within the window
 * throttle.admit(2000001, "192.0.2.7", 61_000); // 1: goes out, carrying the one suppressed
 * ```
 */
export class AlertThrottle {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #maxPerSecond: number;
  /** Insertion order is admission order: the first key is the one admitted longest ago. */
  readonly #keys = new Map<string, KeyState>();
  #second = Number.NaN;
  #admittedThisSecond = 0;
  #suppressedTotal = 0;
  #forgotten = 0;

  /**
   * Creates a throttle.
   *
   * @throws {RangeError} when an option is out of range.
   */
  constructor(options: AlertThrottleOptions = {}) {
    const { windowMs = 60_000, maxKeys = 65_536, maxPerSecond = 50 } = options;
    if (!(windowMs >= 0) || !Number.isFinite(windowMs)) {
      throw new RangeError(`Invalid windowMs "${windowMs}": expected a finite number >= 0`);
    }
    if (!Number.isInteger(maxKeys) || maxKeys < 1) {
      throw new RangeError(`Invalid maxKeys "${maxKeys}": expected an integer >= 1`);
    }
    if (!(maxPerSecond === Infinity || (Number.isInteger(maxPerSecond) && maxPerSecond >= 1))) {
      throw new RangeError(
        `Invalid maxPerSecond "${maxPerSecond}": expected an integer >= 1 or Infinity`,
      );
    }
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
    this.#maxPerSecond = maxPerSecond;
  }

  /**
   * Asks whether an alert of `signatureId` from `src` (`null`: unknown
   * source, one key of its own) at `nowMs` goes out. Returns `false` when it
   * is suppressed (and counted), else how many alerts of that key were
   * suppressed since its last admitted one (0 for the first).
   *
   * `nowMs` should come from a clock that does not jump; a jump back by
   * more than a window starts a new window for every key.
   *
   * @example
   * ```ts
   * import { AlertThrottle } from "./alert_throttle.ts";
   * const throttle = new AlertThrottle();
   * const n = throttle.admit(1, null, Date.now());
   * if (n !== false) console.log(`alert (${n} suppressed before it)`);
   * ```
   */
  admit(signatureId: number, src: string | null, nowMs: number): number | false {
    const key = src === null ? `${signatureId}` : `${signatureId} ${src}`;
    const state = this.#keys.get(key);
    // Within the window either way: a small step back of the clock is no new window.
    if (state !== undefined && Math.abs(nowMs - state.last) < this.#windowMs) {
      state.suppressed++;
      this.#suppressedTotal++;
      return false;
    }
    const second = Math.floor(nowMs / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#admittedThisSecond = 0;
    }
    if (this.#admittedThisSecond >= this.#maxPerSecond) {
      // Cut by the cap: counted on the key, so that its next alert tells.
      this.#suppressedTotal++;
      if (state !== undefined) state.suppressed++;
      else this.#remember(key, { last: -Infinity, suppressed: 1 });
      return false;
    }
    this.#admittedThisSecond++;
    const suppressed = state?.suppressed ?? 0;
    // Re-inserted so that the key moves to the back of the eviction order.
    if (state !== undefined) this.#keys.delete(key);
    this.#remember(key, { last: nowMs, suppressed: 0 });
    return suppressed;
  }

  #remember(key: string, state: KeyState): void {
    this.#keys.set(key, state);
    if (this.#keys.size > this.#maxKeys) {
      const oldest = this.#keys.keys().next().value as string;
      this.#forgotten += this.#keys.get(oldest)!.suppressed;
      this.#keys.delete(oldest);
    }
  }

  /**
   * Alerts suppressed so far, by the window or the cap.
   *
   * @example
   * ```ts
   * import { AlertThrottle } from "./alert_throttle.ts";
   * const throttle = new AlertThrottle();
   * console.log(throttle.suppressedTotal); // 0
   * ```
   */
  get suppressedTotal(): number {
    return this.#suppressedTotal;
  }

  /**
   * Suppressed alerts whose count was lost because their key was forgotten
   * past `maxKeys` (part of `suppressedTotal`; no later alert carries them).
   *
   * @example
   * ```ts
   * import { AlertThrottle } from "./alert_throttle.ts";
   * const throttle = new AlertThrottle({ maxKeys: 1 });
   * console.log(throttle.forgottenSuppressed); // 0
   * ```
   */
  get forgottenSuppressed(): number {
    return this.#forgotten;
  }

  /**
   * Keys remembered now (at most `maxKeys`).
   *
   * @example
   * ```ts
   * import { AlertThrottle } from "./alert_throttle.ts";
   * const throttle = new AlertThrottle();
   * throttle.admit(1, "192.0.2.1", 0);
   * console.log(throttle.size); // 1
   * ```
   */
  get size(): number {
    return this.#keys.size;
  }
}
