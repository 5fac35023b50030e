// The outbound half of the adapter contract, run against every adapter that
// this runtime can run: the same push-based Conn as accepted connections.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type net from "node:net";
import {
  type Conn,
  type ConnCloseInfo,
  ConnectError,
  loadAdapter,
  type RuntimeAdapter,
} from "sockscope";
import { adapters } from "../_helpers/runtimes.ts";
import { concat, eventually, pseudoRandomBytes, within } from "../_helpers/client.ts";
import { blackHole, closedPort, peerServer } from "../_helpers/servers.ts";

/** Starts `conn` with a handler that records what arrives. */
function record(conn: Conn) {
  const chunks: Uint8Array[] = [];
  let ended!: () => void;
  let closed!: (i: ConnCloseInfo) => void;
  let drained = 0;
  const r = {
    chunks,
    ended: new Promise<void>((res) => (ended = res)),
    closed: new Promise<ConnCloseInfo>((res) => (closed = res)),
    get drained() {
      return drained;
    },
  };
  conn.start({
    data: (c) => chunks.push(c.slice()),
    end: () => ended(),
    close: (i) => closed(i),
    drain: () => drained++,
  });
  return r;
}

for (const name of adapters) {
  describe(`adapter ${name}: connectTcp`, () => {
    let adapter: RuntimeAdapter;

    test("connects; bytes flow both ways, in order, counted exactly", async () => {
      adapter = await loadAdapter(name);
      const payload = pseudoRandomBytes(200_000, 7);
      const p = await peerServer((s) => {
        s.write("hello from the peer");
        s.on("data", (c) => s.write(c)); // echo
        s.on("end", () => s.end());
      });
      try {
        const conn = await adapter.connectTcp({ hostname: "127.0.0.1", port: p.port });
        assert.equal(conn.remoteAddress, "127.0.0.1");
        assert.equal(conn.remotePort, p.port);
        assert.equal(conn.localAddress, "127.0.0.1");
        assert.ok(conn.localPort > 0);
        // Bytes that arrived before start() wait for it.
        const r = record(conn);
        conn.write(payload);
        conn.closeWrite();
        await within(r.ended, 10_000, "the peer's FIN");
        const got = concat(r.chunks);
        assert.equal(new TextDecoder().decode(got.subarray(0, 19)), "hello from the peer");
        assert.deepEqual(got.subarray(19), payload);
        assert.equal(conn.bytesWritten, payload.length);
        const info = await within(r.closed, 5000, "close");
        assert.equal(info.reset, false);
        assert.equal(info.error, undefined);
      } finally {
        await p.close();
      }
    });

    test("refused: ConnectError with reason refused", async () => {
      adapter = await loadAdapter(name);
      const port = await closedPort();
      const err = await adapter.connectTcp({ hostname: "127.0.0.1", port }).then(
        () => assert.fail("connected to a closed port"),
        (e) => e,
      );
      assert.ok(err instanceof ConnectError, `got ${err}`);
      assert.equal(err.reason, "refused");
      assert.equal(err.port, port);
      assert.match(err.message, /refused/);
    });

    test("timeout: ConnectError with reason timeout after timeoutMs; abort (before or during) rejects with the reason", async () => {
      adapter = await loadAdapter(name);
      const hole = await blackHole();
      try {
        const err = await adapter.connectTcp({
          hostname: "127.0.0.1",
          port: hole.port,
          timeoutMs: 300,
        }).then(() => assert.fail("connected to a full queue"), (e) => e);
        assert.ok(err instanceof ConnectError, `got ${err}`);
        assert.equal(err.reason, "timeout");
        const abort = new AbortController();
        const attempt = adapter.connectTcp({
          hostname: "127.0.0.1",
          port: hole.port,
          signal: abort.signal,
        });
        abort.abort(new Error("operator gave up"));
        await assert.rejects(attempt, /operator gave up/);
        // A signal aborted before the call: rejected with its reason all the same.
        const gone = new AbortController();
        gone.abort(new Error("never started"));
        await assert.rejects(
          adapter.connectTcp({ hostname: "127.0.0.1", port: hole.port, signal: gone.signal }),
          /never started/,
        );
      } finally {
        hole.stop();
      }
    });

    test("half-close both ways: each side still sends after the other's FIN", async () => {
      adapter = await loadAdapter(name);
      let peerSocket!: net.Socket;
      let endedWith!: (text: string) => void;
      const peerEnded = new Promise<string>((res) => (endedWith = res));
      const p = await peerServer((s) => {
        peerSocket = s;
        let text = "";
        s.on("data", (c) => (text += c));
        s.on("end", () => endedWith(text));
      });
      try {
        const conn = await adapter.connectTcp({ hostname: "127.0.0.1", port: p.port });
        const r = record(conn);
        conn.write(new TextEncoder().encode("request"));
        conn.closeWrite(); // our FIN
        assert.equal(await within(peerEnded, 5000, "peer end"), "request");
        await eventually(() => peerSocket !== undefined, 5000, "accept");
        peerSocket.write("reply after your FIN");
        peerSocket.end(); // their FIN
        await within(r.ended, 5000, "our end");
        assert.equal(new TextDecoder().decode(concat(r.chunks)), "reply after your FIN");
        assert.equal((await within(r.closed, 5000, "close")).reset, false);
      } finally {
        await p.close();
      }
    });

    test("resets propagate both ways", async () => {
      adapter = await loadAdapter(name);
      const peerClosed: Promise<boolean>[] = [];
      const sockets: net.Socket[] = [];
      const p = await peerServer((s) => {
        sockets.push(s);
        peerClosed.push(
          new Promise((res) => {
            let reset = false;
            s.on("error", (e: NodeJS.ErrnoException) => (reset ||= e.code === "ECONNRESET"));
            s.on("close", () => res(reset));
            s.on("end", () => s.end());
          }),
        );
      });
      try {
        // The peer resets: our handler's close says reset.
        const a = await adapter.connectTcp({ hostname: "127.0.0.1", port: p.port });
        const ra = record(a);
        await eventually(() => sockets.length === 1, 5000, "accept");
        sockets[0].resetAndDestroy();
        assert.equal((await within(ra.closed, 5000, "close")).reset, true);
        // We reset: the peer sees ECONNRESET where the adapter can send a
        // RST at all (Deno's own sockets close with a FIN instead).
        const b = await adapter.connectTcp({ hostname: "127.0.0.1", port: p.port });
        const rb = record(b);
        await eventually(() => sockets.length === 2, 5000, "accept");
        b.reset();
        assert.equal(await within(peerClosed[1], 5000, "peer close"), adapter.canReset);
        await within(rb.closed, 5000, "our close");
      } finally {
        await p.close();
      }
    });

    test("pause() holds the peer back (its writes back up); resume() delivers every byte", async () => {
      adapter = await loadAdapter(name);
      const big = pseudoRandomBytes(8 * 1024 * 1024, 3);
      let peerSocket: net.Socket | undefined;
      let backedUp = false;
      const p = await peerServer((s) => {
        peerSocket = s;
        backedUp = !s.write(big);
        s.end();
      });
      try {
        const conn = await adapter.connectTcp({ hostname: "127.0.0.1", port: p.port });
        conn.pause();
        const r = record(conn);
        await eventually(() => peerSocket !== undefined, 5000, "accept");
        // 8 MiB cannot fit in the socket buffers of a reader that stopped:
        // the peer's own buffer stays non-empty while we are paused.
        assert.equal(backedUp, true);
        await eventually(() => peerSocket!.writableLength > 0, 5000, "backpressure");
        conn.resume();
        await within(r.ended, 20_000, "all bytes");
        assert.deepEqual(concat(r.chunks), big);
        conn.close();
        await within(r.closed, 5000, "close");
      } finally {
        await p.close();
      }
    });

    test("write() returns false past the high-water mark and drain() follows", async () => {
      adapter = await loadAdapter(name);
      let peerSocket: net.Socket | undefined;
      let received = 0;
      const p = await peerServer((s) => {
        peerSocket = s;
        s.pause(); // a peer that does not read, for now
        s.on("data", (c) => (received += c.length));
      });
      try {
        const conn = await adapter.connectTcp({ hostname: "127.0.0.1", port: p.port });
        const r = record(conn);
        const chunk = new Uint8Array(64 * 1024);
        let sent = 0;
        let full = false;
        for (let i = 0; i < 1024 && !full; i++) {
          full = !conn.write(chunk);
          sent += chunk.length;
        }
        assert.equal(full, true, "write() never reported a full buffer");
        await eventually(() => peerSocket !== undefined, 5000, "accept");
        peerSocket!.resume();
        await eventually(() => r.drained > 0, 10_000, "drain");
        await eventually(() => received === sent, 10_000, "every byte");
        conn.close();
        await within(r.closed, 5000, "close");
      } finally {
        await p.close();
      }
    });
  });
}
