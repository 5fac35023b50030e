// The in-place writers build every record from these pieces: a wrong byte or
// a wrong end offset here corrupts every line of every format at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  lit,
  putAscii,
  putBytes,
  putJsonNumber,
  putJsonString,
} from "../../src/output/line_bytes.ts";

const text = (b: Uint8Array, end: number) => new TextDecoder().decode(b.subarray(0, end));

test("putBytes copies constants of every length exactly and returns the end", () => {
  // Short constants take the byte loop, long ones set(): both must be exact.
  for (const n of [0, 1, 7, 31, 32, 33, 64, 300]) {
    const constant = lit("abcdefghijklmnopqrstuvwxyz0123456789".repeat(9).slice(0, n));
    const buf = new Uint8Array(n + 10).fill(0x2a);
    const end = putBytes(buf, 5, constant);
    assert.equal(end, 5 + n, `end offset for ${n} bytes`);
    assert.deepEqual(buf.subarray(5, end), constant, `${n} bytes copied`);
    assert.ok(buf.subarray(0, 5).every((b) => b === 0x2a), `nothing before the offset (${n})`);
    assert.ok(buf.subarray(end).every((b) => b === 0x2a), `nothing after the end (${n})`);
  }
});

test("putJsonNumber writes what JSON.stringify writes", () => {
  const buf = new Uint8Array(32);
  const values = [
    0,
    7,
    9,
    10,
    99,
    65535,
    2147483647,
    2147483648,
    0.012,
    1.5,
    -3,
    -0.25,
    1e21,
    123456.789,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  for (const v of values) {
    assert.equal(text(buf, putJsonNumber(buf, 0, v)), JSON.stringify(v), String(v));
  }
});

test("putAscii and putJsonString take printable ASCII and decline what needs escaping", () => {
  const buf = new Uint8Array(32);
  assert.equal(text(buf, putJsonString(buf, 0, "192.0.2.7")), '"192.0.2.7"');
  for (const s of ['a"b', "a\\b", "tab\there", "caf\u00e9", "\x7f"]) {
    assert.equal(putAscii(buf, 0, s), -1, JSON.stringify(s));
    assert.equal(putJsonString(buf, 0, s), -1, JSON.stringify(s));
  }
});
