/**
 * The open sessions of a monitor, in an array with each member's index kept
 * on the member itself: O(1) add and remove, and no hash table.
 *
 * Why not a `Set`: under connection churn on Node 20 (V8 11.3), a `Set`
 * that every session joins and leaves keeps some of them reachable at the
 * next scavenge (its table is long-lived, so in the old generation). Through
 * the tap with no output (`--trace-gc-nvp`, five alternating runs each):
 * 4.56-4.62 KB per connection survived a scavenge with the `Set`, 4.13-4.46
 * with this list; a build with no collection at all 2.5 against the `Set`'s
 * 3.8 in another run; the bare adapter 1.2. What survives is copied, then
 * promoted and marked, for every connection.
 *
 * @module
 */

/** A member of a {@linkcode LiveList}: the list keeps its index here (-1 when not listed). */
export interface Listed {
  /** Owned by the list. */
  listIndex: number;
}

/**
 * An unordered collection of live members with O(1) `add` and `delete`.
 *
 * @example
 * ```ts
 * import { LiveList } from "./live_list.ts";
 * const list = new LiveList<{ listIndex: number }>();
 * const a = { listIndex: -1 };
 * list.add(a);
 * list.delete(a); // true
 * list.size; // 0
 * ```
 */
export class LiveList<T extends Listed> {
  #items: T[] = [];

  /** Members now. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds `item` (not already listed). */
  add(item: T): void {
    item.listIndex = this.#items.length;
    this.#items.push(item);
  }

  /** Removes `item`; false if it was not listed. */
  delete(item: T): boolean {
    const items = this.#items;
    const i = item.listIndex;
    if (i < 0 || items[i] !== item) return false;
    // The last member takes the freed slot: no hole, no shifting.
    const last = items.pop()!;
    if (last !== item) {
      items[i] = last;
      last.listIndex = i;
    }
    item.listIndex = -1;
    return true;
  }

  /** The members as they are now; not to be changed while read (copy it to add or remove meanwhile). */
  values(): readonly T[] {
    return this.#items;
  }
}
