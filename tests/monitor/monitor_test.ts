// The listen engine, as library users drive it, on every adapter of this runtime.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  communityId,
  type Conn,
  listen,
  loadAdapter,
  type Monitor,
  type MonitorEvent,
  type RuntimeAdapter,
} from "sockscope";
import { adapters, runtime } from "../_helpers/runtimes.ts";
import {
  concat,
  connect,
  eventually,
  hasIPv6,
  pseudoRandomBytes,
  resetRightAfterHandshake,
  sendDatagram,
  within,
} from "../_helpers/client.ts";

/** Collects every event of a monitor until it closes. */
function record(
  monitor: Monitor,
): {
  events: MonitorEvent[];
  waitFor(pred: (e: MonitorEvent) => boolean, what: string): Promise<MonitorEvent>;
} {
  const events: MonitorEvent[] = [];
  const waiters: { pred: (e: MonitorEvent) => boolean; resolve: (e: MonitorEvent) => void }[] = [];
  monitor.subscribe((ev) => {
    events.push(ev);
    for (const w of [...waiters]) {
      if (w.pred(ev)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(ev);
      }
    }
  });
  return {
    events,
    waitFor(pred, what) {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return within(new Promise((resolve) => waiters.push({ pred, resolve })), 5000, what);
    },
  };
}

function portOf(monitor: Monitor, proto: "tcp" | "udp" = "tcp"): number {
  return monitor.addresses.find((a) => a.proto === proto)!.port;
}

