// One conformance suite, run against every adapter that this runtime can run.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  AddressInUseError,
  AddressNotAvailableError,
  type Conn,
  type ConnCloseInfo,
  type ListenerWarning,
  loadAdapter,
  type RuntimeAdapter,
} from "sockscope";
import { adapters, runtime } from "../_helpers/runtimes.ts";
import {
  concat,
  connect,
  eventually,
  finRightAfterHandshake,
  hasIPv6,
  pseudoRandomBytes,
  resetRightAfterHandshake,
  sendDatagram,
  within,
} from "../_helpers/client.ts";

interface Accepted {
  conn: Conn;
  chunks: Uint8Array[];
  ended: Promise<void>;
  closed: Promise<ConnCloseInfo>;
}

/** Accepts connections on an ephemeral port and records what each handler sees. */
async function serve(
  adapter: RuntimeAdapter,
  host = "127.0.0.1",
  onAccept?: (a: Accepted) => void,
  onWarning?: (w: ListenerWarning) => void,
) {
  const accepted: Accepted[] = [];
  const waiters: ((a: Accepted) => void)[] = [];
  const listener = await adapter.listenTcp({ hostname: host, port: 0, onWarning }, (conn) => {
    const chunks: Uint8Array[] = [];
    let endResolve!: () => void;
    let closeResolve!: (i: ConnCloseInfo) => void;
    const a: Accepted = {
      conn,
      chunks,
      ended: new Promise((r) => (endResolve = r)),
      closed: new Promise((r) => (closeResolve = r)),
    };
    conn.start({
      data: (c) => chunks.push(c.slice()),
      end: () => endResolve(),
      close: (info) => closeResolve(info),
    });
    onAccept?.(a);
    const w = waiters.shift();
    if (w) w(a);
    else accepted.push(a);
  });
  const next = () => {
    const a = accepted.shift();
    return within(
      a ? Promise.resolve(a) : new Promise<Accepted>((r) => waiters.push(r)),
      5000,
      "accept",
    );
  };
  return { listener, next };
}

