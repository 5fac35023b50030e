/**
 * Durations for options and display: parse `1m30s`, format `2m03s`.
 *
 * @module
 */

/** Milliseconds per unit, by rank: ms, s, m, h. */
const UNIT_MS = [1, 1000, 60_000, 3_600_000];
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Most digits accepted in one number (keeps the arithmetic exact). */
const MAX_DIGITS = 15;

function invalidDuration(text: string, flag: string): TypeError {
  return new TypeError(
    `${flag}: invalid duration "${text}": expected a number with unit ms, s, m or h (e.g. 30s, 5m)`,
  );
}

/**
 * Parses a duration option into milliseconds: a number with a unit `ms`, `s`,
 * `m` or `h` (`250ms`, `30s`, `5m`, `1h`, `1.5s`), several such parts from the
 * largest unit to the smallest (`1m30s`, `1h30m`), or a bare number meaning
 * seconds (`0`, `2.5`). Surrounding whitespace is ignored.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 *
 * parseDuration("1m30s"); // 90000
 * parseDuration("250ms"); // 250
 * parseDuration("2", "--idle-timeout"); // 2000
 * parseDuration("5x", "--idle-timeout");
 * // throws TypeError: --idle-timeout: invalid duration "5x": expected a number
 * // with unit ms, s, m or h (e.g. 30s, 5m)
 * ```
 *
 * @param text The duration text.
 * @param flag The option name used in error messages.
 * @returns The duration in milliseconds; fractional only when the text asks
 * for fractions of a millisecond.
 * @throws {TypeError} If `text` is not a duration.
 * @throws {RangeError} If the duration is too large to be exact.
 */
export function parseDuration(text: string, flag = "duration"): number {
  const s = text.trim();
  const n = s.length;
  if (n === 0) throw invalidDuration(text, flag);
  let total = 0;
  let lastRank = UNIT_MS.length;
  let i = 0;
  while (i < n) {
    // Number: digits, optionally "." and at least one more digit.
    let mantissa = 0;
    let digits = 0;
    let fraction = -1;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x2e && fraction === -1) {
        fraction = 0;
        continue;
      }
      const d = c - 0x30;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      digits++;
      if (fraction !== -1) fraction++;
    }
    if (digits === 0 || fraction === 0) throw invalidDuration(text, flag);
    if (digits > MAX_DIGITS) {
      throw new RangeError(
        `${flag}: invalid duration "${text}": expected at most ${MAX_DIGITS} digits per number`,
      );
    }
    // Unit.
    let rank: number;
    const c = s.charCodeAt(i);
    if (i === n) {
      if (lastRank !== UNIT_MS.length) throw invalidDuration(text, flag); // "1m30"
      rank = 1; // a bare number means seconds
    } else if (c === 0x6d /* m */) {
      if (s.charCodeAt(i + 1) === 0x73 /* s */) {
        rank = 0;
        i += 2;
      } else {
        rank = 2;
        i++;
      }
    } else if (c === 0x73 /* s */) {
      rank = 1;
      i++;
    } else if (c === 0x68 /* h */) {
      rank = 3;
      i++;
    } else {
      throw invalidDuration(text, flag);
    }
    if (rank >= lastRank) {
      throw new TypeError(
        `${flag}: invalid duration "${text}": expected units from largest to smallest, ` +
          `each once (e.g. 1h30m, 1m30s)`,
      );
    }
    lastRank = rank;
    total += fraction > 0 ? (mantissa * UNIT_MS[rank]) / POW10[fraction] : mantissa * UNIT_MS[rank];
  }
  if (total > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${flag}: invalid duration "${text}": too large`);
  }
  return total;
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : "" + n;
}

/**
 * Formats milliseconds for humans with about three significant digits:
 * `0ms`, `850ms`, `1.23s`, `59.9s`, `2m03s`, `1h02m`. Fractions of a
 * millisecond are shown when present (`0.42ms`, `12.3ms`), as local
 * connect times are often below one millisecond. Values are rounded, never
 * truncated, and a value that rounds up moves to the next unit (`59.96s` is
 * `1m00s`).
 *
 * @example
 * ```ts
 * import { formatDuration } from "./duration.ts";
 *
 * formatDuration(850); // "850ms"
 * formatDuration(1234); // "1.23s"
 * formatDuration(123_000); // "2m03s"
 * formatDuration(3_720_000); // "1h02m"
 * ```
 *
 * @param ms A non-negative number of milliseconds.
 * @returns The formatted duration.
 * @throws {RangeError} If `ms` is negative, NaN or infinite.
 */
export function formatDuration(ms: number): string {
  if (!(ms >= 0) || ms === Infinity) {
    throw new RangeError(
      `Invalid duration "${ms}": expected a non-negative finite number of milliseconds`,
    );
  }
  if (ms < 1000) {
    if (Number.isInteger(ms)) return `${ms}ms`;
    if (ms < 10) return `${ms.toFixed(2)}ms`;
    if (ms < 99.95) return `${ms.toFixed(1)}ms`;
    const whole = Math.round(ms);
    if (whole < 1000) return `${whole}ms`;
  }
  const centis = Math.round(ms / 10);
  if (centis < 1000) return `${(centis / 100).toFixed(2)}s`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${pad2(seconds % 60)}s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)}h${pad2(minutes % 60)}m`;
}