for (const adapter of adapters) {
  describe(`listen() on ${adapter}`, () => {
    test("peers reset right after the handshake each get one open and one close, never a made-up source", async () => {
      const monitor = await listen({ ports: [0], adapter });
      const rec = record(monitor);
      try {
        const port = portOf(monitor);
        const ports = resetRightAfterHandshake(port, 8);
        await eventually(
          () => rec.events.filter((e) => e.type === "conn.close").length === 8,
          5000,
          "8 conn.close",
        );
        const opens = rec.events.filter((e) => e.type === "conn.open");
        const closes = rec.events.filter((e) => e.type === "conn.close");
        assert.equal(opens.length, 8);
        assert.deepEqual(
          closes.map((e) => e.uid).sort(),
          opens.map((e) => e.uid).sort(),
        );
        for (const c of closes) {
          if (c.type !== "conn.close") continue;
          assert.equal(c.reason, "rst");
          assert.equal(c.dport, port);
          assert.equal(c.orig_bytes, 0);
          if (c.src === null) {
            assert.equal(c.sport, null);
            assert.equal(c.community_id, undefined, "no Community ID without a source");
          } else {
            assert.equal(c.src, "127.0.0.1");
            assert.ok(ports.includes(c.sport!), `recovered port ${c.sport} is a real client's`);
            assert.equal(
              c.community_id,
              communityId({
                proto: 6,
                srcAddr: c.src,
                dstAddr: c.dst,
                srcPort: c.sport!,
                dstPort: c.dport,
              }),
            );
          }
        }
        const unknown = closes.filter((e) => e.type === "conn.close" && e.src === null).length;
        assert.equal(monitor.stats().connsPeerUnknown, unknown);
        assert.equal(unknown, runtime === "bun" ? 0 : 8);
      } finally {
        await monitor.close();
      }
    });

    test("records a connection: open, data, close with exact counts and Community ID", async () => {
      const monitor = await listen({ ports: [0], adapter });
      const rec = record(monitor);
      try {
        const port = portOf(monitor);
        assert.deepEqual(rec.events.map((e) => e.type), ["listener.up"]);
        const client = await connect(port);
        await client.write("hello\n");
        client.end();
        const close = await rec.waitFor((e) => e.type === "conn.close", "conn.close");
        await within(client.ended, 5000, "client EOF");
        const open = rec.events.find((e) => e.type === "conn.open")!;
        assert.equal(close.type, "conn.close");
        if (close.type !== "conn.close" || open.type !== "conn.open") return;
        assert.equal(open.uid, close.uid);
        assert.match(open.uid, /^C[0-9A-Za-z]{17}$/);
        assert.equal(open.src, "127.0.0.1");
        assert.equal(open.sport, client.localPort);
        assert.equal(open.dport, port);
        assert.equal(
          open.community_id,
          communityId({
            proto: 6,
            srcAddr: "127.0.0.1",
            dstAddr: "127.0.0.1",
            srcPort: open.sport,
            dstPort: port,
          }),
        );
        assert.equal(close.reason, "fin");
        assert.equal(close.orig_bytes, 6);
        assert.equal(close.resp_bytes, 0);
        assert.ok(close.duration >= 0);
        assert.ok(!Number.isNaN(Date.parse(close.ts)));
        const data = rec.events.filter((e) => e.type === "conn.data");
        assert.equal(
          new TextDecoder().decode(
            concat(data.map((d) => d.type === "conn.data" ? d.data : new Uint8Array())),
          ),
          "hello\n",
        );
      } finally {
        await monitor.close();
      }
    });

    test("captures only the capture window, while counting every byte", async () => {
      const monitor = await listen({ ports: [0], adapter, captureBytes: 100 });
      const rec = record(monitor);
      try {
        const payload = pseudoRandomBytes(256 * 1024, 3);
        const client = await connect(portOf(monitor));
        await client.write(payload);
        client.end();
        const close = await rec.waitFor((e) => e.type === "conn.close", "conn.close");
        assert.equal(close.type === "conn.close" && close.orig_bytes, payload.byteLength);
        const captured = concat(
          rec.events.flatMap((e) => (e.type === "conn.data" ? [e.data] : [])),
        );
        assert.deepEqual(captured, payload.subarray(0, 100));
        assert.equal(monitor.stats().bytesIn, payload.byteLength);
      } finally {
        await monitor.close();
      }
    });

    test("sends the banner and counts it as resp bytes", async () => {
      const monitor = await listen({ ports: [0], adapter, banner: "SSH-2.0-sockscope\r\n" });
      const rec = record(monitor);
      try {
        const client = await connect(portOf(monitor));
        await eventually(() => client.received().byteLength >= 19, 5000, "banner");
        assert.equal(new TextDecoder().decode(client.received()), "SSH-2.0-sockscope\r\n");
        client.end();
        const close = await rec.waitFor((e) => e.type === "conn.close", "conn.close");
        assert.equal(close.type === "conn.close" && close.resp_bytes, 19);
        const resp = rec.events.find((e) => e.type === "conn.data" && e.dir === "resp");
        assert.ok(resp, "the banner is captured as resp data");
      } finally {
        await monitor.close();
      }
    });

    test("connections past maxConns are dropped at once and recorded", async () => {
      const monitor = await listen({ ports: [0], adapter, maxConns: 2 });
      const rec = record(monitor);
      try {
        const port = portOf(monitor);
        const a = await connect(port);
        const b = await connect(port);
        await rec.waitFor((e) => e.type === "conn.open" && e.sport === b.localPort, "second open");
        const c = await connect(port);
        const drop = await rec.waitFor((e) => e.type === "conn.drop", "conn.drop");
        assert.equal(drop.type === "conn.drop" && drop.sport, c.localPort);
        assert.equal(drop.type === "conn.drop" && drop.limit, 2);
        await within(c.ended, 5000, "dropped client sees the close");
        const close = await rec.waitFor(
          (e) => e.type === "conn.close" && e.uid === (drop as { uid: string }).uid,
          "drop close",
        );
        assert.equal(close.type === "conn.close" && close.reason, "max-conns");
        assert.equal(monitor.stats().connsDropped, 1);
        // Once a slot frees up, new connections are served again.
        a.end();
        await rec.waitFor((e) => e.type === "conn.close" && e.sport === a.localPort, "a closed");
        const d = await connect(port);
        await rec.waitFor((e) => e.type === "conn.open" && e.sport === d.localPort, "d open");
        assert.equal(rec.events.filter((e) => e.type === "conn.drop").length, 1);
        b.socket.destroy();
        c.socket.destroy();
        d.socket.destroy();
      } finally {
        await monitor.close();
      }
    });

    test("idle connections are closed after the idle timeout", async () => {
      const monitor = await listen({ ports: [0], adapter, idleTimeout: 150 });
      const rec = record(monitor);
      try {
        const client = await connect(portOf(monitor));
        const close = await rec.waitFor((e) => e.type === "conn.close", "idle close");
        assert.equal(close.type === "conn.close" && close.reason, "idle-timeout");
        assert.ok(
          close.type === "conn.close" && close.duration >= 0.15,
          `closed after ${(close as { duration: number }).duration}s`,
        );
        await within(client.ended, 5000, "client sees the close");
      } finally {
        await monitor.close();
      }
    });

    test("a peer reset is recorded as rst", async () => {
      const monitor = await listen({ ports: [0], adapter, banner: new Uint8Array(2000) });
      const rec = record(monitor);
      try {
        const client = await connect(portOf(monitor), "127.0.0.1", { read: false });
        await client.write("x");
        await rec.waitFor((e) => e.type === "conn.data" && e.dir === "orig", "first byte");
        client.socket.destroy(); // unread banner bytes make the kernel send RST
        const close = await rec.waitFor((e) => e.type === "conn.close", "conn.close");
        assert.equal(close.type === "conn.close" && close.reason, "rst");
      } finally {
        await monitor.close();
      }
    });

    test("close() records every open connection as shutdown and ends the event stream", async () => {
      const monitor = await listen({ ports: [0], adapter });
      const seen: MonitorEvent[] = [];
      const consumer = (async () => {
        for await (const ev of monitor.events) seen.push(ev);
      })();
      const rec = record(monitor);
      const port = portOf(monitor);
      const clients = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
      await eventually(
        () => rec.events.filter((e) => e.type === "conn.open").length === 20,
        5000,
        "20 opens",
      );
      await monitor.close();
      await within(consumer, 5000, "event stream end");
      const closes = seen.filter((e) => e.type === "conn.close");
      assert.equal(closes.length, 20);
      assert.ok(closes.every((e) => e.type === "conn.close" && e.reason === "shutdown"));
      assert.equal(seen[0].type, "listener.up");
      assert.equal(monitor.stats().connsOpen, 0);
      await Promise.all(clients.map((c) => within(c.ended, 5000, "client EOF")));
      for (const c of clients) c.socket.destroy();
    });

    test("hostile mix: 300 peers sending junk, resetting, half-closing: one open and one close each", async () => {
      const monitor = await listen({ ports: [0], adapter, captureBytes: 64 });
      const rec = record(monitor);
      const port = portOf(monitor);
      const N = 300;
      try {
        await Promise.all(Array.from({ length: N }, async (_, i) => {
          const client = await connect(port, "127.0.0.1", { read: i % 3 !== 0 });
          await client.write(pseudoRandomBytes(1 + (i * 97) % 5000, i));
          if (i % 3 === 0) client.socket.destroy();
          else if (i % 3 === 1) client.end();
          else {
            client.end();
            await client.ended;
            client.socket.destroy();
          }
        }));
        await eventually(
          () => rec.events.filter((e) => e.type === "conn.close").length >= N,
          15000,
          `${N} closes`,
        );
        const opens = new Set(rec.events.flatMap((e) => (e.type === "conn.open" ? [e.uid] : [])));
        const closes = rec.events.flatMap((e) => (e.type === "conn.close" ? [e.uid] : []));
        assert.equal(opens.size, N);
        assert.equal(closes.length, N);
        assert.deepEqual(new Set(closes), opens);
        for (const e of rec.events) if (e.type === "conn.data") assert.ok(e.offset + e.len <= 64);
        const expected = Array.from({ length: N }, (_, i) => 1 + (i * 97) % 5000).reduce(
          (a, b) => a + b,
          0,
        );
        assert.equal(monitor.stats().bytesIn, expected);
      } finally {
        await monitor.close();
      }
    });

    test("listens on several TCP ports and a UDP port at once", async () => {
      const monitor = await listen({ ports: [0], udpPorts: [0], adapter });
      const rec = record(monitor);
      try {
        assert.deepEqual(monitor.addresses.map((a) => a.proto), ["tcp", "udp"]);
        const from = await sendDatagram(
          portOf(monitor, "udp"),
          new TextEncoder().encode("\x00dns?"),
        );
        const dg = await rec.waitFor((e) => e.type === "udp.datagram", "udp.datagram");
        assert.ok(dg.type === "udp.datagram");
        if (dg.type !== "udp.datagram") return;
        assert.equal(dg.sport, from);
        assert.equal(dg.len, 5);
        assert.equal(new TextDecoder().decode(dg.data), "\x00dns?");
        assert.equal(
          dg.community_id,
          communityId({
            proto: 17,
            srcAddr: "127.0.0.1",
            dstAddr: "127.0.0.1",
            srcPort: from,
            dstPort: dg.dport,
          }),
        );
        assert.equal(monitor.stats().datagrams, 1);
      } finally {
        await monitor.close();
      }
    });
  });
}

