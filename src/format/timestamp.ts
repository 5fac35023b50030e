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

/**
 * Whether `iso` has the shape of {@linkcode isoTimestamp}'s output,
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` (the writers that lay times out byte by byte
 * take only this form, and leave any other to their string path).
 *
 * @example
 * ```ts
 * import { isMonitorTimestamp } from "./timestamp.ts";
 * isMonitorTimestamp("2026-11-26T10:00:00.250Z"); // true
 * isMonitorTimestamp("2026-11-26T10:00:00Z"); // false
 * ```
 */
export function isMonitorTimestamp(iso: string): boolean {
  return iso.length === 24 && iso.charCodeAt(19) === 0x2e && iso.charCodeAt(23) === 0x5a;
}

/** Two recently parsed `YYYY-MM-DDTHH:MM:SS` prefixes: a record's end and start. */
const parsedPrefix = ["", ""];
const parsedPrefixMs = [0, 0];
let parsedNext = 0;

function digit(text: string, at: number): number {
  const d = text.charCodeAt(at) - 0x30;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

/**
 * Epoch milliseconds of an ISO-8601 time, as `Date.parse` gives them (NaN
 * when `iso` is not a time). The monitor's own form
 * (`YYYY-MM-DDTHH:MM:SS.mmmZ`, see {@linkcode isoTimestamp}) is parsed from
 * its digits against the last two seconds seen, so the writers that read
 * every record's times (EVE, Zeek, pcap) call `Date.parse` about once a
 * second.
 *
 * @example
 * ```ts
 * import { parseIsoTimestamp } from "@sockscope/sockscope";
 * console.log(parseIsoTimestamp("1970-01-01T00:00:01.500Z")); // 1500
 * ```
 */
export function parseIsoTimestamp(iso: string): number {
  if (!isMonitorTimestamp(iso)) return Date.parse(iso);
  const ms = digit(iso, 20) * 100 + digit(iso, 21) * 10 + digit(iso, 22);
  for (let i = 0; i < 2; i++) {
    const prefix = parsedPrefix[i];
    if (prefix !== "" && iso.startsWith(prefix)) return parsedPrefixMs[i] + ms;
  }
  const prefix = iso.slice(0, 19);
  const t = Date.parse(prefix + "Z");
  if (Number.isNaN(t)) return t;
  parsedPrefix[parsedNext] = prefix;
  parsedPrefixMs[parsedNext] = t;
  parsedNext ^= 1;
  return t + ms;
}
