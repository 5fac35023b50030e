/**
 * Per-source behaviour detection over sliding windows: connect scans
 * (distinct local ports), sweeps (distinct local addresses), floods (new
 * connections), concurrency and empty sessions. Pure: the caller passes
 * the clock, and turns what it returns into events.
 *
 * Each source has an episode: its connections with gaps shorter than the
 * longest window. Each detector alerts at most once per episode; when the
 * source has been quiet for that long (and has nothing open), the episode
 * ends and every detector that alerted in it gets its summary.
 *
 * Connections whose source the runtime could not read (a peer that reset
 * before the runtime asked, as `nmap -sT` does) share one episode of unknown
 * source, so a scan is seen even where no address survives.
 *
 * @module
 */

import type { AlertEpisode, BehaviorKind } from "../monitor/events.ts";
import { isoTimestamp } from "../format/timestamp.ts";
import { BEHAVIOR_KINDS, type BehaviorConfig, type BehaviorThreshold } from "./behavior_config.ts";

/** Ports and addresses listed in an episode, at most (counts stay exact). */
const MAX_LISTED_PORTS = 1024;
const MAX_LISTED_ADDRESSES = 256;
/** Sources tracked at once; past it the least recently active is forgotten (its episode ends). */
export const DEFAULT_MAX_SOURCES = 65_536;
/** Sub-buckets of a rate window: the count is exact to within one bucket (1/8 of the window). */
const BUCKETS = 8;
const UNKNOWN = "";

/** A detector reached its threshold: alert once for this source's episode. */
export interface BehaviorTrip {
  /** The source; `null` for the episode of unknown source. */
  readonly src: string | null;
  /** What was counted. */
  readonly episode: AlertEpisode;
}

/** An episode ended; one per detector that alerted in it. */
export interface BehaviorEpisodeEnd {
  /** Which detector. */
  readonly kind: BehaviorKind;
  /** The source; `null` for unknown. */
  readonly src: string | null;
  /** First and last connection of the episode (ms since the epoch). */
  readonly firstMs: number;
  /** Last connection of the episode (ms). */
  readonly lastMs: number;
  /** Connections in the episode. */
  readonly connections: number;
  /** Local ports touched (sorted, at most 1,024). */
  readonly ports: readonly number[];
  /** Distinct local ports touched. */
  readonly portCount: number;
  /** Local addresses touched (at most 256). */
  readonly addresses: readonly string[];
}

/** What `opened` and `closed` return when nothing tripped (nearly always): one shared empty list. */
const NO_TRIPS: readonly BehaviorTrip[] = Object.freeze([]);

/** Counts events in a sliding window of 8 buckets. */
class RateWindow {
  readonly #bucketMs: number;
  readonly #counts = new Uint32Array(BUCKETS);
  readonly #epochs = new Float64Array(BUCKETS).fill(-1);

  constructor(windowMs: number) {
    this.#bucketMs = Math.max(1, windowMs / BUCKETS);
  }

  /** Adds one at `nowMs`; returns the count within the window. */
  add(nowMs: number): number {
    const epoch = Math.floor(nowMs / this.#bucketMs);
    const i = epoch % BUCKETS;
    if (this.#epochs[i] !== epoch) {
      this.#epochs[i] = epoch;
      this.#counts[i] = 0;
    }
    this.#counts[i]++;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      if (this.#epochs[b] > epoch - BUCKETS) sum += this.#counts[b];
    }
    return sum;
  }
}

/** One source's episode. */
class SourceState {
  readonly src: string | null;
  readonly firstMs: number;
  lastMs: number;
  connections = 0;
  open = 0;
  /** Local port -> last time it was touched. */
  readonly ports = new Map<number, number>();
  /** Local address -> last time it was touched. */
  readonly addresses = new Map<string, number>();
  flood: RateWindow | undefined;
  empty: RateWindow | undefined;
  /** Bit per BEHAVIOR_KINDS index: alerted in this episode. */
  alerted = 0;

