/**
 * Content strings as Suricata writes them (`"GET |20|/"`, escapes `\"` `\;`
 * `\:` `\\`) and the byte search the inspection uses.
 *
 * @module
 */

import { RuleSkip } from "./variables.ts";

/** ASCII lower-casing table for byte values. */
export const LOWER: Uint8Array = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i >= 0x41 && i <= 0x5a ? i + 0x20 : i;
  return t;
})();

/**
 * Parses a quoted content value (`"abc|0d 0a|"`, or `!"abc"` negated).
 *
 * @example
 * ```ts
 * import { parseContent } from "./content_bytes.ts";
 * const c = parseContent("content", '!"a|0d 0a|\\;"');
 * c.negated; // true
 * c.bytes; // Uint8Array [97, 13, 10, 59]
 * ```
 *
 * @throws {RuleSkip} On a missing quote, bad hex, a bad escape or an empty content.
 */
export function parseContent(
  keyword: string,
  value: string,
): { bytes: Uint8Array; negated: boolean } {
  let s = value.trim();
  let negated = false;
  if (s.startsWith("!")) {
    negated = true;
    s = s.slice(1).trim();
  }
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) {
    throw new RuleSkip(keyword, `${keyword} value ${value} is not a quoted string: expected "..."`);
  }
  s = s.slice(1, -1);
  const out: number[] = [];
  let hex = false;
  let nibble = -1;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "|") {
      if (hex && nibble !== -1) {
        throw new RuleSkip(
          keyword,
          `${keyword}: odd number of hex digits in ${value}: expected pairs like |0d 0a|`,
        );
      }
      hex = !hex;
      continue;
    }
    if (hex) {
      if (ch === " " || ch === ",") continue;
      const d = parseInt(ch, 16);
      if (Number.isNaN(d)) {
        throw new RuleSkip(
          keyword,
          `${keyword}: invalid hex digit "${ch}" in ${value}: expected 0-9 a-f inside |...|`,
        );
      }
      if (nibble === -1) nibble = d;
      else {
        out.push(nibble * 16 + d);
        nibble = -1;
      }
      continue;
    }
    if (ch === "\\") {
      const next = s[++i];
      if (next !== ":" && next !== ";" && next !== "\\" && next !== '"') {
        throw new RuleSkip(
          keyword,
          `${keyword}: invalid escape "\\${next ?? ""}" in ${value}: expected \\" \\; \\: or \\\\`,
        );
      }
      out.push(next.charCodeAt(0));
      continue;
    }
    if (ch === '"') {
      throw new RuleSkip(keyword, `${keyword}: unescaped double quote in ${value}: expected \\"`);
    }
    const code = ch.charCodeAt(0);
    if (code > 0xff) {
      for (const b of new TextEncoder().encode(ch)) out.push(b);
    } else out.push(code);
  }
  if (hex) {
    throw new RuleSkip(
      keyword,
      `${keyword}: unterminated hex section in ${value}: expected a closing |`,
    );
  }
  if (out.length === 0) {
    throw new RuleSkip(keyword, `${keyword}: empty content: expected at least one byte`);
  }
  return { bytes: Uint8Array.from(out), negated };
}

/**
 * Finds `needle` in `hay[start, end)` (case-insensitively for ASCII when
 * `nocase`, in which case `needle` must already be lower-cased).
 *
 * @example
 * ```ts
 * import { findBytes } from "./content_bytes.ts";
 * const hay = new TextEncoder().encode("xxABCxx");
 * findBytes(hay, 0, hay.length, new TextEncoder().encode("abc"), true); // 2
 * ```
 *
 * @returns The index of the first occurrence, or -1.
 */
export function findBytes(
  hay: Uint8Array,
  start: number,
  end: number,
  needle: Uint8Array,
  nocase: boolean,
): number {
  const n = needle.length;
  const last = end - n;
  const first = needle[0];
  if (nocase) {
    for (let i = start; i <= last; i++) {
      if (LOWER[hay[i]] !== first) continue;
      let j = 1;
      while (j < n && LOWER[hay[i + j]] === needle[j]) j++;
      if (j === n) return i;
    }
    return -1;
  }
  for (let i = start; i <= last; i++) {
    if (hay[i] !== first) continue;
    let j = 1;
    while (j < n && hay[i + j] === needle[j]) j++;
    if (j === n) return i;
  }
  return -1;
}

/**
 * Text to bytes the way the rule buffers see them: one byte per character
 * when every character is below 256 (how the parsers decode wire bytes),
 * UTF-8 otherwise.
 *
 * @example
 * ```ts
 * import { textBytes } from "./content_bytes.ts";
 * textBytes("GET"); // Uint8Array [71, 69, 84]
 * ```
 */
export function textBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return new TextEncoder().encode(text);
    out[i] = c;
  }
  return out;
}

/**
 * Bytes to a string of the same length, one character per byte (what the
 * translated `pcre` expressions run on).
 *
 * @example
 * ```ts
 * import { latin1 } from "./content_bytes.ts";
 * latin1(new Uint8Array([0x41, 0xff])); // "A\u00ff"
 * ```
 */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}
