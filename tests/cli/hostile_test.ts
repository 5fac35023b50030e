// Hostile peers against `sockscope listen`: every connection made is recorded
// exactly once, with what it really did, and the process stays up and small.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCli } from "../_helpers/cli.ts";
import {
  connect,
  eventually,
  pseudoRandomBytes,
  type TestClient,
  within,
} from "../_helpers/client.ts";
import { runtime } from "../_helpers/runtimes.ts";
import net from "node:net";
import { spawnSync } from "node:child_process";

// deno-lint-ignore no-explicit-any
type Event = Record<string, any>;

function readLog(path: string): Event[] {
  return readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

/** Resident set size of `pid` in bytes (Linux), or undefined elsewhere. */
function rss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

test("polite probes and data-then-reset peers: each recorded with its client port, exact bytes and reason", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-hostile-"));
  const log = join(dir, "events.ndjson");
  const run = startCli(["listen", "-p", "0", "--log", log, "--print", "text"]);
  try {
    const [, port] = await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening line");
    const polite: number[] = [];
    for (let i = 0; i < 10; i++) {
      // Connect and close with FIN, sending nothing: a polite port probe.
      const c = await connect(Number(port));
      polite.push(c.localPort);
      c.end();
      await within(c.ended, 5000, "server's FIN");
      c.socket.destroy();
    }
    const resetters: { port: number; sent: number }[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await connect(Number(port));
      const payload = pseudoRandomBytes(100 + i * 37, i + 1);
      await c.write(payload);
      // Reset only once the monitor has read every byte, so the count is exact.
      await run.waitFor(
        new RegExp(`data +127\\.0\\.0\\.1:${c.localPort} -> \\S+ +in ${payload.byteLength} B @0`),
        `data line of client ${c.localPort}`,
      );
      resetters.push({ port: c.localPort, sent: payload.byteLength });
      c.socket.resetAndDestroy();
    }
    await eventually(
      () => (run.stdout().match(/ close /g) ?? []).length === 20,
      10000,
      "20 close lines",
    );
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 10000, "exit")).code, 0);

    const closes = readLog(log).filter((e) => e.type === "conn.close");
    assert.equal(closes.length, 20);
    for (const p of polite) {
      const c = closes.find((e) => e.sport === p);
      assert.ok(c, `probe from port ${p} recorded`);
      assert.equal(c.reason, "fin");
      assert.equal(c.orig_bytes, 0);
      assert.equal(c.src, "127.0.0.1");
    }
    for (const r of resetters) {
      const c = closes.find((e) => e.sport === r.port);
      assert.ok(c, `resetting peer from port ${r.port} recorded`);
      assert.equal(c.reason, "rst");
      assert.equal(c.orig_bytes, r.sent);
    }
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** One hostile client; resolves with whether its handshake completed. */
function hostileClient(port: number, kind: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let connected = false;
    const done = () => resolve(connected);
    s.on("error", () => {});
    s.on("close", done);
    s.on("connect", () => {
      connected = true;
      switch (kind) {
        case 0: // reset at once, before any data (nmap -sT)
          s.resetAndDestroy();
          break;
        case 1: // junk, then reset
          s.write(pseudoRandomBytes(3000, port), () => s.resetAndDestroy());
          break;
        case 2: // half-close: send, FIN, keep reading until the monitor closes
          s.on("data", () => {});
          s.end(pseudoRandomBytes(500, 3));
          s.on("end", () => s.destroy());
          break;
        case 3: // never reads: send a lot, then vanish without reading the banner
          s.pause();
          s.write(pseudoRandomBytes(64 * 1024, 4), () => setTimeout(() => s.destroy(), 20));
          break;
        default: // polite: a line, FIN, read to EOF
          s.on("data", () => {});
          s.end("hello\n");
          s.on("end", () => s.destroy());
      }
    });
  });
}

