// Console lines: what an operator reads, escaped and (only when asked) coloured.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConsoleWriter,
  formatSummary,
  type MonitorEvent,
  type MonitorStats,
  type Sink,
} from "sockscope";
import {
  banEvent,
  dnsApp,
  episodeEnd,
  httpApp,
  redisApp,
  ruleAlert,
  scanAlert,
  sshApp,
  textApp,
  tlsApp,
} from "../_helpers/detection_events.ts";
import { consoleLineBound, writeCloseLine, writeOpenLine } from "../../src/output/console_line.ts";

function capture(): Sink & { text(): string } {
  let text = "";
  return {
    text: () => text,
    write(d: Uint8Array) {
      text += new TextDecoder().decode(d);
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

const flow = {
  uid: "CAAAAAAAAAAAAAAAAA",
  community_id: "1:x",
  proto: "tcp" as const,
  src: "::1",
  sport: 5000,
  dst: "::1",
  dport: 8000,
};
const ts = "2026-11-26T00:00:00.000Z";
const hostile = new TextEncoder().encode("ok\x1b[31m\x1b]2;title\x07\x9b\u202e\r\n");

/** A listener and one connection's open, hostile data and reset close. */
function oneConnection(view: ConsoleWriter): void {
  view.handle({ ts, type: "listener.up", proto: "tcp", host: "::1", port: 8000 });
  view.handle({ ts, type: "conn.open", ...flow });
  view.handle({
    ts,
    type: "conn.data",
    uid: flow.uid,
    dir: "orig",
    offset: 0,
    len: hostile.length,
    data: hostile,
  });
  view.handle({
    ts,
    type: "conn.close",
    ...flow,
    reason: "rst",
    duration: 1.5,
    orig_bytes: 2048,
    resp_bytes: 0,
    start: ts,
    orig_end: "rst",
    resp_end: null,
    first_end: "orig",
  });
}

async function render(options: ConstructorParameters<typeof ConsoleWriter>[1]): Promise<string> {
  const sink = capture();
  const view = new ConsoleWriter(sink, options);
  oneConnection(view);
  await view.close();
  return sink.text();
}

test("text mode escapes every control byte and shows peers with IPv6 brackets", async () => {
  const out = await render({ print: "text" });
  // deno-lint-ignore no-control-regex -- the point is to find raw control bytes
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/.test(out), JSON.stringify(out));
  assert.ok(out.includes("listening on tcp [::1]:8000"));
  assert.ok(out.includes("[::1]:5000 -> [::1]:8000"));
  assert.ok(out.includes("    | ok\\x1b[31m\\x1b]2;title\\x07\\u{009B}\\u{202E}\\r\\n"), out);
  assert.match(out, /close +\[::1\]:5000 -> \[::1\]:8000 +rst +in 2\.00 KiB +out 0 B +1\.50s/);
});

test("listeners replayed at once get a line per protocol and address, their ports as runs", async () => {
  const sink = capture();
  const view = new ConsoleWriter(sink, { print: "none" });
  const up = (proto: "tcp" | "udp", host: string, port: number, upstream?: number) =>
    view.handle({
      ts,
      type: "listener.up",
      proto,
      host,
      port,
      ...(upstream === undefined ? {} : { upstream_addr: "127.0.0.1", upstream_port: upstream }),
    });
  // What `listen -p 1-1000,8080 -u 53 -u 5353` and a `::1` listener replay, as subscribe does.
  for (let p = 1; p <= 1000; p++) up("tcp", "127.0.0.1", p);
  up("tcp", "127.0.0.1", 8080);
  up("udp", "127.0.0.1", 5353);
  up("udp", "127.0.0.1", 53);
  up("tcp", "::1", 8000);
  up("tcp", "::1", 8001);
  // A tap's listeners each name their upstream.
  up("tcp", "127.0.0.1", 6380, 6379);
  up("tcp", "127.0.0.1", 6381, 6379);
  view.handle({ ts, type: "conn.open", ...flow });
  await view.close();
  const lines = sink.text().trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 5), [
    "listening on tcp 127.0.0.1:1-1000,8080 (1001 ports)",
    "listening on udp 127.0.0.1:53,5353 (2 ports)",
    "listening on tcp [::1]:8000-8001 (2 ports)",
    "listening on tcp 127.0.0.1:6380, relaying to 127.0.0.1:6379",
    "listening on tcp 127.0.0.1:6381, relaying to 127.0.0.1:6379",
  ]);
  assert.match(
    lines[5],
    / open +\[::1\]:5000 -> \[::1\]:8000/,
    "the connection after its listener",
  );
  assert.equal(lines.length, 6, sink.text());
});