test("UDP datagrams become flows: one open per 5-tuple, datagrams carry its uid, idle flows close", async () => {
  const monitor = await listen({ ports: [], udpPorts: [0], udpTimeout: 150 });
  const rec = record(monitor);
  try {
    const port = portOf(monitor, "udp");
    const dgram = await import("node:dgram");
    // Two sources; the first sends three datagrams from one socket (one flow).
    const a = dgram.createSocket("udp4");
    await new Promise<void>((r) => a.bind(0, "127.0.0.1", () => r()));
    for (const text of ["one", "two", "three!"]) {
      await new Promise<void>((ok, fail) =>
        a.send(new TextEncoder().encode(text), port, "127.0.0.1", (e) => (e ? fail(e) : ok()))
      );
    }
    const aPort = a.address().port;
    a.close();
    const bPort = await sendDatagram(port, new TextEncoder().encode("x"));
    const closeA = await rec.waitFor(
      (e) => e.type === "conn.close" && e.sport === aPort,
      "flow A ends after the udp timeout",
    );
    await rec.waitFor((e) => e.type === "conn.close" && e.sport === bPort, "flow B ends");
    assert.ok(closeA.type === "conn.close");
    if (closeA.type !== "conn.close") return;
    assert.equal(closeA.proto, "udp");
    assert.equal(closeA.reason, "idle-timeout");
    assert.equal(closeA.orig_pkts, 3);
    assert.equal(closeA.orig_bytes, 3 + 3 + 6);
    assert.equal(closeA.resp_pkts, 0);
    const opens = rec.events.filter((e) => e.type === "conn.open");
    assert.equal(opens.length, 2);
    const grams = rec.events.filter((e) => e.type === "udp.datagram");
    assert.equal(grams.length, 4);
    for (const g of grams) {
      if (g.type !== "udp.datagram") continue;
      const open = opens.find((o) => o.type === "conn.open" && o.sport === g.sport)!;
      assert.ok(open.type === "conn.open");
      assert.equal(g.uid, open.uid);
      assert.equal(g.community_id, open.community_id);
    }
  } finally {
    await monitor.close();
  }
});