test("a mixed hostile load: opens = closes = connections made, memory bounded, exit 0 on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-hostile-"));
  const log = join(dir, "events.ndjson");
  const run = startCli([
    "listen",
    "-p",
    "0",
    "--log",
    log,
    "--print",
    "hex",
    "--banner",
    "220 welcome\\r\\n",
  ]);
  try {
    const [, portText] = await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening");
    const port = Number(portText);
    const rssBefore = rss(run.pid);
    let made = 0;
    const deadline = Date.now() + 3000;
    // Bursts of 100 mixed clients, bounded by time and by count.
    for (let round = 0; round < 30 && Date.now() < deadline; round++) {
      const results = await within(
        Promise.all(Array.from({ length: 100 }, (_, i) => hostileClient(port, (round + i) % 5))),
        20000,
        `burst ${round}`,
      );
      made += results.filter(Boolean).length;
    }
    await eventually(
      () => {
        try {
          return readLog(log).filter((e) => e.type === "conn.close").length >= made;
        } catch {
          return false; // a batch is being written
        }
      },
      20000,
      `${made} conn.close records`,
    );
    const rssAfter = rss(run.pid);
    run.signal("SIGTERM");
    const { code } = await within(run.exited, 15000, "exit after SIGTERM");
    assert.equal(code, 0, run.stderr());
    assert.doesNotMatch(run.stderr(), /at .*\.(ts|js):\d+/, "no stack trace");

    const events = readLog(log);
    const opens = events.filter((e) => e.type === "conn.open");
    const closes = events.filter((e) => e.type === "conn.close");
    assert.equal(opens.length, made, "one conn.open per connection made");
    assert.deepEqual(closes.map((e) => e.uid).sort(), opens.map((e) => e.uid).sort());
    if (rssBefore !== undefined && rssAfter !== undefined) {
      // Thousands of finished connections must not accumulate: every one is gone.
      assert.ok(
        rssAfter - rssBefore < 128 * 1024 * 1024,
        `RSS grew by ${((rssAfter - rssBefore) / 1048576).toFixed(1)} MiB`,
      );
    }
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("out of file descriptors: accepting backs off, says so once, and resumes when descriptors free up", async (t) => {
  if (spawnSync("sh", ["-c", "command -v prlimit"]).status !== 0) {
    return t.skip("prlimit (util-linux) is not installed");
  }
  if (runtime === "node") {
    // libuv accepts and closes connections while out of descriptors, without
    // telling the program: nothing to back off from or to record (docs/events.md).
    return t.skip("Node's libuv drops such connections unseen");
  }
  const dir = mkdtempSync(join(tmpdir(), "sockscope-emfile-"));
  const log = join(dir, "events.ndjson");
  const run = startCli(
    ["listen", "-p", "0", "--log", log, "--print", "none"],
    {},
    ["prlimit", "--nofile=96:96", "--"],
  );
  const clients: TestClient[] = [];
  try {
    const [, port] = await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening line");
    // More held connections than the monitor has descriptors left.
    for (let i = 0; i < 120; i++) clients.push(await connect(Number(port)));
    // Bun raises its own descriptor limit at start (as root even past prlimit's hard
    // limit), so there it never runs out: then nothing may be lost either.
    const exhausts = runtime === "deno";
    if (exhausts) await run.waitFor(/warn +accept-exhausted: /, "the exhaustion warning");
    // Free descriptors: the queued connections are accepted and recorded.
    for (const c of clients.slice(0, 60)) c.socket.destroy();
    await eventually(
      () => (run.stdout().match(/^\S+ open {2}/gm) ?? []).length === 120,
      15000,
      "all 120 connections opened",
    );
    for (const c of clients) c.socket.destroy();
    await eventually(
      () => (run.stdout().match(/^\S+ close {2}/gm) ?? []).length === 120,
      15000,
      "all 120 closed",
    );
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 10000, "exit")).code, 0);
    if (exhausts) {
      const said = run.stdout().match(/accept-exhausted/g) ?? [];
      assert.equal(said.length, 2, "warned once, summed once");
      assert.match(run.stdout(), /absorbed: +accept-exhausted \d+/);
    }
    const events = readLog(log);
    assert.equal(events.filter((e) => e.type === "conn.open").length, 120);
    assert.equal(events.filter((e) => e.type === "conn.close").length, 120);
  } finally {
    for (const c of clients) c.socket.destroy();
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
