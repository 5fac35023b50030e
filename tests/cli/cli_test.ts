// The sockscope command as an operator uses it: flags, errors, console, log, signals.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "sockscope";
import { cliCommand, runCli, startCli } from "../_helpers/cli.ts";
import { connect, eventually, within } from "../_helpers/client.ts";
import { runtime } from "../_helpers/runtimes.ts";

test("--version prints the version and the runtime", async () => {
  const r = await runCli(["--version"]);
  assert.equal(r.code, 0);
  assert.match(
    r.stdout,
    new RegExp(`^sockscope ${VERSION.replace(/\./g, "\\.")} \\(${runtime} \\d+\\.\\d+`),
  );
});

test("--help lists the listen flags", async () => {
  const r = await runCli(["--help"]);
  assert.equal(r.code, 0);
  for (
    const flag of [
      "--port",
      "--udp",
      "--host",
      "--max-conns",
      "--idle-timeout",
      "--banner",
      "--capture-bytes",
      "--print",
      "--quiet",
      "--log",
      "--map",
      "--connect-timeout",
      "--zeek",
      "--eve",
      "--pcap",
      "--metrics",
      "--no-detect",
      "--detect-scan",
      "--allow",
      "--deny",
      "--ban",
      "--ban-log",
      "--rules",
      "--var",
      "--rules-strict",
      "--webhook",
      "--syslog",
      "check --rules",
    ]
  ) {
    assert.ok(r.stdout.includes(flag), `help mentions ${flag}`);
  }
});

for (
  const [args, pattern] of [
    [["--bogus"], /^sockscope: unknown flag --bogus: expected one of the flags in --help\n$/],
    [["-p", "70000"], /^sockscope: --port: invalid port "70000": expected 1-65535\n$/],
    [["-p", "9010-9000"], /^sockscope: --port: .*9010-9000.*\n$/],
    [["--idle-timeout", "5x"], /^sockscope: --idle-timeout: invalid duration "5x".*\n$/],
    [
      ["--max-conns", "0"],
      /^sockscope: --max-conns: invalid value "0": expected a whole number >= 1\n$/,
    ],
    [["--print", "raw"], /^sockscope: --print: invalid mode "raw": expected text, hex or none\n$/],
    [
      ["-q", "--print", "hex"],
      /^sockscope: --print: not used with --quiet, which shows no connection lines\n$/,
    ],
    [["--banner", "\\q"], /^sockscope: --banner: .*\\q.*\n$/],
    [["--capture-bytes", "lots"], /^sockscope: --capture-bytes: .*lots.*\n$/],
    [["--port"], /^sockscope: --port: missing value\n$/],
    [
      ["--detect-scan", "5"],
      /^sockscope: --detect-scan: invalid value "5": expected COUNT\/DURATION such as 5\/60s, or off\n$/,
    ],
    [
      ["--detect-flood", "0/1s"],
      /^sockscope: --detect-flood: invalid count "0": expected a whole number >= 1\n$/,
    ],
    [
      ["--detect-concurrency", "9/1s"],
      /^sockscope: --detect-concurrency: invalid value "9\/1s": expected COUNT, or off\n$/,
    ],
    [
      ["--no-detect", "--detect-scan", "3/1s"],
      /^sockscope: --detect-scan: conflicts with --no-detect\n$/,
    ],
    [
      ["--allow", "10.0.0.0/33"],
      /^sockscope: --allow: Invalid CIDR "10.0.0.0\/33": expected a prefix length 0-32\n$/,
    ],
    [
      ["--deny", "evil.example"],
      /^sockscope: --deny: Invalid CIDR "evil.example": expected an IPv4 or IPv6 address, optionally with \/PREFIX\n$/,
    ],
    [["--ban-time", "1m"], /^sockscope: --ban-time: only with --ban\n$/],
    [["--ban", "--ban-time", "soon"], /^sockscope: --ban-time: invalid duration "soon".*\n$/],
    [["--var", "HOME_NET=x"], /^sockscope: --var: only with --rules FILE\n$/],
    [
      ["--rules", "r", "--var", "1X=y"],
      /^sockscope: --var: invalid "1X=y": expected NAME=VALUE, e.g. HOME_NET=10.0.0.0\/8\n$/,
    ],
    [
      ["--webhook", "ftp://x/"],
      /^sockscope: --webhook: invalid URL "ftp:\/\/x\/": expected http\(s\):\/\/HOST\/PATH\n$/,
    ],
    [
      ["--webhook", "http://x/", "--webhook-format", "teams"],
      /^sockscope: --webhook-format: invalid format "teams": expected json, slack, discord or alertmanager\n$/,
    ],
    [
      ["--syslog", "localhost:514"],
      /^sockscope: --syslog: invalid target "localhost:514": expected udp:\/\/HOST:PORT or tcp:\/\/HOST:PORT\n$/,
    ],
    [
      ["--rules", "/nonexistent/x.rules"],
      /^sockscope: --rules: cannot read "\/nonexistent\/x.rules": .*\n$/,
    ],
    [["check"], /^sockscope: check: expected at least one --rules FILE\n$/],
    [
      ["frobnicate"],
      /^sockscope: unknown command "frobnicate": expected listen, tap or check \(see --help\)\n$/,
    ],
  ] as [string[], RegExp][]
) {
  test(`wrong usage "${args.join(" ")}" exits 2 with one line naming the flag`, async () => {
    const r = await runCli(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stdout, "");
  });
}

