// Syslog delivery to real receivers: UDP to a node:dgram socket, to socat and
// to rsyslog; TCP (RFC 6587 octet counting) to socat and rsyslog, including a
// collector that is down, then back, then gone and back again. Every message
// received must match a strict RFC 5424 regex built from the ABNF and carry
// the event's fields; rsyslog's own parse must agree.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import type { AlertEvent, BanEvent, EpisodeEndEvent } from "../../src/monitor/events.ts";
import type { RuntimeAdapter } from "../../src/net/adapter.ts";
import { loadAdapter } from "../../src/runtime/detect.ts";
import {
  formatSyslog,
  parseSyslogFacility,
  syslogSeverity,
} from "../../src/output/syslog_format.ts";
import { parseSyslogTarget, SyslogWriter } from "../../src/output/syslog_writer.ts";
import type { OutageEnd } from "../../src/output/batch_writer.ts";
import { adapters } from "../_helpers/runtimes.ts";
import { eventually, within } from "../_helpers/client.ts";
import { closedPort } from "../_helpers/servers.ts";

// ---- RFC 5424 section 6, as a strict regex -------------------------------------------------
// PRINTUSASCII = %d33-126; SD-NAME = 1*32PRINTUSASCII except '=', SP, ']', '"'.
const SD_NAME = String.raw`[!#-<>-\\^-~]{1,32}`;
// PARAM-VALUE: UTF-8 where '"', '\' and ']' appear only escaped (and sockscope escapes nothing else).
const PARAM_VALUE = String.raw`(?:[^"\\\]]|\\["\\\]])*`;
const SD_ELEMENT = String.raw`\[${SD_NAME}(?: ${SD_NAME}="${PARAM_VALUE}")*\]`;
const TIMESTAMP = String
  .raw`\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d{1,6})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)`;
const RFC5424 = new RegExp(
  String.raw`^<(\d{1,3})>([1-9]\d{0,2}) (-|${TIMESTAMP}) (-|[!-~]{1,255}) (-|[!-~]{1,48}) ` +
    String.raw`(-|[!-~]{1,128}) (-|[!-~]{1,32}) (-|(?:${SD_ELEMENT})+)(?: ([\s\S]*))?$`,
);

interface Parsed {
  pri: number;
  ts: string;
  host: string;
  app: string;
  procid: string;
  msgid: string;
  sdId: string;
  sd: string;
  params: Record<string, string>;
  msg: string;
}

