// Encoding a tapped connection's close record against handing the event to a worker thread:
// is moving the writers' encoding off the main thread worth it? Per conn.close event, on the
// main thread: each record writer's cost (NDJSON line, EVE record, Zeek line; each draining in
// batches as in the CLI, into a sink that drops the bytes), and the cost of posting the event
// to a worker thread that receives and drops it (what the main thread pays), and of
// structuredClone.
//
// usage: node|bun|deno run -A bench/layers/record_handover.mjs NPM_DIR
// Prints us per event (median of 8 blocks of 100,000, after a warm-up block).
import { Worker } from "node:worker_threads";

const [npm] = process.argv.slice(2);
if (npm === undefined) {
  console.error("usage: record_handover.mjs NPM_DIR");
  process.exit(2);
}
const { NdjsonWriter, RecordWriter, EveFlowFormat, ZeekConnFormat } = await import(
  `${npm}/esm/mod.js`
);

/** A tapped connection's close, as the monitor emits it (64 B each way relayed, FIN both ways). */
const close = {
  ts: "2026-12-02T05:43:15.583Z",
  type: "conn.close",
  uid: "CCxcdWh1jFFrPN4zeA",
  community_id: "1:UdmUxKXapVq8ewyGD4XWww9oR00=",
  proto: "tcp",
  src: "127.0.0.1",
  sport: 35948,
  dst: "127.0.0.1",
  dport: 19000,
  reason: "fin",
  duration: 0.015,
  orig_bytes: 64,
  resp_bytes: 0,
  start: "2026-12-02T05:43:15.568Z",
  orig_end: "fin",
  resp_end: "fin",
  first_end: "orig",
  orig_first_ms: 7,
  service: "text",
  upstream_addr: "127.0.0.1",
  upstream_port: 19001,
  upstream_sport: 49600,
  upstream_connect_ms: 10,
};
const sink = {
  write: () => Promise.resolve(),
  sync: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
const BLOCK = 100_000;
const BATCH = 500;

/** Median us per call of `f` over 8 blocks; yields between batches so writers drain as in the CLI. */
async function measure(f) {
  const blocks = [];
  for (let b = 0; b < 9; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < BLOCK / BATCH; i++) {
      for (let j = 0; j < BATCH; j++) f();
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (b > 0) blocks.push(Number(process.hrtime.bigint() - t) / BLOCK / 1000);
  }
  return blocks.sort((a, b) => a - b)[4];
}

// The receiving end in a thread of its own, as a writer thread would be.
const worker = new Worker(
  'require("node:worker_threads").parentPort.on("message", () => {});',
  { eval: true },
);
await new Promise((resolve) => worker.once("online", resolve));
const cases = [
  ["NDJSON line", () => new NdjsonWriter(sink)],
  ["EVE flow record", () => new RecordWriter(sink, new EveFlowFormat())],
  ["Zeek conn.log line", () => new RecordWriter(sink, new ZeekConnFormat())],
];
for (const [label, make] of cases) {
  const writer = make();
  console.log(`${label.padEnd(28)} ${(await measure(() => writer.handle(close))).toFixed(2)} us`);
  await writer.close();
}
console.log(
  `${"postMessage to a worker".padEnd(28)} ${
    (await measure(() => worker.postMessage(close))).toFixed(2)
  } us`,
);
console.log(
  `${"structuredClone".padEnd(28)} ${(await measure(() => structuredClone(close))).toFixed(2)} us`,
);
await worker.terminate();
process.exit(0);
