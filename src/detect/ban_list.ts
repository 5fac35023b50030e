/**
 * Bans: sources whose alerts turned into refusing them for a time, longer
 * for each repeat (fail2ban's `bantime.increment`: the n-th ban lasts
 * `time * 2^(n-1)`, capped at `maxTime`). Pure: the caller passes the clock.
 *
 * @module
 */

import { CidrSet } from "../net/cidr.ts";

/**
 * How bans are given.
 *
 * @example
 * ```ts
 * import type { BanOptions } from "@sockscope/sockscope";
 * const options: BanOptions = { timeMs: 600_000, maxTimeMs: 86_400_000, ignore: "10.0.0.0/8" };
 * ```
 */
export interface BanOptions {
  /** Length of a first ban (ms); default 10 minutes, as fail2ban's `bantime`. */
  readonly timeMs?: number;
  /** Longest ban, however often a source offends (ms); default 1 week. */
  readonly maxTimeMs?: number;
  /** Sources never banned: comma-separated CIDR blocks, or a set. Default none. */
  readonly ignore?: string | CidrSet;
  /** Sources remembered (banned, or with past offences); default 65,536. */
  readonly maxEntries?: number;
}

/** Default length of a first ban: 10 minutes (fail2ban's default `bantime`). */
export const DEFAULT_BAN_TIME_MS = 10 * 60_000;
/** Default cap on a ban's length: 1 week. */
export const DEFAULT_BAN_MAX_TIME_MS = 7 * 24 * 3600_000;
/** How long offences are remembered after a ban ends, for the next ban's length: 1 day. */
const OFFENCE_MEMORY_MS = 24 * 3600_000;

/** One ban, as given or lifted. */
export interface Ban {
  /** The banned address. */
  readonly src: string;
  /** Its offences so far, this ban included. */
  readonly offense: number;
  /** When it started (ms since the epoch). */
  readonly sinceMs: number;
  /** When it ends (ms since the epoch). */
  readonly untilMs: number;
  /** Why: the alert's signature and id, as given to `ban()`. */
  readonly reason: string;
  /** The alert's signature id (0 when none was given). */
  readonly signatureId: number;
}

interface Entry {
  offense: number;
  reason: string;
  signatureId: number;
  sinceMs: number;
  untilMs: number;
  /** False once the ban ended (the entry remembers the offences). */
  active: boolean;
}

function toBan(src: string, e: Entry): Ban {
  return {
    src,
    offense: e.offense,
    sinceMs: e.sinceMs,
    untilMs: e.untilMs,
    reason: e.reason,
    signatureId: e.signatureId,
  };
}

/**
 * The bans in force, and the offences remembered for repeat offenders.
 *
 * @example
 * ```ts
 * import { BanList } from "@sockscope/sockscope";
 * const bans = new BanList({ timeMs: 1000 });
 * const now = Date.now();
 * bans.ban("192.0.2.7", now); // { src, offense: 1, untilMs: now + 1000, ... }
 * bans.isBanned("192.0.2.7", now + 10); // true
 * bans.expire(now + 1000).length; // 1: lifted
 * ```
 */
export class BanList {
  readonly #timeMs: number;
  readonly #maxTimeMs: number;
  readonly #ignore: CidrSet;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  #active = 0;
  #total = 0;

  /**
   * Creates an empty list.
   *
   * @throws {RangeError} If a time is not a positive number of milliseconds.
   * @throws {TypeError} If `ignore` is not a list of CIDR blocks.
   */
  constructor(options: BanOptions = {}) {
    this.#timeMs = options.timeMs ?? DEFAULT_BAN_TIME_MS;
    this.#maxTimeMs = options.maxTimeMs ?? DEFAULT_BAN_MAX_TIME_MS;
    for (const [name, v] of [["timeMs", this.#timeMs], ["maxTimeMs", this.#maxTimeMs]] as const) {
      if (!(v > 0) || !Number.isFinite(v)) {
        throw new RangeError(`Invalid ban ${name} "${v}": expected a positive number of ms`);
      }
    }
    this.#ignore = typeof options.ignore === "string"
      ? CidrSet.parse(options.ignore)
      : options.ignore ?? new CidrSet([]);
    this.#maxEntries = options.maxEntries ?? 65_536;
  }

  /** Bans in force now. */
  get active(): number {
    return this.#active;
  }

  /** Bans given since the start. */
  get total(): number {
    return this.#total;
  }

  /** Whether `src` is in the ignore list (never banned). */
  ignores(src: string): boolean {
    return this.#ignore.has(src);
  }

  /** Whether `src` is banned at `nowMs` (an expired ban no longer counts, even before `expire`). */
  isBanned(src: string, nowMs: number): boolean {
    const e = this.#entries.get(src);
    return e !== undefined && e.active && nowMs < e.untilMs;
  }

  /**
   * Bans `src` from `nowMs`; returns the ban, or undefined when it is
   * ignored or already banned.
   */
  ban(src: string, nowMs: number, reason = "", signatureId = 0): Ban | undefined {
    if (this.#ignore.has(src)) return undefined;
    let e = this.#entries.get(src);
    if (e?.active) return undefined;
    if (e === undefined || nowMs - e.untilMs > OFFENCE_MEMORY_MS) {
      if (e === undefined && this.#entries.size >= this.#maxEntries) this.#forgetOne();
      e = { offense: 0, sinceMs: nowMs, untilMs: nowMs, active: false, reason, signatureId };
    }
    e.offense++;
    e.reason = reason;
    e.signatureId = signatureId;
    const length = Math.min(this.#maxTimeMs, this.#timeMs * 2 ** Math.min(e.offense - 1, 20));
    e.sinceMs = nowMs;
    e.untilMs = nowMs + length;
    e.active = true;
    this.#entries.delete(src);
    this.#entries.set(src, e);
    this.#active++;
    this.#total++;
    return toBan(src, e);
  }

  /** Lifts the bans that ended by `nowMs`; returns them. */
  expire(nowMs: number): Ban[] {
    const lifted: Ban[] = [];
    for (const [src, e] of this.#entries) {
      if (e.active && nowMs >= e.untilMs) {
        e.active = false;
        this.#active--;
        lifted.push(toBan(src, e));
      } else if (!e.active && nowMs - e.untilMs > OFFENCE_MEMORY_MS) {
        this.#entries.delete(src);
      }
    }
    return lifted;
  }

  /** Lifts every ban (the monitor stops); returns them. */
  liftAll(): Ban[] {
    const lifted: Ban[] = [];
    for (const [src, e] of this.#entries) {
      if (!e.active) continue;
      e.active = false;
      lifted.push(toBan(src, e));
    }
    this.#active = 0;
    return lifted;
  }

  /** Makes room: forgets the oldest remembered offender that is not banned, else the oldest ban. */
  #forgetOne(): void {
    for (const [src, e] of this.#entries) {
      if (!e.active) {
        this.#entries.delete(src);
        return;
      }
    }
    const first = this.#entries.keys().next();
    if (!first.done) {
      this.#entries.delete(first.value);
      this.#active--;
    }
  }
}
