/**
 * What MD5, SHA-1 and SHA-256 share: the Merkle–Damgård frame around their
 * compression functions (64-byte blocks, `0x80` then zeros then the message
 * length in bits as 64 bits, the state words out as the digest). Only the
 * byte order differs: MD5 is little-endian, the SHA family big-endian.
 *
 * @module
 */

/**
 * A compression function: folds the 64-byte blocks of `m[start..end)` into
 * the state `h`.
 *
 * @example
 * ```ts
 * import type { Compress } from "./merkle_damgard.ts";
 * const xorWords: Compress = (h, m, start, end) => {
 *   for (let off = start; off < end; off += 4) h[0] ^= m[off] | (m[off + 1] << 8);
 * };
 * ```
 */
export type Compress = (h: Int32Array, m: Uint8Array, start: number, end: number) => void;

/** Padded final block(s), reused across calls (hashing is synchronous, not re-entrant). */
const TAIL = new Uint8Array(128);
const TAIL_VIEW = new DataView(TAIL.buffer);

/**
 * Hashes `data` with `compress` from the initial state already in `h`, and
 * writes the state's words to `out` (`h.length * 4` bytes) in the hash's
 * byte order. The caller checks that `out` is long enough.
 *
 * @example
 * ```ts
 * import { merkleDamgard } from "./merkle_damgard.ts";
 * import type { Compress } from "./merkle_damgard.ts";
 * declare const compress: Compress; // e.g. SHA-1's
 * const h = Int32Array.of(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0);
 * const digest = merkleDamgard(h, compress, new TextEncoder().encode("abc"), new Uint8Array(20), false);
 * ```
 *
 * @param littleEndian True for MD5 (length and words little-endian); false for SHA-1 and SHA-2.
 * @returns `out`.
 */
export function merkleDamgard(
  h: Int32Array,
  compress: Compress,
  data: Uint8Array,
  out: Uint8Array,
  littleEndian: boolean,
): Uint8Array {
  const len = data.length;
  const rest = len & 63;
  const full = len - rest;
  compress(h, data, 0, full);

  const tailLength = rest < 56 ? 64 : 128;
  TAIL.fill(0);
  TAIL.set(data.subarray(full), 0);
  TAIL[rest] = 0x80;
  // The length in bits as 64 bits: two 32-bit halves, since len * 8 may pass 2^53.
  const hi = Math.floor(len / 0x20000000);
  const lo = (len % 0x20000000) * 8;
  TAIL_VIEW.setUint32(tailLength - 8, littleEndian ? lo : hi, littleEndian);
  TAIL_VIEW.setUint32(tailLength - 4, littleEndian ? hi : lo, littleEndian);
  compress(h, TAIL, 0, tailLength);

  if (littleEndian) {
    for (let i = 0, j = 0; i < h.length; i++, j += 4) {
      const v = h[i];
      out[j] = v;
      out[j + 1] = v >>> 8;
      out[j + 2] = v >>> 16;
      out[j + 3] = v >>> 24;
    }
  } else {
    for (let i = 0, j = 0; i < h.length; i++, j += 4) {
      const v = h[i];
      out[j] = v >>> 24;
      out[j + 1] = v >>> 16;
      out[j + 2] = v >>> 8;
      out[j + 3] = v;
    }
  }
  return out;
}
