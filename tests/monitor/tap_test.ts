// Tap mode: a monitored connection with an upstream. Real node:net peers on
// both sides; every property a user relies on checked on the bytes and the record.
import { test } from "node:test";
import assert from "node:assert/strict";
import type net from "node:net";
import {
  type ConnCloseEvent,
  listen,
  loadAdapter,
  type Monitor,
  type MonitorEvent,
} from "sockscope";
import { concat, connect, eventually, pseudoRandomBytes, within } from "../_helpers/client.ts";
import { blackHole, closedPort, peerServer } from "../_helpers/servers.ts";

async function tapTo(
  upstreamPort: number,
): Promise<{ monitor: Monitor; port: number; events: MonitorEvent[] }> {
  const monitor = await listen({
    taps: [{ port: 0, upstreamHost: "127.0.0.1", upstreamPort }],
    connectTimeout: 2000,
  });
  const events: MonitorEvent[] = [];
  monitor.subscribe((e) => events.push(e), { data: true });
  return { monitor, port: monitor.addresses[0].port, events };
}

function closes(events: MonitorEvent[]): ConnCloseEvent[] {
  return events.filter((e): e is ConnCloseEvent => e.type === "conn.close");
}

test("tap relays bytes both ways unchanged and records the flow with its upstream", async () => {
  const up = await peerServer((s) => {
    s.write("+OK ready\r\n");
    s.on("data", (c) => s.write(c)); // echo
    s.on("end", () => s.end());
  });
  const { monitor, port, events } = await tapTo(up.port);
  try {
    const payload = pseudoRandomBytes(300_000, 11);
    const client = await connect(port);
    client.socket.write(payload);
    client.end();
    await within(client.ended, 10_000, "the reply");
    const got = client.received();
    const greeting = new TextEncoder().encode("+OK ready\r\n");
    assert.deepEqual(got, concat([greeting, payload]));
    await eventually(() => closes(events).length === 1, 5000, "conn.close");
    const rec = closes(events)[0];
    assert.equal(rec.reason, "fin");
    assert.equal(rec.sport, client.localPort);
    assert.equal(rec.orig_bytes, payload.length);
    assert.equal(rec.resp_bytes, payload.length + greeting.length);
    assert.equal(rec.upstream_addr, "127.0.0.1");
    assert.equal(rec.upstream_port, up.port);
    assert.ok(typeof rec.upstream_sport === "number" && rec.upstream_sport > 0);
    assert.ok(typeof rec.upstream_connect_ms === "number" && rec.upstream_connect_ms >= 0);
    assert.equal(rec.orig_end, "fin");
    assert.equal(rec.resp_end, "fin");
    assert.equal(rec.first_end, "orig");
    assert.ok(rec.orig_first_ms !== undefined && rec.resp_first_ms !== undefined);
    assert.equal(rec.upstream_error, undefined);
    // Both directions are captured (the first captureBytes of each).
    const resp = events.filter((e) => e.type === "conn.data" && e.dir === "resp");
    assert.ok(resp.length > 0);
  } finally {
    await monitor.close();
    await up.close();
  }
});

test("a half-close reaches the other side; the upstream keeps sending after the client's FIN", async () => {
  let upstreamSaw = "";
  const up = await peerServer((s) => {
    s.on("data", (c) => (upstreamSaw += c));
    s.on("end", () => {
      s.write(`after FIN: ${upstreamSaw}`);
      s.end();
    });
  });
  const { monitor, port, events } = await tapTo(up.port);
  try {
    const client = await connect(port);
    client.socket.write("question");
    client.end(); // FIN first from the client
    await within(client.ended, 5000, "reply");
    const got = client.received();
    assert.equal(new TextDecoder().decode(got), "after FIN: question");
    await eventually(() => closes(events).length === 1, 5000, "conn.close");
    const rec = closes(events)[0];
    assert.equal(rec.first_end, "orig");
    assert.equal(rec.orig_end, "fin");
    assert.equal(rec.resp_end, "fin");
  } finally {
    await monitor.close();
    await up.close();
  }
});

test("an upstream that refuses: the client is closed and the record says refused", async () => {
  const deadPort = await closedPort();
  const { monitor, port, events } = await tapTo(deadPort);
  try {
    const client = await connect(port);
    await within(client.ended, 5000, "the client's connection ends");
    client.socket.destroy();
    await eventually(() => closes(events).length === 1, 5000, "conn.close");
    const rec = closes(events)[0];
    assert.equal(rec.upstream_error, "refused");
    assert.equal(rec.reason, "error");
    assert.match(rec.error ?? "", /refused/);
    assert.equal(rec.upstream_connect_ms, undefined);
  } finally {
    await monitor.close();
  }
});