test("a replay of listeners is shown before a line of the caller's own, and on close", async () => {
  const sink = capture();
  const view = new ConsoleWriter(sink, { print: "none" });
  view.handle({ ts, type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 18401 });
  view.handle({ ts, type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 18402 });
  view.line("sockscope: metrics at http://127.0.0.1:9464/metrics");
  await view.close();
  assert.equal(
    sink.text(),
    "listening on tcp 127.0.0.1:18401-18402 (2 ports)\n" +
      "sockscope: metrics at http://127.0.0.1:9464/metrics\n",
  );
  const single = capture();
  const alone = new ConsoleWriter(single, {});
  alone.handle({ ts, type: "listener.up", proto: "udp", host: "::1", port: 53 });
  await alone.close();
  assert.equal(single.text(), "listening on udp [::1]:53\n");
});

test("none mode prints lifecycle lines only; colour only when enabled", async () => {
  const plain = await render({ print: "none" });
  assert.ok(!plain.includes("| ok"));
  assert.ok(!plain.includes("\x1b["), "no colour unless asked");
  const coloured = await render({ print: "none", color: true });
  assert.ok(coloured.includes("\x1b[31mclose\x1b[0m"), "a reset close is red");
  assert.ok(coloured.includes("\x1b[32mopen "), "an open is green");
});

test("connections: false (--quiet) shows no connection lines but every alert, drop and warning", async () => {
  const sink = capture();
  const view = new ConsoleWriter(sink, { print: "text", connections: false });
  assert.equal(view.wantsData, false, "no data events wanted");
  oneConnection(view);
  view.handle(httpApp());
  view.handle({
    ts,
    type: "udp.datagram",
    ...flow,
    proto: "udp",
    dir: "orig",
    len: 2,
    data: hostile,
  });
  view.handle({ ts, type: "conn.drop", ...flow, reason: "max-conns", limit: 1 });
  view.handle(ruleAlert());
  view.handle({ ts, type: "monitor.warning", kind: "accept-exhausted", message: "EMFILE" });
  view.line("sockscope: a line of the CLI's own");
  await view.close();
  const lines = sink.text().trimEnd().split("\n");
  assert.equal(lines.length, 5, sink.text());
  assert.match(lines[0], /^listening on tcp \[::1\]:8000$/);
  assert.match(lines[1], / drop +\[::1\]:5000 -> \[::1\]:8000 +max-conns \(limit 1\)$/);
  assert.match(lines[2], / ALERT /);
  assert.match(lines[3], / warn +accept-exhausted: EMFILE/);
  assert.equal(lines[4], "sockscope: a line of the CLI's own");
});

test("the summary names totals, reasons, top sources and ports", () => {
  const stats: MonitorStats = {
    startedAt: ts,
    uptime: 125,
    connsOpen: 0,
    connsTotal: 1234,
    connsDropped: 3,
    connsRefused: 0,
    alerts: 0,
    alertsSuppressed: 0,
    bansActive: 0,
    bansTotal: 0,
    connsPeerUnknown: 7,
    bytesIn: 3 * 1024 * 1024,
    bytesOut: 10,
    datagrams: 1,
    datagramBytes: 5,
    eventsDropped: 0,
    closeReasons: {
      fin: 1200,
      rst: 31,
      "idle-timeout": 0,
      "max-conns": 3,
      shutdown: 0,
      error: 0,
      denied: 0,
      banned: 0,
    },
    warnings: {
      "handler-error": 2,
      "accept-exhausted": 0,
      "accept-error": 0,
      "subscriber-error": 0,
    },
    topSources: [{ address: "10.0.0.1", count: 1000 }, { address: "10.0.0.2", count: 234 }],
    topPorts: [{ proto: "tcp", port: 22, count: 1234 }],
  };
  const text = formatSummary(stats);
  assert.match(
    text,
    /^summary: 1,234 connections \(3 dropped\), 3\.00 MiB in, 10 B out, 1 datagram \(5 B\), up 2m05s\n/,
  );
  assert.match(text, /closed: +fin 1,200, rst 31, max-conns 3\n/);
  assert.match(text, /top sources: 10\.0\.0\.1 \(1,000\), 10\.0\.0\.2 \(234\)\n/);
  assert.match(text, /top ports: +tcp\/22 \(1,234\)\n/);
  assert.match(text, /unknown source: 7 connections reset before the runtime could read/);
  assert.match(text, /absorbed: +handler-error 2\n/);
});