/** The parameters of structured data, unescaped. */
function sdParams(sd: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const p of sd.matchAll(new RegExp(String.raw` (${SD_NAME})="(${PARAM_VALUE})"`, "g"))) {
    params[p[1]] = p[2].replace(/\\(["\\\]])/g, "$1");
  }
  return params;
}

/** What sockscope makes of HOSTILE as a parameter value. */
const HOSTILE_VISIBLE = 'x"] [evil@1 a="b"] \\ \\u{000A}<14>1 fake\\u{202E} é';

/** Parses a message strictly (throws an AssertionError if it is not RFC 5424). */
function parse5424(text: string): Parsed {
  const m = RFC5424.exec(text);
  assert.ok(m, `not RFC 5424: ${JSON.stringify(text)}`);
  const pri = Number(m[1]);
  assert.ok(pri <= 191, "PRIVAL 0..191");
  assert.equal(m[2], "1", "VERSION 1");
  const sd = m[8];
  const id = sd === "-" ? "-" : /^\[([^ \]]+)/.exec(sd)![1];
  const params = sdParams(sd);
  let msg = m[9] ?? "";
  // MSG-UTF8 starts with a BOM; MSG-ANY without one is what sockscope sends only for ASCII.
  if (msg.startsWith("\uFEFF")) msg = msg.slice(1);
  else assert.match(msg, /^[\x20-\x7e]*$/, "a MSG without BOM is ASCII");
  return {
    pri,
    ts: m[3],
    host: m[4],
    app: m[5],
    procid: m[6],
    msgid: m[7],
    sdId: id,
    sd,
    params,
    msg,
  };
}

// ---- fixtures ---------------------------------------------------------------------------
function alert(i: number, fields: Partial<AlertEvent> = {}): AlertEvent {
  return {
    ts: "2026-12-01T10:00:01.123Z",
    type: "alert",
    uid: `CSys${String(i).padStart(14, "0")}`,
    community_id: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
    proto: "tcp",
    src: "192.0.2.7",
    sport: 40000 + i,
    dst: "127.0.0.1",
    dport: 22,
    origin: "rule",
    action: "allowed",
    signature_id: 2000537,
    rev: 3,
    signature: "ET SCAN NMAP probe",
    category: "Attempted Information Leak",
    severity: 2,
    ...fields,
  };
}

const BAN: BanEvent = {
  ts: "2026-12-01T10:00:02.000Z",
  type: "ban",
  action: "ban",
  src: "192.0.2.7",
  reason: "ET SCAN NMAP probe",
  signature_id: 2000537,
  offense: 2,
  duration: 600,
  until: "2026-12-01T10:10:02.000Z",
};

const EPISODE: EpisodeEndEvent = {
  ts: "2026-12-01T10:05:00.000Z",
  type: "episode.end",
  kind: "scan",
  src: "192.0.2.7",
  first: "2026-12-01T10:00:00.000Z",
  last: "2026-12-01T10:04:00.000Z",
  connections: 1200,
  ports: [22, 80],
  port_count: 1000,
  addresses: ["127.0.0.1"],
};

/** Hostile rule text: quotes, backslashes, brackets, newlines, bidi, non-ASCII. */
const HOSTILE = 'x"] [evil@1 a="b"] \\ \n<14>1 fake\u202e é';

function checkAlert(p: Parsed, a: AlertEvent): void {
  assert.equal(p.pri, 4 * 8 + syslogSeverity(a), "facility auth, severity mapped");
  assert.equal(p.ts, a.ts);
  assert.equal(p.app, "sockscope");
  assert.equal(p.msgid, "alert");
  assert.equal(p.sdId, "sockscope@32473");
  assert.equal(p.params.sid, String(a.signature_id));
  assert.equal(p.params.src, a.src);
  assert.equal(p.params.sport, String(a.sport));
  assert.equal(p.params.dport, String(a.dport));
  assert.equal(p.params.uid, a.uid);
  assert.ok(p.msg.includes(`sid ${a.signature_id}`), p.msg);
}

// ---- helpers ------------------------------------------------------------------------------
/** A node:dgram receiver on 127.0.0.1:0. */
async function udpReceiver(): Promise<{ port: number; got: string[]; close: () => void }> {
  const socket = dgram.createSocket("udp4");
  const got: string[] = [];
  socket.on("message", (m: Uint8Array) => got.push(new TextDecoder().decode(m)));
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return { port: socket.address().port, got, close: () => socket.close() };
}

/** A UDP port that was free a moment ago. */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** True when `port` is bound by a UDP socket on 127.0.0.1 (Linux /proc). */
function udpBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  return readFileSync("/proc/net/udp", "utf8").split("\n").some((l) => l.includes(hex));
}

/** True when `port` is listening on TCP (Linux /proc; state 0A). */
function tcpListening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A`;
  return readFileSync("/proc/net/tcp", "utf8").split("\n").some((l) => l.includes(hex));
}

function has(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

/** Spawns a receiver whose stdout is collected. */
function run(cmd: string, args: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const chunks: Uint8Array[] = [];
  child.stdout!.on("data", (c: Uint8Array) => chunks.push(c));
  child.stderr!.on("data", () => {});
  return { child, out: () => Buffer.concat(chunks).toString("utf8") };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await within(exited, 5000, "the receiver to exit");
}

/** Splits an RFC 6587 octet-counted stream into messages; asserts it ends on a whole frame. */
function frames(stream: Uint8Array): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < stream.length) {
    let j = i;
    while (stream[j] !== 0x20) {
      assert.ok(stream[j] >= 0x30 && stream[j] <= 0x39 && j - i < 10, "MSG-LEN digits");
      j++;
    }
    const len = Number(new TextDecoder().decode(stream.subarray(i, j)));
    assert.ok(j + 1 + len <= stream.length, "a whole frame");
    out.push(new TextDecoder().decode(stream.subarray(j + 1, j + 1 + len)));
    i = j + 1 + len;
  }
  return out;
}

function socatTcp(port: number): { child: ChildProcess; bytes: () => Uint8Array } {
  const child = spawn("socat", ["-u", `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, "STDOUT"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const chunks: Uint8Array[] = [];
  child.stdout!.on("data", (c: Uint8Array) => chunks.push(c));
  return { child, bytes: () => new Uint8Array(Buffer.concat(chunks)) };
}

