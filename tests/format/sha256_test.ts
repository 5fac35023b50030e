import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256 } from "../../src/format/sha256.ts";
import { hex } from "../../src/format/hex.ts";
import { pseudoRandomBytes } from "../_helpers/client.ts";

const encoder = new TextEncoder();

test("sha256: FIPS 180 example vectors", () => {
  assert.equal(
    hex(sha256(new Uint8Array(0))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    hex(sha256(encoder.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256(encoder.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(
    hex(sha256(encoder.encode(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq" +
        "klmnopqrlmnopqrsmnopqrstnopqrstu",
    ))),
    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
  );
});

test("sha256: one million times 'a'", () => {
  assert.equal(
    hex(sha256(new Uint8Array(1_000_000).fill(0x61))),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
});

test("sha256: the JA4 spec's extension string hashes as the spec says", () => {
  const exts = "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_" +
    "0403,0804,0401,0503,0805,0501,0806,0601";
  assert.equal(
    hex(sha256(encoder.encode(exts))),
    "e5627efa2ab19723084c1033a96c694a45826ab5a460d2d3fd5ffcfe97161c95",
  );
});

test("sha256: agrees with node:crypto on every length to 300 and on random inputs", () => {
  const data = pseudoRandomBytes(300, 11);
  for (let n = 0; n <= data.length; n++) {
    const message = data.subarray(0, n);
    assert.equal(
      hex(sha256(message)),
      createHash("sha256").update(message).digest("hex"),
      `length ${n}`,
    );
  }
  for (let seed = 1; seed <= 50; seed++) {
    const message = pseudoRandomBytes(1 + ((seed * 7919) % 5000), seed);
    assert.equal(
      hex(sha256(message)),
      createHash("sha256").update(message).digest("hex"),
      `seed ${seed}`,
    );
  }
});

test("sha256: reads only its view, returns fresh arrays, writes into a caller's buffer", () => {
  const framed = encoder.encode("xxabcxx").subarray(2, 5);
  assert.equal(
    hex(sha256(framed)),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.notEqual(sha256(framed), sha256(framed));
  const out = new Uint8Array(33).fill(0xee);
  assert.equal(sha256(encoder.encode("abc"), out), out);
  assert.equal(hex(out, 1), "ba");
  assert.equal(out[32], 0xee);
  assert.throws(() => sha256(new Uint8Array(1), new Uint8Array(31)), {
    name: "RangeError",
    message: "Invalid digest buffer of 31 bytes: expected at least 32",
  });
});

test("hex: two lower-case digits per byte, optionally only the first bytes", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(hex(all), Array.from(all, (b) => b.toString(16).padStart(2, "0")).join(""));
  assert.equal(hex(new Uint8Array([0xab, 0xcd, 0xef]), 2), "abcd");
  assert.equal(hex(new Uint8Array([0xab]), 5), "ab");
  assert.equal(hex(new Uint8Array(0)), "");
});