test("a port in use exits 1 with one line naming the address", async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const r = await runCli(["listen", "-p", String(port)]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `sockscope: 127.0.0.1:${port} is already in use: stop the other program or pick another port\n`,
    );
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

test("an address that is not local exits 1 naming it", async () => {
  const r = await runCli(["-H", "192.0.2.1", "-p", "0"]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^sockscope: cannot bind 192\.0\.2\.1:0: the address is not available on this machine; use .*\n$/,
  );
});

test("listen: console shows remote bytes escaped, log has every event, SIGINT flushes and summarises", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-cli-"));
  const log = join(dir, "events.ndjson");
  const run = startCli(["listen", "-p", "0", "--log", log, "--banner", "hi\\r\\n"]);
  try {
    const [, port] = await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening line");
    const client = await connect(Number(port));
    await client.write("GET / HTTP/1.1\r\n\x1b[2J\x1b]0;pwned\x07\u202e\n");
    client.end();
    await within(client.ended, 5000, "server close");
    await run.waitFor(/close .* fin +in 34 B +out 4 B/, "close line");
    run.signal("SIGINT");
    const { code } = await within(run.exited, 10000, "exit after SIGINT");
    assert.equal(code, 0);
    const out = run.stdout();
    // Remote control bytes never reach the terminal raw.
    assert.ok(!out.includes("\x1b"), "no raw ESC in the console output");
    assert.ok(!out.includes("\x07"), "no raw BEL");
    assert.ok(!out.includes("\u202e"), "no raw bidi override");
    assert.ok(out.includes("    | GET / HTTP/1.1\\r\\n"));
    assert.ok(
      out.includes("\\x1b[2J\\x1b]0;pwned\\x07\\u{202E}\\n") ||
        out.includes("\\x1b[2J\\x1b]0;pwned\\x07\\u{202e}\\n"),
      out,
    );
    assert.match(out, /summary: 1 connection.*34 B in, 4 B out/);
    assert.match(out, /top sources: 127\.0\.0\.1 \(1\)/);
    const events = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.type), [
      "listener.up",
      "conn.open",
      "conn.data",
      "conn.data",
      // The request line says HTTP; the head never ended (hostile bytes, then FIN).
      "conn.app",
      "conn.close",
    ]);
    const app = events[4];
    assert.equal(app.service, "http");
    assert.equal(app.http.method, "GET");
    assert.equal(app.http.truncated, true);
    const close = events[5];
    assert.equal(close.service, "http");
    assert.equal(close.reason, "fin");
    assert.equal(close.orig_bytes, 34);
    assert.equal(close.resp_bytes, 4);
    assert.match(close.community_id, /^1:[A-Za-z0-9+/]{27}=$/);
    for (const e of events) assert.ok(!Number.isNaN(Date.parse(e.ts)) && e.ts.endsWith("Z"));
    const data = events.filter((e) => e.type === "conn.data");
    assert.equal(
      atob(data.find((e) => e.dir === "orig").data),
      "GET / HTTP/1.1\r\n\x1b[2J\x1b]0;pwned\x07\xe2\x80\xae\n",
    );
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("listen -q: no line per connection on the console; the log has every event, the summary counts them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-cli-"));
  const log = join(dir, "events.ndjson");
  const run = startCli(["listen", "-q", "-p", "0", "--log", log]);
  try {
    const [, port] = await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening line");
    for (let i = 0; i < 3; i++) {
      const client = await connect(Number(port));
      await client.write("hello\n");
      client.end();
      await within(client.ended, 5000, "server close");
    }
    const closes = () =>
      existsSync(log) ? (readFileSync(log, "utf8").match(/"type":"conn\.close"/g) ?? []).length : 0;
    await eventually(() => closes() === 3, 10000, "3 close records in the log");
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 10000, "exit")).code, 0);
    const out = run.stdout();
    assert.match(out, /summary: 3 connections/);
    assert.doesNotMatch(out, / (open|close|data) +127\.0\.0\.1:/, out);
    assert.doesNotMatch(out, /hello/, "no received bytes on the console");
    const types = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l).type);
    assert.equal(types.filter((t) => t === "conn.open").length, 3);
    assert.equal(types.filter((t) => t === "conn.data").length, 3, "the log still has the data");
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("listen: open connections are closed as shutdown on SIGTERM and each has one close record", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-cli-"));
  const log = join(dir, "events.ndjson");
  const run = startCli(["-p", "0", "--log", log, "--print", "none"]);
  try {
    const [, port] = await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening line");
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect(Number(port))));
    await eventually(
      () => (run.stdout().match(/ open /g) ?? []).length >= 50,
      10000,
      "50 open lines",
    );
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 10000, "exit")).code, 0);
    const events = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const opens = events.filter((e) => e.type === "conn.open").map((e) => e.uid);
    const closes = events.filter((e) => e.type === "conn.close");
    assert.equal(opens.length, 50);
    assert.deepEqual(closes.map((e) => e.uid).sort(), [...opens].sort());
    assert.ok(closes.every((e) => e.reason === "shutdown"));
    for (const c of clients) c.socket.destroy();
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("listen --print hex shows offset, hex and ASCII columns; --log - writes NDJSON to stdout", async () => {
  const run = startCli(["-p", "0", "--print", "hex", "--log", "-"]);
  try {
    const [, port] = await run.waitFor(
      /listening on tcp 127\.0\.0\.1:(\d+)/,
      "listening line",
      "stderr",
    );
    const client = await connect(Number(port));
    await client.write(new Uint8Array([0x48, 0x69, 0x00, 0xff, 0x1b]));
    client.end();
    await run.waitFor(/"type":"conn\.close"/, "close event");
    run.signal("SIGINT");
    assert.equal((await within(run.exited, 10000, "exit")).code, 0);
    const line = run.stderr().split("\n").find((l) => l.startsWith("    | 00000000"));
    assert.ok(line, run.stderr());
    const body = line.slice("    | ".length);
    assert.match(body, /^00000000 {2}48 69 00 ff 1b +\|Hi\.\.\.\|$/);
    // The ASCII column sits where it would on a full 16-byte line: 10 + 16*3 + 2.
    assert.equal(body.indexOf("|"), 60);
    const types = run.stdout().trim().split("\n").map((l) => JSON.parse(l).type);
    assert.deepEqual(types, ["listener.up", "conn.open", "conn.data", "conn.close"]);
  } finally {
    run.kill();
  }
});

