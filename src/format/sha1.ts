/**
 * SHA-1 in plain TypeScript, for Community ID flow hashes. SHA-1 is used here
 * as a fingerprint, not for security. Scratch state is module-level (and
 * typed-array allocation is avoided), as this runs once per connection.
 *
 * @module
 */

import { merkleDamgard } from "./merkle_damgard.ts";

/** Message schedule, reused across calls (single-threaded, not re-entrant). */
const W = new Int32Array(80);
/** Hash state, reused across calls. */
const STATE = new Int32Array(5);

function compress(h: Int32Array, m: Uint8Array, start: number, end: number): void {
  let h0 = h[0];
  let h1 = h[1];
  let h2 = h[2];
  let h3 = h[3];
  let h4 = h[4];
  for (let off = start; off < end; off += 64) {
    for (let i = 0, j = off; i < 16; i++, j += 4) {
      W[i] = (m[j] << 24) | (m[j + 1] << 16) | (m[j + 2] << 8) | m[j + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let i = 0;
    for (; i < 20; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + W[i] + 0x5a827999) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + W[i] + 0x6ed9eba1) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + W[i] + 0x8f1bbcdc) |
        0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + W[i] + 0xca62c1d6) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
  h[4] = h4;
}

/**
 * Computes the SHA-1 digest of `data` (FIPS 180-4), for inputs of any length.
 * Pass `out` to reuse a buffer on hot paths.
 *
 * @example
 * ```ts
 * import { sha1 } from "./sha1.ts";
 *
 * const digest = sha1(new TextEncoder().encode("abc"));
 * digest.length; // 20
 * digest[0].toString(16); // "a9" (a9993e364706816aba3e25717850c26c9cd0d89d)
 * ```
 *
 * @param data The message bytes.
 * @param out Where to write the digest (its first 20 bytes); a new array by
 * default.
 * @returns `out`, holding the 20-byte digest.
 * @throws {RangeError} If `out` is shorter than 20 bytes.
 */
export function sha1(data: Uint8Array, out: Uint8Array = new Uint8Array(20)): Uint8Array {
  if (out.length < 20) {
    throw new RangeError(`Invalid digest buffer of ${out.length} bytes: expected at least 20`);
  }
  const h = STATE;
  h[0] = 0x67452301;
  h[1] = 0xefcdab89;
  h[2] = 0x98badcfe;
  h[3] = 0x10325476;
  h[4] = 0xc3d2e1f0;
  return merkleDamgard(h, compress, data, out, false);
}
