import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { md5 } from "../../src/format/md5.ts";
import { hex } from "../../src/format/hex.ts";
import { pseudoRandomBytes } from "../_helpers/client.ts";

const encoder = new TextEncoder();

test("md5: the RFC 1321 appendix A.5 test suite", () => {
  const suite: [string, string][] = [
    ["", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a", "0cc175b9c0f1b6a831c399e269772661"],
    ["abc", "900150983cd24fb0d6963f7d28e17f72"],
    ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
    [
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "d174ab98d277d9f5a5611c2c9f419d9f",
    ],
    [
      "1234567890".repeat(8),
      "57edf4a22be3c955ac49da2e2107b67a",
    ],
  ];
  for (const [input, digest] of suite) assert.equal(hex(md5(encoder.encode(input))), digest, input);
});

test("md5: one million times 'a'", () => {
  assert.equal(hex(md5(new Uint8Array(1_000_000).fill(0x61))), "7707d6ae4e027c70eea2a935c2296f21");
});

test("md5: agrees with node:crypto on every length to 300 and on random inputs", () => {
  // Lengths 0-300 cover 55/56 (the length field spills into a second block), 63/64/65, ...
  const data = pseudoRandomBytes(300, 7);
  for (let n = 0; n <= data.length; n++) {
    const message = data.subarray(0, n);
    assert.equal(hex(md5(message)), createHash("md5").update(message).digest("hex"), `length ${n}`);
  }
  for (let seed = 1; seed <= 50; seed++) {
    const message = pseudoRandomBytes(1 + ((seed * 7919) % 5000), seed);
    assert.equal(
      hex(md5(message)),
      createHash("md5").update(message).digest("hex"),
      `seed ${seed}`,
    );
  }
});

test("md5: reads only its view, returns fresh arrays, writes into a caller's buffer", () => {
  const framed = encoder.encode("xxabcxx").subarray(2, 5);
  assert.equal(hex(md5(framed)), "900150983cd24fb0d6963f7d28e17f72");
  const a = md5(encoder.encode("abc"));
  const b = md5(encoder.encode("abc"));
  assert.notEqual(a, b);
  const out = new Uint8Array(18).fill(0xee);
  assert.equal(md5(encoder.encode("abc"), out), out);
  assert.equal(hex(out), "900150983cd24fb0d6963f7d28e17f72eeee");
  assert.throws(() => md5(new Uint8Array(1), new Uint8Array(15)), {
    name: "RangeError",
    message: "Invalid digest buffer of 15 bytes: expected at least 16",
  });
});
