/**
 * Canonical hex+ASCII dumps (the `hexdump -C` layout) of captured bytes.
 *
 * @module
 */

/** Lowercase hex digit char codes. */
const HEX: Uint8Array = /* @__PURE__ */ new TextEncoder().encode("0123456789abcdef");
const SPACE = 0x20;
const BAR = 0x7c;
const DOT = 0x2e;
const NEWLINE = 0x0a;
/** Builds the whole dump as ASCII, reused up to SCRATCH_LIMIT bytes. */
const SCRATCH_LIMIT = 1 << 20;
let scratch = new Uint8Array(0);
const DECODER = new TextDecoder();

/**
 * Formats bytes as canonical hex dump lines, 16 bytes per line: the 8-digit
 * hex offset (all lines one digit wider per extra digit the last offset needs
 * past 0xffffffff, so columns stay aligned), the bytes in hex in two groups of
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
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(offset + data.length)) {
    throw new RangeError(`Invalid hexdump offset "${offset}": expected a non-negative integer`);
  }
  const n = data.length;
  if (n === 0) return [];
  const lineCount = Math.ceil(n / 16);
  const lastOffset = offset + (lineCount - 1) * 16;
  const width = lastOffset > 0xffffffff ? lastOffset.toString(16).length : 8;
  // offset, 2 spaces, 16 x 3 hex columns + 1 group gap, 1 space, |16 chars|, newline
  const size = lineCount * (width + 2 + 49 + 1 + 18 + 1);
  let buf = scratch;
  if (buf.length < size) {
    buf = new Uint8Array(size);
    if (size <= SCRATCH_LIMIT) scratch = buf;
  }

  let o = 0;
  for (let start = 0; start < n; start += 16) {
    if (start !== 0) buf[o++] = NEWLINE;
    const at = offset + start;
    if (width === 8) {
      for (let shift = 28; shift >= 0; shift -= 4) buf[o++] = HEX[(at >>> shift) & 15];
    } else {
      const digits = at.toString(16);
      for (let k = digits.length; k < width; k++) buf[o++] = 0x30;
      for (let k = 0; k < digits.length; k++) buf[o++] = digits.charCodeAt(k);
    }
    buf[o] = SPACE;
    buf[o + 1] = SPACE;
    o += 2;
    const count = n - start < 16 ? n - start : 16;
    for (let j = 0; j < 16; j++) {
      if (j < count) {
        const b = data[start + j];
        buf[o] = HEX[b >> 4];
        buf[o + 1] = HEX[b & 15];
      } else {
        buf[o] = SPACE;
        buf[o + 1] = SPACE;
      }
      buf[o + 2] = SPACE;
      o += 3;
      if (j === 7) buf[o++] = SPACE;
    }
    buf[o++] = SPACE;
    buf[o++] = BAR;
    for (let j = 0; j < count; j++) {
      const b = data[start + j];
      buf[o++] = b >= 0x20 && b <= 0x7e ? b : DOT;
    }
    buf[o++] = BAR;
  }
  return DECODER.decode(buf.subarray(0, o)).split("\n");
}
