// The CLI when its outputs fail, as an operator meets it: a log on a disk that
// fills up (real tmpfs), log rotation with SIGHUP, and a console piped into
// `head`. The monitor keeps serving throughout and the log keeps whole lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliCommand, startCli } from "../_helpers/cli.ts";
import { connect, eventually, type TestClient, within } from "../_helpers/client.ts";
import { fillUp, mountTmpfs } from "../_helpers/tmpfs.ts";

interface LogEvent {
  type: string;
  uid?: string;
  sport?: number;
  reason?: string;
  dir?: string;
  data?: string;
  port?: number;
  resp_bytes?: number;
}

/** Every line of an NDJSON file, parsed; fails on a torn or otherwise invalid line. */
function readLog(path: string): LogEvent[] {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (text === "") return [];
  assert.ok(
    text.endsWith("\n"),
    `${path} ends on a whole line: ${JSON.stringify(text.slice(-80))}`,
  );
  return text.slice(0, -1).split("\n").map((line, i) => {
    try {
      return JSON.parse(line) as LogEvent;
    } catch {
      throw new Error(`${path} line ${i + 1} is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
    }
  });
}

/** A peer that says `text`, ends, and waits for the server's close; resolves with its port and what it got. */
async function session(port: number, text: string): Promise<{ port: number; got: string }> {
  const client = await connect(port);
  await client.write(text);
  client.end();
  await within(client.ended, 10000, `the server to close the connection of "${text.slice(0, 20)}"`);
  return { port: client.localPort, got: new TextDecoder().decode(client.received()) };
}

/**
 * The whole lines written so far, for polling while sockscope writes: a
 * reader may see a write half done (or, on a full disk, a tail about to be
 * cut off again), so the last line counts only once it is complete.
 */
function readLogSoFar(path: string): LogEvent[] {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const whole = text.slice(0, text.lastIndexOf("\n") + 1);
  return whole === "" ? [] : whole.slice(0, -1).split("\n").flatMap((line) => {
    try {
      return [JSON.parse(line) as LogEvent];
    } catch {
      return []; // judged by readLog once sockscope has ended
    }
  });
}

const closesOf = (events: LogEvent[]) =>
  new Set(events.filter((e) => e.type === "conn.close").map((e) => e.sport));

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

const STACK_TRACE = /^\s+at |Uncaught|Unhandled|node:internal/m;

test("a full disk: the log keeps whole lines, the monitor keeps serving, writing resumes once space is freed, drops are counted as enospc", async (t) => {
  const fs = mountTmpfs(64);
  if (typeof fs === "string") return t.skip(fs);
  const log = join(fs.dir, "events.ndjson");
  const filler = join(fs.dir, "filler");
  writeFileSync(filler, new Uint8Array(40 * 1024)); // about 24 KiB stay free
  const run = startCli(["-p", "0", "--log", log, "--print", "none", "--banner", "hi\\n"]);
  try {
    const port = Number((await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening"))[1]);
    const padding = "x".repeat(1000);
    const failures = () =>
      (run.stdout().match(/writing \S+ failed \(ENOSPC: [^)]*\): retrying/g) ?? []).length;

    // 1. Connections with data until the log no longer fits.
    for (let i = 0; failures() === 0; i++) {
      assert.ok(i < 200, "the disk fills up within 200 connections");
      const { port: peer } = await session(port, `before-${i} ${padding}`);
      // One connection at a time in the log, so that little waits when the disk is full.
      await eventually(
        () => failures() > 0 || closesOf(readLogSoFar(log)).has(peer),
        10000,
        "the connection in the log, or the failure on the console",
      );
    }
    assert.match(
      run.stdout(),
      new RegExp(
        `writing ${
          log.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
        } failed \\(ENOSPC: no space left on device\\)`,
      ),
    );

    // 2. The monitor keeps serving while the log fails: banner, data, close.
    const during: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await session(port, `during-${i} ${padding}`);
      assert.equal(s.got, "hi\n", "served during the outage");
      during.push(s.port);
    }

    // 3. Space comes back: the held events are written, then new ones.
    rmSync(filler);
    await run.waitFor(
      /writing \S+ resumed after \S+; (no events|[\d,]+ events?) dropped \(enospc\)/,
      "the resume line",
    );
    const after: number[] = [];
    for (let i = 0; i < 5; i++) after.push((await session(port, `after-${i}`)).port);
    await eventually(
      () => after.every((p) => closesOf(readLogSoFar(log)).has(p)),
      10000,
      "the later connections in the log",
    );

    // 4. The disk fills up again and the run ends during that outage: what the
    // last attempt cannot write is counted as enospc in the summary.
    fillUp(join(fs.dir, "filler2"));
    for (let i = 0; failures() < 2; i++) {
      assert.ok(i < 200, "the second outage starts");
      await session(port, `late-${i} ${padding}`);
    }
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 20000, "exit after SIGTERM")).code, 0);

    const out = run.stdout();
    const events = readLog(log);
    const written = Number(/log: ([\d,]+) events? written to/.exec(out)?.[1].replace(/,/g, ""));
    assert.equal(
      events.length,
      written,
      "the file holds exactly the events the summary says were written",
    );
    const closes = closesOf(events);
    for (const p of [...during, ...after]) {
      assert.ok(closes.has(p), `connection from port ${p} is in the log`);
    }
    const opens = events.filter((e) => e.type === "conn.open").map((e) => e.uid);
    assert.equal(new Set(opens).size, opens.length, "no event was written twice");
    assert.match(out, /log: [\d,]+ events? dropped: enospc [\d,]+/);
    assert.ok(!out.includes("could not keep up"), out);
    assert.doesNotMatch(run.stderr(), STACK_TRACE);
  } finally {
    run.kill();
    await within(run.exited, 10000, "the CLI to end");
    fs.unmount();
  }
});

test("SIGHUP reopens the log at its path (logrotate: rename, then kill -HUP) and never stops the monitor", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-rotate-"));
  const log = join(dir, "a.ndjson");
  const run = startCli(["-p", "0", "--log", log, "--print", "none"]);
  try {
    const port = Number((await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening"))[1]);
    const first: number[] = [];
    for (let i = 0; i < 3; i++) first.push((await session(port, `first-${i}`)).port);
    await eventually(
      () => first.every((p) => closesOf(readLogSoFar(log)).has(p)),
      10000,
      "the first closes in a.ndjson",
    );

    renameSync(log, log + ".1");
    run.signal("SIGHUP");
    await run.waitFor(/sockscope: reopened \S*a\.ndjson \(SIGHUP\)/, "the reopened line");
    const second: number[] = [];
    for (let i = 0; i < 4; i++) second.push((await session(port, `second-${i}`)).port);
    await eventually(
      () => second.every((p) => closesOf(readLogSoFar(log)).has(p)),
      10000,
      "the next closes in the new a.ndjson",
    );

    // A second SIGHUP (no rename this time) reopens the same file; the monitor goes on.
    run.signal("SIGHUP");
    await eventually(
      () => (run.stdout().match(/reopened \S*a\.ndjson/g) ?? []).length === 2,
      10000,
      "the second reopened line",
    );
    const third = (await session(port, "third")).port;

    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 10000, "exit")).code, 0);
    const old = readLog(log + ".1");
    const now = readLog(log);
    // The renamed file: the listener and the first connections, complete; nothing after the reopen.
    assert.equal(old[0].type, "listener.up");
    assert.deepEqual(
      old.filter((e) => e.type === "conn.open").map((e) => e.sport),
      first,
    );
    assert.deepEqual([...closesOf(old)], first);
    // The new file: exactly the later connections (none was open at shutdown, so no more records).
    assert.deepEqual(
      now.filter((e) => e.type === "conn.open").map((e) => e.sport),
      [...second, third],
    );
    assert.deepEqual([...closesOf(now)], [...second, third]);
    assert.ok(now.every((e) => e.type !== "listener.up"));
    const oldUids = new Set(old.map((e) => e.uid).filter((u) => u !== undefined));
    assert.ok(
      now.every((e) => e.uid === undefined || !oldUids.has(e.uid)),
      "no connection's records in both files",
    );
    for (const events of [old, now]) {
      const uids = new Set(events.filter((e) => e.type === "conn.open").map((e) => e.uid));
      assert.ok(
        events.every((e) => e.uid === undefined || uids.has(e.uid)),
        "each connection whole in one file",
      );
      assert.equal(
        events.filter((e) => e.type === "conn.data").length,
        uids.size,
        "one data event each",
      );
    }
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Resolves once `client` has the 3-byte banner, or the server closed it first. */
function bannerOrEnd(client: TestClient): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (client.received().length >= 3) resolve();
    };
    client.socket.on("data", () => queueMicrotask(check)); // after the helper's own 'data' listener
    check();
    client.ended.then(() => resolve());
  });
}

/** Runs `script` with sh; its stdout and stderr are collected. */
function shell(script: string) {
  const child = spawn("sh", ["-c", script], {
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, to clean up the whole pipeline
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Uint8Array) => (out += new TextDecoder().decode(c)));
  child.stderr!.on("data", (c: Uint8Array) => (err += new TextDecoder().decode(c)));
  let done = false;
  const exited = new Promise<number | null>((r) =>
    child.on("close", (code) => {
      done = true;
      r(code);
    })
  );
  return {
    stdout: () => out,
    stderr: () => err,
    done: () => done,
    exited,
    /** What a failure report needs: the pipeline's processes (state, kernel wait channel) and its stderr. */
    report(): string {
      const ps = done ? "(the pipeline has ended)" : spawnSync(
        "ps",
        ["-o", "pid,stat,wchan:24,etime,args", "-g", String(child.pid)],
        { encoding: "utf8" },
      ).stdout;
      return `\n-- processes:\n${ps}\n-- stderr:\n${err.slice(-4000)}`;
    },
    kill() {
      if (done) return;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch { /* already gone */ }
    },
  };
}

test("`sockscope --log - | head -n 5`: head prints 5 NDJSON lines and sockscope ends cleanly (status 0, no stack trace)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-head-"));
  const status = join(dir, "status");
  const [cmd, pre] = cliCommand();
  const cli = [cmd, ...pre, "-p", "0", "--log", "-", "--print", "none"].map(shellQuote).join(" ");
  const sh = shell(`{ ${cli}; echo $? > ${shellQuote(status)}; } | head -n 5`);
  try {
    await eventually(
      () => /listening on tcp 127\.0\.0\.1:\d+/.test(sh.stderr()),
      20000,
      "the listening line",
    );
    const port = Number(/listening on tcp 127\.0\.0\.1:(\d+)/.exec(sh.stderr())![1]);
    // Keep producing events until sockscope notices that nobody reads and ends (while it
    // shuts down it still accepts, for up to 100 ms, what keeps connecting: this loop).
    const deadline = Date.now() + 20_000;
    for (let i = 0; !sh.done(); i++) {
      assert.ok(i < 5000 && Date.now() < deadline, "sockscope ends after head has gone");
      try {
        await session(port, `hello ${i}`);
      } catch {
        break; // refused: the monitor has stopped listening
      }
    }
    assert.equal(await within(sh.exited, 20000, "the pipeline to end"), 0);
    const lines = sh.stdout().split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, 5);
    for (const line of lines) JSON.parse(line);
    assert.equal(readFileSync(status, "utf8").trim(), "0", sh.stderr());
    assert.doesNotMatch(sh.stderr(), STACK_TRACE);
    assert.match(sh.stderr(), /writing stdout failed for good \(EPIPE[^)]*\)/);
    assert.match(sh.stderr(), /summary: /);
  } finally {
    sh.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`sockscope --log FILE | head -n 2`: the closed console ends the run as SIGTERM would; the log has a close (shutdown) for every open", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-head-"));
  const status = join(dir, "status");
  const log = join(dir, "events.ndjson");
  const [cmd, pre] = cliCommand();
  const cli = [cmd, ...pre, "-p", "0", "--log", log, "--print", "none", "--banner", "hi\\n"]
    .map(shellQuote).join(" ");
  const sh = shell(`{ ${cli}; echo $? > ${shellQuote(status)}; } | head -n 2`);
  const clients: TestClient[] = [];
  try {
    // The console goes to head; the port comes from the log's listener.up.
    await eventually(
      () => readLogSoFar(log).some((e) => e.type === "listener.up"),
      20000,
      "listener.up in the log",
    );
    const port = readLogSoFar(log).find((e) => e.type === "listener.up")!.port!;
    const served: number[] = [];
    // Bounded in time and count; while it shuts down, sockscope still accepts (for up to
    // 100 ms) what keeps connecting, as this loop does.
    const deadline = Date.now() + 20_000;
    for (let i = 0; !sh.done(); i++) {
      assert.ok(i < 5000 && Date.now() < deadline, "sockscope ends after head has gone");
      let client: TestClient;
      try {
        client = await connect(port);
      } catch {
        break; // refused: the monitor has stopped listening
      }
      clients.push(client);
      // Held open; the next one connects once this one was served (or the monitor closed it).
      await within(bannerOrEnd(client), 10000, "the banner or the close");
      if (new TextDecoder().decode(client.received()).startsWith("hi\n")) {
        served.push(client.localPort);
      }
    }
    assert.equal(await within(sh.exited, 20000, "the pipeline to end"), 0);
    assert.equal(readFileSync(status, "utf8").trim(), "0", sh.stderr());
    assert.equal(sh.stdout().split("\n").length - 1, 2, "head printed its two lines");
    assert.doesNotMatch(sh.stderr(), STACK_TRACE);
    // The console's reader left, so the summary went to stderr.
    assert.match(sh.stderr(), /the console \(stdout\) was closed \(EPIPE/);
    assert.match(sh.stderr(), /summary: /);

    const events = readLog(log);
    const opens = events.filter((e) => e.type === "conn.open");
    const closes = events.filter((e) => e.type === "conn.close");
    assert.ok(served.length >= 2, `at least two connections were served (${served.length})`);
    // Every connection served has its records; a connection accepted while the run
    // was ending may have been closed before its banner went out, and then says so.
    const ours = new Set(clients.map((c) => c.localPort));
    assert.ok(opens.every((e) => ours.has(e.sport!)), "every record is one of our connections");
    const logged = new Set(opens.map((e) => e.sport));
    assert.ok(served.every((p) => logged.has(p)), "every connection served has a conn.open");
    assert.equal(logged.size, opens.length, "one conn.open per connection");
    assert.deepEqual(
      closes.map((e) => e.uid).sort(),
      opens.map((e) => e.uid).sort(),
      "one conn.close per conn.open",
    );
    for (const close of closes) {
      assert.equal(close.resp_bytes, served.includes(close.sport!) ? 3 : 0, "resp_bytes as seen");
    }
    assert.ok(closes.every((e) => e.reason === "shutdown"), "all were still open: reason shutdown");
  } catch (err) {
    // Seen once on a CI run (Bun, a wait of 10 s): say what each process was doing.
    const last = readLogSoFar(log).slice(-3).map((e) => JSON.stringify(e)).join("\n");
    (err as Error).message += `${sh.report()}\n-- status: ${
      existsSync(status) ? readFileSync(status, "utf8").trim() : "(not yet written)"
    }; ${clients.length} clients connected; the log ends with:\n${last}`;
    throw err;
  } finally {
    for (const c of clients) c.socket.destroy();
    sh.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a console nobody reads (a paused pager) neither stops the monitor nor keeps it from ending", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-stall-"));
  const fifo = join(dir, "console");
  const [cmd, pre] = cliCommand();
  const cli = [cmd, ...pre, "-p", "0", "--print", "none"].map(shellQuote).join(" ");
  // The reader passes on the first line (the port) and then stops reading, as
  // `sockscope | less` does when nobody scrolls; the pipe fills and stays full.
  const sh = shell(
    `mkfifo ${shellQuote(fifo)}; ` +
      `{ head -n 1 >&2; exec sleep 120 >/dev/null 2>&1; } < ${shellQuote(fifo)} & ` +
      `${cli} > ${shellQuote(fifo)} & pid=$!; echo "cli pid $pid" >&2; wait $pid; ` +
      `echo "cli status $?" >&2`,
  );
  try {
    await eventually(
      () => /listening on tcp 127\.0\.0\.1:\d+/.test(sh.stderr()),
      20000,
      "the port",
    );
    const port = Number(/listening on tcp 127\.0\.0\.1:(\d+)/.exec(sh.stderr())![1]);
    const pid = Number(/cli pid (\d+)/.exec(sh.stderr())![1]);
    // ~180 bytes of console lines each: far more than the pipe's 64 KiB.
    for (let i = 0; i < 1500; i++) await session(port, `c${i}`);
    process.kill(pid, "SIGTERM");
    await eventually(
      () => /cli status \d+/.test(sh.stderr()),
      15000,
      "sockscope to end although its console is not read",
    );
    assert.match(sh.stderr(), /cli status 0/);
    assert.match(sh.stderr(), /the console \(stdout\) is not being read/);
    assert.match(sh.stderr(), /summary: 1,500 connections \(0 dropped\)/);
    assert.doesNotMatch(sh.stderr(), STACK_TRACE);
  } finally {
    sh.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a log file nobody reads (a FIFO whose reader stopped) keeps the monitor serving, and a stop still ends the run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-fifo-"));
  const fifo = join(dir, "events.ndjson");
  // The reader takes the first bytes, then holds the FIFO open without reading.
  const reader = shell(
    `mkfifo ${shellQuote(fifo)} && echo ready >&2 && ` +
      `{ head -c 300 >/dev/null; exec sleep 120 >/dev/null 2>&1; } < ${shellQuote(fifo)}`,
  );
  let run: ReturnType<typeof startCli> | undefined;
  try {
    await eventually(() => reader.stderr().includes("ready"), 10000, "the FIFO");
    run = startCli(["-p", "0", "--print", "none", "--log", fifo]);
    const port = Number((await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening"))[1]);
    // ~3 events of ~250 bytes each: far more than the FIFO's 64 KiB.
    for (let i = 0; i < 400; i++) await session(port, `c${i}`);
    run.signal("SIGTERM");
    const end = await within(run.exited, 25000, "sockscope to end although its log takes nothing");
    // The blocked write cannot be waited for: the run ends as SIGTERM's default action would.
    assert.ok(end.signal === "SIGTERM" || end.code === 143, JSON.stringify(end));
    const out = run.stdout();
    assert.match(out, /summary: 400 connections \(0 dropped\)/);
    assert.match(out, /log: \S+ took nothing for 10\.0s; what it still held is lost/);
    assert.doesNotMatch(run.stderr(), STACK_TRACE);
  } finally {
    run?.kill();
    if (run) await within(run.exited, 10000, "the CLI to end");
    reader.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
