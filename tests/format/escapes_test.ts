import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEscapes } from "../../src/format/escapes.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

test("parseEscapes: plain text is UTF-8 encoded", () => {
  assert.deepEqual(parseEscapes("SSH-2.0-x"), new TextEncoder().encode("SSH-2.0-x"));
  assert.deepEqual(
    parseEscapes("é€😀"),
    bytes(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80),
  );
  assert.deepEqual(parseEscapes(""), bytes());
});

test("parseEscapes: interprets \\r \\n \\t \\0 \\\\ \\e and \\xNN", () => {
  assert.deepEqual(parseEscapes(String.raw`OK\r\n`), bytes(0x4f, 0x4b, 0x0d, 0x0a));
  assert.deepEqual(parseEscapes(String.raw`a\tb\0c`), bytes(0x61, 0x09, 0x62, 0x00, 0x63));
  assert.deepEqual(parseEscapes(String.raw`\\`), bytes(0x5c));
  assert.deepEqual(parseEscapes(String.raw`\e[0m`), bytes(0x1b, 0x5b, 0x30, 0x6d));
  assert.deepEqual(parseEscapes(String.raw`\xff\x00\x7F\xAb`), bytes(0xff, 0x00, 0x7f, 0xab));
  // \xNN takes exactly two digits; \0 is NUL even before digits.
  assert.deepEqual(parseEscapes(String.raw`\x414`), bytes(0x41, 0x34));
  assert.deepEqual(parseEscapes(String.raw`\012`), bytes(0x00, 0x31, 0x32));
  // An escaped backslash does not start another escape.
  assert.deepEqual(parseEscapes(String.raw`\\x41`), bytes(0x5c, 0x78, 0x34, 0x31));
  assert.deepEqual(parseEscapes("é\\né"), bytes(0xc3, 0xa9, 0x0a, 0xc3, 0xa9));
});

test("parseEscapes: errors name the flag, the escape and what is expected", () => {
  const expected = String.raw`expected one of \r \n \t \0 \\ \e or \xNN`;
  assert.throws(() => parseEscapes(String.raw`hello\q`), {
    name: "TypeError",
    message: String.raw`--banner: unknown escape "\q": ` + expected,
  });
  assert.throws(() => parseEscapes(String.raw`\u0041`, "--send"), {
    name: "TypeError",
    message: String.raw`--send: unknown escape "\u": ` + expected,
  });
  assert.throws(() => parseEscapes("ab\\"), {
    name: "TypeError",
    message: String.raw`--banner: incomplete escape "\" at the end of the text: ` + expected,
  });
  for (
    const [text, escape] of [[String.raw`\x4`, String.raw`\x4`], [String.raw`\x`, String.raw`\x`], [
      String.raw`a\xzz`,
      String.raw`\xzz`,
    ], [String.raw`\x4g0`, String.raw`\x4g`]]
  ) {
    assert.throws(() => parseEscapes(text), {
      name: "TypeError",
      message:
        `--banner: invalid escape "${escape}": expected \\x followed by exactly two hex digits (e.g. \\x1b)`,
    }, text);
  }
});
