// The README's honeypot, end to end with real clients: `sockscope listen` on several ports with
// the ET Open sample plus two local rules, scanned by nmap (ports, then NSE HTTP scripts), hit by
// curl and openssl s_client. The right alerts must reach the console, the NDJSON log, the EVE
// log (valid against Suricata's schema), the metrics and a webhook receiver.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { listeningPorts, startCli } from "../_helpers/cli.ts";
import { eventually, within } from "../_helpers/client.ts";
import { freePorts } from "../_helpers/servers.ts";
import { repoRoot } from "../_helpers/repo.ts";

const ET_OPEN = join(repoRoot, "..", "shared", "data", "et-open");
const SCHEMA = join(repoRoot, "..", "shared", "data", "suricata-eve-schema.json");
const LOCAL_RULES = `# local rules of the test honeypot
alert tls any any -> any any (msg:"LOCAL TLS ClientHello for example.test"; flow:to_server; tls.sni; content:"example.test"; classtype:policy-violation; sid:1000001; rev:1;)
alert http any any -> any any (msg:"LOCAL Nmap Scripting Engine User-Agent"; flow:established,to_server; http.user_agent; content:"Nmap Scripting Engine"; classtype:web-application-attack; sid:1000002; rev:2;)
`;

function missing(): string | undefined {
  for (const tool of ["nmap", "curl", "openssl"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
      return `${tool} is not installed (.ci/run installs it)`;
    }
  }
  try {
    readFileSync(join(ET_OPEN, "emerging-policy.rules"));
    readFileSync(SCHEMA);
  } catch {
    return "../shared/data (ET Open sample, EVE schema) is not beside the repository";
  }
  return undefined;
}

/** Runs a client to completion (bounded), whatever its exit status: the monitor never answers. */
function client(cmd: string, args: string[], ms: number): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const child = spawn(cmd, args, { stdio: ["pipe", "ignore", "ignore"] });
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      child.on("close", () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin!.on("error", () => {});
    }),
    ms + 10_000,
    `${cmd} ${args.join(" ")}`,
  );
}

