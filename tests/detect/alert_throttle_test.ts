// Alert throttling: one alert per (signature, source) and window, a global
// per-second cap, counts of what was held back carried by the next alert,
// and memory that stays bounded whatever the sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AlertThrottle } from "../../src/detect/alert_throttle.ts";

test("throttle: the first alert passes, repeats within the window are suppressed, the next one carries the count", () => {
  const t = new AlertThrottle({ windowMs: 60_000, maxPerSecond: 1000 });
  assert.equal(t.admit(2001219, "192.0.2.7", 1_000), 0);
  for (let i = 1; i <= 5; i++) {
    assert.equal(t.admit(2001219, "192.0.2.7", 1_000 + i * 10_000), false);
  }
  assert.equal(t.suppressedTotal, 5);
  // The window runs from the last admitted alert: 60 s after 1 s.
  assert.equal(t.admit(2001219, "192.0.2.7", 60_999), false);
  assert.equal(t.admit(2001219, "192.0.2.7", 61_000), 6);
  // The count starts over after being handed out.
  assert.equal(t.admit(2001219, "192.0.2.7", 121_000), 0);
  assert.equal(t.suppressedTotal, 6);
});

test("throttle: distinct sources, signatures and the unknown source are independent keys", () => {
  const t = new AlertThrottle({ windowMs: 60_000, maxPerSecond: 1000 });
  assert.equal(t.admit(1, "192.0.2.1", 0), 0);
  assert.equal(t.admit(1, "192.0.2.2", 0), 0);
  assert.equal(t.admit(2, "192.0.2.1", 0), 0);
  assert.equal(t.admit(1, null, 0), 0);
  assert.equal(t.admit(1, "192.0.2.1", 5), false);
  assert.equal(t.admit(1, null, 5), false);
  assert.equal(t.admit(2, "192.0.2.2", 5), 0);
  assert.equal(t.size, 5);
  assert.equal(t.admit(1, "192.0.2.1", 60_000), 1);
  assert.equal(t.admit(1, null, 60_000), 1);
  assert.equal(t.admit(1, "192.0.2.2", 60_000), 0);
});

test("throttle: the global cap cuts a burst of distinct keys; each cut key's next alert carries its count", () => {
  const t = new AlertThrottle({ windowMs: 60_000, maxPerSecond: 3 });
  const results = Array.from({ length: 10 }, (_, i) => t.admit(9, `198.51.100.${i}`, 5_000 + i));
  assert.deepEqual(results, [0, 0, 0, false, false, false, false, false, false, false]);
  assert.equal(t.suppressedTotal, 7);
  // Next second: the cut keys were never admitted, so they are not in a window.
  assert.equal(t.admit(9, "198.51.100.3", 6_000), 1);
  assert.equal(t.admit(9, "198.51.100.4", 6_001), 1);
  // An admitted key repeating within its window is suppressed by the window, not the cap.
  assert.equal(t.admit(9, "198.51.100.0", 6_002), false);
  assert.equal(t.admit(9, "198.51.100.5", 6_003), 1);
  assert.equal(t.admit(9, "198.51.100.6", 6_004), false, "the cap again: 3 admitted at 6 s");
  assert.equal(t.admit(9, "198.51.100.6", 7_000), 2);
});

test("throttle: a key admitted and then cut by the cap keeps both counts", () => {
  const t = new AlertThrottle({ windowMs: 1_000, maxPerSecond: 1 });
  assert.equal(t.admit(5, "a", 0), 0);
  assert.equal(t.admit(5, "a", 500), false); // window
  assert.equal(t.admit(5, "b", 1_500), 0); // uses the cap for second 1
  assert.equal(t.admit(5, "a", 1_600), false); // window over, but cut by the cap
  assert.equal(t.admit(5, "a", 2_000), 2);
});

test("throttle: memory is bounded: past maxKeys the key admitted longest ago is forgotten", () => {
  const t = new AlertThrottle({ windowMs: 60_000, maxKeys: 100, maxPerSecond: Infinity });
  for (let i = 0; i < 10_000; i++) assert.equal(t.admit(1, `10.0.${i >> 8}.${i & 255}`, i), 0);
  assert.equal(t.size, 100);
  // The newest 100 are remembered (still in their window); the first ones are not.
  assert.equal(t.admit(1, `10.0.${9_999 >> 8}.${9_999 & 255}`, 10_000), false);
  assert.equal(t.admit(1, "10.0.0.0", 10_001), 0, "forgotten, so admitted again");
  // A re-admitted key moves to the back: it survives the next evictions.
  assert.equal(t.admit(2, "x", 10_002), 0);
  assert.equal(t.admit(2, "x", 10_003), false);
  for (let i = 0; i < 99; i++) t.admit(3, `y${i}`, 10_004);
  assert.equal(t.size, 100);
  assert.equal(t.admit(2, "x", 10_005), false, "recently admitted key still remembered");
  // The one suppressed repeat of 10.0.39.15 went with its key.
  assert.equal(t.forgottenSuppressed, 1);
});

test("throttle: a forgotten key's held-back count is reported as forgotten, still in the total", () => {
  const t = new AlertThrottle({ windowMs: 60_000, maxKeys: 2, maxPerSecond: Infinity });
  t.admit(1, "a", 0);
  t.admit(1, "a", 1);
  t.admit(1, "a", 2);
  t.admit(1, "b", 3);
  t.admit(1, "c", 4); // evicts "a" with its 2
  assert.equal(t.suppressedTotal, 2);
  assert.equal(t.forgottenSuppressed, 2);
  assert.equal(t.admit(1, "a", 5), 0);
});

test("throttle: windowMs 0 dedups nothing; a clock jump back by more than a window starts a new one", () => {
  const none = new AlertThrottle({ windowMs: 0, maxPerSecond: Infinity });
  assert.equal(none.admit(1, "a", 0), 0);
  assert.equal(none.admit(1, "a", 0), 0);
  const t = new AlertThrottle({ windowMs: 1_000 });
  assert.equal(t.admit(1, "a", 100_000), 0);
  assert.equal(t.admit(1, "a", 99_500), false, "a small step back stays in the window");
  assert.equal(t.admit(1, "a", 50_000), 1);
});

test("throttle: bad options are RangeErrors that say what was expected", () => {
  assert.throws(() => new AlertThrottle({ windowMs: -1 }), {
    name: "RangeError",
    message: 'Invalid windowMs "-1": expected a finite number >= 0',
  });
  assert.throws(() => new AlertThrottle({ maxKeys: 0 }), RangeError);
  assert.throws(() => new AlertThrottle({ maxPerSecond: 1.5 }), RangeError);
});