test("open UDP flows end with reason shutdown when the monitor stops", async () => {
  const monitor = await listen({ ports: [], udpPorts: [0] });
  const rec = record(monitor);
  const from = await sendDatagram(portOf(monitor, "udp"), new TextEncoder().encode("hi"));
  await rec.waitFor((e) => e.type === "udp.datagram", "datagram");
  await monitor.close();
  const close = rec.events.find((e) => e.type === "conn.close");
  assert.ok(close?.type === "conn.close");
  if (close?.type !== "conn.close") return;
  assert.equal(close.sport, from);
  assert.equal(close.reason, "shutdown");
  assert.equal(close.orig_pkts, 1);
});

test("a port spec binds every listed port, and a bind failure leaves none bound", async () => {
  const busy = await listen({ ports: [0] });
  const taken = busy.addresses[0].port;
  const probe = await listen({ ports: [0] });
  const free = probe.addresses[0].port;
  await probe.close();
  try {
    await assert.rejects(listen({ ports: [free, taken] }), /already in use/);
    // The first port was released again: binding it now works.
    const again = await listen({ ports: [free] });
    await again.close();
  } finally {
    await busy.close();
  }
});

test("invalid options are rejected with the option named", async () => {
  await assert.rejects(listen({ ports: "70000" }), /ports: invalid port "70000": expected 1-65535/);
  await assert.rejects(listen({ maxConns: 0 }), /Invalid maxConns 0: expected an integer >= 1/);
  await assert.rejects(listen({ captureBytes: -1 }), /Invalid captureBytes -1/);
  await assert.rejects(listen({ idleTimeout: -5 }), /Invalid idleTimeout -5/);
});

test("a stalled events consumer loses payload events (counted), never the connection record", async () => {
  const monitor = await listen({ ports: [0], captureBytes: 64 * 1024 * 1024 });
  const iterator = monitor.events[Symbol.asyncIterator]();
  const port = monitor.addresses[0].port;
  const payload = pseudoRandomBytes(40 * 1024 * 1024, 9);
  const client = await connect(port);
  await client.write(payload);
  client.end();
  await within(client.ended, 15000, "server close");
  const closing = monitor.close();
  const seen: MonitorEvent[] = [];
  for (;;) {
    const r = await within(iterator.next(), 5000, "next event");
    if (r.done) break;
    seen.push(r.value);
  }
  await closing;
  const captured = seen.reduce((n, e) => n + (e.type === "conn.data" ? e.len : 0), 0);
  assert.ok(captured < payload.byteLength, `payload was bounded (${captured} bytes queued)`);
  assert.ok(monitor.stats().eventsDropped > 0);
  assert.deepEqual(seen.filter((e) => e.type !== "conn.data").map((e) => e.type), [
    "listener.up",
    "conn.open",
    "conn.close",
  ]);
  const close = seen.find((e) => e.type === "conn.close");
  assert.equal(close?.type === "conn.close" && close.orig_bytes, payload.byteLength);
});

