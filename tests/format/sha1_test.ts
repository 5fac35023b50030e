import { test } from "node:test";
import assert from "node:assert/strict";
import { sha1 } from "../../src/format/sha1.ts";

const encoder = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

test("sha1: FIPS 180 / RFC 3174 test vectors", () => {
  assert.equal(hex(sha1(new Uint8Array(0))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  assert.equal(hex(sha1(encoder.encode("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert.equal(
    hex(sha1(encoder.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
  );
  assert.equal(
    hex(sha1(encoder.encode(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq" +
        "klmnopqrlmnopqrsmnopqrstnopqrstu",
    ))),
    "a49b2446a02c645bf419f995b67091253a04a259",
  );
});

test("sha1: one million times 'a'", () => {
  assert.equal(
    hex(sha1(new Uint8Array(1_000_000).fill(0x61))),
    "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
  );
});

test("sha1: returns a fresh 20-byte array and ignores bytes outside a subarray view", () => {
  const a = sha1(encoder.encode("abc"));
  const b = sha1(encoder.encode("abc"));
  assert.equal(a.length, 20);
  assert.notEqual(a, b);
  a[0] = 0;
  assert.equal(hex(b), "a9993e364706816aba3e25717850c26c9cd0d89d");
  const framed = encoder.encode("xxabcxx").subarray(2, 5);
  assert.equal(hex(sha1(framed)), "a9993e364706816aba3e25717850c26c9cd0d89d");
});

test("sha1: writes into a caller's buffer when given one", () => {
  const out = new Uint8Array(24).fill(0xee);
  assert.equal(sha1(encoder.encode("abc"), out), out);
  assert.equal(hex(out), "a9993e364706816aba3e25717850c26c9cd0d89d" + "eeeeeeee");
  assert.throws(() => sha1(new Uint8Array(1), new Uint8Array(19)), {
    name: "RangeError",
    message: "Invalid digest buffer of 19 bytes: expected at least 20",
  });
});

test("sha1: agrees with Web Crypto around every padding boundary", async () => {
  // Lengths 0-200 cover 55/56 (length field spills into a second block), 63/64/65, ...
  let seed = 12345;
  const data = new Uint8Array(200);
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed >>> 24;
  }
  for (let n = 0; n <= data.length; n++) {
    const message = data.slice(0, n);
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-1", message));
    assert.equal(hex(sha1(message)), hex(expected), `length ${n}`);
  }
});
