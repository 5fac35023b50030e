/**
 * Byte helpers shared by the fingerprint parsers (private to this folder):
 * text decoding without a decoder call for the common all-ASCII case, and
 * ASCII encoding into a reused scratch buffer for hashing.
 *
 * @module
 */

/** Non-fatal: hostile peers send any bytes, which then read as U+FFFD. */
const UTF8 = new TextDecoder("utf-8", { fatal: false });

/** Longest run handed to `String.fromCharCode` at once (stays clear of argument limits). */
const CHUNK = 4096;

/**
 * Decodes `bytes[start, end)` as UTF-8 (invalid sequences read as U+FFFD).
 * ASCII, the usual case for protocol heads, skips the decoder.
 *
 * @example
 * ```ts
 * import { utf8Text } from "./_bytes.ts";
 * utf8Text(new TextEncoder().encode("GET /"), 0, 3); // "GET"
 * ```
 */
export function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) return UTF8.decode(bytes.subarray(start, end));
  }
  return latin1Text(bytes, start, end);
}

/**
 * Decodes `bytes[start, end)` one character per byte (ISO-8859-1), keeping
 * every byte value: for opaque identifiers such as ALPN protocol names.
 *
 * @example
 * ```ts
 * import { latin1Text } from "./_bytes.ts";
 * latin1Text(new Uint8Array([0x68, 0x32, 0xff]), 0, 3); // "h2\u00ff"
 * ```
 */
export function latin1Text(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= CHUNK) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let out = "";
  for (let i = start; i < end; i += CHUNK) {
    const stop = Math.min(end, i + CHUNK);
    out += String.fromCharCode.apply(null, bytes.subarray(i, stop) as unknown as number[]);
  }
  return out;
}

/** Scratch for {@linkcode asciiBytes}, grown on demand. */
let scratch = new Uint8Array(1024);

/**
 * Encodes an ASCII string (the fingerprint strings: digits, hex, `,-_`) into
 * a reused buffer; the view is valid until the next call.
 *
 * @example
 * ```ts
 * import { asciiBytes } from "./_bytes.ts";
 * asciiBytes("771,4865").length; // 8
 * ```
 */
export function asciiBytes(text: string): Uint8Array {
  const n = text.length;
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  for (let i = 0; i < n; i++) scratch[i] = text.charCodeAt(i);
  return scratch.subarray(0, n);
}
