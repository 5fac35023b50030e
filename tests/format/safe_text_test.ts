import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeText, escapeTextLines } from "../../src/format/safe_text.ts";

const encoder = new TextEncoder();
const bytes = (...values: number[]) => new Uint8Array(values);

test("escapeText: printable ASCII stays, backslash and whitespace controls are escaped", () => {
  assert.equal(escapeText(encoder.encode("GET /index.html HTTP/1.1")), "GET /index.html HTTP/1.1");
  assert.equal(escapeText(encoder.encode("a\\b")), "a\\\\b");
  assert.equal(escapeText(encoder.encode("a\tb\r\n")), "a\\tb\\r\\n");
  assert.equal(escapeText(new Uint8Array(0)), "");
});

test("escapeText: terminal escape sequences cannot reach the terminal", () => {
  assert.equal(escapeText(encoder.encode("\x1b[2J\x1b]0;pwned\x07")), "\\x1b[2J\\x1b]0;pwned\\x07");
  assert.equal(
    escapeText(bytes(0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1f, 0x7f)),
    "\\x00\\x01\\x08\\x0b\\x0c\\x1f\\x7f",
  );
  // 8-bit CSI (U+009B) and OSC (U+009D) as UTF-8, and as raw bytes.
  assert.equal(
    escapeText(encoder.encode("\u009b2J\u009d0;x\u009c")),
    "\\u{009B}2J\\u{009D}0;x\\u{009C}",
  );
  assert.equal(escapeText(bytes(0x9b, 0x32, 0x4a)), "\\x9b2J");
});

test("escapeText: bidi controls, separators, BOM and invisible format characters are escaped", () => {
  assert.equal(
    escapeText(encoder.encode("user\u202Egnp.exe")),
    "user\\u{202E}gnp.exe",
  );
  assert.equal(
    escapeText(
      encoder.encode("\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069"),
    ),
    "\\u{061C}\\u{200E}\\u{200F}\\u{202A}\\u{202B}\\u{202C}\\u{202D}\\u{2066}\\u{2067}\\u{2068}\\u{2069}",
  );
  assert.equal(
    escapeText(encoder.encode("a\u2028b\u2029c\uFEFFd")),
    "a\\u{2028}b\\u{2029}c\\u{FEFF}d",
  );
  assert.equal(escapeText(encoder.encode("pay\u200Bpal\u00AD")), "pay\\u{200B}pal\\u{00AD}");
  // Tag characters (U+E0000 block) are invisible format characters too.
  assert.equal(escapeText(encoder.encode("\u{E0041}")), "\\u{E0041}");
});

test("escapeText: unassigned, noncharacters, private use and surrogates are escaped", () => {
  assert.equal(escapeText(encoder.encode("\u0378")), "\\u{0378}"); // unassigned for decades
  assert.equal(
    escapeText(encoder.encode("\uFDD0\uFFFE\uFFFF\u{10FFFF}")),
    "\\u{FDD0}\\u{FFFE}\\u{FFFF}\\u{10FFFF}",
  );
  assert.equal(escapeText(encoder.encode("\uE000")), "\\u{E000}");
  // CESU-8 style surrogate halves (ED A0 80 / ED BF BF).
  assert.equal(escapeText(bytes(0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf)), "\\u{D800}\\u{DFFF}");
});

test("escapeText: well-formed printable UTF-8 is kept", () => {
  const text = "héllo wörld – ünïcödé 日本語 Ελληνικά עברית 😀 👨‍👩‍👧 e\u0301";
  assert.equal(escapeText(encoder.encode(text)), text);
  assert.equal(escapeText(encoder.encode("\u00A0\uFFFD")), "\u00A0\uFFFD");
});

test("escapeText: malformed and truncated UTF-8 shows each byte as \\xNN", () => {
  // A chunk ending in the middle of "€" (E2 82 AC), then the rest in the next chunk.
  assert.equal(escapeText(bytes(0x41, 0xe2, 0x82)), "A\\xe2\\x82");
  assert.equal(escapeText(bytes(0xac, 0x42)), "\\xacB");
  assert.equal(escapeText(bytes(0xe2, 0x82, 0xac)), "€");
  // Overlong encodings of "/" and NUL, lone continuation, invalid lead bytes, > U+10FFFF.
  assert.equal(escapeText(bytes(0xc0, 0xaf)), "\\xc0\\xaf");
  assert.equal(escapeText(bytes(0xe0, 0x80, 0x80)), "\\xe0\\x80\\x80");
  assert.equal(escapeText(bytes(0xf0, 0x8f, 0xbf, 0xbf)), "\\xf0\\x8f\\xbf\\xbf");
  assert.equal(escapeText(bytes(0x80, 0xbf, 0xfe, 0xff)), "\\x80\\xbf\\xfe\\xff");
  assert.equal(escapeText(bytes(0xf4, 0x90, 0x80, 0x80)), "\\xf4\\x90\\x80\\x80");
  // An interrupted sequence does not swallow the following ASCII.
  assert.equal(escapeText(bytes(0xe2, 0x41, 0x42)), "\\xe2AB");
  assert.equal(escapeText(bytes(0xf0, 0x9f, 0x98, 0x0a)), "\\xf0\\x9f\\x98\\n");
});

