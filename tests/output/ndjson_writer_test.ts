// The NDJSON log: one JSON object per line, in order, base64 payloads, and
// under a stalled sink it drops payload events (counted) but never lifecycle ones.
// Failing sinks (outages, EPIPE): tests/output/write_outage_test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type MonitorEvent, NdjsonWriter, type Sink } from "sockscope";

function memorySink(
  gate?: Promise<void>,
): Sink & { text(): string; syncs: number; closed: boolean } {
  let text = "";
  const sink = {
    syncs: 0,
    closed: false,
    text: () => text,
    async write(data: Uint8Array) {
      if (gate) await gate;
      text += new TextDecoder().decode(data);
    },
    sync() {
      sink.syncs++;
      return Promise.resolve();
    },
    close() {
      sink.closed = true;
      return Promise.resolve();
    },
  };
  return sink;
}

const flow = {
  uid: "CAAAAAAAAAAAAAAAAA",
  community_id: "1:x",
  proto: "tcp" as const,
  src: "127.0.0.1",
  sport: 5000,
  dst: "127.0.0.1",
  dport: 8000,
};
const ts = "2026-11-26T00:00:00.000Z";

test("writes events as NDJSON in order, data as base64, then syncs and closes", async () => {
  const sink = memorySink();
  const log = new NdjsonWriter(sink);
  log.handle({ ts, type: "conn.open", ...flow });
  log.handle({
    ts,
    type: "conn.data",
    uid: flow.uid,
    dir: "orig",
    offset: 0,
    len: 3,
    data: new Uint8Array([0, 255, 10]),
  });
  log.handle({
    ts,
    type: "conn.close",
    ...flow,
    reason: "fin",
    duration: 0.5,
    start: ts,
    orig_end: "fin",
    resp_end: "fin",
    first_end: "orig",
    orig_bytes: 3,
    resp_bytes: 0,
  });
  await log.close();
  const lines = sink.text().split("\n");
  assert.equal(lines.pop(), "", "the file ends with a newline");
  const events = lines.map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => e.type), ["conn.open", "conn.data", "conn.close"]);
  assert.equal(events[1].data, "AP8K");
  assert.equal(log.written, 3);
  assert.equal(sink.syncs, 1);
  assert.ok(sink.closed);
});

test("a stalled sink drops payload events beyond the budget, counts them, and keeps every lifecycle event", async () => {
  let release!: () => void;
  const sink = memorySink(new Promise((r) => (release = r)));
  const log = new NdjsonWriter(sink, { maxPendingBytes: 64 * 1024 });
  const big = new Uint8Array(4096);
  const N = 200;
  for (let i = 0; i < N; i++) {
    const uid = `C${String(i).padStart(17, "0")}`;
    log.handle({ ts, type: "conn.open", ...flow, uid });
    log.handle(
      {
        ts,
        type: "conn.data",
        uid,
        dir: "orig",
        offset: 0,
        len: big.length,
        data: big,
      } as MonitorEvent,
    );
    log.handle({
      ts,
      type: "conn.close",
      ...flow,
      uid,
      reason: "fin",
      duration: 0,
      start: ts,
      orig_end: "fin",
      resp_end: "fin",
      first_end: "orig",
      orig_bytes: 4096,
      resp_bytes: 0,
    });
  }
  release();
  await log.close();
  const events = sink.text().trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(events.filter((e) => e.type === "conn.open").length, N);
  assert.equal(events.filter((e) => e.type === "conn.close").length, N);
  const data = events.filter((e) => e.type === "conn.data").length;
  assert.ok(data > 0 && data < N, `some data events kept (${data})`);
  assert.equal(log.dropped, N - data);
  assert.deepEqual(log.droppedByCause, { "queue-full": N - data });
});

test("a sink gone for good (EPIPE) reports it once and counts what it could not write", async () => {
  const fatal: string[] = [];
  const sink: Sink = {
    write: () => Promise.reject(Object.assign(new Error("broken pipe"), { code: "EPIPE" })),
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const log = new NdjsonWriter(sink, {
    onFatal: (e, cause) => fatal.push(`${cause}: ${e.message}`),
  });
  log.handle({ ts, type: "conn.open", ...flow });
  await log.flush();
  log.handle({ ts, type: "conn.open", ...flow });
  await log.close();
  assert.deepEqual(fatal, ["epipe: broken pipe"]);
  assert.equal(log.dropped, 2);
  assert.deepEqual(log.droppedByCause, { epipe: 2 });
});
