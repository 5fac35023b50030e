/**
 * Connection ids in Zeek's style: `C` followed by 17 base62 characters.
 *
 * @module
 */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let pos = 0;

/**
 * Returns a new random connection id (about 101 bits of entropy).
 *
 * @example
 * ```ts
 * import { newUid } from "@sockscope/sockscope";
 * console.log(newUid()); // e.g. "CYfO3l1YbZbhAZqTna"
 * ```
 */
export function newUid(): string {
  let uid = "C";
  for (let i = 0; i < 17; i++) {
    // Rejection sampling keeps the 62 symbols uniform; a batch refill keeps it
    // to one getRandomValues call per ~200 ids.
    let b: number;
    do {
      if (pos === pool.length) {
        pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
        pos = 0;
      }
      b = pool[pos++];
    } while (b >= 248);
    uid += ALPHABET[b % 62];
  }
  return uid;
}
