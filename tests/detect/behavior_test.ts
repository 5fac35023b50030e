import { test } from "node:test";
import assert from "node:assert/strict";
import { BehaviorDetector } from "../../src/detect/behavior.ts";
import { type BehaviorConfig, DEFAULT_BEHAVIOR } from "../../src/detect/behavior_config.ts";
import { resolveBehavior } from "../../src/detect/resolve_behavior.ts";

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
const only = (over: Partial<BehaviorConfig>): BehaviorConfig => ({
  scan: false,
  sweep: false,
  flood: false,
  concurrency: false,
  "empty-sessions": false,
  ...over,
});

test("scan: one alert when a source touches COUNT ports within the window, listing them", () => {
  const d = new BehaviorDetector(only({ scan: { count: 5, windowMs: 60_000 } }));
  const trips = [];
  for (let i = 0; i < 20; i++) trips.push(...d.opened("192.0.2.7", "127.0.0.1", 18200 + i, T0 + i));
  assert.equal(trips.length, 1, "exactly one alert per source and episode");
  assert.equal(trips[0].src, "192.0.2.7");
  assert.equal(trips[0].episode.kind, "scan");
  assert.equal(trips[0].episode.count, 5);
  assert.deepEqual(trips[0].episode.ports, [18200, 18201, 18202, 18203, 18204]);
  for (let i = 0; i < 20; i++) d.closed("192.0.2.7", 0, T0 + 19);
  // The episode's end lists every port it touched.
  const ends = d.sweep(T0 + 19 + 60_000);
  assert.equal(ends.length, 1);
  assert.equal(ends[0].connections, 20);
  assert.equal(ends[0].portCount, 20);
  assert.equal(ends[0].ports.at(-1), 18219);
  assert.equal(d.sources, 0, "the quiet source is forgotten");
});

test("scan: ports spread wider than the window do not count; a normal client never alerts", () => {
  const d = new BehaviorDetector(only({ scan: { count: 3, windowMs: 10_000 } }));
  // One port every 6 s: at most 2 within any 10 s window.
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(d.opened("192.0.2.8", "127.0.0.1", 1000 + i, T0 + i * 6000), []);
  }
  // A client that comes back to the same port thousands of times.
  for (let i = 0; i < 5000; i++) {
    assert.deepEqual(d.opened("192.0.2.9", "127.0.0.1", 80, T0 + i), []);
  }
});

test("sources are independent; the unknown source is one episode of its own", () => {
  const d = new BehaviorDetector(only({ scan: { count: 4, windowMs: 60_000 } }));
  const trips = [];
  for (let i = 0; i < 3; i++) {
    for (const src of ["127.0.0.2", "127.0.0.3", "::1"]) {
      trips.push(...d.opened(src, "127.0.0.1", 9000 + i, T0 + i));
    }
  }
  assert.equal(trips.length, 0, "3 ports each: under the threshold");
  for (let i = 0; i < 6; i++) trips.push(...d.opened(null, "127.0.0.1", 9000 + i, T0 + 10 + i));
  assert.equal(trips.length, 1);
  assert.equal(trips[0].src, null, "connections of unknown source still make a scan");
});

test("a new episode after a quiet window alerts again; within an episode never twice", () => {
  const d = new BehaviorDetector(only({ scan: { count: 2, windowMs: 1000 } }));
  assert.equal(d.opened("192.0.2.1", "127.0.0.1", 1, T0).length, 0);
  assert.equal(d.opened("192.0.2.1", "127.0.0.1", 2, T0 + 1).length, 1);
  assert.equal(d.opened("192.0.2.1", "127.0.0.1", 3, T0 + 2).length, 0);
  d.closed("192.0.2.1", 10, T0 + 3);
  d.closed("192.0.2.1", 10, T0 + 3);
  d.closed("192.0.2.1", 10, T0 + 3);
  // 1 s quiet, nothing open: the next connections are a new episode.
  assert.equal(d.opened("192.0.2.1", "127.0.0.1", 4, T0 + 1003).length, 0);
  assert.equal(d.opened("192.0.2.1", "127.0.0.1", 5, T0 + 1004).length, 1);
  // The first episode's summary came out when the second began.
  const ends = d.sweep(T0 + 1005);
  assert.equal(ends.length, 1);
  assert.equal(ends[0].connections, 3);
});

