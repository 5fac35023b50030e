/**
 * Connection ids in Zeek's style: `C` followed by 17 base62 characters.
 *
 * @module
 */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const chars: number[] = new Array(18).fill(67); // "C" then 17 symbols
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
  for (let i = 1; i < 18; i++) {
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
    chars[i] = CODES[b % 62];
  }
  // One flat string: appending 17 times would leave a rope of 17 nodes, kept
  // for the whole life of the connection.
  return String.fromCharCode.apply(null, chars);
}