test("escapeText: long inputs are escaped completely", () => {
  const input = new Uint8Array(30_000); // all NUL: 4 output chars per byte
  assert.equal(escapeText(input), "\\x00".repeat(30_000));
  const mixed = encoder.encode("ab\u202E😀\n".repeat(5_000));
  assert.equal(escapeText(mixed), "ab\\u{202E}😀\\n".repeat(5_000));
});

test("escapeTextLines: splits after each line feed, escaped \\n kept, no trailing empty line", () => {
  assert.deepEqual(escapeTextLines(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), [
    "GET / HTTP/1.1\\r\\n",
    "Host: x\\r\\n",
    "\\r\\n",
  ]);
  assert.deepEqual(escapeTextLines(encoder.encode("one\ntwo")), ["one\\n", "two"]);
  assert.deepEqual(escapeTextLines(encoder.encode("\n\n")), ["\\n", "\\n"]);
  // A literal backslash followed by "n" is not a line break.
  assert.deepEqual(escapeTextLines(encoder.encode("a\\nb")), ["a\\\\nb"]);
  assert.deepEqual(escapeTextLines(new Uint8Array(0)), []);
  const long = encoder.encode("x".repeat(20_000) + "\n" + "\x1b".repeat(5_000));
  assert.deepEqual(escapeTextLines(long), ["x".repeat(20_000) + "\\n", "\\x1b".repeat(5_000)]);
});

/** Reverses the escaping, to check that no information is lost. */
function unescape(text: string): Uint8Array {
  const out: number[] = [];
  const utf8 = (cp: number) => {
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else {
      out.push(
        0xf0 | (cp >> 18),
        0x80 | ((cp >> 12) & 63),
        0x80 | ((cp >> 6) & 63),
        0x80 | (cp & 63),
      );
    }
  };
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    if (cp !== 0x5c) {
      utf8(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const c = text[i + 1];
    if (c === "x") {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (c === "u") {
      const end = text.indexOf("}", i);
      utf8(parseInt(text.slice(i + 3, end), 16));
      i = end + 1;
    } else {
      out.push({ "\\": 0x5c, n: 0x0a, r: 0x0d, t: 0x09 }[c as "n"]);
      i += 2;
    }
  }
  return new Uint8Array(out);
}

test("escapeText: property - 2,000 random inputs give safe, lossless output", () => {
  let state = 0x2545f491;
  const next = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  // Dangerous characters mixed into the random bytes as well-formed UTF-8.
  const spicy = [0x85, 0x9b, 0x9f, 0x061c, 0x200e, 0x202e, 0x2066, 0x2069, 0x2028, 0x2029, 0xfeff]
    .map((cp) => encoder.encode(String.fromCodePoint(cp)));
  spicy.push(bytes(0xed, 0xa0, 0x80)); // a surrogate half, CESU-8 style
  const forbidden = (c: number) =>
    c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) || c === 0x061c || c === 0x200e ||
    c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
    c === 0x2028 || c === 0x2029 || c === 0xfeff;
  for (let round = 0; round < 2000; round++) {
    const parts: number[] = [];
    const length = next(48);
    while (parts.length < length) {
      const kind = next(4);
      if (kind === 0) parts.push(...spicy[next(spicy.length)]);
      else if (kind === 1) parts.push(...encoder.encode(String.fromCodePoint(next(0x30000))));
      else parts.push(next(256));
    }
    const data = new Uint8Array(parts);
    const text = escapeText(data);
    for (let i = 0; i < text.length; i++) {
      assert.ok(!forbidden(text.charCodeAt(i)), `U+${text.charCodeAt(i).toString(16)} in ${text}`);
    }
    assert.deepEqual(unescape(text), data, text);
    const lines = escapeTextLines(data);
    assert.equal(lines.join(""), text);
    const feeds = data.filter((b) => b === 0x0a).length;
    const expectedLines = feeds + (data.length > 0 && data[data.length - 1] !== 0x0a ? 1 : 0);
    assert.equal(lines.length, expectedLines);
  }
});