  constructor(src: string | null, nowMs: number) {
    this.src = src;
    this.firstMs = nowMs;
    this.lastMs = nowMs;
  }
}

function bit(kind: BehaviorKind): number {
  return 1 << BEHAVIOR_KINDS.indexOf(kind);
}

/** How many keys of `map` were touched within the window. */
function recent<K>(map: Map<K, number>, sinceMs: number): number {
  let n = 0;
  for (const t of map.values()) if (t >= sinceMs) n++;
  return n;
}

/**
 * The detectors for every source.
 *
 * @example
 * ```ts
 * import { BehaviorDetector, DEFAULT_BEHAVIOR } from "@sockscope/sockscope";
 * const detector = new BehaviorDetector(DEFAULT_BEHAVIOR);
 * let trips = 0;
 * for (let port = 1000; port < 1005; port++) {
 *   trips += detector.opened("192.0.2.7", "127.0.0.1", port, Date.now()).length;
 * }
 * console.log(trips); // 1: a scan of 5 ports
 * ```
 */
export class BehaviorDetector {
  readonly #config: BehaviorConfig;
  readonly #maxSources: number;
  /** Least recently opened first (re-inserted on every open). */
  readonly #sources = new Map<string, SourceState>();
  readonly #quietMs: number;
  /** Episodes ended by a new episode or an eviction, reported at the next sweep. */
  #pendingEnds: BehaviorEpisodeEnd[] = [];

  /** Creates the detectors; `maxSources` bounds the memory. */
  constructor(config: BehaviorConfig, maxSources: number = DEFAULT_MAX_SOURCES) {
    this.#config = config;
    this.#maxSources = maxSources;
    let quiet = 1000;
    for (const kind of BEHAVIOR_KINDS) {
      const t = config[kind];
      if (t !== false) quiet = Math.max(quiet, t.windowMs);
    }
    this.#quietMs = quiet;
  }

  /** Sources being tracked now. */
  get sources(): number {
    return this.#sources.size;
  }

