/**
 * Lower-case hexadecimal text of bytes, for digests and fingerprints.
 *
 * @module
 */

/** Two hex digits for each byte value, built once. */
const DIGITS: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/**
 * Writes `bytes` as lower-case hex, two digits per byte.
 *
 * @example
 * ```ts
 * import { hex } from "./hex.ts";
 *
 * hex(new Uint8Array([0x00, 0xab, 0xff])); // "00abff"
 * hex(new Uint8Array([1, 2, 3, 4]), 2); // "0102"
 * ```
 *
 * @param bytes The bytes to write.
 * @param count How many of the first bytes to write; all by default (at
 * most `bytes.length`).
 * @returns The hex text, `2 * count` characters.
 */
export function hex(bytes: Uint8Array, count: number = bytes.length): string {
  const n = Math.min(count, bytes.length);
  let out = "";
  for (let i = 0; i < n; i++) out += DIGITS[bytes[i]];
  return out;
}