for (const name of adapters) {
  describe(`adapter ${name}`, () => {
    test("accepts on an ephemeral port and reports both addresses", async () => {
      const adapter = await loadAdapter(name);
      assert.equal(adapter.name, name);
      const { listener, next } = await serve(adapter);
      try {
        assert.ok(listener.localPort > 0);
        assert.equal(listener.localAddress, "127.0.0.1");
        const client = await connect(listener.localPort);
        const a = await next();
        assert.equal(a.conn.remoteAddress, "127.0.0.1");
        assert.equal(a.conn.remotePort, client.socket.localPort);
        assert.equal(a.conn.localPort, listener.localPort);
        client.end();
        await within(a.ended, 5000, "end");
        a.conn.closeWrite();
        const info = await within(a.closed, 5000, "close");
        assert.equal(info.reset, false);
      } finally {
        await listener.close();
      }
    });

    test("delivers every byte in order, then end on the peer's FIN, then close", async () => {
      const adapter = await loadAdapter(name);
      const { listener, next } = await serve(adapter);
      try {
        const payload = pseudoRandomBytes(3 * 1024 * 1024 + 17, 7);
        const client = await connect(listener.localPort);
        const a = await next();
        await client.write(payload);
        client.end();
        await within(a.ended, 10000, "end");
        assert.deepEqual(concat(a.chunks), payload);
        a.conn.closeWrite();
        await within(client.ended, 5000, "client EOF");
        const info = await within(a.closed, 5000, "close");
        assert.equal(info.reset, false);
        assert.equal(info.error, undefined);
      } finally {
        await listener.close();
      }
    });

    test("after closeWrite() the peer can still send: every byte arrives, then its FIN", async () => {
      const adapter = await loadAdapter(name);
      const { listener, next } = await serve(adapter);
      try {
        const client = await connect(listener.localPort);
        const a = await next();
        a.conn.write(new TextEncoder().encode("bye"));
        a.conn.closeWrite(); // our FIN first
        await within(client.ended, 5000, "our FIN at the client");
        assert.equal(new TextDecoder().decode(client.received()), "bye");
        const late = pseudoRandomBytes(100_000, 4);
        client.socket.write(late);
        client.end();
        await within(a.ended, 5000, "the client's FIN");
        assert.deepEqual(concat(a.chunks), late);
        const info = await within(a.closed, 5000, "close");
        assert.equal(info.reset, false);
      } finally {
        await listener.close();
      }
    });

    test("writes reach the peer and bytesWritten is exact", async () => {
      const adapter = await loadAdapter(name);
      const { listener, next } = await serve(adapter);
      try {
        const client = await connect(listener.localPort);
        const a = await next();
        const banner = new TextEncoder().encode("220 hello\r\n");
        a.conn.write(banner);
        a.conn.write(banner);
        a.conn.closeWrite();
        await within(client.ended, 5000, "client EOF");
        assert.equal(new TextDecoder().decode(client.received()), "220 hello\r\n220 hello\r\n");
        client.end();
        await within(a.closed, 5000, "close");
        assert.equal(a.conn.bytesWritten, 2 * banner.byteLength);
      } finally {
        await listener.close();
      }
    });

    test("reports a peer reset as reset", async () => {
      const adapter = await loadAdapter(name);
      const { listener, next } = await serve(adapter);
      try {
        // A client that closes with unread bytes in its receive buffer makes its kernel send RST.
        const client = await connect(listener.localPort, "127.0.0.1", { read: false });
        const a = await next();
        a.conn.write(new Uint8Array(1000));
        await new Promise<void>((r) => client.socket.write("x", () => r()));
        await eventually(() => a.chunks.length > 0, 5000, "first byte");
        client.socket.destroy();
        const info = await within(a.closed, 5000, "close");
        assert.equal(info.reset, true);
      } finally {
        await listener.close();
      }
    });

    test("close() ends the connection from our side", async () => {
      const adapter = await loadAdapter(name);
      const { listener, next } = await serve(adapter);
      try {
        const client = await connect(listener.localPort);
        const a = await next();
        a.conn.close();
        await within(client.ended, 5000, "client EOF");
        await within(a.closed, 5000, "close");
        client.socket.destroy();
      } finally {
        await listener.close();
      }
    });

    test("pause() stops delivery and resume() restarts it", async () => {
      const adapter = await loadAdapter(name);
      const { listener, next } = await serve(adapter);
      try {
        const client = await connect(listener.localPort);
        const a = await next();
        a.conn.pause();
        await client.write("abc");
        await new Promise((r) => setTimeout(r, 50));
        const seenWhilePaused = a.chunks.length;
        a.conn.resume();
        client.end();
        await within(a.ended, 5000, "end");
        assert.equal(new TextDecoder().decode(concat(a.chunks)), "abc");
        assert.ok(
          seenWhilePaused <= 1,
          "at most the read already in flight is delivered while paused",
        );
        a.conn.close();
      } finally {
        await listener.close();
      }
    });

    test("handles 500 concurrent connections, each byte counted", async () => {
      const adapter = await loadAdapter(name);
      let total = 0;
      let closes = 0;
      let allClosed!: () => void;
      const done = new Promise<void>((r) => (allClosed = r));
      const N = 500;
      const listener = await adapter.listenTcp({ hostname: "127.0.0.1", port: 0 }, (conn) => {
        conn.start({
          data: (c) => (total += c.byteLength),
          end: () => conn.closeWrite(),
          close: () => {
            if (++closes === N) allClosed();
          },
        });
      });
      try {
        const clients = await Promise.all(
          Array.from({ length: N }, () => connect(listener.localPort)),
        );
        await Promise.all(clients.map(async (c, i) => {
          await c.write(pseudoRandomBytes(100 + i, i));
          c.end();
        }));
        await within(done, 15000, "all closes");
        assert.equal(total, N * 100 + (N * (N - 1)) / 2);
        await Promise.all(clients.map((c) => within(c.closed, 5000, "client close")));
      } finally {
        await listener.close();
      }
    });

    test("a taken port fails with AddressInUseError naming it", async () => {
      const adapter = await loadAdapter(name);
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        await assert.rejects(
          adapter.listenTcp({ hostname: "127.0.0.1", port }, () => {}),
          (err: Error) => {
            assert.ok(err instanceof AddressInUseError, `got ${err.name}: ${err.message}`);
            assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
            return true;
          },
        );
      } finally {
        await new Promise((r) => blocker.close(r));
      }
    });

    test("an address not on this machine fails with AddressNotAvailableError", async () => {
      const adapter = await loadAdapter(name);
      // 192.0.2.1 is TEST-NET-1: never assigned to a local interface.
      await assert.rejects(
        adapter.listenTcp({ hostname: "192.0.2.1", port: 0 }, () => {}),
        (err: Error) => {
          assert.ok(err instanceof AddressNotAvailableError, `got ${err.name}: ${err.message}`);
          assert.match(err.message, /192\.0\.2\.1:0/);
          return true;
        },
      );
    });

    test("serves IPv6 on ::1", async (t) => {
      if (!(await hasIPv6())) return t.skip("no IPv6 loopback on this machine");
      const adapter = await loadAdapter(name);
      const { listener, next } = await serve(adapter, "::1");
      try {
        assert.equal(listener.localAddress, "::1");
        const client = await connect(listener.localPort, "::1");
        const a = await next();
        assert.equal(a.conn.remoteAddress, "::1");
        client.end();
        await within(a.ended, 5000, "end");
        a.conn.closeWrite();
        await within(a.closed, 5000, "close");
      } finally {
        await listener.close();
      }
    });

    test("delivers every connection reset right after the handshake (nmap -sT)", async () => {
      const adapter = await loadAdapter(name);
      const { listener, next } = await serve(adapter);
      try {
        const ports = resetRightAfterHandshake(listener.localPort, 5);
        const got = await Promise.all(ports.map(() => next()));
        const infos = await Promise.all(got.map((a) => within(a.closed, 5000, "close")));
        for (const info of infos) assert.ok(info.reset || info.error, "ends as reset or error");
        for (const a of got) {
          assert.equal(a.conn.localPort, listener.localPort);
          // The peer is either recovered exactly or explicitly unknown, never made up.
          if (a.conn.remoteAddress === null) assert.equal(a.conn.remotePort, null);
          else assert.equal(a.conn.remoteAddress, "127.0.0.1");
        }
        const recovered = got.map((a) => a.conn.remotePort).filter((p) => p !== null);
        assert.deepEqual([...recovered].sort(), recovered.length ? [...ports].sort() : []);
        // Bun can ask the kernel through SO_PEERNAME (docs/events.md); the others cannot.
        assert.equal(recovered.length, runtime === "bun" ? ports.length : 0);
        // Accepting goes on at once: a polite client right after is served.
        const client = await connect(listener.localPort);
        const a = await next();
        assert.equal(a.conn.remotePort, client.localPort);
        client.end();
        await within(a.ended, 5000, "end");
        a.conn.close();
        await within(a.closed, 5000, "close");
        client.socket.destroy();
      } finally {
        await listener.close();
      }
    });

    test("close() first accepts what already waits in the kernel's accept queue", async () => {
      const adapter = await loadAdapter(name);
      const seen: Accepted[] = [];
      const { listener } = await serve(adapter, "127.0.0.1", (a) => seen.push(a));
      // The kernel completed these handshakes; closing the listening socket
      // would reset them unrecorded (a monitor stopped under load lost the
      // tail of its backlog), so close() must take them first.
      const ports = finRightAfterHandshake(listener.localPort, 20);
      await listener.close();
      try {
        await eventually(() => seen.length === ports.length, 5000, "the queued connections");
        assert.deepEqual(seen.map((a) => a.conn.remotePort).sort(), [...ports].sort());
        await Promise.all(seen.map((a) => within(a.ended, 5000, "end")));
      } finally {
        for (const a of seen) a.conn.close();
        await Promise.all(seen.map((a) => within(a.closed, 5000, "close")));
      }
    });

    test("a throwing handler closes only its connection, reported as handler-error", async () => {
      const adapter = await loadAdapter(name);
      const warnings: ListenerWarning[] = [];
      let mode: "data" | "accept" | "none" = "data";
      const closes: ConnCloseInfo[] = [];
      const listener = await adapter.listenTcp(
        { hostname: "127.0.0.1", port: 0, onWarning: (w) => warnings.push(w) },
        (conn) => {
          if (mode === "accept") throw new Error("boom in accept");
          conn.start({
            data: () => {
              if (mode === "data") throw new Error("boom in data");
            },
            end: () => conn.closeWrite(),
            close: (info) => closes.push(info),
          });
        },
      );
      try {
        const first = await connect(listener.localPort);
        await first.write("x");
        await within(first.ended, 5000, "the failing connection is closed");
        await eventually(() => closes.length === 1, 5000, "its close");
        assert.equal(closes[0].error?.message, "boom in data");
        assert.deepEqual(warnings.map((w) => [w.kind, w.error.message]), [
          ["handler-error", "boom in data"],
        ]);

        mode = "accept";
        const second = await connect(listener.localPort);
        await within(second.ended, 5000, "a connection whose accept callback threw is closed");
        await eventually(() => warnings.length === 2, 5000, "second warning");
        assert.equal(warnings[1].error.message, "boom in accept");

        mode = "none";
        const third = await connect(listener.localPort);
        await third.write("fine");
        third.end();
        await within(third.ended, 5000, "the listener still serves");
        await eventually(() => closes.length === 2, 5000, "a clean close");
        assert.equal(closes[1].error, undefined);
      } finally {
        await listener.close();
      }
    });

    test("receives UDP datagrams with the sender's address", async () => {
      const adapter = await loadAdapter(name);
      const got: { data: Uint8Array; addr: string; port: number }[] = [];
      let arrived!: () => void;
      const wait = new Promise<void>((r) => (arrived = r));
      const udp = await adapter.listenUdp(
        { hostname: "127.0.0.1", port: 0 },
        (data, addr, port) => {
          got.push({ data: data.slice(), addr, port });
          arrived();
        },
      );
      try {
        assert.ok(udp.localPort > 0);
        const from = await sendDatagram(udp.localPort, new TextEncoder().encode("ping"));
        await within(wait, 5000, "datagram");
        assert.equal(new TextDecoder().decode(got[0].data), "ping");
        assert.equal(got[0].addr, "127.0.0.1");
        assert.equal(got[0].port, from);
      } finally {
        udp.close();
      }
    });
  });
}