test("listening on :: serves IPv4 peers as plain IPv4 addresses", async (t) => {
  if (!(await hasIPv6())) return t.skip("no IPv6 on this machine");
  const monitor = await listen({ host: "::", ports: [0] });
  const events: MonitorEvent[] = [];
  monitor.subscribe((e) => events.push(e));
  try {
    const client = await connect(monitor.addresses[0].port, "127.0.0.1");
    client.end();
    await within(client.ended, 5000, "close");
    await eventually(() => events.some((e) => e.type === "conn.close"), 5000, "conn.close");
    const open = events.find((e) => e.type === "conn.open");
    assert.ok(open?.type === "conn.open");
    if (open?.type !== "conn.open") return;
    assert.equal(open.src, "127.0.0.1");
    assert.equal(open.dst, "127.0.0.1");
    assert.equal(
      open.community_id,
      communityId({
        proto: 6,
        srcAddr: "127.0.0.1",
        dstAddr: "127.0.0.1",
        srcPort: open.sport!,
        dstPort: open.dport,
      }),
    );
  } finally {
    await monitor.close();
  }
});

test("a throwing subscriber is counted and reported once; the others still get every event", async () => {
  const monitor = await listen({ ports: [0] });
  const rec = record(monitor);
  monitor.subscribe(() => {
    throw new Error("writer bug");
  });
  try {
    for (let i = 0; i < 3; i++) {
      const client = await connect(portOf(monitor));
      client.end();
      await within(client.ended, 5000, "server close");
    }
    await eventually(
      () => rec.events.filter((e) => e.type === "conn.close").length === 3,
      5000,
      "3 closes",
    );
    const warnings = rec.events.filter((e) => e.type === "monitor.warning");
    assert.equal(warnings.length, 1, "reported once");
    assert.ok(warnings[0].type === "monitor.warning");
    assert.equal(warnings[0].kind, "subscriber-error");
    assert.equal(warnings[0].message, "writer bug");
    // Every event after the subscriber joined threw once: 3 x (open, close) + the warning itself.
    assert.ok(monitor.stats().warnings["subscriber-error"] >= 6);
  } finally {
    await monitor.close();
  }
});

test("an address that cannot be hashed still gets its record, without a Community ID", async () => {
  // An adapter that reports a zone-scoped peer (as a link-local IPv6 peer can look).
  const real = await loadAdapter();
  const scoped: RuntimeAdapter = {
    name: real.name,
    canReset: real.canReset,
    listenUdp: real.listenUdp,
    connectTcp: real.connectTcp,
    listenTcp: (options, onConn) =>
      real.listenTcp(options, (conn) => {
        const scopedConn: Conn = {
          remoteAddress: "fe80::1%eth0",
          remotePort: 4242,
          localAddress: conn.localAddress,
          localPort: conn.localPort,
          get bytesWritten() {
            return conn.bytesWritten;
          },
          start: (handler) => conn.start(handler),
          write: (data) => conn.write(data),
          closeWrite: () => conn.closeWrite(),
          close: () => conn.close(),
          reset: () => conn.reset(),
          pause: () => conn.pause(),
          resume: () => conn.resume(),
        };
        onConn(scopedConn);
      }),
  };
  const monitor = await listen({ ports: [0], adapter: scoped });
  const rec = record(monitor);
  try {
    const client = await connect(portOf(monitor));
    await client.write("hi");
    client.end();
    const close = await rec.waitFor((e) => e.type === "conn.close", "conn.close");
    assert.ok(close.type === "conn.close");
    assert.equal(close.src, "fe80::1%eth0");
    assert.equal(close.orig_bytes, 2);
    assert.equal(close.community_id, undefined);
    const warning = rec.events.find((e) => e.type === "monitor.warning");
    assert.ok(warning?.type === "monitor.warning");
    assert.equal(warning.kind, "handler-error");
    assert.equal(monitor.stats().warnings["handler-error"], 1);
  } finally {
    await monitor.close();
  }
});
