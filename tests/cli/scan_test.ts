// nmap against `sockscope listen`, counted by the kernel rather than by the monitor.
//
// The monitor runs in a network namespace of its own (`unshare -n`, as root),
// so that namespace's TCP counters count only its own traffic: PassiveOpens
// grows by one for every handshake the kernel completed on a listening
// socket, which is exactly the set of connections the monitor must record.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { listeningPorts, startCli } from "../_helpers/cli.ts";
import { within } from "../_helpers/client.ts";
import { runtime } from "../_helpers/runtimes.ts";

/** Why the namespace test cannot run here, or undefined when it can. */
function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root for unshare -n (CI runs as root)";
  for (const tool of ["nmap", "unshare", "nsenter", "ip"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
      return `${tool} is not installed (.ci/run installs it)`;
    }
  }
  const probe = spawnSync("unshare", ["-n", "true"]);
  if (probe.status !== 0) return `unshare -n fails here: ${probe.stderr}`;
  return undefined;
}

/** Tcp counters of the network namespace `pid` lives in. */
function tcpCounters(pid: number): Record<string, number> {
  const lines = readFileSync(`/proc/${pid}/net/snmp`, "utf8").split("\n")
    .filter((l) => l.startsWith("Tcp:"));
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/** Runs `argv` inside the network namespace of `pid`. */
function inNamespace(pid: number, argv: string[], input?: string) {
  const r = spawnSync("nsenter", [`--net=/proc/${pid}/ns/net`, ...argv], {
    encoding: "utf8",
    input,
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `${argv.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** A polite client in the namespace: sends `text`, half-closes, reads to EOF; prints its port. */
const POLITE_CLIENT = `
const net = require("node:net");
const s = net.connect({ port: Number(process.argv[1]), host: "127.0.0.1", allowHalfOpen: true });
s.on("connect", () => { console.log(s.localPort); s.end(process.argv[2]); });
s.on("data", () => {});
s.on("end", () => s.destroy());
s.on("error", (e) => { console.error(e.message); process.exit(1); });`;

test("nmap -sT: every handshake the kernel completed is recorded, and the monitor keeps serving", async (t) => {
  const why = cannotRun();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), "sockscope-scan-"));
  const log = join(dir, "events.ndjson");
  // Ports inside a private namespace cannot collide with anything else.
  const run = startCli(
    ["listen", "-p", "18200-18220", "--log", log, "--print", "none"],
    {},
    ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"],
  );
  try {
    assert.deepEqual(
      await listeningPorts(run, "tcp"),
      Array.from({ length: 21 }, (_, i) => 18200 + i),
      "every listener up",
    );
    const before = tcpCounters(run.pid);
    for (let i = 0; i < 3; i++) {
      const out = inNamespace(run.pid, [
        "nmap",
        "-sT",
        "-Pn",
        "-n",
        "-p",
        "18190-18230",
        "127.0.0.1",
      ]);
      assert.equal((out.match(/^182\d\d\/tcp\s+open/gm) ?? []).length, 21, out);
    }
    const clientPort = Number(
      inNamespace(run.pid, ["node", "-e", POLITE_CLIENT, "18205", "after the scan\n"]).trim(),
    );
    const handshakes = tcpCounters(run.pid).PassiveOpens - before.PassiveOpens;
    assert.equal(
      handshakes,
      3 * 21 + 1,
      "the kernel completed one handshake per open port per scan, plus the client",
    );

    await run.waitFor(
      /close +127\.0\.0\.1:\d+ -> 127\.0\.0\.1:18205 +fin +in 15 B/,
      "the client's close",
    );
    run.signal("SIGTERM");
    const { code } = await within(run.exited, 15000, "exit after SIGTERM");
    assert.equal(code, 0, run.stderr());
    assert.doesNotMatch(run.stderr(), /at .*\.(ts|js):\d+/, "no stack trace");

    const events = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const opens = events.filter((e) => e.type === "conn.open");
    const closes = events.filter((e) => e.type === "conn.close");
    assert.equal(opens.length, handshakes, "one conn.open per completed handshake");
    assert.deepEqual(closes.map((e) => e.uid).sort(), opens.map((e) => e.uid).sort());
    for (const c of closes) {
      assert.ok(c.src === null || c.src === "127.0.0.1", `source is real or null: ${c.src}`);
      assert.equal(c.src === null, c.community_id === undefined, "Community ID only with a source");
    }
    const client = closes.find((e) => e.sport === clientPort);
    assert.ok(client, `the polite client (port ${clientPort}) is recorded`);
    assert.equal(client.reason, "fin");
    assert.equal(client.orig_bytes, 15);
    const scans = closes.filter((e) => e !== client);
    const known = scans.filter((e) => e.src !== null).length;
    t.diagnostic(`${runtime}: ${known} of ${scans.length} nmap connections kept their source`);
    if (runtime === "bun") assert.equal(known, scans.length, "Bun recovers every source");

    // Detection (on by default): the scans raise one alert per source episode (127.0.0.1, and
    // the connections whose source the runtime lost), naming only ports nmap really hit.
    const scanAlerts = events.filter((e) => e.type === "alert" && e.episode?.kind === "scan");
    assert.ok(scanAlerts.length >= 1, "nmap -sT raises a scan alert on every runtime");
    assert.equal(
      new Set(scanAlerts.map((a) => a.src)).size,
      scanAlerts.length,
      `one scan alert per source: ${JSON.stringify(scanAlerts.map((a) => a.src))}`,
    );
    for (const a of scanAlerts) {
      assert.equal(a.signature_id, 9100001);
      assert.ok(a.src === null || a.src === "127.0.0.1");
      for (const p of a.episode.ports) assert.ok(p >= 18200 && p <= 18220, `port ${p} was hit`);
    }
    assert.match(run.stdout(), /ALERT .*\[1:9100001:1\]/, "the console shows it");
    t.diagnostic(
      `${runtime}: scan alerts from ${scanAlerts.map((a) => a.src ?? "unknown").join(", ")}`,
    );
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
