/**
 * GREASE values (RFC 8701): reserved code points that TLS clients sprinkle
 * into their lists so that servers learn to ignore unknown values. The
 * fingerprints drop them, as they change from one connection to the next.
 *
 * @module
 */

/**
 * Whether a 16-bit TLS code point (cipher suite, extension type, group,
 * signature algorithm, version) is a GREASE value: `0x0a0a`, `0x1a1a`, ...,
 * `0xfafa`.
 *
 * @example
 * ```ts
 * import { isGrease } from "./grease.ts";
 * isGrease(0x3a3a); // true
 * isGrease(0x1301); // false
 * ```
 *
 * @param value The code point.
 * @returns True for the sixteen GREASE values.
 */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && (value >> 8) === (value & 0xff);
}
