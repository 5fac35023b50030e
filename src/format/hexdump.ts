/**
 * Canonical hex+ASCII dumps (the `hexdump -C` layout) of captured bytes.
 *
 * @module
 */

/** Two lowercase hex digits per byte value. */
const HEX_PAIR: string[] = /* @__PURE__ */ Array.from(
  { length: 256 },
  (_, i) => (i < 16 ? "0" : "") + i.toString(16),
);
/** The ASCII column character per byte value: printable ASCII or ".". */
const ASCII: string[] = /* @__PURE__ */ Array.from(
  { length: 256 },
  (_, i) => (i >= 0x20 && i <= 0x7e ? String.fromCharCode(i) : "."),
);
/** What follows the hex of byte j (0-15) on a line. */
const SEPARATOR: string[] = /* @__PURE__ */ Array.from(
  { length: 16 },
  (_, j) => (j === 7 || j === 15 ? "  " : " "),
);
/** Blank filler for the missing byte j of a short last line. */
const FILLER: string[] = /* @__PURE__ */ SEPARATOR.map((s) => "  " + s);

/**
 * Formats bytes as canonical hex dump lines, 16 bytes per line: the 8-digit
 * hex offset (wider only past 0xffffffff), the bytes in hex in two groups of
 * eight, and the bytes as ASCII between `|` bars with anything outside
 * 0x20-0x7e shown as `.`. A short last line is padded so the ASCII column
 * lines up. The output is always plain printable ASCII, so hostile bytes are
 * safe to print.
 *
 * @example
 * ```ts
 * import { hexdump } from "./hexdump.ts";
 *
 * hexdump(new TextEncoder().encode("Hello\n"), 16);
 * // ["00000010  48 65 6c 6c 6f 0a                                 |Hello.|"]
 * ```
 *
 * @param data The bytes to dump.
 * @param offset The offset shown for the first byte (default 0), e.g. its
 * position in the stream.
 * @returns One string per line, without line terminators; `[]` for no data.
 * @throws {RangeError} If `offset` is not a non-negative safe integer.
 */
export function hexdump(data: Uint8Array, offset = 0): string[] {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`Invalid hexdump offset "${offset}": expected a non-negative integer`);
  }
  const n = data.length;
  const lines: string[] = new Array(Math.ceil(n / 16));
  for (let start = 0, line = 0; start < n; start += 16, line++) {
    const at = offset + start;
    let text = at.toString(16);
    if (text.length < 8) text = "00000000".slice(text.length) + text;
    text += "  ";
    const count = n - start < 16 ? n - start : 16;
    let ascii = "|";
    for (let j = 0; j < 16; j++) {
      if (j < count) {
        const b = data[start + j];
        text += HEX_PAIR[b] + SEPARATOR[j];
        ascii += ASCII[b];
      } else {
        text += FILLER[j];
      }
    }
    lines[line] = text + ascii + "|";
  }
  return lines;
}
