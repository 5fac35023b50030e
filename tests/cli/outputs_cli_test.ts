// Every standard output at once from the CLI, as an operator runs it: the
// files exist, agree with each other, survive log rotation (SIGHUP), and the
// pcap holds the exact bytes of each direction (Debian's tshark reads it).
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCli } from "../_helpers/cli.ts";
import { connect, eventually, pseudoRandomBytes, within } from "../_helpers/client.ts";

const haveTshark = spawnSync("sh", ["-c", "command -v tshark"]).status === 0;

/** FIN segments in a pcap, counted by tshark. */
function fins(pcap: string): number {
  const r = spawnSync("tshark", ["-r", pcap, "-Y", "tcp.flags.fin==1"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim().split("\n").filter((l) => l.trim() !== "").length : -1;
}

/** The bytes of each direction of TCP stream `n`, as tshark reassembles them. */
function follow(pcap: string, n: number): { orig: Uint8Array; resp: Uint8Array } {
  const r = spawnSync("tshark", ["-r", pcap, "-qz", `follow,tcp,raw,${n}`], {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const orig: number[] = [];
  const resp: number[] = [];
  const body = r.stdout.split(/={10,}/)[1] ?? "";
  for (const line of body.split("\n")) {
    const m = /^(\t?)([0-9a-f]+)$/.exec(line.trimEnd());
    if (!m) continue;
    const bytes = m[2].match(/../g)!.map((h) => parseInt(h, 16));
    (m[1] === "\t" ? resp : orig).push(...bytes);
  }
  return { orig: new Uint8Array(orig), resp: new Uint8Array(resp) };
}

test("listen with --log --zeek --eve --pcap --metrics: every file has every connection; SIGHUP rotates them all", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-outputs-"));
  const f = (name: string) => join(dir, name);
  const run = startCli([
    "listen",
    "-p",
    "0",
    "--banner",
    "hello\\r\\n",
    "--print",
    "none",
    "--capture-bytes",
    "65536",
    "--log",
    f("ev.ndjson"),
    "--zeek",
    f("conn.log"),
    "--eve",
    f("eve.json"),
    "--pcap",
    f("t.pcap"),
    "--metrics",
    "127.0.0.1:0",
  ]);
  try {
    const port = Number((await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening"))[1]);
    const metricsUrl = (await run.waitFor(/metrics at (http:\S+)/, "metrics url"))[1];
    const payload = pseudoRandomBytes(10_000, 9);
    // Two connections before the rotation, one after.
    const send = async (data: Uint8Array) => {
      const c = await connect(port);
      c.socket.write(data);
      c.end();
      await within(c.closed, 5000, "client closed");
      return c.localPort;
    };
    const first = await send(payload);
    const second = await send(new TextEncoder().encode("second"));
    const scrape = await (await fetch(metricsUrl)).text();
    assert.match(
      scrape,
      new RegExp(`sockscope_connections_opened_total\\{proto="tcp",port="${port}"\\} 2`),
    );

    // Rotate once the two records are on disk (queued ones would go to the new file).
    const written = () => [
      (readFileSync(f("ev.ndjson"), "utf8").match(/"conn\.close"/g) ?? []).length,
      readFileSync(f("conn.log"), "utf8").split("\n").filter((l) => /^\d/.test(l)).length,
      (readFileSync(f("eve.json"), "utf8").match(/"event_type":"flow"/g) ?? []).length,
    ];
    await eventually(() => written().every((n) => n === 2), 5000, "both records in every file");
    if (haveTshark) {
      // Both connections ended: two FINs each.
      await eventually(() => fins(f("t.pcap")) === 4, 10_000, "the pcap written");
    }
    for (const name of ["ev.ndjson", "conn.log", "eve.json", "t.pcap"]) {
      renameSync(f(name), f(`${name}.1`));
    }
    run.signal("SIGHUP");
    for (const name of ["ev.ndjson", "conn.log", "eve.json", "t.pcap"]) {
      await run.waitFor(
        new RegExp(`reopened \\S*${name.replace(".", "\\.")} \\(SIGHUP\\)`),
        `${name} reopened`,
      );
    }
    const third = await send(new TextEncoder().encode("third"));
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 20_000, "exit")).code, 0);
    // The summary counts conn.log's and EVE's records, one per connection, not the events they saw.
    const summary = run.stdout();
    assert.match(summary, /zeek: 3 records written to \S*conn\.log \(of [\d,]+ events\)/);
    assert.match(summary, /eve: 3 records written to \S*eve\.json \(of [\d,]+ events\)/);
    assert.match(summary, /log: [\d,]+ events written to \S*ev\.ndjson\n/);

    // NDJSON: the first two before, the third after.
    const sports = (file: string) =>
      readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l))
        .filter((e) => e.type === "conn.close").map((e) => e.sport);
    assert.deepEqual(sports(f("ev.ndjson.1")), [first, second]);
    assert.deepEqual(sports(f("ev.ndjson")), [third]);

    // Zeek: each file is whole, with its header and its #close, and the rows split the same way.
    for (
      const [file, ports] of [[f("conn.log.1"), [first, second]], [f("conn.log"), [third]]] as const
    ) {
      const lines = readFileSync(file, "utf8").trimEnd().split("\n");
      assert.equal(lines[0], "#separator \\x09");
      assert.match(lines[lines.length - 1], /^#close\t/);
      const fields = lines.find((l) => l.startsWith("#fields"))!.split("\t").slice(1);
      const rows = lines.filter((l) => !l.startsWith("#")).map((l) => l.split("\t"));
      for (const row of rows) assert.equal(row.length, fields.length);
      assert.deepEqual(rows.map((r) => Number(r[fields.indexOf("id.orig_p")])), [...ports]);
      const state = rows.map((r) => r[fields.indexOf("conn_state")]);
      assert.deepEqual(state, ports.map(() => "SF"));
    }
    const firstRow = readFileSync(f("conn.log.1"), "utf8").split("\n").find((l) =>
      l.includes(`\t${first}\t`)
    )!;
    assert.ok(
      firstRow.includes(`\t${payload.length}\t7\t`),
      "orig_bytes and resp_bytes (the banner)",
    );

    // EVE: one flow per connection, split the same way.
    const eve = (file: string) =>
      readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l))
        .filter((e) => e.event_type === "flow").map((e) => e.src_port);
    assert.deepEqual(eve(f("eve.json.1")), [first, second]);
    assert.deepEqual(eve(f("eve.json")), [third]);

    // pcap: both files open; tshark gives back the exact bytes each side sent.
    if (haveTshark) {
      const a = follow(f("t.pcap.1"), 0);
      assert.deepEqual(a.orig, payload);
      assert.equal(new TextDecoder().decode(a.resp), "hello\r\n");
      const c = follow(f("t.pcap"), 0);
      assert.equal(new TextDecoder().decode(c.orig), "third");
    }
    assert.ok(existsSync(f("t.pcap")));
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("outputs: a taken --metrics port or an unwritable file exits 1 naming it", async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  const taken = (blocker.address() as net.AddressInfo).port;
  try {
    const run = startCli(["-p", "0", "--metrics", `127.0.0.1:${taken}`]);
    assert.equal((await within(run.exited, 20_000, "exit")).code, 1);
    assert.match(run.stderr(), new RegExp(`--metrics: .*${taken}.*in use`));
  } finally {
    blocker.close();
  }
  const run = startCli(["-p", "0", "--zeek", "/nonexistent-dir/conn.log"]);
  assert.equal((await within(run.exited, 20_000, "exit")).code, 1);
  assert.match(run.stderr(), /cannot open --zeek file "\/nonexistent-dir\/conn\.log"/);
});
