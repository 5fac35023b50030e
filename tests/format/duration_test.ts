import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "../../src/format/duration.ts";

test("parseDuration: units, fractions, compounds and bare seconds", () => {
  const cases: [string, number][] = [
    ["250ms", 250],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1.5s", 1_500],
    ["1.1s", 1_100], // exact, not 1100.0000000000002
    ["0.3s", 300],
    [".5s", 500],
    ["1m30s", 90_000],
    ["1h30m", 5_400_000],
    ["1h2m3s4ms", 3_723_004],
    ["2s500ms", 2_500],
    ["0", 0],
    ["0s", 0],
    ["2", 2_000],
    ["2.5", 2_500],
    ["0.5ms", 0.5],
    [" 10s ", 10_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test("parseDuration: errors name the flag, the text and what is expected", () => {
  const expected = "expected a number with unit ms, s, m or h (e.g. 30s, 5m)";
  assert.throws(() => parseDuration("5x", "--idle-timeout"), {
    name: "TypeError",
    message: `--idle-timeout: invalid duration "5x": ${expected}`,
  });
  assert.throws(() => parseDuration("soon"), {
    name: "TypeError",
    message: `duration: invalid duration "soon": ${expected}`,
  });
  for (
    const bad of [
      "",
      " ",
      "s",
      "-1s",
      "+1s",
      "1.s",
      "1..5s",
      "1.2.3s",
      "1e3s",
      "1 s",
      "1m30",
      "5S",
      "1d",
      "Infinity",
      "NaN",
    ]
  ) {
    assert.throws(() => parseDuration(bad, "--timeout"), {
      name: "TypeError",
      message: `--timeout: invalid duration "${bad}": ${expected}`,
    }, bad);
  }
  for (const bad of ["30s1m", "1s1s", "1ms1s", "5m1h"]) {
    assert.throws(() => parseDuration(bad, "--timeout"), {
      name: "TypeError",
      message:
        `--timeout: invalid duration "${bad}": expected units from largest to smallest, each once (e.g. 1h30m, 1m30s)`,
    }, bad);
  }
  assert.throws(() => parseDuration("1234567890123456h", "--timeout"), {
    name: "RangeError",
    message:
      '--timeout: invalid duration "1234567890123456h": expected at most 15 digits per number',
  });
  assert.throws(() => parseDuration("999999999999999h", "--timeout"), {
    name: "RangeError",
    message: '--timeout: invalid duration "999999999999999h": too large',
  });
});

test("formatDuration: about three significant digits per range", () => {
  const cases: [number, string][] = [
    [0, "0ms"],
    [1, "1ms"],
    [850, "850ms"],
    [999, "999ms"],
    [0.42, "0.42ms"],
    [1.5, "1.50ms"],
    [12.345, "12.3ms"],
    [123.4, "123ms"],
    [1000, "1.00s"],
    [1234, "1.23s"],
    [1500, "1.50s"],
    [9990, "9.99s"],
    [10_000, "10.0s"],
    [59_900, "59.9s"],
    [60_000, "1m00s"],
    [123_000, "2m03s"],
    [3_599_000, "59m59s"],
    [3_600_000, "1h00m"],
    [3_720_000, "1h02m"],
    [90_000_000, "25h00m"],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
});

test("formatDuration: rounding up carries into the next unit", () => {
  assert.equal(formatDuration(999.6), "1.00s");
  assert.equal(formatDuration(99.97), "100ms");
  assert.equal(formatDuration(9_996), "10.0s");
  assert.equal(formatDuration(59_960), "1m00s");
  assert.equal(formatDuration(119_600), "2m00s");
  assert.equal(formatDuration(3_599_600), "1h00m");
  assert.equal(formatDuration(7_170_000), "2h00m");
});

test("formatDuration: rejects negative and non-finite values", () => {
  assert.throws(() => formatDuration(-1), {
    name: "RangeError",
    message: 'Invalid duration "-1": expected a non-negative finite number of milliseconds',
  });
  assert.throws(() => formatDuration(NaN), RangeError);
  assert.throws(() => formatDuration(Infinity), RangeError);
});
