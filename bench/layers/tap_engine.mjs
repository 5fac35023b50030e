// The tap's JavaScript alone: the real monitor and writers, driven by an
// in-memory adapter (no sockets, no kernel), so what it measures is sockscope's
// own CPU per tapped connection, which the socket benchmarks cannot separate
// from the runtime's. Each connection: accept, dial (resolved at once), 64
// bytes from the client relayed upstream, the client's FIN, the upstream's FIN
// and close, the client's close; 16 at a time.
//
// usage: node|bun|deno run -A bench/layers/tap_engine.mjs NPM_DIR [VARIANT] [BLOCKS] [PER_BLOCK]
//   VARIANT: none (the engine alone), console, log, zeek, eve, metrics (each with the console
//   lines, as the CLI has them), all (console, log, zeek, eve, metrics; default)
//   FILES=1: the writers write real files under $TMPDIR (default: sinks that drop the bytes)
//   CAP=N:   --capture-bytes N (0: no conn.data events, no payload inspection)
// Prints CPU-µs per connection over the last two thirds of the blocks (min, p25, median): this
// VM's speed changes in phases, so compare variants by their minimum over several runs.
import { tmpdir } from "node:os";
import { join } from "node:path";

const [npm, variant = "all", blocksArg = "30", perArg = "2000"] = process.argv.slice(2);
if (npm === undefined) {
  console.error(
    "usage: tap_engine.mjs NPM_DIR [none|console|log|zeek|eve|metrics|all] [BLOCKS] [PER_BLOCK]",
  );
  process.exit(2);
}
const { listen, NdjsonWriter, RecordWriter, ZeekConnFormat, EveFlowFormat, ConsoleWriter } =
  await import(`${npm}/esm/mod.js`);
const { MetricsCollector } = await import(`${npm}/esm/src/output/metrics.js`);
const { loadPlatform } = await import(`${npm}/esm/src/runtime/platform.js`);
const platform = await loadPlatform();

let written = 0;
const nullSink = {
  write: (d) => {
    written += d.byteLength;
    return Promise.resolve();
  },
  sync: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
const files = [];
const sinkFor = async (name) => {
  if (process.env.FILES !== "1") return nullSink;
  const path = join(tmpdir(), `sockscope-tap-engine-${process.pid}-${name}`);
  files.push(path);
  return await platform.openAppend(path);
};

/** An in-memory connection: writes are counted, closes reported on the next microtask. */
class MemoryConn {
  constructor(remotePort, localPort, onCloseWrite) {
    this.remoteAddress = "127.0.0.1";
    this.remotePort = remotePort;
    this.localAddress = "127.0.0.1";
    this.localPort = localPort;
    this.bytesWritten = 0;
    this.handler = undefined;
    this.onCloseWrite = onCloseWrite;
    this.onClosed = undefined;
    this.done = false;
  }
  start(handler) {
    this.handler = handler;
  }
  write(data) {
    this.bytesWritten += data.byteLength;
    return true;
  }
  closeWrite() {
    this.onCloseWrite(this);
  }
  close() {
    this.finish(false);
  }
  reset() {
    this.finish(true);
  }
  finish(reset) {
    if (this.done) return;
    this.done = true;
    queueMicrotask(() => {
      this.handler.close({ reset });
      this.onClosed?.();
    });
  }
  pause() {}
  resume() {}
}

let accept;
let upstreamPort = 40000;
const adapter = {
  name: "node",
  canReset: true,
  listenTcp: (_options, onConn) => {
    accept = onConn;
    return Promise.resolve({
      localAddress: "127.0.0.1",
      localPort: 9000,
      close: () => Promise.resolve(),
    });
  },
  listenUdp: () => Promise.reject(new Error("tap_engine: no UDP")),
  // The service answers the client's FIN with its own, then closes.
  connectTcp: () => {
    upstreamPort = upstreamPort >= 60000 ? 40000 : upstreamPort + 1;
    return Promise.resolve(
      new MemoryConn(6379, upstreamPort, (c) =>
        queueMicrotask(() => {
          c.handler.end();
          c.finish(false);
        })),
    );
  },
};

const monitor = await listen({
  taps: [{ port: 9000, upstreamHost: "127.0.0.1", upstreamPort: 6379 }],
  captureBytes: process.env.CAP === undefined ? undefined : Number(process.env.CAP),
  adapter,
});
const wanted = new Set(
  variant === "all"
    ? ["console", "log", "zeek", "eve", "metrics"]
    : variant === "none"
    ? []
    : ["console", variant],
);
const writers = [];
if (wanted.has("console")) {
  const view = new ConsoleWriter(await sinkFor("console"), { print: "none" });
  monitor.subscribe(view.handle, { data: view.wantsData });
  writers.push(view);
}
if (wanted.has("log")) {
  const log = new NdjsonWriter(await sinkFor("log"));
  monitor.subscribe(log.handle);
  writers.push(log);
}
for (
  const [name, make] of [["zeek", () => new ZeekConnFormat()], ["eve", () => new EveFlowFormat()]]
) {
  if (!wanted.has(name)) continue;
  const format = make();
  const writer = new RecordWriter(await sinkFor(name), format);
  monitor.subscribe(writer.handle, { data: format.wantsData });
  writers.push(writer);
}
if (wanted.has("metrics")) {
  new MetricsCollector({ stats: () => monitor.stats(), writerDrops: () => [] }).attach(monitor);
}

const payload = new Uint8Array(64).fill(120);
let clientPort = 30000;
function oneConnection() {
  return new Promise((resolve) => {
    clientPort = clientPort >= 60000 ? 30000 : clientPort + 1;
    // The tap passes the upstream's FIN on: the client then closes.
    const client = new MemoryConn(clientPort, 9000, (c) => queueMicrotask(() => c.finish(false)));
    client.onClosed = resolve;
    accept(client);
    setImmediate(() => {
      client.handler.data(payload.slice());
      client.handler.end();
    });
  });
}

const blocks = Number(blocksArg);
const perBlock = Number(perArg);
const usPerConn = [];
for (let b = 0; b < blocks; b++) {
  const before = process.cpuUsage();
  let left = perBlock;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (left-- > 0) await oneConnection();
  }));
  const used = process.cpuUsage(before);
  usPerConn.push((used.user + used.system) / perBlock);
}
const closed = monitor.stats().connsTotal;
await monitor.close();
for (const w of writers) await w.close();
if (closed !== blocks * perBlock) {
  console.error(`tap_engine: ${closed} connections recorded, expected ${blocks * perBlock}`);
  process.exit(1);
}
const warm = usPerConn.slice(Math.floor(blocks / 3)).sort((a, b) => a - b);
const at = (q) => warm[Math.floor(q * (warm.length - 1))].toFixed(2);
console.log(
  `${variant}: CPU-us per tapped connection min ${at(0)}  p25 ${at(0.25)}  median ${at(0.5)}` +
    `  (${closed} connections` +
    (process.env.FILES === "1"
      ? ", files)"
      : `, ${(written / closed).toFixed(0)} B of output each)`),
);
if (process.env.FILES === "1") {
  const { rm } = await import("node:fs/promises");
  for (const f of files) await rm(f, { force: true });
}
process.exit(0);
