/**
 * The generic guess for bytes no protocol parser recognised: printable text
 * or binary.
 *
 * @module
 */

const HT = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Length of the UTF-8 sequence starting with lead byte `c` whose
 * continuation bytes are valid at `b[i + 1...]`: 0 when invalid (overlong,
 * surrogate, past U+10FFFF, or a C1 control), -1 when `b` ends inside it.
 */
function utf8Sequence(b: Uint8Array, i: number, c: number): number {
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0; // no overlong forms
    if (c === 0xed) hi = 0x9f; // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f; // nothing past U+10FFFF
  } else return 0;
  for (let k = 1; k < n; k++) {
    if (i + k >= b.length) return -1;
    const d = b[i + k];
    if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return 0;
  }
  // U+0080-U+009F (C1 controls) are not text.
  if (c === 0xc2 && b[i + 1] < 0xa0) return 0;
  return n;
}

/**
 * Guesses whether bytes are text: printable ASCII, tab, CR and LF, and
 * well-formed UTF-8 of non-control characters (a sequence the window cut
 * at its very end still counts). Anything else (NUL, other C0 and C1
 * controls, DEL, malformed UTF-8) makes the bytes `binary`. Empty input is
 * `text`.
 *
 * @example
 * ```ts
 * import { guessText } from "./guess.ts";
 *
 * guessText(new TextEncoder().encode("EHLO mail.example\r\n")); // "text"
 * guessText(new TextEncoder().encode("caf\u00e9 \u2615")); // "text"
 * guessText(new Uint8Array([0x00, 0x01, 0xff])); // "binary"
 * ```
 *
 * @param bytes The bytes to look at.
 * @returns `"text"` or `"binary"`.
 */
export function guessText(bytes: Uint8Array): "text" | "binary" {
  const b = bytes;
  const n = b.length;
  for (let i = 0; i < n;) {
    const c = b[i];
    if (c >= 0x20 && c < 0x7f) {
      i++;
      continue;
    }
    if (c === HT || c === LF || c === CR) {
      i++;
      continue;
    }
    if (c < 0x80) return "binary";
    const len = utf8Sequence(b, i, c);
    if (len === -1) return "text";
    if (len === 0) return "binary";
    i += len;
  }
  return "text";
}