  /**
   * A connection from `src` (null: unknown) to `dst:dport` was accepted.
   * Returns the detectors it tripped (usually none).
   */
  opened(src: string | null, dst: string, dport: number, nowMs: number): readonly BehaviorTrip[] {
    const key = src ?? UNKNOWN;
    let s = this.#sources.get(key);
    if (s !== undefined && s.open === 0 && nowMs - s.lastMs >= this.#quietMs) {
      // Quiet long enough: what comes now is a new episode.
      this.#end(s, this.#pendingEnds);
      s = undefined;
    }
    if (s === undefined) {
      s = new SourceState(src, nowMs);
      if (this.#sources.size >= this.#maxSources) this.#evictOldest(this.#pendingEnds);
    } else {
      this.#sources.delete(key);
    }
    this.#sources.set(key, s);
    s.lastMs = nowMs;
    s.connections++;
    s.open++;
    if (s.ports.size < 65_536) s.ports.set(dport, nowMs);
    if (s.addresses.has(dst) || s.addresses.size < MAX_LISTED_ADDRESSES * 4) {
      s.addresses.set(dst, nowMs);
    }
    // Allocated only when something trips: this runs for every connection.
    let trips: BehaviorTrip[] | undefined;
    const c = this.#config;
    if (c.scan !== false && !(s.alerted & bit("scan")) && s.ports.size >= c.scan.count) {
      const n = recent(s.ports, nowMs - c.scan.windowMs);
      if (n >= c.scan.count) (trips ??= []).push(this.#trip(s, "scan", n, c.scan));
    }
    if (
      c.sweep !== false && !(s.alerted & bit("sweep")) && s.addresses.size >= c.sweep.count
    ) {
      const n = recent(s.addresses, nowMs - c.sweep.windowMs);
      if (n >= c.sweep.count) (trips ??= []).push(this.#trip(s, "sweep", n, c.sweep));
    }
    if (c.flood !== false && !(s.alerted & bit("flood"))) {
      const n = (s.flood ??= new RateWindow(c.flood.windowMs)).add(nowMs);
      if (n >= c.flood.count) (trips ??= []).push(this.#trip(s, "flood", n, c.flood));
    }
    if (
      c.concurrency !== false && !(s.alerted & bit("concurrency")) &&
      s.open >= c.concurrency.count
    ) {
      (trips ??= []).push(this.#trip(s, "concurrency", s.open, c.concurrency));
    }
    return trips ?? NO_TRIPS;
  }

  /**
   * A connection from `src` ended, having received `origBytes` from it.
   * Returns the detectors it tripped (empty sessions).
   */
  closed(src: string | null, origBytes: number, nowMs: number): readonly BehaviorTrip[] {
    const s = this.#sources.get(src ?? UNKNOWN);
    if (s === undefined) return NO_TRIPS;
    if (s.open > 0) s.open--;
    const c = this.#config["empty-sessions"];
    if (origBytes > 0 || c === false || s.alerted & bit("empty-sessions")) return NO_TRIPS;
    const n = (s.empty ??= new RateWindow(c.windowMs)).add(nowMs);
    return n >= c.count ? [this.#trip(s, "empty-sessions", n, c)] : NO_TRIPS;
  }

  /**
   * Ends the episodes of sources quiet for the longest window (and with
   * nothing open); returns the summaries due, including those of episodes
   * ended since the last call by a new episode or by eviction.
   */
  sweep(nowMs: number): BehaviorEpisodeEnd[] {
    const ended = this.#pendingEnds;
    this.#pendingEnds = [];
    for (const [key, s] of this.#sources) {
      if (nowMs - s.lastMs < this.#quietMs) break; // the rest are more recent
      if (s.open > 0) continue;
      this.#sources.delete(key);
      this.#end(s, ended);
    }
    return ended;
  }

  /** Ends every episode (the monitor stops); returns the summaries due. */
  endAll(): BehaviorEpisodeEnd[] {
    const ended = this.#pendingEnds;
    this.#pendingEnds = [];
    for (const s of this.#sources.values()) this.#end(s, ended);
    this.#sources.clear();
    return ended;
  }

  #evictOldest(ended: BehaviorEpisodeEnd[]): void {
    for (const [key, s] of this.#sources) {
      this.#sources.delete(key);
      this.#end(s, ended);
      return;
    }
  }

  #end(s: SourceState, ended: BehaviorEpisodeEnd[]): void {
    if (s.alerted === 0) return;
    const ports = listedPorts(s);
    const addresses = [...s.addresses.keys()].slice(0, MAX_LISTED_ADDRESSES);
    for (const kind of BEHAVIOR_KINDS) {
      if (!(s.alerted & bit(kind))) continue;
      ended.push({
        kind,
        src: s.src,
        firstMs: s.firstMs,
        lastMs: s.lastMs,
        connections: s.connections,
        ports,
        portCount: s.ports.size,
        addresses,
      });
    }
  }

  #trip(s: SourceState, kind: BehaviorKind, count: number, t: BehaviorThreshold): BehaviorTrip {
    s.alerted |= bit(kind);
    return {
      src: s.src,
      episode: {
        kind,
        count,
        threshold: t.count,
        window: t.windowMs / 1000,
        ports: listedPorts(s),
        addresses: [...s.addresses.keys()].slice(0, MAX_LISTED_ADDRESSES),
        first: isoTimestamp(s.firstMs),
      },
    };
  }
}

function listedPorts(s: SourceState): number[] {
  const ports = [...s.ports.keys()].sort((a, b) => a - b);
  return ports.length > MAX_LISTED_PORTS ? ports.slice(0, MAX_LISTED_PORTS) : ports;
}
