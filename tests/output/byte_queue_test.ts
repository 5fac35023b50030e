// Writers keep encoded bytes, not events: the queue must hand out whole
// records in order, keep a view that a write holds intact while more records
// arrive (and the buffer grows), and give its memory back once drained.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NdjsonWriter } from "sockscope";
import { ByteQueue } from "../../src/output/byte_queue.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("records come out whole and in order; peek takes as many as fit, at least one", () => {
  const q = new ByteQueue();
  assert.equal(q.push("alpha\n"), 6);
  assert.equal(q.push(new TextEncoder().encode("beta\n")), 5);
  assert.equal(q.push("caf\u00e9\n"), 6, "UTF-8 bytes are counted, not UTF-16 units");
  assert.equal(q.records, 3);
  assert.equal(q.bytes, 17);
  assert.equal(text(q.peek(0).bytes), "alpha\n", "a record larger than the limit still goes alone");
  const two = q.peek(11);
  assert.equal(two.count, 2);
  assert.equal(text(two.bytes), "alpha\nbeta\n");
  q.shift(2);
  assert.deepEqual([q.records, q.bytes, text(q.peek(Infinity).bytes)], [1, 6, "caf\u00e9\n"]);
  q.shift(1);
  assert.deepEqual([q.records, q.bytes, q.peek(Infinity).count], [0, 0, 0]);
});

test("recordsWithBytes counts the records that have bytes among the first ones, after a shift too", () => {
  const q = new ByteQueue();
  const none = new Uint8Array(0);
  for (const r of [none, "a\n", none, none, "b\n", "c\n", none]) q.push(r);
  assert.equal(q.records, 7);
  assert.equal(q.recordsWithBytes(1), 0, "an empty record first");
  assert.equal(q.recordsWithBytes(5), 2);
  assert.equal(q.recordsWithBytes(7), 3);
  assert.equal(q.recordsWithBytes(100), 3, "no more than are queued");
  q.shift(2); // none, "a\n"
  assert.equal(q.recordsWithBytes(3), 1, "counted from the first record left");
  assert.equal(q.recordsWithBytes(5), 2);
});

test("a view handed to a write stays intact while records are pushed and the buffer grows", () => {
  const q = new ByteQueue();
  const line = "x".repeat(999) + "\n";
  for (let i = 0; i < 50; i++) q.push(line);
  const inFlight = q.peek(Infinity);
  const before = text(inFlight.bytes);
  // 10 MB more: several reallocations while the "write" holds its view.
  for (let i = 0; i < 10_000; i++) q.push(`${i}`.padStart(999, "y") + "\n");
  assert.equal(text(inFlight.bytes), before);
  q.shift(inFlight.count);
  assert.equal(q.records, 10_000);
  const next = text(q.peek(Infinity).bytes).split("\n");
  assert.equal(next[0], "0".padStart(999, "y"));
  assert.equal(next[9_999], "9999".padStart(999, "y"));
  assert.equal(q.clear(), 10_000);
  assert.equal(q.bytes, 0);
});

test("a queue that is never empty when a write ends keeps one buffer, and its records in order", () => {
  // A writer that keeps up: records arrive during every write, so some are
  // always left when it shifts what it wrote.
  const q = new ByteQueue();
  let pushed = 0;
  let next = 0;
  const out: string[] = [];
  q.push("first\n");
  const buffer = q.peek(Infinity).bytes.buffer;
  q.shift(1);
  for (let round = 0; round < 2_000; round++) {
    for (let i = 0; i < 30; i++) q.push(`record ${pushed++} ${"z".repeat(round % 90)}\n`);
    const inFlight = q.peek(Infinity);
    for (let i = 0; i < 5; i++) q.push(`record ${pushed++} ${"z".repeat(round % 90)}\n`);
    out.push(text(inFlight.bytes));
    assert.equal(inFlight.bytes.buffer, buffer, `round ${round}: still the first buffer`);
    q.shift(inFlight.count);
    assert.equal(q.records, 5, "the records that came during the write are left");
  }
  out.push(text(q.peek(Infinity).bytes));
  for (const line of out.join("").trimEnd().split("\n")) {
    assert.equal(line.split(" ")[1], String(next++), "in order, none lost or torn");
  }
  assert.equal(next, pushed);
});

test("an NDJSON log written while events keep arriving during slow writes loses and tears nothing", async () => {
  // A sink that resolves late and only then reads what it was given: bytes
  // changed under a pending write would show up here.
  let written = "";
  const sink = {
    write(d: Uint8Array) {
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          written += text(d);
          resolve();
        }, 5)
      );
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const log = new NdjsonWriter(sink);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    log.handle({
      ts: "2026-12-01T00:00:00.000Z",
      type: "conn.open",
      uid: `C${i}`,
      proto: "tcp",
      src: "127.0.0.1",
      sport: i % 65536,
      dst: "127.0.0.1",
      dport: 8000,
    });
    if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 1));
  }
  await log.close();
  const lines = written.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, n);
  assert.deepEqual(lines.map((e) => e.uid), Array.from({ length: n }, (_, i) => `C${i}`));
  assert.equal(log.written, n);
  assert.equal(log.dropped, 0);
});