// Detection's lines: alerts (one line, highlighted by severity), bans, episodes, and what the
// fingerprints recognised (only when payloads are shown).

async function lines(
  events: MonitorEvent[],
  options: ConstructorParameters<typeof ConsoleWriter>[1] = {},
): Promise<string[]> {
  const sink = capture();
  const view = new ConsoleWriter(sink, options);
  for (const ev of events) view.handle(ev);
  await view.close();
  return sink.text().split("\n").filter((l) => l !== "");
}

const TIME = /^\d\d:\d\d:\d\d\.\d{3} /;

test("a rule alert is one line: sid, signature, category, severity, the flow and the action", async () => {
  const [line] = await lines([
    ruleAlert({
      ts: "2026-12-01T10:00:01.234Z",
      src: "203.0.113.5",
      sport: 51234,
      dst: "127.0.0.1",
      dport: 22,
    }),
  ]);
  assert.match(line, TIME);
  assert.equal(
    line.slice(13),
    "ALERT  [1:2001219:20] ET SCAN Potential SSH Scan (Attempted Information Leak, sev 2)  " +
      "203.0.113.5:51234 -> 127.0.0.1:22  allowed",
  );
  assert.equal(line.slice(9, 12), "234", "milliseconds of the event");
  const [suppressed] = await lines([ruleAlert({ suppressed: 7, action: "blocked" })]);
  assert.match(suppressed, / {2}blocked {2}\(\+7 suppressed\)$/);
});

test("behaviour alerts name their episode, port runs compressed; an unknown source says so", async () => {
  const [scan, unknown, many, sweep, flood] = await lines([
    scanAlert(),
    scanAlert({ src: null, sport: null, community_id: undefined }),
    scanAlert({
      episode: {
        ...scanAlert().episode!,
        count: 1500,
        ports: [1, 2, 3, 5, 7, 8, 10, 12, 14, 16, 18, 20, 22],
      },
    }),
    scanAlert({
      signature_id: 9000002,
      signature: "sockscope address sweep",
      episode: {
        ...scanAlert().episode!,
        kind: "sweep",
        count: 6,
        addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"],
      },
    }),
    scanAlert({
      signature_id: 9000003,
      episode: { ...scanAlert().episode!, kind: "flood", count: 500, window: 1 },
    }),
  ]);
  assert.equal(
    scan.slice(13),
    "ALERT  [1:9000001:1] sockscope connect scan (Detection of a Network Scan, sev 2)  " +
      "203.0.113.5:51234 -> 127.0.0.1:18210  allowed  scan: 21 ports in 5s: 18190-18210",
  );
  assert.match(unknown, /\(unknown peer\) -> 127\.0\.0\.1:18210 {2}allowed {2}scan: 21 ports/);
  // At most eight runs (11 ports), then how many of the 1,500 counted were not listed.
  assert.match(many, /scan: 1500 ports in 5s: 1-3,5,7-8,10,12,14,16,18,\.\.\. \(\+1489\)$/);
  assert.match(
    sweep,
    /sweep: 6 addresses in 5s: 10\.0\.0\.1,10\.0\.0\.2,10\.0\.0\.3,10\.0\.0\.4,\.\.\. \(\+2\)$/,
  );
  assert.match(flood, /flood: 500 connections in 1s$/);
});

test("alert colour: bold red for severity 1-2, yellow for 3-4, none when colour is off", async () => {
  const coloured = await lines([
    ruleAlert({ severity: 1 }),
    ruleAlert({ severity: 2 }),
    ruleAlert({ severity: 3 }),
    ruleAlert({ severity: 4 }),
  ], { color: true });
  assert.ok(coloured[0].includes("\x1b[1;31mALERT  [1:2001219:20]"), coloured[0]);
  assert.ok(coloured[1].includes("\x1b[1;31mALERT"));
  assert.ok(coloured[2].includes("\x1b[33mALERT"));
  assert.ok(coloured[3].includes("\x1b[33mALERT"));
  for (const l of coloured) assert.ok(l.includes("sev ") && l.includes("\x1b[0m"));
  const plain = await lines([ruleAlert({ severity: 1 })]);
  assert.ok(!plain[0].includes("\x1b["), "no colour unless asked");
});

