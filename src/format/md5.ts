/**
 * MD5 in plain TypeScript, for JA3 TLS fingerprints. MD5 is used here as a
 * fingerprint, not for security. Synchronous (no Web Crypto promise), with
 * module-level scratch state, as it runs once per TLS connection.
 *
 * @module
 */

import { merkleDamgard } from "./merkle_damgard.ts";

/** Message block as sixteen little-endian words, reused across calls. */
const M = new Int32Array(16);
/** Hash state, reused across calls. */
const STATE = new Int32Array(4);

/** Per-round shift amounts (RFC 1321 section 3.4). */
// deno-fmt-ignore
const S = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);

/** The sine table: K[i] = floor(abs(sin(i + 1)) * 2^32). */
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0;

function compress(h: Int32Array, m: Uint8Array, start: number, end: number): void {
  let h0 = h[0];
  let h1 = h[1];
  let h2 = h[2];
  let h3 = h[3];
  for (let off = start; off < end; off += 64) {
    for (let i = 0, j = off; i < 16; i++, j += 4) {
      M[i] = m[j] | (m[j + 1] << 8) | (m[j + 2] << 16) | (m[j + 3] << 24);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const x = (a + f + K[i] + M[g]) | 0;
      const s = S[i];
      a = d;
      d = c;
      c = b;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
}

/**
 * Computes the MD5 digest of `data` (RFC 1321), for inputs of any length.
 * Pass `out` to reuse a buffer on hot paths.
 *
 * @example
 * ```ts
 * import { md5 } from "./md5.ts";
 * import { hex } from "./hex.ts";
 *
 * hex(md5(new TextEncoder().encode("abc"))); // "900150983cd24fb0d6963f7d28e17f72"
 * ```
 *
 * @param data The message bytes.
 * @param out Where to write the digest (its first 16 bytes); a new array by
 * default.
 * @returns `out`, holding the 16-byte digest.
 * @throws {RangeError} If `out` is shorter than 16 bytes.
 */
export function md5(data: Uint8Array, out: Uint8Array = new Uint8Array(16)): Uint8Array {
  if (out.length < 16) {
    throw new RangeError(`Invalid digest buffer of ${out.length} bytes: expected at least 16`);
  }
  const h = STATE;
  h[0] = 0x67452301;
  h[1] = 0xefcdab89 | 0;
  h[2] = 0x98badcfe | 0;
  h[3] = 0x10325476;
  return merkleDamgard(h, compress, data, out, true);
}
