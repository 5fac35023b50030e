import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes, parseByteCount } from "../../src/format/size.ts";

test("formatBytes: binary units with three significant digits", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [1, "1 B"],
    [512, "512 B"],
    [1023, "1023 B"],
    [1024, "1.00 KiB"],
    [1536, "1.50 KiB"],
    [10 * 1024, "10.0 KiB"],
    [100 * 1024, "100 KiB"],
    [1023 * 1024, "1023 KiB"],
    [Math.round(12.3 * 1024 * 1024), "12.3 MiB"],
    [4 * 1024 ** 3, "4.00 GiB"],
    [1.5 * 1024 ** 4, "1.50 TiB"],
    [2 ** 60, "1.00 EiB"],
    [2 ** 70, "1024 EiB"],
  ];
  for (const [n, text] of cases) assert.equal(formatBytes(n), text, String(n));
});

test("formatBytes: a value that rounds to 1024 moves to the next unit", () => {
  assert.equal(formatBytes(1024 * 1024 - 1), "1.00 MiB");
  assert.equal(formatBytes(1024 ** 3 - 1024), "1.00 GiB");
  assert.equal(formatBytes(1023.6), "1.00 KiB");
});

test("formatBytes: rejects negative and non-finite values", () => {
  assert.throws(() => formatBytes(-1), {
    name: "RangeError",
    message: 'Invalid byte count "-1": expected a non-negative finite number',
  });
  assert.throws(() => formatBytes(NaN), RangeError);
  assert.throws(() => formatBytes(Infinity), RangeError);
});

test("parseByteCount: integers with optional k/K/KiB and m/M/MiB suffixes", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["4096", 4096],
    ["4k", 4096],
    ["4K", 4096],
    ["4KiB", 4096],
    ["4 KiB", 4096],
    ["1m", 1_048_576],
    ["1M", 1_048_576],
    ["1MiB", 1_048_576],
    [" 64k ", 65_536],
  ];
  for (const [text, n] of cases) assert.equal(parseByteCount(text, "--capture"), n, text);
});

test("parseByteCount: errors name the flag and the text", () => {
  const expected =
    "expected a non-negative integer with optional suffix k, KiB, m or MiB (e.g. 4096, 4k, 1MiB)";
  for (
    const bad of [
      "",
      "k",
      "-1",
      "1.5k",
      "4kb",
      "4KB",
      "4  k",
      "4g",
      "1e3",
      "0x10",
      "4 kib",
      "4b",
    ]
  ) {
    assert.throws(() => parseByteCount(bad, "--capture"), {
      name: "TypeError",
      message: `--capture: invalid byte count "${bad}": ${expected}`,
    }, bad);
  }
  assert.throws(() => parseByteCount("99999999999999999", "--max-bytes"), {
    name: "RangeError",
    message: '--max-bytes: invalid byte count "99999999999999999": too large',
  });
  assert.throws(() => parseByteCount("9999999999999M", "--max-bytes"), RangeError);
});
