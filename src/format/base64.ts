/**
 * Base64 (RFC 4648 standard alphabet, with `=` padding). Uses the built-in
 * `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64` where the runtime
 * has them and a table-driven implementation elsewhere (e.g. Node 20).
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Alphabet as char codes, indexed by sextet. */
const ENCODE: Uint8Array = /* @__PURE__ */ new TextEncoder().encode(ALPHABET);

const INVALID = -1;
const WHITESPACE = -2;
const PAD = -3;
/** Sextet value per ASCII code, or one of INVALID, WHITESPACE, PAD. */
const DECODE: Int8Array = /* @__PURE__ */ (() => {
  const t = new Int8Array(128).fill(INVALID);
  for (let i = 0; i < 64; i++) t[ALPHABET.charCodeAt(i)] = i;
  // ASCII whitespace as in the WHATWG forgiving-base64 and TC39 fromBase64.
  for (const c of [0x09, 0x0a, 0x0c, 0x0d, 0x20]) t[c] = WHITESPACE;
  t[0x3d] = PAD;
  return t;
})();

interface NativeEncode {
  toBase64(): string;
}
type NativeDecode = (text: string, options: { lastChunkHandling: "strict" }) => Uint8Array;

const HAS_NATIVE_ENCODE: boolean =
  typeof (Uint8Array.prototype as unknown as Partial<NativeEncode>).toBase64 === "function";
const NATIVE_DECODE: NativeDecode | undefined =
  (Uint8Array as unknown as { fromBase64?: NativeDecode }).fromBase64;
const STRICT = { lastChunkHandling: "strict" } as const;

function invalidBase64(text: string): TypeError {
  const preview = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return new TypeError(
    `Invalid base64 text ${JSON.stringify(preview)}: expected the standard alphabet ` +
      `(A-Z a-z 0-9 + /) in groups of 4 with "=" padding`,
  );
}

/**
 * Base64 text for every 12-bit value: two characters each. Built on first
 * use: 4,096 strings on the heap would be marked by every GC of a runtime
 * that never needs them (those with a native `toBase64`).
 */
let PAIRS: string[] | undefined;

function pairs(): string[] {
  return PAIRS ??= Array.from({ length: 4096 }, (_, v) => ALPHABET[v >> 6] + ALPHABET[v & 63]);
}
/** Inputs up to this many bytes are encoded by string concatenation. */
const CONCAT_LIMIT = 96;
const ASCII_DECODER = new TextDecoder();
/** Output buffer for encoding, reused up to this size. */
const SCRATCH_LIMIT = 65536;
let scratch = new Uint8Array(0);

/**
 * Writes the base64 text of `data` (with padding) into `out` at `at`, which
 * must have `4 * ceil(data.length / 3)` bytes of room; returns where it ends.
 * For encoders that write records straight into a byte buffer.
 *
 * @example
 * ```ts
 * import { encodeBase64Into } from "./base64.ts";
 *
 * const out = new Uint8Array(8);
 * const end = encodeBase64Into(new TextEncoder().encode("foob"), out, 0);
 * new TextDecoder().decode(out.subarray(0, end)); // "Zm9vYg=="
 * ```
 */
export function encodeBase64Into(data: Uint8Array, out: Uint8Array, at: number): number {
  const n = data.length;
  const whole = n - (n % 3);
  let i = 0;
  let o = at;
  for (; i < whole; i += 3) {
    const v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out[o] = ENCODE[v >>> 18];
    out[o + 1] = ENCODE[(v >>> 12) & 63];
    out[o + 2] = ENCODE[(v >>> 6) & 63];
    out[o + 3] = ENCODE[v & 63];
    o += 4;
  }
  if (i < n) {
    const two = n - whole === 2;
    const v = (data[i] << 16) | (two ? data[i + 1] << 8 : 0);
    out[o] = ENCODE[v >>> 18];
    out[o + 1] = ENCODE[(v >>> 12) & 63];
    out[o + 2] = two ? ENCODE[(v >>> 6) & 63] : 0x3d;
    out[o + 3] = 0x3d;
    o += 4;
  }
  return o;
}

/**
 * Encodes bytes as base64 with the portable table-driven implementation that
 * {@linkcode encodeBase64} falls back to when the runtime lacks
 * `Uint8Array.prototype.toBase64`. Its output is identical; prefer
 * {@linkcode encodeBase64}.
 *
 * @example
 * ```ts
 * import { encodeBase64Portable } from "./base64.ts";
 *
 * encodeBase64Portable(new TextEncoder().encode("foob")); // "Zm9vYg=="
 * ```
 *
 * @param data The bytes to encode.
 * @returns Base64 text with padding.
 */
