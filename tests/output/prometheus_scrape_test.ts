// End to end: a real monitor, the metrics collector subscribed to it, the
// /metrics endpoint served by this runtime's HTTP server, a few real TCP
// connections, and a real Prometheus server scraping the endpoint every
// second. Its query API must report exactly the connections made.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listen, MetricsCollector, metricsHandler, serveHttp } from "sockscope";
import { connect } from "../_helpers/client.ts";
import { runtime } from "../_helpers/runtimes.ts";

const PROMETHEUS = "/usr/bin/prometheus";
const HOST = "127.0.0.1";
const CONNECTIONS = 3;

/** Resolves with what `check` returns once it is not undefined; rejects after `ms`. */
async function poll<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts Prometheus on an ephemeral port; `port` resolves once it is ready. */
function startPrometheus(
  dir: string,
  target: string,
): { child: ChildProcess; port: Promise<number>; log: () => string } {
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      "  - job_name: sockscope",
      "    metrics_path: /metrics",
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const child = spawn(PROMETHEUS, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=${HOST}:0`,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const port = new Promise<number>((resolve, reject) => {
    child.stderr!.on("data", (chunk: Uint8Array) => {
      log += new TextDecoder().decode(chunk);
      // Port 0 is resolved by the kernel; Prometheus logs the real address.
      // Its API answers 503 until it logs that it is ready.
      const m = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(log);
      if (m && log.includes("Server is ready to receive web requests")) resolve(Number(m[1]));
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`prometheus exited (${code}):\n${log}`)));
  });
  port.catch(() => {});
  return { child, port, log: () => log };
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((
    resolve,
  ) => (timer = setTimeout(() => resolve(true), 5000)));
  if (await Promise.race([exited.then(() => false), timeout])) {
    child.kill("SIGKILL");
    await exited;
  }
  clearTimeout(timer);
}

/** The instant vector of a PromQL query. */
async function query(
  port: number,
  promql: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(
    `http://${HOST}:${port}/api/v1/query?query=${encodeURIComponent(promql)}`,
  );
  const body = await res.json() as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  assert.equal(body.status, "success", JSON.stringify(body));
  return body.data.result;
}

test(`Prometheus scrapes /metrics (${runtime}) and counts exactly the connections made`, {
  timeout: 30_000,
}, async (t) => {
  if (!existsSync(PROMETHEUS)) {
    return t.skip(`${PROMETHEUS} is missing (Debian/Ubuntu: apt-get install prometheus)`);
  }
  const monitor = await listen({ host: HOST, ports: [0] });
  const dir = mkdtempSync(join(tmpdir(), "sockscope-prometheus-"));
  let prometheus: ChildProcess | undefined;
  let server: Awaited<ReturnType<typeof serveHttp>> | undefined;
  try {
    const collector = new MetricsCollector({ stats: () => monitor.stats() });
    collector.attach(monitor);
    let closes = 0;
    let allClosed!: () => void;
    const closed = new Promise<void>((resolve) => (allClosed = resolve));
    monitor.subscribe((ev) => {
      if (ev.type === "conn.close" && ++closes === CONNECTIONS) allClosed();
    }, { data: false });
    server = await serveHttp({ hostname: HOST, port: 0 }, metricsHandler(collector));

    const port = monitor.addresses[0].port;
    for (let i = 0; i < CONNECTIONS; i++) {
      const client = await connect(port);
      await client.write(`hello ${i}\n`);
      client.end();
      await client.closed;
    }
    // Every connection is counted before Prometheus starts: its first sample must say so.
    await closed;

    const started = startPrometheus(dir, `${HOST}:${server.localPort}`);
    prometheus = started.child;
    const apiPort = await started.port;
    const series = await poll(
      "the first scrape of sockscope_connections_opened_total",
      20_000,
      async () => {
        const result = await query(apiPort, "sockscope_connections_opened_total");
        return result.length > 0 ? result : undefined;
      },
    );
    assert.equal(series.length, 1, JSON.stringify(series));
    assert.equal(series[0].metric.job, "sockscope");
    assert.equal(series[0].metric.proto, "tcp");
    assert.equal(series[0].metric.port, String(port));
    assert.equal(series[0].value[1], String(CONNECTIONS));
    // The same scrape carried the closes and the build info.
    const closedTotal = await query(apiPort, "sum(sockscope_connections_closed_total)");
    assert.equal(closedTotal[0]?.value[1], String(CONNECTIONS));
    const up = await query(apiPort, 'up{job="sockscope"}');
    assert.equal(up[0]?.value[1], "1", "the scrape succeeded");
  } finally {
    if (prometheus) await stop(prometheus);
    rmSync(dir, { recursive: true, force: true });
    await server?.close();
    await monitor.close();
  }
});