// ---- pure format ----------------------------------------------------------------------------
test("syslog format: alert, ban and episode.end are strict RFC 5424 with their fields", () => {
  const a = alert(1, { signature: HOSTILE, category: 'c]"\\', suppressed: 5 });
  const line = formatSyslog(a, { hostname: "sensor 1", procId: "4242" });
  const p = parse5424(line);
  checkAlert(p, a);
  assert.equal(p.host, "sensor_1", "PRINTUSASCII only in the header");
  assert.equal(p.procid, "4242");
  assert.equal(p.pri, 35, "auth (4) * 8 + err (3) for severity 2");
  assert.equal(p.params.suppressed, "5");
  assert.equal(p.params.category, 'c]"\\');
  // The rule text cannot end the element, add one, or break the line.
  assert.equal(p.params.signature, HOSTILE_VISIBLE);
  assert.ok(!line.includes("\n"));
  assert.ok(p.msg.includes("é"), "non-ASCII MSG is UTF-8 after a BOM");

  const ban = parse5424(formatSyslog(BAN));
  assert.equal(ban.msgid, "ban");
  assert.equal(ban.pri, 4 * 8 + 5);
  assert.equal(ban.host, "-");
  assert.deepEqual(ban.params, {
    action: "ban",
    src: "192.0.2.7",
    sid: "2000537",
    offense: "2",
    duration: "600",
    until: "2026-12-01T10:10:02.000Z",
    reason: "ET SCAN NMAP probe",
  });
  assert.equal(ban.msg, "banned 192.0.2.7 for 600s (offense 2): ET SCAN NMAP probe");

  const ep = parse5424(formatSyslog(EPISODE, { facility: parseSyslogFacility("local5") }));
  assert.equal(ep.msgid, "episode.end");
  assert.equal(ep.pri, 21 * 8 + 6);
  assert.equal(ep.params.connections, "1200");
  assert.equal(ep.params.port_count, "1000");
});

test("syslog format: severities 1-4 map to crit, err, warning, notice; the size bound holds", () => {
  assert.deepEqual([1, 2, 3, 4].map((s) => syslogSeverity(alert(0, { severity: s }))), [
    2,
    3,
    4,
    5,
  ]);
  const big = alert(2, { signature: "é".repeat(5000), category: "\u{1F600}".repeat(5000) });
  for (const maxBytes of [480, 1024, 2048]) {
    const line = formatSyslog(big, { maxBytes, hostname: "sensor1.example.org" });
    assert.ok(new TextEncoder().encode(line).byteLength <= maxBytes, `${maxBytes}`);
    checkAlert(parse5424(line), big);
  }
  // Header fields at their RFC maximum leave no room for structured data in 480 bytes:
  // the NILVALUE then stands in for it, and the message is still valid and bounded.
  const huge = { hostname: "h".repeat(300), appName: "a".repeat(60), procId: "p".repeat(200) };
  const line = formatSyslog(big, { ...huge, maxBytes: 480 });
  assert.ok(new TextEncoder().encode(line).byteLength <= 480);
  const p = parse5424(line);
  assert.equal(p.host.length, 255);
  assert.equal(p.sd, "-");
  assert.throws(() => formatSyslog(big, { maxBytes: 100 }), RangeError);
  assert.throws(() => formatSyslog(big, { facility: 24 }), RangeError);
  assert.throws(() => parseSyslogFacility("mail2"), /expected a code 0-23 or one of kern, user/);
});

test("syslog target: udp:// and tcp:// HOST:PORT, IPv6 in brackets; anything else a TypeError", () => {
  assert.deepEqual(parseSyslogTarget("udp://127.0.0.1:514"), {
    transport: "udp",
    host: "127.0.0.1",
    port: 514,
  });
  assert.deepEqual(parseSyslogTarget("TCP://[::1]:6514"), {
    transport: "tcp",
    host: "::1",
    port: 6514,
  });
  assert.deepEqual(parseSyslogTarget("tcp://logs.internal:514").host, "logs.internal");
  for (
    const bad of [
      "127.0.0.1:514",
      "udp://127.0.0.1",
      "tls://h:6514",
      "udp://h:514/x",
      "udp://::1:514",
    ]
  ) {
    assert.throws(() => parseSyslogTarget(bad), {
      name: "TypeError",
      message: new RegExp(
        `^Invalid --syslog "${
          bad.replace(/[/.[\]]/g, "\\$&")
        }": expected udp://HOST:PORT or tcp://HOST:PORT`,
      ),
    });
  }
  assert.throws(() => parseSyslogTarget("udp://h:70000"), RangeError);
});

