import { test } from "node:test";
import assert from "node:assert/strict";
import { hexdump } from "../../src/format/hexdump.ts";

const encoder = new TextEncoder();

test("hexdump: a full line in the hexdump -C layout", () => {
  const data = new Uint8Array([
    ...encoder.encode("Hello\n"),
    0x00,
    0xff,
    ...encoder.encode("ABCDEFGH"),
  ]);
  assert.deepEqual(hexdump(data, 0x10), [
    "00000010  48 65 6c 6c 6f 0a 00 ff  41 42 43 44 45 46 47 48  |Hello...ABCDEFGH|",
  ]);
});

test("hexdump: short last line is padded so the ASCII column lines up", () => {
  const lines = hexdump(encoder.encode("0123456789abcdefXYZ"));
  assert.deepEqual(lines, [
    "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|",
    "00000010  58 59 5a                                          |XYZ|",
  ]);
  assert.deepEqual(hexdump(encoder.encode("ABCDEFGHI")), [
    "00000000  41 42 43 44 45 46 47 48  49                       |ABCDEFGHI|",
  ]);
  assert.deepEqual(hexdump(encoder.encode("ABCDEFGH")), [
    "00000000  41 42 43 44 45 46 47 48                           |ABCDEFGH|",
  ]);
  for (let n = 1; n <= 40; n++) {
    for (const line of hexdump(new Uint8Array(n).fill(0x2e))) assert.equal(line.indexOf("|"), 60);
  }
});

test("hexdump: empty input gives no lines", () => {
  assert.deepEqual(hexdump(new Uint8Array(0)), []);
  assert.deepEqual(hexdump(new Uint8Array(0), 4096), []);
});

test("hexdump: offsets count from the given start and widen past 32 bits", () => {
  const lines = hexdump(new Uint8Array(33), 0xffffffe0);
  assert.equal(lines.length, 3);
  // Past 32 bits every line of the dump widens alike, keeping columns aligned.
  assert.deepEqual(lines, [
    "0ffffffe0  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
    "0fffffff0  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
    "100000000  00                                                |.|",
  ]);
  assert.equal(hexdump(new Uint8Array(16), 0xfffffff0)[0].slice(0, 10), "fffffff0  ");
  assert.deepEqual(hexdump(new Uint8Array([0x41]), 0x1234), [
    "00001234  41                                                |A|",
  ]);
  assert.throws(() => hexdump(new Uint8Array(1), -1), {
    name: "RangeError",
    message: 'Invalid hexdump offset "-1": expected a non-negative integer',
  });
  assert.throws(() => hexdump(new Uint8Array(1), 1.5), RangeError);
  assert.throws(() => hexdump(new Uint8Array(2), Number.MAX_SAFE_INTEGER), RangeError);
});

test("hexdump: output is printable ASCII only, whatever the input", () => {
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const lines = hexdump(all);
  assert.equal(lines.length, 16);
  assert.equal(
    lines[0],
    "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|",
  );
  assert.equal(
    lines[7],
    "00000070  70 71 72 73 74 75 76 77  78 79 7a 7b 7c 7d 7e 7f  |pqrstuvwxyz{|}~.|",
  );
  assert.equal(
    lines[15],
    "000000f0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  |................|",
  );
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      assert.ok(c >= 0x20 && c <= 0x7e, `char ${c} in ${line}`);
    }
  }
});
