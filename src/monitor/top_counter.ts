/**
 * Approximate top-N counting in bounded memory, for "top sources" and
 * "top ports" under hostile input (any number of distinct keys).
 *
 * @module
 */

/**
 * Counts keys, keeping at most `2 * capacity` of them: when full, it prunes
 * back to the `capacity` largest counts. Keys that arrive after a prune start
 * again from zero, so the counts of rare keys are lower bounds; the heavy
 * hitters a summary shows are kept exactly.
 *
 * @example
 * ```ts
 * import { TopCounter } from "@sockscope/sockscope";
 * const top = new TopCounter<string>(100);
 * top.add("10.0.0.1"); top.add("10.0.0.1"); top.add("10.0.0.2");
 * console.log(top.top(1)); // [{ key: "10.0.0.1", count: 2 }]
 * ```
 */
export class TopCounter<K> {
  #counts = new Map<K, number>();
  #capacity: number;

  /** Creates a counter that keeps the `capacity` heaviest keys. */
  constructor(capacity = 1024) {
    this.#capacity = capacity;
  }

  /** Adds `n` (default 1) to `key`. */
  add(key: K, n = 1): void {
    const counts = this.#counts;
    counts.set(key, (counts.get(key) ?? 0) + n);
    if (counts.size > 2 * this.#capacity) this.#prune();
  }

  /** The `n` largest counts, largest first (ties in insertion order). */
  top(n: number): { key: K; count: number }[] {
    return [...this.#counts].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, count]) => ({
      key,
      count,
    }));
  }

  #prune(): void {
    const kept = [...this.#counts].sort((a, b) => b[1] - a[1]).slice(0, this.#capacity);
    this.#counts = new Map(kept);
  }
}