test("an upstream that does not answer: timeout after connectTimeout, recorded as such", async () => {
  const hole = await blackHole(); // a listener that never answers
  const monitor = await listen({
    taps: [{ port: 0, upstreamHost: "127.0.0.1", upstreamPort: hole.port }],
    connectTimeout: 300,
  });
  const events: MonitorEvent[] = [];
  monitor.subscribe((e) => events.push(e));
  try {
    const client = await connect(monitor.addresses[0].port);
    client.socket.write("waiting for an upstream");
    await within(client.ended, 5000, "the client's connection ends");
    client.socket.destroy();
    await eventually(() => closes(events).length === 1, 5000, "conn.close");
    const rec = closes(events)[0];
    assert.equal(rec.upstream_error, "timeout");
    assert.equal(rec.reason, "error");
    assert.ok(rec.duration >= 0.29, `closed after the timeout (${rec.duration}s)`);
    assert.equal(rec.orig_bytes, "waiting for an upstream".length);
  } finally {
    await monitor.close();
    hole.stop();
  }
});

test("listen's limits apply to taps: the idle timeout closes both sides, max-conns drops at once", async () => {
  const upstreamClosed: Promise<void>[] = [];
  const up = await peerServer((s) => {
    upstreamClosed.push(new Promise((r) => s.on("close", () => r())));
    s.on("end", () => s.end());
  });
  const monitor = await listen({
    taps: [{ port: 0, upstreamHost: "127.0.0.1", upstreamPort: up.port }],
    idleTimeout: 150,
    maxConns: 1,
  });
  const events: MonitorEvent[] = [];
  monitor.subscribe((e) => events.push(e));
  try {
    const port = monitor.addresses[0].port;
    const idle = await connect(port);
    await eventually(() => upstreamClosed.length === 1, 5000, "the upstream connection");
    const extra = await connect(port); // past maxConns
    await within(extra.ended, 5000, "the extra connection is closed");
    extra.socket.destroy();
    await within(idle.ended, 5000, "the idle client is closed");
    idle.socket.destroy();
    await within(upstreamClosed[0], 5000, "the upstream side is closed too");
    await eventually(() => closes(events).length === 2, 5000, "both records");
    const byPort = new Map(closes(events).map((c) => [c.sport, c]));
    assert.equal(byPort.get(idle.localPort)!.reason, "idle-timeout");
    assert.equal(byPort.get(idle.localPort)!.upstream_port, up.port);
    assert.equal(byPort.get(extra.localPort)!.reason, "max-conns");
    assert.equal(upstreamClosed.length, 1, "a dropped connection never dials the upstream");
  } finally {
    await monitor.close();
    await up.close();
  }
});

test("resets pass through the tap", async () => {
  const adapter = await loadAdapter();
  const ups: net.Socket[] = [];
  const upClosed: Promise<boolean>[] = [];
  const up = await peerServer((s) => {
    ups.push(s);
    upClosed.push(
      new Promise((res) => {
        let reset = false;
        s.on("error", (e: NodeJS.ErrnoException) => (reset ||= e.code === "ECONNRESET"));
        s.on("end", () => s.end());
        s.on("close", () => res(reset));
      }),
    );
  });
  const { monitor, port, events } = await tapTo(up.port);
  try {
    // The client resets: the upstream sees a reset (where the runtime can send one).
    const a = await connect(port);
    await eventually(() => ups.length === 1, 5000, "upstream accept");
    a.socket.resetAndDestroy();
    assert.equal(await within(upClosed[0], 5000, "upstream close"), adapter.canReset);
    // The upstream resets: the client sees a reset where the runtime can send one.
    const b = await connect(port);
    await eventually(() => ups.length === 2, 5000, "upstream accept");
    ups[1].resetAndDestroy();
    await within(b.ended, 5000, "the client's connection ends");
    if (adapter.canReset) {
      const { error } = await within(b.closed, 5000, "client close");
      assert.equal((error as NodeJS.ErrnoException | undefined)?.code, "ECONNRESET");
    } else b.socket.destroy(); // Deno: the tap could only pass on a FIN
    await eventually(() => closes(events).length === 2, 5000, "both records");
    const [ra, rb] = closes(events);
    assert.equal(ra.orig_end, "rst");
    assert.equal(ra.first_end, "orig");
    assert.equal(rb.resp_end, "rst");
    assert.equal(rb.first_end, "resp");
    assert.equal(rb.reason, "rst");
  } finally {
    await monitor.close();
    await up.close();
  }
});

test("backpressure: a client that stops reading stops the upstream; every byte arrives after", async () => {
  const big = pseudoRandomBytes(16 * 1024 * 1024, 5);
  let upSocket: net.Socket | undefined;
  const up = await peerServer((s) => {
    upSocket = s;
    s.write(big);
    s.end();
  });
  const { monitor, port } = await tapTo(up.port);
  try {
    const client = await connect(port);
    client.socket.pause();
    await eventually(() => upSocket !== undefined, 5000, "upstream accept");
    // 16 MiB cannot sit in socket buffers: the upstream's own queue backs up,
    // which it only does when the tap stopped reading from it.
    await eventually(() => upSocket!.writableLength > 0, 5000, "backpressure on the upstream");
    const inFlight = upSocket!.writableLength;
    assert.ok(inFlight > 4 * 1024 * 1024, `upstream still holds ${inFlight} bytes`);
    client.socket.resume();
    await within(client.ended, 30_000, "all bytes");
    client.end();
    const got = client.received();
    assert.equal(got.length, big.length);
    assert.deepEqual(got, big);
  } finally {
    await monitor.close();
    await up.close();
  }
});
