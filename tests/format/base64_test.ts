import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeBase64,
  decodeBase64Portable,
  encodeBase64,
  encodeBase64Portable,
} from "../../src/format/base64.ts";

const encoder = new TextEncoder();

// RFC 4648 section 10, plus bytes that use "+" and "/".
const VECTORS: [Uint8Array, string][] = [
  [encoder.encode(""), ""],
  [encoder.encode("f"), "Zg=="],
  [encoder.encode("fo"), "Zm8="],
  [encoder.encode("foo"), "Zm9v"],
  [encoder.encode("foob"), "Zm9vYg=="],
  [encoder.encode("fooba"), "Zm9vYmE="],
  [encoder.encode("foobar"), "Zm9vYmFy"],
  [new Uint8Array([0xfb, 0xff]), "+/8="],
  [new Uint8Array([0, 0, 0]), "AAAA"],
  [new Uint8Array([0xff, 0xff, 0xff]), "////"],
];

const INVALID = [
  "Zg", // missing padding
  "Zg=", // half padding
  "Zm9", // missing padding
  "Z", // one sextet cannot make a byte
  "Z===",
  "Zh==", // non-zero unused bits
  "Zm9=", // non-zero unused bits
  "Zm9v=", // padding after a full group
  "=Zg=",
  "Zg==Zg==", // data after padding
  "Zg==x",
  "Zm-v", // URL-safe alphabet
  "Zm_v",
  "Zm9v!",
  "Zm9vé",
];

function random(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    out[i] = seed >>> 24;
  }
  return out;
}

for (
  const [name, encode, decode] of [
    ["default", encodeBase64, decodeBase64],
    ["portable", encodeBase64Portable, decodeBase64Portable],
  ] as const
) {
  test(`base64 (${name}): RFC 4648 vectors encode and decode`, () => {
    for (const [bytes, text] of VECTORS) {
      assert.equal(encode(bytes), text);
      assert.deepEqual(decode(text), bytes, text);
    }
  });

  test(`base64 (${name}): ASCII whitespace is ignored when decoding`, () => {
    assert.deepEqual(decode(" Zm9v\r\nYg==\n"), encoder.encode("foob"));
    assert.deepEqual(decode("Zm9vYg= =\t"), encoder.encode("foob"));
  });

  test(`base64 (${name}): rejects malformed input with a TypeError naming it`, () => {
    for (const text of INVALID) {
      assert.throws(() => decode(text), {
        name: "TypeError",
        message: `Invalid base64 text ${
          JSON.stringify(text)
        }: expected the standard alphabet (A-Z a-z 0-9 + /) in groups of 4 with "=" padding`,
      }, text);
    }
    assert.throws(() => decode("!".repeat(100)), /Invalid base64 text "!{40}\.\.\."/);
  });

  test(`base64 (${name}): round-trips every length 0-300 and a 100 KiB buffer`, () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = random(n, n);
      const text = encode(bytes);
      assert.equal(text.length, Math.ceil(n / 3) * 4);
      assert.deepEqual(decode(text), bytes, `length ${n}`);
    }
    const big = random(7, 100 * 1024);
    assert.deepEqual(decode(encode(big)), big);
  });
}

test("base64: the default and portable implementations agree byte for byte", () => {
  // On runtimes with Uint8Array.prototype.toBase64 (Deno, Bun) this compares
  // the built-in against the fallback; elsewhere both are the fallback.
  for (let n = 0; n < 200; n++) {
    const bytes = random(1000 + n, n);
    const text = encodeBase64(bytes);
    assert.equal(encodeBase64Portable(bytes), text);
    assert.deepEqual(decodeBase64Portable(text), decodeBase64(text));
  }
  const big = random(3, 50_000);
  assert.equal(encodeBase64Portable(big), encodeBase64(big));
});