test("listen -u receives UDP and several -p ports listen at once", async () => {
  const run = startCli(["-p", "0", "-u", "0", "--print", "text"]);
  try {
    const [, udpPort] = await run.waitFor(
      /listening on udp 127\.0\.0\.1:(\d+)/,
      "udp listening line",
    );
    const dgram = await import("node:dgram");
    const sock = dgram.createSocket("udp4");
    await new Promise<void>((r) =>
      sock.send(new TextEncoder().encode("ping\x1b"), Number(udpPort), "127.0.0.1", () => r())
    );
    sock.close();
    await run.waitFor(/udp .* 5 B\n {4}\| ping\\x1b/, "datagram line");
    run.signal("SIGINT");
    assert.equal((await within(run.exited, 10000, "exit")).code, 0);
    assert.match(run.stdout(), /1 datagram/);
  } finally {
    run.kill();
  }
});

/** How to run the CLI as an unprivileged user: directly when not root, else through setpriv as nobody. */
function unprivileged(): { prefix: string[]; env: Record<string, string> } | string {
  const uid = process.getuid?.();
  if (uid === undefined) return "no POSIX user ids here";
  if (uid !== 0) return { prefix: [], env: {} };
  if (!existsSync("/usr/bin/setpriv")) return "running as root without setpriv to drop privileges";
  const prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
  const [cmd, pre] = cliCommand();
  const readable = spawnSync(prefix[0], [...prefix.slice(1), "test", "-r", pre.at(-1) ?? cmd]);
  if (readable.status !== 0) return "user nobody cannot read this checkout";
  const denoDir = mkdtempSync(join(tmpdir(), "sockscope-deno-"));
  chmodSync(denoDir, 0o777);
  return { prefix, env: { HOME: tmpdir(), DENO_DIR: denoDir } };
}