test("ban, unban and episode.end lines", async () => {
  const [b, u, end, unknown] = await lines([
    banEvent(),
    banEvent({ action: "unban", ts: "2026-12-01T10:20:01.240Z" }),
    episodeEnd(),
    episodeEnd({ src: null, ports: [], port_count: 0, connections: 1 }),
  ]);
  assert.match(
    b.slice(13),
    /^ban {4}203\.0\.113\.5 {2}20m00s \(offense 2, until \d\d:\d\d:\d\d\) {2}\[sid 9000001\] sockscope connect scan$/,
  );
  assert.equal(u.slice(13), "unban  203.0.113.5  (offense 2, banned for 20m00s)");
  assert.equal(
    end.slice(13),
    "end    scan from 203.0.113.5: 63 connections, 22 ports (18190-18210,22), over 7.80s",
  );
  assert.equal(
    unknown.slice(13),
    "end    scan from unknown source: 1 connection, 0 ports, over 7.80s",
  );
});

test("conn.app lines show what was recognised, only when payloads are shown", async () => {
  const events: MonitorEvent[] = [
    httpApp(),
    tlsApp(),
    sshApp("orig", "OpenSSH_9.2p1", "Debian-2"),
    sshApp("resp", "OpenSSH_9.6"),
    redisApp(),
    dnsApp(),
    textApp(),
  ];
  const shown = await lines(events, { print: "text" });
  const label = "192.0.2.7:41620 -> 10.0.0.1:";
  assert.deepEqual(shown.map((l) => l.slice(13)), [
    `app    ${label}8000  http GET example.test:8000/index.html "curl/7.88.1"`,
    `app    ${label}8443  tls sni=example.test alpn=h2,http/1.1 ja4=t13d0412h2_55b375c5d22e_0c1e3ad5a1c4`,
    `app    ${label}22  ssh SSH-2.0-OpenSSH_9.2p1 Debian-2`,
    `app    ${label}22  out ssh SSH-2.0-OpenSSH_9.6`,
    `app    ${label}6379  redis SET (2 args)`,
    `app    192.0.2.7:53535 -> 10.0.0.1:5353  dns A example.com id=4660`,
    `app    ${label}8000  text`,
  ]);
  assert.deepEqual(await lines(events, { print: "none" }), []);
  // The label of an open connection is the one its open line showed.
  const [, app] = await lines([{ ...httpApp(), type: "conn.open" } as MonitorEvent, httpApp()]);
  assert.match(app, /app {4}192\.0\.2\.7:41620 -> 10\.0\.0\.1:8000 {2}http GET/);
});