test("honeypot: nmap, curl and openssl raise the right alerts in console, log, EVE, metrics and webhook", async (t) => {
  const why = missing();
  if (why !== undefined) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), "sockscope-honeypot-"));
  const f = (name: string) => join(dir, name);
  writeFileSync(f("local.rules"), LOCAL_RULES);
  // The webhook receiver: every POSTed body, parsed.
  const hooks: Record<string, unknown>[] = [];
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Uint8Array) => (body += new TextDecoder().decode(c)));
    req.on("end", () => {
      hooks.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", () => ok()));
  const hookPort = (receiver.address() as { port: number }).port;
  // 12 ports: however the runtime splits nmap's connections between known and unknown source, one
  // side reaches the scan threshold (5).
  const ports = await freePorts(12);
  const run = startCli([
    "listen",
    "-p",
    ports.join(","),
    "--print",
    "none",
    "--log",
    f("ev.ndjson"),
    "--eve",
    f("eve.json"),
    "--metrics",
    "127.0.0.1:0",
    "--rules",
    join(ET_OPEN, "emerging-policy.rules"),
    "--rules",
    join(ET_OPEN, "emerging-exploit.rules"),
    "--rules",
    f("local.rules"),
    "--var",
    "HOME_NET=[127.0.0.0/8]",
    "--var",
    "EXTERNAL_NET=any",
    "--webhook",
    `http://127.0.0.1:${hookPort}/hook`,
  ]);
  try {
    const [, metricsUrl] = await run.waitFor(/metrics at (http:\/\/\S+)/, "the metrics address");
    const [, loaded] = await run.waitFor(/rules: ([\d,]+) loaded/, "the rule report");
    assert.ok(
      Number(loaded.replace(/,/g, "")) > 2000,
      `ET Open and the local rules load: ${loaded}`,
    );
    assert.deepEqual(await listeningPorts(run, "tcp"), ports.toSorted((a, b) => a - b));

    // 1. A connect scan of every port (and some closed ones around them).
    await client("nmap", ["-sT", "-Pn", "-n", "-p", ports.join(","), "127.0.0.1"], 60_000);
    await run.waitFor(/ALERT .*\[1:9100001:1\]/, "the scan alert on the console");
    // 2. nmap's NSE HTTP scripts, 3. curl, 4. openssl s_client with SNI and ALPN.
    await client("nmap", [
      "-sT",
      "-Pn",
      "-n",
      "-p",
      String(ports[1]),
      "--script",
      "+http-title,+http-headers",
      "--script-timeout",
      "5s",
      "127.0.0.1",
    ], 60_000);
    await client(
      "curl",
      ["-s", "--max-time", "3", `http://127.0.0.1:${ports[2]}/login.php`],
      10_000,
    );
    await client("openssl", [
      "s_client",
      "-connect",
      `127.0.0.1:${ports[3]}`,
      "-servername",
      "example.test",
      "-alpn",
      "h2,http/1.1",
    ], 3000);
    const sids = [9100001, 1000002, 2013028, 1000001];
    for (const sid of sids) {
      await run.waitFor(new RegExp(`ALERT .*\\[1:${sid}:`), `alert ${sid} on the console`);
    }
    // Metrics while it runs.
    const metrics = await (await fetch(metricsUrl)).text();
    for (const sid of sids) {
      assert.match(
        metrics,
        new RegExp(`sockscope_alert_signature_total\\{signature_id="${sid}"\\} [1-9]`),
      );
    }
    assert.match(metrics, /sockscope_alerts_total\{origin="rule",severity="\d"\} [1-9]/);
    assert.match(metrics, /sockscope_alerts_total\{origin="behavior",severity="3"\} [12]/);
    await eventually(
      () => sids.every((sid) => hooks.some((h) => h.signature_id === sid)),
      10_000,
      "webhook alerts",
    );
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 20_000, "exit")).code, 0);

    // The log: one alert per (rule, source), with the flow fields and the app protocol.
    const events = readFileSync(f("ev.ndjson"), "utf8").trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    const alerts = events.filter((e) => e.type === "alert");
    for (const sid of sids.filter((s) => s !== 9100001)) {
      assert.equal(alerts.filter((a) => a.signature_id === sid).length, 1, `one alert ${sid}`);
    }
    // One scan alert per source: 127.0.0.1, and (where the runtime lost some of nmap's sources,
    // see docs/events.md) the episode of unknown source.
    const scans = alerts.filter((a) => a.signature_id === 9100001);
    assert.ok(scans.length >= 1);
    assert.equal(new Set(scans.map((a) => a.src)).size, scans.length);
    const curl = alerts.find((a) => a.signature_id === 2013028);
    assert.equal(curl.app_proto, "http");
    assert.equal(curl.dport, ports[2]);
    assert.equal(curl.signature, "ET POLICY curl User-Agent Outbound");
    for (const scan of scans) {
      assert.equal(scan.episode.kind, "scan");
      assert.ok(scan.episode.ports.every((p: number) => ports.includes(p)));
    }
    const tls = events.find((e) => e.type === "conn.app" && e.service === "tls");
    assert.equal(tls.tls.sni, "example.test");
    assert.deepEqual(tls.tls.alpn, ["h2", "http/1.1"]);
    assert.match(tls.tls.ja4, /^t1[23]d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
    assert.ok(events.some((e) => e.type === "episode.end" && e.kind === "scan"));

    // EVE: every line valid against Suricata's schema; the alerts join their flows by flow_id.
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    ajv.addKeyword("suricata");
    ajv.addKeyword("desription");
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, "utf8")));
    const eve = readFileSync(f("eve.json"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    for (const e of eve) assert.equal(validate(e), true, JSON.stringify(validate.errors));
    const eveAlerts = eve.filter((e) => e.event_type === "alert");
    for (const sid of sids) {
      assert.ok(eveAlerts.some((a) => a.alert.signature_id === sid), `EVE ${sid}`);
    }
    const flowIds = new Set(eve.filter((e) => e.event_type === "flow").map((e) => e.flow_id));
    for (const a of eveAlerts) assert.ok(flowIds.has(a.flow_id), "an EVE alert joins its flow");
    const eveCurl = eveAlerts.find((a) => a.alert.signature_id === 2013028);
    assert.equal(eveCurl.app_proto, "http");
    assert.match(eveCurl.http.http_user_agent, /^curl\//);
  } finally {
    run.kill();
    await new Promise((ok) => receiver.close(ok));
    rmSync(dir, { recursive: true, force: true });
  }
});