export function encodeBase64Portable(data: Uint8Array): string {
  const n = data.length;
  const whole = n - (n % 3);
  const two = n - whole === 2;
  let i = 0;
  if (n <= CONCAT_LIMIT) {
    const table = pairs();
    let text = "";
    for (; i < whole; i += 3) {
      const v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      text += table[v >>> 12] + table[v & 4095];
    }
    if (i < n) {
      const v = (data[i] << 16) | (two ? data[i + 1] << 8 : 0);
      text += table[v >>> 12] + (two ? ALPHABET[(v >>> 6) & 63] + "=" : "==");
    }
    return text;
  }
  const size = Math.ceil(n / 3) * 4;
  let out = scratch;
  if (out.length < size) {
    out = new Uint8Array(size);
    if (size <= SCRATCH_LIMIT) scratch = out;
  }
  return ASCII_DECODER.decode(out.subarray(0, encodeBase64Into(data, out, 0)));
}

/**
 * Decodes base64 with the portable implementation that
 * {@linkcode decodeBase64} falls back to when the runtime lacks
 * `Uint8Array.fromBase64`. It accepts and rejects exactly the same inputs
 * (strict padding, ASCII whitespace ignored); prefer {@linkcode decodeBase64}.
 *
 * @example
 * ```ts
 * import { decodeBase64Portable } from "./base64.ts";
 *
 * new TextDecoder().decode(decodeBase64Portable("Zm9vYg==")); // "foob"
 * ```
 *
 * @param text Base64 text.
 * @returns The decoded bytes.
 * @throws {TypeError} If `text` is not valid padded standard base64.
 */
export function decodeBase64Portable(text: string): Uint8Array {
  const n = text.length;
  // Exact for canonical input; input with whitespace is trimmed at the end.
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array(Math.max(0, Math.ceil(n / 4) * 3 - pad));
  let acc = 0;
  let k = 0;
  let o = 0;
  let i = 0;
  let padded = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : INVALID;
    if (v >= 0) {
      acc = (acc << 6) | v;
      if (++k === 4) {
        out[o] = acc >>> 16;
        out[o + 1] = acc >>> 8;
        out[o + 2] = acc;
        o += 3;
        acc = 0;
        k = 0;
      }
    } else if (v === PAD) {
      padded = true;
      break;
    } else if (v !== WHITESPACE) {
      throw invalidBase64(text);
    }
  }
  if (padded) {
    if (k < 2) throw invalidBase64(text);
    i++;
    if (k === 2) {
      while (i < n && text.charCodeAt(i) < 128 && DECODE[text.charCodeAt(i)] === WHITESPACE) i++;
      if (i === n || text.charCodeAt(i) !== 0x3d) throw invalidBase64(text);
      i++;
    }
    while (i < n && text.charCodeAt(i) < 128 && DECODE[text.charCodeAt(i)] === WHITESPACE) i++;
    if (i !== n) throw invalidBase64(text);
    if (k === 2) {
      if ((acc & 0xf) !== 0) throw invalidBase64(text);
      out[o++] = acc >>> 4;
    } else {
      if ((acc & 0x3) !== 0) throw invalidBase64(text);
      out[o] = acc >>> 10;
      out[o + 1] = acc >>> 2;
      o += 2;
    }
  } else if (k !== 0) {
    throw invalidBase64(text);
  }
  return o === out.length ? out : out.slice(0, o);
}

/**
 * Encodes bytes as standard base64 with `=` padding.
 *
 * @example
 * ```ts
 * import { encodeBase64 } from "./base64.ts";
 *
 * encodeBase64(new Uint8Array([0xfb, 0xff])); // "+/8="
 * ```
 *
 * @param data The bytes to encode.
 * @returns Base64 text.
 */
export function encodeBase64(data: Uint8Array): string {
  return HAS_NATIVE_ENCODE
    ? (data as unknown as NativeEncode).toBase64()
    : encodeBase64Portable(data);
}

/**
 * Decodes standard base64. Padding is required and unused bits must be zero
 * (one canonical spelling per byte string); ASCII whitespace is ignored.
 *
 * @example
 * ```ts
 * import { decodeBase64 } from "./base64.ts";
 *
 * decodeBase64("+/8="); // Uint8Array(2) [251, 255]
 * ```
 *
 * @param text Base64 text.
 * @returns The decoded bytes.
 * @throws {TypeError} If `text` is not valid padded standard base64.
 */
export function decodeBase64(text: string): Uint8Array {
  if (NATIVE_DECODE === undefined) return decodeBase64Portable(text);
  try {
    return NATIVE_DECODE.call(Uint8Array, text, STRICT);
  } catch {
    throw invalidBase64(text);
  }
}
