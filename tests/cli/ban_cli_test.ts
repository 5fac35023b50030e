// --ban from the command line: a scanning source is banned, refused on accept, and the ban log
// gets the line fail2ban reads; other sources are still served.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listeningPorts, startCli } from "../_helpers/cli.ts";
import { connect, eventually, within } from "../_helpers/client.ts";
import { freePorts } from "../_helpers/servers.ts";

test("listen --ban --ban-log: the scanner is banned and logged, then refused; others served", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-ban-"));
  const banLog = join(dir, "bans.log");
  const ports = await freePorts(3);
  const run = startCli([
    "listen",
    "-p",
    ports.join(","),
    "--detect-scan",
    "3/60s",
    "--ban",
    "--ban-time",
    "10m",
    "--ban-ignore",
    "127.0.0.5",
    "--ban-log",
    banLog,
    "--log",
    join(dir, "ev.ndjson"),
  ]);
  try {
    assert.deepEqual(await listeningPorts(run, "tcp"), ports.toSorted((a, b) => a - b));
    // The ignored source scans too: alerted, never banned.
    for (const from of ["127.0.0.5", "127.0.0.9"]) {
      for (const p of ports) {
        const c = await connect(p, "127.0.0.1", { from });
        c.end();
        await c.ended;
        c.socket.destroy();
        await c.closed;
      }
    }
    await run.waitFor(/ban +127\.0\.0\.9/, "the ban line on the console");
    // Banned: closed on accept.
    const again = await connect(ports[0], "127.0.0.1", { from: "127.0.0.9" });
    await again.ended;
    again.socket.destroy();
    await run.waitFor(/drop +127\.0\.0\.9:\d+ -> .* banned/, "the refusal");
    // Someone else is served.
    const other = await connect(ports[0], "127.0.0.1", { from: "127.0.0.10" });
    await other.write("still here\n");
    other.end();
    await other.ended;
    other.socket.destroy();
    await eventually(() => /close +127\.0\.0\.10:\d+ .* fin/.test(run.stdout()), 5000, "served");
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 10_000, "exit")).code, 0);
    const lines = readFileSync(banLog, "utf8").trim().split("\n");
    assert.equal(lines.length, 2, `one ban and its unban at shutdown: ${lines.join("\n")}`);
    assert.match(lines[0], /^\S+ sockscope\[\d+\]: ban 127\.0\.0\.9 offense=1 duration=600 /);
    assert.match(lines[1], /^\S+ sockscope\[\d+\]: unban 127\.0\.0\.9 /);
    assert.match(run.stdout(), /detection: +\d+ alerts?, 1 ban, 1 refused on accept/);
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
