import { test } from "node:test";
import assert from "node:assert/strict";
import { isoTimestamp, parseIsoTimestamp } from "../../src/format/timestamp.ts";

test("isoTimestamp equals Date#toISOString, across second, day and year boundaries", () => {
  const starts = [
    0,
    999,
    1000,
    Date.UTC(2026, 11, 31, 23, 59, 59, 990),
    Date.UTC(2024, 1, 29, 12),
    Date.now(),
  ];
  for (const start of starts) {
    for (let ms = start; ms < start + 2100; ms += 7) {
      assert.equal(isoTimestamp(ms), new Date(ms).toISOString());
    }
  }
});

test("parseIsoTimestamp equals Date.parse: the monitor's form across seconds (two interleaved), and any other text", () => {
  const base = Date.UTC(2026, 11, 31, 23, 59, 58, 3);
  for (let ms = base; ms < base + 4000; ms += 13) {
    // An end and a start seconds apart, as a record's ts and start: both cached, neither wrong.
    for (const t of [ms, ms - 1500, ms]) {
      const iso = isoTimestamp(t);
      assert.equal(parseIsoTimestamp(iso), t, iso);
      assert.equal(parseIsoTimestamp(iso), Date.parse(iso));
    }
  }
  for (
    const text of [
      "2026-11-26T10:00:00Z",
      "2026-11-26T10:00:00.5+01:00",
      "2026-13-26T10:00:00.000Z", // no 13th month
      "2026-11-26T10:00:00.0x0Z", // not digits
      "2026-11-26T10:00:00.000Y",
      "yesterday at noon, or so",
      "",
    ]
  ) {
    assert.deepEqual(parseIsoTimestamp(text), Date.parse(text), text);
  }
});
