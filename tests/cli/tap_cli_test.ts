// `sockscope tap` in front of a real service: Debian's redis-server, driven
// by redis-cli and redis-benchmark, counted against redis' own statistics.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import process from "node:process";
import { startCli } from "../_helpers/cli.ts";
import { within } from "../_helpers/client.ts";
import { closedPort } from "../_helpers/servers.ts";
import { runtime } from "../_helpers/runtimes.ts";

const haveRedis = ["redis-server", "redis-cli", "redis-benchmark"].every((tool) =>
  spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0
);

function redisCli(port: number, ...args: string[]): string {
  const r = spawnSync("redis-cli", ["-p", String(port), ...args], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Connections redis itself accepted so far (its own count, not ours). */
function redisConnections(port: number): number {
  const info = redisCli(port, "info", "stats");
  return Number(/total_connections_received:(\d+)/.exec(info)![1]);
}

test("tap in front of redis: clients are served through it, and every connection is recorded", {
  skip: haveRedis
    ? false
    : "redis-server/redis-cli/redis-benchmark not installed (apt-get install redis-server redis-tools)",
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-tap-"));
  const redisPort = await closedPort();
  const redis = spawn("redis-server", [
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ], { stdio: "ignore" });
  const log = join(dir, "tap.ndjson");
  let cli: ReturnType<typeof startCli> | undefined;
  try {
    // redis is ready when it answers.
    for (let i = 0; i < 100; i++) {
      if (
        spawnSync("redis-cli", ["-p", String(redisPort), "ping"]).stdout?.toString().includes(
          "PONG",
        )
      ) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = redisConnections(redisPort);
    cli = startCli(["tap", "0", `127.0.0.1:${redisPort}`, "--print", "none", "--log", log]);
    const m = await cli.waitFor(
      /listening on tcp 127\.0\.0\.1:(\d+), relaying to 127\.0\.0\.1:(\d+)/,
      "listening",
    );
    const tapPort = Number(m[1]);
    assert.equal(Number(m[2]), redisPort);

    assert.equal(redisCli(tapPort, "set", "greeting", "hello through the tap"), "OK");
    assert.equal(redisCli(tapPort, "get", "greeting"), "hello through the tap");
    const bench = spawnSync("redis-benchmark", [
      "-p",
      String(tapPort),
      "-n",
      "2000",
      "-c",
      "8",
      "-t",
      "set,get",
      "-q",
    ], { encoding: "utf8", timeout: 60_000 });
    assert.equal(bench.status, 0, bench.stderr);
    assert.match(bench.stdout, /GET: [\d.]+ requests per second/);

    // The connections redis received through the tap (its count minus the
    // one info call made directly before and the one made now).
    const relayed = redisConnections(redisPort) - before - 1;
    cli.signal("SIGTERM");
    const { code } = await within(cli.exited, 20_000, "exit");
    assert.equal(code, 0);

    const events = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const closes = events.filter((e) => e.type === "conn.close");
    assert.equal(events.filter((e) => e.type === "conn.open").length, closes.length);
    assert.equal(closes.length, relayed, "one record per connection redis received via the tap");
    for (const c of closes) {
      assert.equal(c.upstream_port, redisPort);
      assert.equal(c.upstream_error, undefined);
      assert.ok(c.orig_bytes > 0 && c.resp_bytes > 0, "bytes both ways");
    }
    // The captured bytes are the RESP protocol as sent, both ways.
    const first = closes[0].uid;
    const text = (dir: string) =>
      events.filter((e) => e.type === "conn.data" && e.uid === first && e.dir === dir)
        .map((e) => atob(e.data)).join("");
    assert.match(text("orig"), /\*3\r\n\$3\r\nset\r\n\$8\r\ngreeting\r\n/);
    assert.equal(text("resp"), "+OK\r\n");
  } finally {
    cli?.kill();
    redis.kill();
    await once(redis, "close").catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tap: an upstream that refuses is recorded as refused and the tap keeps serving", async () => {
  const deadPort = await closedPort();
  const cli = startCli(["tap", "0", `127.0.0.1:${deadPort}`, "--print", "none", "--log", "-"]);
  try {
    const m = await cli.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening", "stderr");
    const tapPort = Number(m[1]);
    for (let i = 0; i < 3; i++) {
      const s = net.connect(tapPort, "127.0.0.1");
      s.on("error", () => {});
      s.resume();
      // (not events.once: it rejects on the 'error' a reset brings)
      await new Promise((r) => s.on("close", r));
    }
    await cli.waitFor(
      /("type":"conn.close".*"upstream_error":"refused"[^\n]*\n[^]*){3}/,
      "3 refused records",
    );
    cli.signal("SIGTERM");
    assert.equal((await within(cli.exited, 20_000, "exit")).code, 0);
    const closes = cli.stdout().trim().split("\n").map((l) => JSON.parse(l)).filter((e) =>
      e.type === "conn.close"
    );
    assert.equal(closes.length, 3);
    for (const c of closes) {
      assert.equal(c.reason, "error");
      assert.equal(c.upstream_error, "refused");
    }
    assert.match(cli.stderr(), /upstream refused/);
  } finally {
    cli.kill();
  }
});

const haveSocat = spawnSync("sh", ["-c", "command -v socat"]).status === 0;

test(
  "a UDP tap (--map udp:) in front of a real UDP service: answers come back, every flow recorded in every format",
  {
    skip: haveSocat ? false : "socat not installed (apt-get install socat)",
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "sockscope-udptap-"));
    const servicePort = await closedPort();
    // Debian's socat as the service: every datagram answered upper-cased, from the service's port.
    const service = spawn("socat", [
      `UDP4-RECVFROM:${servicePort},fork,bind=127.0.0.1`,
      "EXEC:tr a-z A-Z",
    ], { stdio: "ignore" });
    const log = join(dir, "tap.ndjson");
    const zeek = join(dir, "conn.log");
    let cli: ReturnType<typeof startCli> | undefined;
    try {
      cli = startCli([
        "tap",
        "--map",
        `udp:0=127.0.0.1:${servicePort}`,
        "--udp-timeout",
        "30s",
        "--print",
        "none",
        "--log",
        log,
        "--zeek",
        zeek,
      ]);
      const m = await cli.waitFor(
        /listening on udp 127\.0\.0\.1:(\d+), relaying to 127\.0\.0\.1:(\d+)/,
        "listening",
      );
      const tapPort = Number(m[1]);
      // Two clients (socat too), each its own flow.
      for (const text of ["first question\n", "second question\n"]) {
        const r = spawnSync("socat", ["-t", "1", "-", `UDP4:127.0.0.1:${tapPort}`], {
          input: text,
          encoding: "utf8",
          timeout: 10_000,
        });
        assert.equal(r.stdout, text.toUpperCase(), r.stderr);
      }
      cli.signal("SIGTERM");
      assert.equal((await within(cli.exited, 20_000, "exit")).code, 0);
      const events = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      const closes = events.filter((e) => e.type === "conn.close");
      assert.equal(closes.length, 2);
      for (const c of closes) {
        assert.equal(c.proto, "udp");
        assert.equal(c.upstream_port, servicePort);
        assert.deepEqual([c.orig_pkts, c.resp_pkts], [1, 1]);
        assert.equal(c.orig_bytes, c.resp_bytes);
      }
      const answers = events.filter((e) => e.type === "udp.datagram" && e.dir === "resp")
        .map((e) => atob(e.data));
      assert.deepEqual(answers, ["FIRST QUESTION\n", "SECOND QUESTION\n"]);
      const rows = readFileSync(zeek, "utf8").split("\n").filter((l) =>
        l !== "" && !l.startsWith("#")
      );
      assert.equal(rows.length, 2);
      for (const row of rows) {
        const f = row.split("\t");
        assert.deepEqual([f[6], f[11], f[15]], ["udp", "SF", "Dd"], row);
      }
    } finally {
      cli?.kill();
      service.kill();
      await once(service, "close").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("tap: wrong mappings exit 2 with one line naming the flag", async () => {
  for (
    const [args, pattern] of [
      [["tap", "6380"], /^sockscope: tap: expected \[udp:\]\[HOST:\]PORT UPSTREAM_HOST:PORT/],
      [["tap", "--map", "udp:x=h:53"], /^sockscope: --map: invalid address "x": expected/],
      [["tap", "6380", "6379"], /^sockscope: tap: invalid address "6379": expected HOST:PORT\n$/],
      [
        ["tap", "--map", "6380:x"],
        /^sockscope: --map: invalid mapping "6380:x": expected \[udp:\]\[HOST:\]PORT=HOST:PORT\n$/,
      ],
      [
        ["tap", "--map", "6380=h:99999"],
        /^sockscope: --map: invalid port "99999": expected 1-65535\n$/,
      ],
      [["tap", "1=h:2", "-p", "80"], /^sockscope: /],
      [["tap", "--map", "1=h:2", "-p", "80"], /^sockscope: --port: not used by tap/],
      [["tap", "--map", "1=h:2", "--connect-timeout", "0s"], /^sockscope: --connect-timeout: /],
    ] as [string[], RegExp][]
  ) {
    const run = startCli(args);
    const { code } = await within(run.exited, 20_000, args.join(" "));
    assert.equal(code, 2, `${args.join(" ")}: ${run.stderr()}`);
    assert.match(run.stderr(), pattern);
    assert.equal(run.stderr().trim().split("\n").length, 1);
  }
});

test("tap: an unreachable upstream (a route that rejects) is recorded as unreachable", async (t) => {
  // Needs its own network namespace (root) so that the route exists only there.
  if (process.getuid?.() !== 0) return t.skip("needs root for unshare -n (CI runs as root)");
  for (const tool of ["unshare", "nsenter", "ip"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
      return t.skip(`${tool} is not installed (.ci/run installs it)`);
    }
  }
  const run = startCli(
    ["tap", "18300", "10.99.99.1:80", "--print", "none", "--log", "-"],
    {},
    [
      "unshare",
      "-n",
      "--",
      "sh",
      "-c",
      'ip link set lo up && ip route add unreachable 10.99.99.0/24 && exec "$@"',
      "sh",
    ],
  );
  try {
    await run.waitFor(/listening on tcp 127\.0\.0\.1:18300/, "listening", "stderr");
    const client = spawnSync("nsenter", [
      `--net=/proc/${run.pid}/ns/net`,
      "node",
      "-e",
      `const s = require("node:net").connect(18300, "127.0.0.1");
       s.on("error", () => {}); s.resume(); s.on("close", () => process.exit(0));`,
    ], { encoding: "utf8", timeout: 20_000 });
    assert.equal(client.status, 0, client.stderr);
    // Bun 1.4 reports every failed connect as ECONNREFUSED, EHOSTUNREACH
    // included (Bun.connect and its node:net alike): there the record can only
    // say refused (docs/events.md).
    const expected = runtime === "bun" ? "refused" : "unreachable";
    await run.waitFor(new RegExp(`"upstream_error":"${expected}"`), "the upstream failure record");
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 20_000, "exit")).code, 0);
    const close = run.stdout().trim().split("\n").map((l) => JSON.parse(l))
      .find((e) => e.type === "conn.close");
    assert.equal(close.upstream_addr, "10.99.99.1");
    assert.equal(close.reason, "error");
    assert.match(close.error, runtime === "bun" ? /refused/ : /unreachable/);
  } finally {
    run.kill();
  }
});
