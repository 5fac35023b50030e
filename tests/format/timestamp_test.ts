import { test } from "node:test";
import assert from "node:assert/strict";
import { isoTimestamp } from "../../src/format/timestamp.ts";

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
