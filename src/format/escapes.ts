/**
 * Backslash escapes in option values (`--banner 'SSH-2.0-x\r\n'`).
 *
 * @module
 */

const ENCODER = new TextEncoder();
const EXPECTED = String.raw`expected one of \r \n \t \0 \\ \e or \xNN`;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Encodes option text as UTF-8 bytes while interpreting backslash escapes:
 * `\r`, `\n`, `\t`, `\0` (NUL), `\\`, `\e` (ESC, 0x1b) and `\xNN` (exactly two
 * hex digits, giving that raw byte, which need not be valid UTF-8).
 *
 * @example
 * ```ts
 * import { parseEscapes } from "./escapes.ts";
 *
 * parseEscapes(String.raw`OK\r\n`); // Uint8Array(4) [79, 75, 13, 10]
 * parseEscapes(String.raw`\xff\e[0m`); // Uint8Array(5) [255, 27, 91, 48, 109]
 * ```
 *
 * @param text The option text.
 * @param flag The option name used in error messages.
 * @returns The bytes.
 * @throws {TypeError} On an unknown escape, a `\x` without two hex digits,
 * or a lone `\` at the end.
 */
export function parseEscapes(text: string, flag = "--banner"): Uint8Array {
  let slash = text.indexOf("\\");
  if (slash === -1) return ENCODER.encode(text);
  const out = new Uint8Array(text.length * 3);
  let o = 0;
  let from = 0;
  while (slash !== -1) {
    if (slash > from) o += ENCODER.encodeInto(text.slice(from, slash), out.subarray(o)).written;
    const c = text.charCodeAt(slash + 1);
    from = slash + 2;
    switch (c) {
      case 0x72: // r
        out[o++] = 0x0d;
        break;
      case 0x6e: // n
        out[o++] = 0x0a;
        break;
      case 0x74: // t
        out[o++] = 0x09;
        break;
      case 0x30: // 0
        out[o++] = 0x00;
        break;
      case 0x5c: // \
        out[o++] = 0x5c;
        break;
      case 0x65: // e
        out[o++] = 0x1b;
        break;
      case 0x78: { // x
        const hi = hexValue(text.charCodeAt(slash + 2));
        const lo = hi === -1 ? -1 : hexValue(text.charCodeAt(slash + 3));
        if (lo === -1) {
          const escape = text.slice(slash, slash + 4);
          throw new TypeError(
            `${flag}: invalid escape "${escape}": expected \\x followed by exactly two hex digits (e.g. \\x1b)`,
          );
        }
        out[o++] = (hi << 4) | lo;
        from = slash + 4;
        break;
      }
      default:
        if (slash + 1 >= text.length) {
          throw new TypeError(
            `${flag}: incomplete escape "\\" at the end of the text: ${EXPECTED}`,
          );
        }
        {
          const escape = "\\" + String.fromCodePoint(text.codePointAt(slash + 1) as number);
          throw new TypeError(`${flag}: unknown escape "${escape}": ${EXPECTED}`);
        }
    }
    slash = text.indexOf("\\", from);
  }
  if (from < text.length) o += ENCODER.encodeInto(text.slice(from), out.subarray(o)).written;
  return out.slice(0, o);
}
