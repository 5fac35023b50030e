/**
 * `threshold` and `detection_filter` state, as Suricata counts them
 * (detect-engine-threshold.c): a window opens at the first match of a key
 * and lasts `seconds`; `limit` alerts on the first `count` matches of each
 * window, `threshold` on every `count`-th, `both` once when the count is
 * reached, and `detection_filter` on every match after the first `count`.
 * The number of keys tracked is capped: the least recently used are
 * evicted, so a flood of sources cannot grow memory without bound.
 *
 * @module
 */

import type { ThresholdSpec } from "./rule_model.ts";

interface Entry {
  start: number;
  count: number;
}

/**
 * The counters of every thresholded rule of a rule set.
 *
 * @example
 * ```ts
 * import { ThresholdTable } from "./threshold.ts";
 * const t = new ThresholdTable(100);
 * const spec = { type: "limit" as const, track: "by_src" as const, count: 1, seconds: 60 };
 * t.allow(1, spec, "10.0.0.1", "10.0.0.2", 0); // true
 * t.allow(1, spec, "10.0.0.1", "10.0.0.2", 1_000); // false
 * ```
 */
export class ThresholdTable {
  readonly #entries = new Map<string, Entry>();
  readonly #cap: number;

  /** Tracks at most `cap` keys (rule and tracked address). */
  constructor(cap: number) {
    this.#cap = cap;
  }

  /** Keys tracked now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Counts one match of rule `rule` at `nowMs`; true when it should alert. */
  allow(
    rule: number,
    spec: ThresholdSpec,
    src: string | null,
    dst: string | null,
    nowMs: number,
  ): boolean {
    const who = spec.track === "by_src"
      ? src
      : spec.track === "by_dst"
      ? dst
      : spec.track === "by_both"
      ? `${src}/${dst}`
      : "";
    const key = `${rule} ${who ?? "?"}`;
    const entries = this.#entries;
    const te = entries.get(key);
    if (te === undefined) {
      if (entries.size >= this.#cap) entries.delete(entries.keys().next().value!);
      entries.set(key, { start: nowMs, count: 1 });
      return spec.type === "limit" ||
        ((spec.type === "threshold" || spec.type === "both") && spec.count === 1);
    }
    // Most recently used last: re-insert.
    entries.delete(key);
    entries.set(key, te);
    const within = nowMs <= te.start + spec.seconds * 1000;
    if (!within) {
      te.start = nowMs;
      te.count = 1;
      if (spec.type === "limit") return true;
      if (spec.type === "both") return spec.count === 1;
      if (spec.type === "threshold") {
        if (spec.count === 1) {
          te.count = 0;
          return true;
        }
      }
      return false;
    }
    te.count++;
    switch (spec.type) {
      case "limit":
        return te.count <= spec.count;
      case "threshold":
        if (te.count >= spec.count) {
          te.count = 0;
          return true;
        }
        return false;
      case "both":
        return te.count === spec.count;
      case "detection":
        return te.count > spec.count;
    }
  }
}