test("hostile text in signatures, SNI, URIs, agents, SSH software and DNS names never reaches the terminal raw", async () => {
  const evil = "x\x1b[2J\x1b]0;pwned\x07\r\nFAKE\u202e\u0085y";
  const out = await lines([
    ruleAlert({ signature: evil, category: evil }),
    banEvent({ reason: evil }),
    httpApp({
      http: { ...httpApp().http!, method: evil, uri: evil, host: evil, user_agent: evil },
    }),
    tlsApp({ tls: { ...tlsApp().tls!, sni: evil, alpn: [evil] } }),
    sshApp("orig", evil, evil),
    { ...dnsApp(), dns: { ...dnsApp().dns!, rrname: evil, rrtype: evil } },
    { ...redisApp(), redis: { command: evil, args: 1, inline: true } },
  ], { print: "text", color: true });
  assert.equal(out.length, 7, "one line each: no CR or LF got through");
  for (const l of out) {
    // Only our own colour codes: ESC followed by a known SGR sequence.
    // deno-lint-ignore no-control-regex -- our own colour codes, to strip them
    const stripped = l.replace(/\x1b\[(?:0|1;31|33|36|31|32|2)m/g, "");
    // deno-lint-ignore no-control-regex -- the point is to find raw control bytes
    assert.ok(!/[\x00-\x1f\x7f-\x9f\u202e]/.test(stripped), JSON.stringify(l));
    assert.ok(l.includes("x\\x1b[2J\\x1b]0;pwned\\x07\\r\\nFAKE\\u{202E}\\u{0085}y"), l);
  }
});

/** The lines of `events` as a writer prints them; `color` takes the string path, then loses its escapes. */
async function printed(
  events: MonitorEvent[],
  color: boolean,
  print: "none" | "text",
): Promise<string> {
  const out = capture();
  const view = new ConsoleWriter(out, { print, color });
  for (const ev of events) view.handle(ev);
  await view.close();
  // deno-lint-ignore no-control-regex
  return color ? out.text().replace(/\x1b\[[0-9;]*m/g, "") : out.text();
}

test("open and close lines written as bytes are the string path's text, byte for byte", async () => {
  const events: MonitorEvent[] = [];
  const peers: [string | null, number | null, string][] = [
    ["192.0.2.7", 41620, "10.0.0.1"],
    ["2001:db8::7", 50000, "2001:db8::1"],
    ["::ffff:192.0.2.8", 1, "::"],
    [null, null, "0.0.0.0"],
  ];
  let n = 0;
  for (const [src, sport, dst] of peers) {
    for (const [orig, resp] of [[0, 0], [1023, 1024], [1536, 4 * 1024 ** 3]]) {
      for (const duration of [0, 0.006, 0.007, 0.0995, 1.5, 123, 3720]) {
        for (
          const tap of [
            {},
            { upstream_addr: "10.9.9.9", upstream_port: 22 },
            { upstream_addr: "10.9.9.9", upstream_port: 22, resp_end: "rst" as const },
            { upstream_addr: "10.9.9.9", upstream_port: 22, upstream_error: "refused" as const },
          ]
        ) {
          const uid = `C${String(n++).padStart(17, "0")}`;
          const ts = new Date(Date.UTC(2026, 10, 26, 10, 0, 0, 250) + n * 997).toISOString();
          events.push({ ts, type: "conn.open", uid, proto: "tcp", src, sport, dst, dport: 8000 });
          events.push({
            ts,
            type: "conn.close",
            uid,
            proto: "tcp",
            src,
            sport,
            dst,
            dport: 8000,
            reason: n % 3 === 0 ? "rst" : "fin",
            duration,
            orig_bytes: orig,
            resp_bytes: resp,
            start: ts,
            orig_end: "fin",
            resp_end: "fin",
            first_end: "orig",
            ...tap,
          });
        }
      }
    }
  }
  // And lines the byte path declines (an error text to escape, a foreign time form): the same too.
  events.push(
    { ...events[1], uid: "Cerr", reason: "error", error: "bad \x1b[2J thing" } as MonitorEvent,
  );
  events.push({ ...events[0], uid: "Cts", ts: "2026-11-26T10:00:00Z" } as MonitorEvent);
  assert.ok(events.length > 400);
  // The byte path takes every line but the two it must decline (so the comparison compares two paths).
  const declined = events.filter((ev) => {
    if (ev.type !== "conn.open" && ev.type !== "conn.close") return true;
    const buf = new Uint8Array(consoleLineBound(ev, undefined));
    return (ev.type === "conn.open"
      ? writeOpenLine(buf, 0, ev)
      : writeCloseLine(buf, 0, { event: ev, label: undefined })) < 0;
  });
  assert.deepEqual(declined.map((e) => "uid" in e && e.uid), ["Cerr", "Cts"]);
  for (const print of ["none", "text"] as const) {
    const bytes = await printed(events, false, print);
    assert.equal(bytes, await printed(events, true, print), print);
    assert.equal(bytes.split("\n").length - 1, events.length);
  }
});

test("a console whose reader stops reading holds a bounded queue; it says what it left out once it drains", async () => {
  // A pipe nobody reads (`sockscope | less`, never scrolled): the first write
  // never completes until the reader comes back.
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  let text = "";
  const sink: Sink = {
    async write(d) {
      await stalled;
      text += new TextDecoder().decode(d);
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const maxPendingBytes = 64 * 1024;
  const view = new ConsoleWriter(sink, { print: "none", maxPendingBytes });
  const n = 200_000;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const conn = { ...flow, uid: `C${i}`, sport: i % 65536 };
    view.handle({ ts, type: "conn.open", ...conn });
    view.handle({
      ts,
      type: "conn.close",
      ...conn,
      reason: "fin",
      duration: 0.001,
      orig_bytes: 1,
      resp_bytes: 0,
      start: ts,
      orig_end: "fin",
      resp_end: "fin",
      first_end: "orig",
    });
    if (i % 1000 === 0) await new Promise((r) => setTimeout(r, 0)); // let the pump run
    peak = Math.max(peak, view.pendingBytes);
  }
  assert.ok(peak <= 16 * maxPendingBytes + 4096, `queue bounded: peak ${peak} B`);
  assert.ok(view.dropped > 0, "lines past the bound are counted");
  release();
  await view.flush();
  // The next line after the console caught up says how many were left out.
  view.handle({ ts, type: "conn.open", ...flow });
  await view.close();
  const lines = text.trimEnd().split("\n");
  const shown = lines.filter((l) => / (open|close) {2,3}/.test(l)).length;
  const notice = lines.find((l) => l.includes("not shown: the console could not keep up"));
  assert.ok(notice, "a notice line");
  const left = Number(/\[(\d+) console lines not shown/.exec(notice)![1]);
  assert.equal(shown + left, 2 * n + 1, "every line shown or counted");
  assert.equal(view.dropped, left);
});
