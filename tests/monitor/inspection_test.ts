// Payload inspection of one connection: when it parses, when the rules run, what it holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type FingerprintFn,
  Inspection,
  type InspectionSink,
} from "../../src/monitor/inspection.ts";
import type { AppInfo } from "../../src/detect/app_info.ts";

const enc = new TextEncoder();

/** A fingerprint that wants `need` bytes, counting its calls. */
function needs(need: number): { fn: FingerprintFn; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    fn: (payload, _proto, final) => {
      calls.push(payload.byteLength);
      return payload.byteLength >= need || final ? { service: "text" } : "more";
    },
  };
}

function sink(): InspectionSink & {
  apps: AppInfo[];
  checks: [string, string][];
  errors: unknown[];
} {
  const apps: AppInfo[] = [];
  const checks: [string, string][] = [];
  const errors: unknown[] = [];
  return {
    apps,
    checks,
    errors,
    recognised: (app) => apps.push(app),
    checkpoint: (dir, payload) => checks.push([dir, new TextDecoder().decode(payload)]),
    failed: (err) => errors.push(err),
  };
}

test("one byte at a time: parsed only when the held bytes double, once recognised", () => {
  const fp = needs(100);
  const s = sink();
  const ins = new Inspection(4096, false, fp.fn, s);
  for (let i = 0; i < 300; i++) ins.data("orig", i, enc.encode("x"));
  assert.deepEqual(
    fp.calls,
    [1, 2, 4, 8, 16, 32, 64, 128],
    "O(log n) parses, not one per chunk",
  );
  assert.deepEqual(s.apps, [{ service: "text" }]);
  assert.equal(ins.app?.service, "text");
});

test("rules run when the client's bytes are recognised and once more at the end, if more came", () => {
  const fp = needs(5);
  const s = sink();
  const ins = new Inspection(4096, true, fp.fn, s);
  ins.data("orig", 0, enc.encode("hello"));
  assert.deepEqual(s.checks, [["orig", "hello"]], "at once: the request is complete");
  ins.data("orig", 5, enc.encode(" world"));
  ins.data("orig", 11, enc.encode("!"));
  assert.equal(s.checks.length, 1, "not per chunk");
  ins.data("resp", 0, enc.encode("ok"));
  assert.deepEqual(s.checks[1], ["resp", "ok"], "the responder's first chunk: at once");
  ins.data("resp", 2, enc.encode(" go"));
  ins.end("orig");
  ins.end("resp");
  ins.end("orig"); // a second end (close after FIN) changes nothing
  assert.deepEqual(s.checks, [
    ["orig", "hello"],
    ["resp", "ok"],
    ["orig", "hello world!"],
    ["resp", "ok go"],
  ]);
});

test("the window bounds what is held and inspected; a full window is the last checkpoint", () => {
  const fp = needs(1_000_000);
  const s = sink();
  const ins = new Inspection(8, true, fp.fn, s);
  ins.data("orig", 0, enc.encode("0123"));
  ins.data("orig", 4, enc.encode("456789abc"));
  assert.deepEqual(s.checks, [["orig", "01234567"]]);
  ins.data("orig", 13, enc.encode("more"));
  ins.end("orig");
  assert.equal(s.checks.length, 1, "nothing past the window");
});

test("a throwing parser or rule costs the inspection, never the connection", () => {
  const s = sink();
  const ins = new Inspection(4096, true, () => {
    throw new Error("parser bug");
  }, s);
  ins.data("orig", 0, enc.encode("x"));
  ins.data("orig", 1, enc.encode("y"));
  ins.end("orig");
  assert.equal(s.errors.length, 1, "reported once");
  const s2 = sink();
  const ins2 = new Inspection(4096, true, () => ({ service: "text" }), {
    ...s2,
    checkpoint: () => {
      throw new Error("rule bug");
    },
  });
  ins2.data("orig", 0, enc.encode("x"));
  ins2.end("orig");
  assert.equal(s2.errors.length, 1);
});

test("capture window 0: nothing is inspected", () => {
  const fp = needs(1);
  const s = sink();
  const ins = new Inspection(0, true, fp.fn, s);
  ins.data("orig", 0, enc.encode("abc"));
  ins.end("orig");
  assert.deepEqual([fp.calls.length, s.checks.length], [0, 0]);
});