test("a privileged port exits 1 naming the address and what to do", (t) => {
  const how = unprivileged();
  if (typeof how === "string") return t.skip(how);
  const [cmd, pre] = cliCommand();
  const [exe, ...args] = [...how.prefix, cmd, ...pre, "-p", "80"];
  const r = spawnSync(exe, args, {
    env: { ...process.env, ...how.env },
    encoding: "utf8",
    timeout: 30000,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(
    r.stderr,
    "sockscope: permission denied binding 127.0.0.1:80: ports below 1024 need root or CAP_NET_BIND_SERVICE: pick a port >= 1024\n",
  );
  if (how.env.DENO_DIR) rmSync(how.env.DENO_DIR, { recursive: true, force: true });
});

test("--log appends to an existing file instead of replacing it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-cli-"));
  const log = join(dir, "events.ndjson");
  writeFileSync(log, '{"earlier":"line"}\n');
  try {
    for (let i = 0; i < 2; i++) {
      const run = startCli(["-p", "0", "--log", log, "--print", "none"]);
      await run.waitFor(/listening on tcp/, "listening line");
      run.signal("SIGINT");
      assert.equal((await within(run.exited, 10000, "exit")).code, 0);
    }
    const lines = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { earlier: "line" });
    assert.deepEqual(lines.slice(1).map((e) => e.type), ["listener.up", "listener.up"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an unwritable --log path exits 1 naming the file", async () => {
  const r = await runCli(["-p", "0", "--log", "/nonexistent-dir/events.ndjson"]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^sockscope: cannot open --log file "\/nonexistent-dir\/events\.ndjson": .+\n$/,
  );
});

/** Runs the CLI on a pseudo-terminal (util-linux `script`) until it prints its listening line. */
async function onTerminal(env: Record<string, string | undefined>): Promise<string> {
  const [cmd, pre] = cliCommand();
  const quoted = [cmd, ...pre, "-p", "0"].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) {
    if (v !== undefined) merged[k] = v;
  }
  const child = spawn("script", ["-qfec", quoted, "/dev/null"], {
    env: merged,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout!.on("data", (c: Uint8Array) => (out += new TextDecoder().decode(c)));
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  try {
    await eventually(() => out.includes("on tcp"), 20000, "listening line on the terminal");
    process.kill(-child.pid!, "SIGINT");
    await within(exited, 10000, "exit");
    return out;
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch { /* already gone */ }
  }
}

test("colour on a terminal, none with NO_COLOR", async (t) => {
  if (spawnSync("script", ["--version"]).status !== 0) {
    return t.skip("util-linux script is not installed");
  }
  const withColour = await onTerminal({ NO_COLOR: undefined });
  assert.ok(withColour.includes("\x1b[1mlistening\x1b[0m"), JSON.stringify(withColour));
  const emptyIsUnset = await onTerminal({ NO_COLOR: "" });
  assert.ok(
    emptyIsUnset.includes("\x1b[1mlistening\x1b[0m"),
    "an empty NO_COLOR does not count (no-color.org)",
  );
  const without = await onTerminal({ NO_COLOR: "1" });
  assert.ok(without.includes("listening on tcp"));
  assert.ok(!without.includes("\x1b["), JSON.stringify(without));
});

test("listen holds 2,000 concurrent connections and logs exactly one open and one close for each", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-cli-"));
  const log = join(dir, "events.ndjson");
  const run = startCli(["-p", "0", "--log", log, "--print", "none"]);
  const N = 2000;
  try {
    const [, port] = await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening line");
    const clients = [];
    for (let i = 0; i < N; i += 200) {
      clients.push(
        ...await Promise.all(
          Array.from({ length: Math.min(200, N - i) }, () => connect(Number(port))),
        ),
      );
    }
    // All held at once: every client writes, then half of them leave, the rest stay for shutdown.
    await Promise.all(clients.map((c, i) => c.write(`client ${i}\n`)));
    await Promise.all(
      clients.slice(0, N / 2).map((c) => {
        c.end();
        return within(c.ended, 10000, "server close");
      }),
    );
    // A connection still in the kernel's accept queue is not accepted yet: wait for every open line.
    await eventually(
      () => (run.stdout().match(/ open /g) ?? []).length >= N,
      10000,
      `${N} open lines`,
    );
    run.signal("SIGTERM");
    assert.equal((await within(run.exited, 20000, "exit")).code, 0);
    const events = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const opens = events.filter((e) => e.type === "conn.open");
    const closes = events.filter((e) => e.type === "conn.close");
    assert.equal(opens.length, N);
    assert.equal(new Set(closes.map((e) => e.uid)).size, N);
    assert.equal(closes.length, N);
    assert.equal(closes.filter((e) => e.reason === "fin").length, N / 2);
    assert.equal(closes.filter((e) => e.reason === "shutdown").length, N / 2);
    for (const c of clients) c.socket.destroy();
  } finally {
    run.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a second signal exits at once, even while the log cannot be flushed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-cli-"));
  const fifo = join(dir, "stuck.fifo");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo");
  // A reader that never reads: the log's writes stall once the pipe buffer is full.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const run = startCli(["-p", "0", "--log", fifo, "--print", "none", "--capture-bytes", "4MiB"]);
  try {
    const [, port] = await run.waitFor(/listening on tcp 127\.0\.0\.1:(\d+)/, "listening line");
    const client = await connect(Number(port));
    await client.write(new Uint8Array(2 * 1024 * 1024));
    client.end();
    await within(client.ended, 10000, "server close");
    await run.waitFor(/close .* fin/, "close line");
    run.signal("SIGINT");
    // The first signal's shutdown now waits on the stalled log (it has begun once the port
    // refuses: two signals sent before the first is handled would merge into one).
    const deadline = Date.now() + 10_000;
    for (;;) {
      assert.ok(Date.now() < deadline, "the first SIGINT closes the listener");
      try {
        const probe = await connect(Number(port));
        probe.socket.destroy();
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        break; // refused: shutdown has begun
      }
    }
    // The operator insists.
    run.signal("SIGINT");
    const { code, signal } = await within(run.exited, 5000, "exit after the second signal");
    // 130 = 128 + SIGINT, as a shell reports either form.
    assert.ok(code === 130 || signal === "SIGINT", `exit code ${code}, signal ${signal}`);
  } finally {
    run.kill();
    closeSync(reader);
    rmSync(dir, { recursive: true, force: true });
  }
});
