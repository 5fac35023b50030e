/**
 * The pieces writers use to lay a text record out as bytes straight into
 * their queue's buffer (see `ByteQueue.pushInPlace`), without building a
 * string first: pre-encoded constants, ASCII strings with the escape check
 * in the copy loop, and numbers as `JSON.stringify` writes them. Each
 * function takes the buffer and the offset to write at and returns the
 * offset after what it wrote, or -1 where the text would need escaping (the
 * writer then falls back to its string path).
 *
 * @module
 */

const encoder = new TextEncoder();
/** Longest constant copied byte by byte; longer ones go through `set()`. */
const SHORT_COPY = 32;

/**
 * The UTF-8 bytes of a constant part of a line.
 *
 * @example
 * ```ts
 * import { lit } from "./line_bytes.ts";
 * lit('"ts":').length; // 5
 * ```
 */
export function lit(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Copies `b` to `buf` at `o`.
 *
 * @example
 * ```ts
 * import { lit, putBytes } from "./line_bytes.ts";
 * const buf = new Uint8Array(8);
 * putBytes(buf, 0, lit("null")); // 4
 * ```
 */
export function putBytes(buf: Uint8Array, o: number, b: Uint8Array): number {
  const n = b.length;
  if (n > SHORT_COPY) {
    buf.set(b, o);
    return o + n;
  }
  // The field names and punctuation between values are short: a loop the JIT
  // inlines beats set()'s call into the runtime. Through the tap on Node with
  // every output, set() and its memmove were ~2 % of the process's CPU
  // (perf); the loop measured +9 % connections/s (median of 26 paired rounds,
  // bench/RESULTS.md), though a micro-benchmark shows no difference.
  for (let i = 0; i < n; i++) buf[o + i] = b[i];
  return o + n;
}

/**
 * Copies a string of printable ASCII without `"` or `\` (the characters no
 * writer here has to escape); -1 for any other string.
 *
 * @example
 * ```ts
 * import { putAscii } from "./line_bytes.ts";
 * const buf = new Uint8Array(16);
 * putAscii(buf, 0, "192.0.2.7"); // 9
 * putAscii(buf, 0, "tab\there"); // -1
 * ```
 */
export function putAscii(buf: Uint8Array, o: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 34 || c === 92) return -1;
    buf[o + i] = c;
  }
  return o + n;
}

/**
 * A JSON string (quoted) of a {@linkcode putAscii} string; -1 for any other.
 *
 * @example
 * ```ts
 * import { putJsonString } from "./line_bytes.ts";
 * const buf = new Uint8Array(8);
 * putJsonString(buf, 0, "tcp"); // 5: "tcp" with its quotes
 * ```
 */
export function putJsonString(buf: Uint8Array, o: number, s: string): number {
  buf[o] = 34;
  const end = putAscii(buf, o + 1, s);
  if (end < 0) return -1;
  buf[end] = 34;
  return end + 1;
}

const NULL = lit("null");

/**
 * {@linkcode putJsonString}, or `null` for `null`.
 *
 * @example
 * ```ts
 * import { putJsonNullable } from "./line_bytes.ts";
 * putJsonNullable(new Uint8Array(8), 0, null); // 4
 * ```
 */
export function putJsonNullable(buf: Uint8Array, o: number, s: string | null): number {
  return s === null ? putBytes(buf, o, NULL) : putJsonString(buf, o, s);
}

/**
 * A number as `JSON.stringify` writes it (`null` for NaN and the
 * infinities); at most 24 bytes.
 *
 * @example
 * ```ts
 * import { putJsonNumber } from "./line_bytes.ts";
 * const buf = new Uint8Array(24);
 * putJsonNumber(buf, 0, 0.25); // 4
 * ```
 */
export function putJsonNumber(buf: Uint8Array, o: number, v: number): number {
  if (v >= 0 && v < 2147483648 && (v | 0) === v) {
    if (v < 10) {
      buf[o] = 48 + v;
      return o + 1;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
    let x = v;
    for (let d = digits - 1; d >= 0; d--) {
      buf[o + d] = 48 + (x % 10);
      x = (x / 10) | 0;
    }
    return o + digits;
  }
  if (!Number.isFinite(v)) return putBytes(buf, o, NULL);
  const s = String(v); // at most 24 characters, all ASCII
  for (let i = 0; i < s.length; i++) buf[o + i] = s.charCodeAt(i);
  return o + s.length;
}
