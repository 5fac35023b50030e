/**
 * Suricata's integer comparisons (`dsize`, `bsize`, `urilen`): `N`, `=N`,
 * `!N`, `<N`, `<=N`, `>N`, `>=N`, `A<>B` and `A-B` (exclusive ranges), `!A-B`.
 *
 * @module
 */

/**
 * A parsed comparison: `test(value)` says whether the value satisfies it.
 *
 * @example
 * ```ts
 * import { parseIntCompare } from "./int_compare.ts";
 * parseIntCompare("dsize", "10<>20").test(15); // true
 * ```
 */
export interface IntCompare {
  /** True when `value` satisfies the comparison. */
  test(value: number): boolean;
  /** The smallest value that can satisfy it (for sanity checks), 0 when any. */
  readonly min: number;
}

function parseNumber(keyword: string, text: string): number {
  const m = /^(0x[0-9a-f]+|\d+)\s*(kb|kib|mb|mib|gb|gib)?$/i.exec(text.trim());
  if (!m) throw new TypeError(`invalid ${keyword} value "${text}": expected an unsigned integer`);
  const n = Number(m[1]);
  const unit = m[2]?.toLowerCase();
  const mult = unit === undefined
    ? 1
    : unit.startsWith("k")
    ? 1024
    : unit.startsWith("m")
    ? 1048576
    : 1073741824;
  return n * mult;
}

/**
 * Parses a comparison for `keyword` (the name goes into error messages).
 *
 * @example
 * ```ts
 * import { parseIntCompare } from "./int_compare.ts";
 * parseIntCompare("bsize", ">=4").test(4); // true
 * ```
 *
 * @throws {TypeError} When the text is not one of the forms above.
 */
export function parseIntCompare(keyword: string, text: string): IntCompare {
  const s = text.trim();
  const range = /^(!?)\s*(\w+)\s*(?:<>|-)\s*(\w+)$/.exec(s);
  if (range) {
    const a = parseNumber(keyword, range[2]);
    const b = parseNumber(keyword, range[3]);
    if (!(a < b)) {
      throw new TypeError(`invalid ${keyword} range "${text}": expected MIN<>MAX with MIN < MAX`);
    }
    return range[1] === "!"
      ? { test: (v) => v <= a || v >= b, min: 0 }
      : { test: (v) => v > a && v < b, min: a + 1 };
  }
  const m = /^(<=|>=|!=|<|>|=|!)?\s*(.+)$/.exec(s);
  if (!m) throw new TypeError(`invalid ${keyword} value "${text}": expected N, <N, >N or MIN<>MAX`);
  const n = parseNumber(keyword, m[2]);
  switch (m[1]) {
    case "<":
      return { test: (v) => v < n, min: 0 };
    case "<=":
      return { test: (v) => v <= n, min: 0 };
    case ">":
      return { test: (v) => v > n, min: n + 1 };
    case ">=":
      return { test: (v) => v >= n, min: n };
    case "!":
    case "!=":
      return { test: (v) => v !== n, min: 0 };
    default:
      return { test: (v) => v === n, min: n };
  }
}