// ---- real receivers, per adapter ------------------------------------------------------------
for (const name of adapters) {
  describe(`syslog writer (${name} adapter)`, () => {
    let adapter: RuntimeAdapter;

    test("UDP to a node:dgram socket: one RFC 5424 datagram per event, only syslog events", async () => {
      adapter = await loadAdapter(name);
      const rx = await udpReceiver();
      const w = new SyslogWriter(`udp://127.0.0.1:${rx.port}`, adapter, { hostname: "sensor1" });
      try {
        const sent = [alert(1), alert(2, { severity: 1, signature: HOSTILE }), BAN, EPISODE];
        for (const e of sent) w.handle(e);
        w.handle({ ts: BAN.ts, type: "listener.up", proto: "udp", host: "127.0.0.1", port: 53 });
        await eventually(() => rx.got.length === 4, 5000, "four datagrams");
        assert.equal(w.sent, 4);
        const parsed = rx.got.map(parse5424);
        // UDP may reorder in general; on loopback from one socket it does not.
        checkAlert(parsed[0], sent[0] as AlertEvent);
        checkAlert(parsed[1], sent[1] as AlertEvent);
        assert.equal(parsed[1].pri, 34);
        assert.deepEqual(parsed.map((p) => p.msgid), ["alert", "alert", "ban", "episode.end"]);
        assert.ok(parsed.every((p) => p.host === "sensor1"));
      } finally {
        await within(w.close(), 5000, "close");
        rx.close();
      }
    });

    test(
      "TCP to socat: octet-counted frames; collector down, then back, then gone and back: reconnects and delivers",
      {
        skip: has("socat") ? false : "socat not installed (Debian package socat)",
      },
      async () => {
        adapter = await loadAdapter(name);
        const port = await closedPort();
        const outages: string[] = [];
        const resumes: OutageEnd[] = [];
        const w = new SyslogWriter(`tcp://127.0.0.1:${port}`, adapter, {
          backoffMinMs: 20,
          backoffMaxMs: 100,
          onOutage: (_e, cause) => outages.push(cause),
          onResume: (end) => resumes.push(end),
        });
        let first: ReturnType<typeof socatTcp> | undefined;
        let second: ReturnType<typeof socatTcp> | undefined;
        try {
          // Down: queued, retried.
          for (let i = 0; i < 3; i++) w.handle(alert(i));
          await eventually(() => w.outageCause !== undefined, 5000, "the refused connect");
          assert.equal(w.sent, 0);
          assert.equal(w.pending, 3);
          assert.deepEqual(outages, ["refused"]);

          // Back: everything queued arrives, in order.
          first = socatTcp(port);
          await eventually(() => w.sent === 3, 10_000, "delivery once the collector listens");
          await eventually(
            () => frames(first!.bytes()).length === 3,
            5000,
            "three frames at socat",
          );
          assert.deepEqual(
            frames(first.bytes()).map((f) => parse5424(f).params.uid),
            [0, 1, 2].map((i) => alert(i).uid),
          );
          assert.equal(outages.length, 1);
          assert.equal(resumes.length, 1);
          assert.equal(resumes[0].dropped, 0);

          // Gone: the writer notices the collector's FIN; what comes next waits for the next one.
          await stop(first.child);
          await eventually(() => !w.connected, 5000, "the writer to see the connection end");
          for (let i = 3; i < 5; i++) w.handle(alert(i, { signature: HOSTILE }));
          await eventually(() => outages.length === 2, 5000, "the second outage");
          second = socatTcp(port);
          await eventually(
            () => frames(second!.bytes()).length === 2,
            10_000,
            "two frames at the second socat",
          );
          const got = frames(second.bytes()).map(parse5424);
          assert.deepEqual(got.map((p) => p.params.uid), [alert(3).uid, alert(4).uid]);
          assert.ok(got.every((p) => p.params.signature.includes('x"] [evil@1')));
          assert.equal(w.reconnects, 1);
          assert.equal(w.dropped, 0);
        } finally {
          await within(w.close(), 5000, "close");
          if (first) await stop(first.child);
          if (second) await stop(second.child);
        }
      },
    );
  });
}

