// Console lines: what an operator reads, escaped and (only when asked) coloured.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConsoleWriter, formatSummary, type MonitorStats, type Sink } from "sockscope";

function capture(): Sink & { text(): string } {
  let text = "";
  return {
    text: () => text,
    write(d: Uint8Array) {
      text += new TextDecoder().decode(d);
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

const flow = {
  uid: "CAAAAAAAAAAAAAAAAA",
  community_id: "1:x",
  proto: "tcp" as const,
  src: "::1",
  sport: 5000,
  dst: "::1",
  dport: 8000,
};
const ts = "2026-11-26T00:00:00.000Z";
const hostile = new TextEncoder().encode("ok\x1b[31m\x1b]2;title\x07\x9b\u202e\r\n");

async function render(options: ConstructorParameters<typeof ConsoleWriter>[1]): Promise<string> {
  const sink = capture();
  const view = new ConsoleWriter(sink, options);
  view.handle({ ts, type: "listener.up", proto: "tcp", host: "::1", port: 8000 });
  view.handle({ ts, type: "conn.open", ...flow });
  view.handle({
    ts,
    type: "conn.data",
    uid: flow.uid,
    dir: "orig",
    offset: 0,
    len: hostile.length,
    data: hostile,
  });
  view.handle({
    ts,
    type: "conn.close",
    ...flow,
    reason: "rst",
    duration: 1.5,
    orig_bytes: 2048,
    resp_bytes: 0,
    start: ts,
    orig_end: "rst",
    resp_end: null,
    first_end: "orig",
  });
  await view.close();
  return sink.text();
}

test("text mode escapes every control byte and shows peers with IPv6 brackets", async () => {
  const out = await render({ print: "text" });
  // deno-lint-ignore no-control-regex -- the point is to find raw control bytes
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/.test(out), JSON.stringify(out));
  assert.ok(out.includes("listening on tcp [::1]:8000"));
  assert.ok(out.includes("[::1]:5000 -> [::1]:8000"));
  assert.ok(out.includes("    | ok\\x1b[31m\\x1b]2;title\\x07\\u{009B}\\u{202E}\\r\\n"), out);
  assert.match(out, /close +\[::1\]:5000 -> \[::1\]:8000 +rst +in 2\.00 KiB +out 0 B +1\.50s/);
});

test("none mode prints lifecycle lines only; colour only when enabled", async () => {
  const plain = await render({ print: "none" });
  assert.ok(!plain.includes("| ok"));
  assert.ok(!plain.includes("\x1b["), "no colour unless asked");
  const coloured = await render({ print: "none", color: true });
  assert.ok(coloured.includes("\x1b[31mclose\x1b[0m"), "a reset close is red");
  assert.ok(coloured.includes("\x1b[32mopen "), "an open is green");
});

test("the summary names totals, reasons, top sources and ports", () => {
  const stats: MonitorStats = {
    startedAt: ts,
    uptime: 125,
    connsOpen: 0,
    connsTotal: 1234,
    connsDropped: 3,
    connsPeerUnknown: 7,
    bytesIn: 3 * 1024 * 1024,
    bytesOut: 10,
    datagrams: 1,
    datagramBytes: 5,
    eventsDropped: 0,
    closeReasons: { fin: 1200, rst: 31, "idle-timeout": 0, "max-conns": 3, shutdown: 0, error: 0 },
    warnings: {
      "handler-error": 2,
      "accept-exhausted": 0,
      "accept-error": 0,
      "subscriber-error": 0,
    },
    topSources: [{ address: "10.0.0.1", count: 1000 }, { address: "10.0.0.2", count: 234 }],
    topPorts: [{ proto: "tcp", port: 22, count: 1234 }],
  };
  const text = formatSummary(stats);
  assert.match(
    text,
    /^summary: 1,234 connections \(3 dropped\), 3\.00 MiB in, 10 B out, 1 datagram \(5 B\), up 2m05s\n/,
  );
  assert.match(text, /closed: +fin 1,200, rst 31, max-conns 3\n/);
  assert.match(text, /top sources: 10\.0\.0\.1 \(1,000\), 10\.0\.0\.2 \(234\)\n/);
  assert.match(text, /top ports: +tcp\/22 \(1,234\)\n/);
  assert.match(text, /unknown source: 7 connections reset before the runtime could read/);
  assert.match(text, /absorbed: +handler-error 2\n/);
});
