// serveHttp on the runtime running the tests (Deno.serve, node:http or
// Bun.serve): the /metrics handler answers 200/404/405 over real HTTP, request
// bodies and HEAD pass the bridge, a taken port is an AddressInUseError, a
// throwing handler is a 500, and close() frees the port even while a client
// keeps an idle keep-alive connection (as Prometheus does between scrapes).
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  AddressInUseError,
  MetricsCollector,
  metricsHandler,
  PROMETHEUS_CONTENT_TYPE,
  serveHttp,
} from "sockscope";
import { runtime } from "../_helpers/runtimes.ts";

const HOST = "127.0.0.1";

/** Binds a plain TCP server on `port` and closes it: proves the port is free. */
function bindAndRelease(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen({ host: HOST, port, exclusive: true }, () => s.close(() => resolve()));
  });
}

test(`serveHttp (${runtime}): /metrics 200 with the exposition, other paths 404, other methods 405`, async () => {
  const collector = new MetricsCollector();
  collector.observe({
    ts: "2026-11-26T10:00:00.000Z",
    type: "conn.open",
    uid: "C1",
    proto: "tcp",
    src: "192.0.2.1",
    sport: 1234,
    dst: HOST,
    dport: 8000,
  });
  const server = await serveHttp({ hostname: HOST, port: 0 }, metricsHandler(collector));
  try {
    assert.ok(server.localPort > 0, "the real port of port 0");
    const base = `http://${HOST}:${server.localPort}`;
    const ok = await fetch(`${base}/metrics`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
    assert.match(
      await ok.text(),
      /^sockscope_connections_opened_total\{proto="tcp",port="8000"\} 1$/m,
    );
    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    await missing.text();
    const post = await fetch(`${base}/metrics`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.text();
  } finally {
    await server.close();
  }
});

test(`serveHttp (${runtime}): request bodies, headers and HEAD pass through; a throwing handler is a 500`, async () => {
  const errors: unknown[] = [];
  const server = await serveHttp({
    hostname: HOST,
    port: 0,
    onError: (e) => errors.push(e),
  }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/throw") throw new Error("handler failed");
    if (url.pathname === "/reject") return Promise.reject(new Error("handler rejected"));
    return new Response(`${req.method} ${url.pathname}${url.search} ${await req.text()}`, {
      status: 201,
      headers: { "x-echo": req.headers.get("x-test") ?? "" },
    });
  });
  try {
    const base = `http://${HOST}:${server.localPort}`;
    const echo = await fetch(`${base}/a?b=1`, {
      method: "PUT",
      body: "payload",
      headers: { "x-test": "yes" },
    });
    assert.equal(echo.status, 201);
    assert.equal(echo.headers.get("x-echo"), "yes");
    assert.equal(await echo.text(), "PUT /a?b=1 payload");
    const head = await fetch(`${base}/a`, { method: "HEAD" });
    assert.equal(head.status, 201);
    assert.equal(await head.text(), "");
    for (const path of ["/throw", "/reject"]) {
      const failed = await fetch(`${base}${path}`);
      assert.equal(failed.status, 500, path);
      await failed.text();
    }
    assert.deepEqual(errors.map((e) => (e as Error).message), [
      "handler failed",
      "handler rejected",
    ]);
  } finally {
    await server.close();
  }
});

test(`serveHttp (${runtime}): a port in use rejects with AddressInUseError`, async () => {
  const first = await serveHttp({ hostname: HOST, port: 0 }, () => new Response("first"));
  try {
    await assert.rejects(
      serveHttp({ hostname: HOST, port: first.localPort }, () => new Response("second")),
      (err: unknown) => {
        assert.ok(err instanceof AddressInUseError, `got ${String(err)}`);
        assert.equal(err.port, first.localPort);
        assert.equal(err.address, HOST);
        return true;
      },
    );
    // The first server still answers: the failed bind took nothing from it.
    const res = await fetch(`http://${HOST}:${first.localPort}/`);
    assert.equal(await res.text(), "first");
  } finally {
    await first.close();
  }
});

test(`serveHttp (${runtime}): invalid ports are a RangeError`, async () => {
  await assert.rejects(
    serveHttp({ hostname: HOST, port: 70000 }, () => new Response()),
    RangeError,
  );
  await assert.rejects(serveHttp({ hostname: HOST, port: -1 }, () => new Response()), RangeError);
});

test(`serveHttp (${runtime}): close() frees the port, even with an idle keep-alive client, and is idempotent`, async () => {
  const server = await serveHttp({ hostname: HOST, port: 0 }, () => new Response("hi"));
  const port = server.localPort;
  // A raw keep-alive client that stays connected after its response.
  const client = net.connect({ host: HOST, port });
  const answered = new Promise<string>((resolve) => {
    let text = "";
    client.on("data", (c: Uint8Array) => {
      text += new TextDecoder().decode(c);
      if (text.includes("\r\n\r\nhi")) resolve(text);
    });
  });
  const closedByServer = new Promise<void>((resolve) => client.on("close", () => resolve()));
  client.on("error", () => {});
  try {
    client.write(`GET / HTTP/1.1\r\nHost: ${HOST}:${port}\r\nConnection: keep-alive\r\n\r\n`);
    assert.match(await answered, /^HTTP\/1\.1 200/);
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await bindAndRelease(port);
    await closedByServer;
  } finally {
    client.destroy();
  }
  // And the freed port serves again.
  const again = await serveHttp({ hostname: HOST, port }, () => new Response("again"));
  try {
    assert.equal(await (await fetch(`http://${HOST}:${port}/`)).text(), "again");
  } finally {
    await again.close();
  }
});
