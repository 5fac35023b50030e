/**
 * Byte counts for options and display: parse `4k`, format `12.3 MiB`.
 *
 * @module
 */

const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * Formats a byte count with binary (1024-based) units and three significant
 * digits: `0 B`, `512 B`, `1.50 KiB`, `12.3 MiB`, `100 MiB`, `4.00 GiB`.
 * Counts below 1024 are shown whole; a value that rounds up to 1024 moves to
 * the next unit (`1.00 MiB`, not `1024 KiB`).
 *
 * @example
 * ```ts
 * import { formatBytes } from "./size.ts";
 *
 * formatBytes(512); // "512 B"
 * formatBytes(1536); // "1.50 KiB"
 * formatBytes(4 * 1024 ** 3); // "4.00 GiB"
 * ```
 *
 * @param n A non-negative byte count.
 * @returns The formatted size.
 * @throws {RangeError} If `n` is negative, NaN or infinite.
 */
export function formatBytes(n: number): string {
  if (!(n >= 0) || n === Infinity) {
    throw new RangeError(`Invalid byte count "${n}": expected a non-negative finite number`);
  }
  const whole = Math.round(n);
  if (whole < 1024) return `${whole} B`;
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (Math.round(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = Math.round(v * 100) < 1000 ? 2 : Math.round(v * 10) < 1000 ? 1 : 0;
  return `${v.toFixed(digits)} ${UNITS[u]}`;
}

function invalidByteCount(text: string, flag: string): TypeError {
  return new TypeError(
    `${flag}: invalid byte count "${text}": expected a non-negative integer with optional ` +
      `suffix k, KiB, m or MiB (e.g. 4096, 4k, 1MiB)`,
  );
}

/**
 * Parses a byte count option: a non-negative integer, optionally followed by
 * `k`, `K` or `KiB` (x 1024) or `m`, `M` or `MiB` (x 1024²). Surrounding
 * whitespace and a space before the suffix are allowed.
 *
 * @example
 * ```ts
 * import { parseByteCount } from "./size.ts";
 *
 * parseByteCount("4096", "--capture"); // 4096
 * parseByteCount("4k", "--capture"); // 4096
 * parseByteCount("1MiB", "--capture"); // 1048576
 * ```
 *
 * @param text The byte count text.
 * @param flag The option name used in error messages.
 * @returns The number of bytes.
 * @throws {TypeError} If `text` is not a byte count.
 * @throws {RangeError} If the count is too large to be exact.
 */
export function parseByteCount(text: string, flag: string): number {
  const s = text.trim();
  let i = 0;
  let value = 0;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  if (i === 0) throw invalidByteCount(text, flag);
  let suffix = s.slice(i);
  if (suffix.charCodeAt(0) === 0x20) suffix = suffix.slice(1);
  let scale: number;
  switch (suffix) {
    case "":
      scale = 1;
      break;
    case "k":
    case "K":
    case "KiB":
      scale = 1024;
      break;
    case "m":
    case "M":
    case "MiB":
      scale = 1024 * 1024;
      break;
    default:
      throw invalidByteCount(text, flag);
  }
  const bytes = value * scale;
  if (i > 16 || bytes > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${flag}: invalid byte count "${text}": too large`);
  }
  return bytes;
}