test("syslog writer: UDP to socat UDP-RECV: the datagram parses as RFC 5424", {
  skip: has("socat") ? false : "socat not installed (Debian package socat)",
}, async () => {
  const port = await freeUdpPort();
  const rx = run("socat", ["-u", `UDP-RECV:${port},bind=127.0.0.1`, "STDOUT"]);
  const w = new SyslogWriter(`udp://127.0.0.1:${port}`, await loadAdapter());
  try {
    await eventually(() => udpBound(port), 5000, "socat to bind");
    const a = alert(7);
    w.handle(a);
    await eventually(() => rx.out().includes(a.uid), 5000, "socat to print the message");
    checkAlert(parse5424(rx.out()), a);
  } finally {
    await within(w.close(), 5000, "close");
    await stop(rx.child);
  }
});

test("syslog writer: a full queue drops with queue-full counted; close() is bounded with the collector down", async () => {
  const port = await closedPort();
  const w = new SyslogWriter(`tcp://127.0.0.1:${port}`, await loadAdapter(), {
    maxQueue: 10,
    backoffMinMs: 60_000,
    closeTimeoutMs: 300,
  });
  for (let i = 0; i < 1000; i++) w.handle(alert(i));
  assert.deepEqual(w.droppedByCause, { "queue-full": 990 });
  await eventually(() => w.outageCause !== undefined, 5000, "the refused connect");
  await within(w.close(), 5000, "close");
  assert.deepEqual(w.droppedByCause, { "queue-full": 990, "close-timeout": 10 });
  w.handle(alert(0));
  assert.equal(w.dropped, 1001, "after close: counted as closed");
});

test("syslog writer: rsyslog (imudp and imtcp) receives and parses every field", {
  skip: has("rsyslogd") ? false : "rsyslogd not installed (Debian package rsyslog)",
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-rsyslog-"));
  const udpPort = await freeUdpPort();
  const tcpPort = await closedPort();
  const out = join(dir, "out.jsonl");
  writeFileSync(
    join(dir, "rsyslog.conf"),
    `global(workDirectory="${dir}")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="${udpPort}")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}")
template(name="fields" type="list" option.jsonf="on") {
  property(outname="input" name="inputname" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="host" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="ts" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="raw" name="rawmsg" format="jsonf")
}
if $app-name == "sockscope" then action(type="omfile" file="${out}" template="fields")
`,
  );
  const rs = run("rsyslogd", ["-n", "-f", join(dir, "rsyslog.conf"), "-i", join(dir, "pid")]);
  const adapter = await loadAdapter();
  const udp = new SyslogWriter(`udp://127.0.0.1:${udpPort}`, adapter, { hostname: "sensor1" });
  const tcp = new SyslogWriter(`tcp://127.0.0.1:${tcpPort}`, adapter, { hostname: "sensor1" });
  const lines = (): Record<string, string>[] => {
    try {
      return readFileSync(out, "utf8").split("\n").filter((l) => l !== "").map((l) =>
        JSON.parse(l)
      );
    } catch {
      return [];
    }
  };
  try {
    await eventually(
      () => udpBound(udpPort) && tcpListening(tcpPort),
      10_000,
      "rsyslogd to listen",
    );
    udp.handle(alert(1));
    udp.handle(BAN);
    tcp.handle(alert(2, { signature: HOSTILE }));
    tcp.handle(EPISODE);
    await eventually(() => lines().length === 4, 10_000, "rsyslog to write four messages");
    const got = lines();
    const byInput = (i: string) => got.filter((l) => l.input === i);
    assert.equal(byInput("imudp").length, 2);
    assert.equal(byInput("imtcp").length, 2, "octet-counted frames split right");
    for (const l of got) {
      assert.equal(l.app, "sockscope");
      assert.equal(l.host, "sensor1");
      // rsyslog parsed the same structured data we sent.
      assert.equal(l.sd, parse5424(l.raw).sd);
    }
    const a2 = got.find((l) => l.msgid === "alert" && l.input === "imtcp")!;
    assert.equal(a2.pri, String(4 * 8 + 3));
    assert.equal(Date.parse(a2.ts), Date.parse("2026-12-01T10:00:01.123Z"), a2.ts);
    assert.equal(
      sdParams(a2.sd).signature,
      HOSTILE_VISIBLE,
      "rsyslog read the escaped value back whole",
    );
    assert.deepEqual(got.map((l) => l.msgid).sort(), ["alert", "alert", "ban", "episode.end"]);
  } finally {
    await within(Promise.all([udp.close(), tcp.close()]), 5000, "close");
    await stop(rs.child);
    rmSync(dir, { recursive: true, force: true });
  }
});
