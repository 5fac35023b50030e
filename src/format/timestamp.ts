/**
 * ISO-8601 timestamps at the rate events are made: `Date#toISOString` costs
 * about a microsecond, so the date-and-time prefix is cached per second and
 * only the milliseconds are formatted per call.
 *
 * @module
 */

let cachedSecond = Number.NaN;
let cachedPrefix = "";

/**
 * Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), exactly as
 * `new Date(ms).toISOString()` does for years 0000-9999.
 *
 * @example
 * ```ts
 * import { isoTimestamp } from "@sockscope/sockscope";
 * console.log(isoTimestamp(0)); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function isoTimestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const frac = ms - second * 1000;
  return cachedPrefix + (frac < 10 ? "00" : frac < 100 ? "0" : "") + frac + "Z";
}