test("sweep, flood, concurrency and empty sessions", () => {
  const d = new BehaviorDetector(only({
    sweep: { count: 3, windowMs: 60_000 },
    flood: { count: 100, windowMs: 1000 },
    concurrency: { count: 10, windowMs: 0 },
    "empty-sessions": { count: 5, windowMs: 60_000 },
  }));
  const kinds = (
    src: string,
    n: number,
    at: (i: number) => number,
    dst = (_i: number) => "127.0.0.1",
  ) => {
    const seen: string[] = [];
    for (let i = 0; i < n; i++) {
      for (const t of d.opened(src, dst(i), 80, at(i))) seen.push(t.episode.kind);
    }
    return seen;
  };
  assert.deepEqual(kinds("192.0.2.10", 5, (i) => T0 + i * 10, (i) => `127.0.0.${i + 1}`), [
    "sweep",
  ]);
  // 100 connections within 1 s from one source: a flood (and 10 open at once: concurrency).
  assert.deepEqual(kinds("192.0.2.11", 120, (i) => T0 + i * 5), ["concurrency", "flood"]);
  // Empty sessions are counted on close.
  const empties: string[] = [];
  for (let i = 0; i < 8; i++) {
    d.opened("192.0.2.12", "127.0.0.1", 80, T0 + i);
    for (const t of d.closed("192.0.2.12", 0, T0 + i)) empties.push(t.episode.kind);
  }
  assert.deepEqual(empties, ["empty-sessions"]);
  // Bytes sent: not empty.
  for (let i = 0; i < 8; i++) {
    d.opened("192.0.2.13", "127.0.0.1", 80, T0 + i);
    assert.deepEqual(d.closed("192.0.2.13", 1, T0 + i), []);
  }
});

test("an open connection keeps its source's episode alive", () => {
  const d = new BehaviorDetector(only({ scan: { count: 2, windowMs: 1000 } }));
  d.opened("192.0.2.20", "127.0.0.1", 1, T0);
  d.opened("192.0.2.20", "127.0.0.1", 2, T0 + 1);
  assert.deepEqual(d.sweep(T0 + 5000), [], "one connection is still open");
  d.closed("192.0.2.20", 0, T0 + 6000);
  d.closed("192.0.2.20", 0, T0 + 6000);
  assert.equal(d.sweep(T0 + 6000).length, 1);
});

test("memory is bounded: past maxSources the least recently active source is forgotten", () => {
  const d = new BehaviorDetector(DEFAULT_BEHAVIOR, 100);
  for (let i = 0; i < 1000; i++) {
    d.opened(`10.0.${i >> 8}.${i & 255}`, "127.0.0.1", 80, T0 + i);
    d.closed(`10.0.${i >> 8}.${i & 255}`, 5, T0 + i);
  }
  assert.equal(d.sources, 100);
});

test("endAll gives the summary of every episode that alerted", () => {
  const d = new BehaviorDetector(only({ scan: { count: 2, windowMs: 60_000 } }));
  d.opened("192.0.2.30", "127.0.0.1", 1, T0);
  d.opened("192.0.2.30", "127.0.0.1", 2, T0);
  d.opened("192.0.2.31", "127.0.0.1", 1, T0); // no alert: no summary
  const ends = d.endAll();
  assert.deepEqual(ends.map((e) => [e.kind, e.src, e.connections]), [["scan", "192.0.2.30", 2]]);
});

test("resolveBehavior: defaults, off, overrides, and errors naming the field", () => {
  assert.equal(resolveBehavior(undefined), DEFAULT_BEHAVIOR);
  assert.equal(resolveBehavior(false), false);
  const c = resolveBehavior({ flood: false, scan: { count: 3, windowMs: 5000 } });
  assert.ok(c);
  assert.equal(c.flood, false);
  assert.deepEqual(c.scan, { count: 3, windowMs: 5000 });
  assert.deepEqual(c.sweep, DEFAULT_BEHAVIOR.sweep);
  assert.throws(
    () => resolveBehavior({ scan: { count: 0, windowMs: 1 } }),
    /detect.scan.count "0": expected a whole number >= 1/,
  );
  assert.throws(
    () => resolveBehavior({ scan: { count: 2, windowMs: 0 } }),
    /detect.scan.windowMs "0": expected ms > 0/,
  );
  assert.throws(
    () => resolveBehavior({ nope: false } as never),
    /Invalid detect.nope: expected one of scan/,
  );
});
