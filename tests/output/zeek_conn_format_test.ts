// Zeek's conn.log as Zeek writes it: the ASCII header lines in Zeek's order,
// one record per conn.close with Zeek's fields in Zeek's order (as many on
// every line as #fields names), conn_state and history from what the socket
// saw, unset fields as "-" (an unknown peer is never made up), strings
// escaped as Zeek's writer escapes them, #close at the end; and the JSON log.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type ConnCloseEvent,
  listen,
  type MonitorEvent,
  RecordWriter,
  type Sink,
  ZeekConnFormat,
} from "sockscope";
import { closeEvent, everyCloseEvent } from "../_helpers/events.ts";
import { banEvent, episodeEnd, httpApp, ruleAlert } from "../_helpers/detection_events.ts";
import { connect, eventually, sendDatagram } from "../_helpers/client.ts";

const FIELDS = [
  "ts",
  "uid",
  "id.orig_h",
  "id.orig_p",
  "id.resp_h",
  "id.resp_p",
  "proto",
  "service",
  "duration",
  "orig_bytes",
  "resp_bytes",
  "conn_state",
  "local_orig",
  "local_resp",
  "missed_bytes",
  "history",
  "orig_pkts",
  "orig_ip_bytes",
  "resp_pkts",
  "resp_ip_bytes",
  "tunnel_parents",
  "ip_proto",
  "community_id",
];
const TYPES = [
  "time",
  "string",
  "addr",
  "port",
  "addr",
  "port",
  "enum",
  "string",
  "interval",
  "count",
  "count",
  "string",
  "bool",
  "bool",
  "count",
  "string",
  "count",
  "count",
  "count",
  "count",
  "set[string]",
  "count",
  "string",
];

/** One TSV record as a field-name map. */
function record(line: string): Record<string, string> {
  const values = line.replace(/\n$/, "").split("\t");
  assert.equal(values.length, FIELDS.length, `one value per field: ${JSON.stringify(line)}`);
  return Object.fromEntries(FIELDS.map((f, i) => [f, values[i]]));
}

const tsv = new ZeekConnFormat();
const json = new ZeekConnFormat({ json: true });

function tsvRecord(extra: Partial<ConnCloseEvent> = {}): Record<string, string> {
  return record(tsv.encode(closeEvent(extra))!);
}

function memorySink(): Sink & { text(): string } {
  let text = "";
  return {
    text: () => text,
    write(d) {
      text += new TextDecoder().decode(d);
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
    size: () => Promise.resolve(new TextEncoder().encode(text).byteLength),
  };
}

/** Parses `YYYY-MM-DD-HH-MM-SS` as local time, as Zeek's `#open`/`#close` stamps are. */
function localStamp(stamp: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$/.exec(stamp);
  assert.ok(m, `a Zeek time stamp: ${stamp}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

test("the header: Zeek's eight lines, in Zeek's order, #open in local time", () => {
  const now = Date.UTC(2026, 10, 26, 10, 43, 42, 432);
  const lines = tsv.header(now, 0).split("\n");
  assert.equal(lines.pop(), "");
  assert.deepEqual(lines.slice(0, 5), [
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\tconn",
  ]);
  const [key, stamp] = lines[5].split("\t");
  assert.equal(key, "#open");
  assert.equal(localStamp(stamp), now - 432);
  assert.equal(lines[6], ["#fields", ...FIELDS].join("\t"));
  assert.equal(lines[7], ["#types", ...TYPES].join("\t"));
  assert.equal(lines.length, 8);
  const [closeKey, closeStamp] = tsv.footer(now + 1000).replace(/\n$/, "").split("\t");
  assert.equal(closeKey, "#close");
  assert.equal(localStamp(closeStamp), now - 432 + 1000);
});

test("a normal connection: every field as Zeek writes it", () => {
  assert.deepEqual(tsvRecord(), {
    ts: "1795687200.000000",
    uid: "CHhAvVGS1DHFjwGM9a",
    "id.orig_h": "192.0.2.7",
    "id.orig_p": "41620",
    "id.resp_h": "10.0.0.1",
    "id.resp_p": "8000",
    proto: "tcp",
    service: "-",
    duration: "2.250000",
    orig_bytes: "26",
    resp_bytes: "4",
    conn_state: "SF",
    local_orig: "F",
    local_resp: "T",
    missed_bytes: "0",
    history: "ShADdFf",
    orig_pkts: "-",
    orig_ip_bytes: "-",
    resp_pkts: "-",
    resp_ip_bytes: "-",
    tunnel_parents: "-",
    ip_proto: "6",
    community_id: "1:Os/lBeoKsqsZOBQedv6YA3Ac5ZM=",
  });
  assert.equal(
    tsvRecord({ start: "2026-11-26T10:00:00.007Z", duration: 0.001 }).ts,
    "1795687200.007000",
  );
  assert.equal(tsvRecord({ duration: 0.001 }).duration, "0.001000");
  assert.equal(tsvRecord({ duration: 0 }).duration, "0.000000");
});

test("conn_state and history for every way a connection ends", () => {
  const cases: [string, Partial<ConnCloseEvent>, string, string][] = [
    ["both FIN, the peer first", {}, "SF", "ShADdFf"],
    [
      "both FIN, sockscope first (banner, then close)",
      {
        first_end: "resp",
        orig_first_ms: 9,
        resp_first_ms: 1,
      },
      "SF",
      "ShAdDfF",
    ],
    ["only the peer's FIN", { resp_end: null, reason: "shutdown" }, "S2", "ShADdF"],
    [
      "only sockscope's FIN (idle timeout)",
      {
        orig_end: null,
        first_end: "resp",
        reason: "idle-timeout",
      },
      "S3",
      "ShADdf",
    ],
    [
      "neither ended (shutdown)",
      {
        orig_end: null,
        resp_end: null,
        first_end: null,
        reason: "shutdown",
      },
      "S1",
      "ShADd",
    ],
    ["the peer reset", { orig_end: "rst", resp_end: null, reason: "rst" }, "RSTO", "ShADdR"],
    [
      "the responder reset (tap upstream)",
      {
        orig_end: null,
        resp_end: "rst",
        first_end: "resp",
      },
      "RSTR",
      "ShADdr",
    ],
    [
      "no data at all, the peer reset",
      {
        orig_bytes: 0,
        resp_bytes: 0,
        orig_first_ms: undefined,
        resp_first_ms: undefined,
        orig_end: "rst",
        resp_end: null,
      },
      "RSTO",
      "ShAR",
    ],
    [
      "tap: the upstream refused",
      {
        upstream_error: "refused",
        resp_bytes: 0,
        resp_first_ms: undefined,
        orig_end: null,
        resp_end: null,
        first_end: null,
      },
      "REJ",
      "SrD",
    ],
    [
      "tap: the upstream timed out",
      {
        upstream_error: "timeout",
        orig_bytes: 0,
        resp_bytes: 0,
        orig_first_ms: undefined,
        resp_first_ms: undefined,
        orig_end: null,
        resp_end: null,
        first_end: null,
      },
      "S0",
      "S",
    ],
    [
      "tap: the upstream was unreachable, the client closed",
      {
        upstream_error: "unreachable",
        orig_bytes: 0,
        resp_bytes: 0,
        orig_first_ms: undefined,
        resp_first_ms: undefined,
        resp_end: null,
      },
      "S0",
      "SF",
    ],
  ];
  for (const [what, extra, state, history] of cases) {
    const r = tsvRecord(extra);
    assert.equal(r.conn_state, state, what);
    assert.equal(r.history, history, what);
  }
});

test("UDP flows: Zeek's S0/SF, D/d history, packets and IP bytes (28 per datagram on IPv4, 48 on IPv6)", () => {
  const udp = (extra: Partial<ConnCloseEvent>) =>
    tsvRecord({
      proto: "udp",
      orig_end: null,
      resp_end: null,
      first_end: null,
      orig_first_ms: undefined,
      resp_first_ms: undefined,
      reason: "idle-timeout",
      ...extra,
    });
  const answered = udp({ orig_pkts: 2, resp_pkts: 1, orig_bytes: 60, resp_bytes: 100 });
  assert.equal(answered.proto, "udp");
  assert.equal(answered.conn_state, "SF");
  assert.equal(answered.history, "Dd");
  assert.deepEqual(
    [answered.orig_pkts, answered.orig_ip_bytes, answered.resp_pkts, answered.resp_ip_bytes],
    ["2", String(60 + 2 * 28), "1", String(100 + 28)],
  );
  assert.equal(answered.ip_proto, "17");
  const unanswered = udp({ orig_pkts: 3, resp_pkts: 0, orig_bytes: 0, resp_bytes: 0 });
  assert.equal(unanswered.conn_state, "S0");
  assert.equal(unanswered.history, "D", "empty datagrams count: Zeek marks any datagram");
  assert.equal(unanswered.orig_ip_bytes, String(3 * 28));
  const v6 = udp({
    src: "2001:db8::7",
    dst: "fd00::1",
    orig_pkts: 1,
    resp_pkts: 1,
    orig_bytes: 5,
    resp_bytes: 6,
  });
  assert.deepEqual([v6.orig_ip_bytes, v6.resp_ip_bytes], [String(5 + 48), String(6 + 48)]);
  assert.deepEqual([v6.local_orig, v6.local_resp], ["F", "T"]);
});

test("an unknown peer is unset, never made up: id.orig_h, id.orig_p, local_orig and community_id are -", () => {
  const r = tsvRecord({
    src: null,
    sport: null,
    community_id: undefined,
    dst: "0.0.0.0",
    orig_bytes: 0,
    resp_bytes: 0,
    orig_first_ms: undefined,
    resp_first_ms: undefined,
    orig_end: "rst",
    resp_end: null,
    reason: "rst",
  });
  assert.equal(r["id.orig_h"], "-");
  assert.equal(r["id.orig_p"], "-");
  assert.equal(r.local_orig, "-");
  assert.equal(r.community_id, "-");
  assert.equal(r["id.resp_h"], "0.0.0.0");
  assert.equal(r.conn_state, "RSTO");
  assert.equal(r.history, "ShAR");
  const j = JSON.parse(
    json.encode(closeEvent({ src: null, sport: null, community_id: undefined }))!,
  );
  for (const f of ["id.orig_h", "id.orig_p", "local_orig", "community_id"]) {
    assert.equal(f in j, false, `${f} left out`);
  }
});

test("local_orig and local_resp: loopback, private, link-local and ULA addresses are local", () => {
  const local = (address: string) => tsvRecord({ src: address }).local_orig;
  for (
    const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.0.9",
      "::1",
      "fe80::1",
      "fd12::1",
      "::ffff:10.0.0.1",
    ]
  ) {
    assert.equal(local(a), "T", a);
  }
  for (const a of ["8.8.8.8", "172.32.0.1", "192.0.2.7", "2001:db8::1", "::ffff:8.8.8.8"]) {
    assert.equal(local(a), "F", a);
  }
});

test("strings are escaped as Zeek's ASCII writer does: tab, backslash, control bytes, the reserved markers", () => {
  const uidOf = (uid: string) => tsvRecord({ uid }).uid;
  assert.equal(uidOf("a\tb"), "a\\x09b");
  assert.equal(uidOf("a\\b"), "a\\\\b");
  assert.equal(uidOf("a\nb\r"), "a\\x0ab\\x0d");
  assert.equal(uidOf("a\u0001b\u007f"), "a\\x01b\\x7f");
  // Valid UTF-8 passes; once a segment holds a control byte, its non-ASCII bytes are escaped too.
  assert.equal(uidOf("é"), "é");
  assert.equal(uidOf("é\u0000"), "\\xc3\\xa9\\x00");
  assert.equal(uidOf("-"), "\\x2d");
  assert.equal(uidOf("(empty)"), "\\x28empty)");
  assert.equal(uidOf(""), "(empty)");
  assert.equal(uidOf("\ud800"), "\\xef\\xbf\\xbd", "a lone surrogate is escaped, not passed");
});

test("through the writer: the header first, #close last, and every record as many fields as #fields", async () => {
  const sink = memorySink();
  const log = new RecordWriter(sink, tsv);
  assert.equal(log.wantsData, false);
  const events: MonitorEvent[] = [
    {
      ts: "2026-11-26T10:00:00.000Z",
      type: "listener.up",
      proto: "tcp",
      host: "127.0.0.1",
      port: 8000,
    },
    closeEvent(),
    closeEvent({ uid: "tab\there\nnewline", src: null, sport: null, community_id: undefined }),
    closeEvent({ proto: "udp", orig_pkts: 1, resp_pkts: 0, src: "::1", dst: "::1" }),
    closeEvent({ upstream_error: "refused", upstream_addr: "10.9.9.9", upstream_port: 22 }),
  ];
  for (const e of events) log.handle(e);
  await log.close();
  const lines = sink.text().split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines[0], "#separator \\x09");
  const fields = lines.find((l) => l.startsWith("#fields"))!.split("\t").slice(1);
  assert.deepEqual(fields, FIELDS);
  const records = lines.filter((l) => !l.startsWith("#"));
  assert.equal(records.length, 4, "one record per conn.close, none for listener.up");
  for (const l of records) assert.equal(l.split("\t").length, fields.length, l);
  assert.match(lines.at(-1)!, /^#close\t\d{4}(-\d\d){5}$/);
  assert.equal(lines.filter((l) => l.startsWith("#")).length, 9);
});

test("the JSON log: one object per line, Zeek's dotted names, ts in epoch seconds, unset fields left out", () => {
  const j = JSON.parse(json.encode(closeEvent({ uid: "a\u0001\tb" }))!);
  assert.deepEqual(Object.keys(j), [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "ip_proto",
    "community_id",
  ]);
  assert.equal(j.ts, 1795687200);
  assert.equal(j.duration, 2.25);
  assert.equal(j["id.orig_p"], 41620);
  assert.equal(j.local_orig, false);
  assert.equal(j.uid, "a\\x01\tb", "control bytes as \\xNN text, as Zeek's JSON writer does");
  const u = JSON.parse(
    json.encode(
      closeEvent({ proto: "udp", orig_pkts: 2, resp_pkts: 1, start: "2026-11-26T10:00:00.123Z" }),
    )!,
  );
  assert.equal(u.ts, 1795687200.123);
  assert.equal(u.orig_pkts, 2);
  assert.equal(u.resp_ip_bytes, 4 + 28);
  assert.equal(json.header(Date.now(), 0), "");
  assert.equal(json.footer(Date.now()), "");
  assert.equal(
    json.encode({
      ts: "2026-11-26T10:00:00.000Z",
      type: "listener.up",
      proto: "tcp",
      host: "::",
      port: 1,
    }),
    undefined,
  );
});

test("from a live monitor: a TCP connection and a UDP flow become records with Zeek's state and history", async () => {
  const monitor = await listen({ ports: [0], udpPorts: [0], banner: "hello\r\n" });
  const sink = memorySink();
  const log = new RecordWriter(sink, new ZeekConnFormat({ json: true }));
  monitor.subscribe(log.handle, { data: log.wantsData });
  const opened: string[] = [];
  monitor.subscribe((e) => e.type === "conn.open" && opened.push(e.proto));
  const closes: ConnCloseEvent[] = [];
  monitor.subscribe((e) => e.type === "conn.close" && closes.push(e));
  let closed = false;
  try {
    const tcpPort = monitor.addresses.find((a) => a.proto === "tcp")!.port;
    const udpPort = monitor.addresses.find((a) => a.proto === "udp")!.port;
    const client = await connect(tcpPort);
    await eventually(() => client.received().byteLength >= 7, 5000, "the banner");
    await client.write("GET / HTTP/1.0\r\n\r\n");
    client.end();
    await client.closed;
    await sendDatagram(udpPort, new TextEncoder().encode("ping"));
    await eventually(() => opened.includes("udp"), 5000, "the UDP flow");
    await monitor.close(); // ends the UDP flow
    closed = true;
    await log.close();
    const records = sink.text().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
    const tcp = records.find((r) => r.proto === "tcp");
    const udp = records.find((r) => r.proto === "udp");
    assert.ok(tcp && udp, sink.text());
    assert.equal(tcp["id.orig_h"], "127.0.0.1");
    assert.equal(tcp["id.orig_p"], client.localPort);
    assert.equal(tcp["id.resp_p"], tcpPort);
    assert.equal(tcp.orig_bytes, 18);
    assert.equal(tcp.resp_bytes, 7);
    assert.equal(tcp.conn_state, "SF");
    assert.equal(tcp.history, "ShAdDFf", "banner first, then the request, then the peer's FIN");
    assert.equal(tcp.local_orig, true);
    assert.match(tcp.community_id, /^1:/);
    assert.equal(udp.orig_bytes, 4);
    assert.equal(udp.orig_pkts, 1);
    assert.equal(udp.orig_ip_bytes, 32);
    assert.equal(udp.conn_state, "S0");
    assert.equal(udp.history, "D");
    // The monitor's own records take the tab-separated log's in-place path.
    assert.equal(closes.length, 2);
    for (const ev of closes) assert.equal(inPlaceLine(tsv, ev), tsv.encode(ev), ev.proto);
  } finally {
    if (!closed) await monitor.close();
    await log.close();
  }
});

test("service: Zeek's analyzer names for what the fingerprints recognised; the generic guesses unset", () => {
  const cases: [ConnCloseEvent["service"], string][] = [
    ["http", "http"],
    ["tls", "ssl"], // Zeek's SSL analyzer names TLS connections "ssl"
    ["ssh", "ssh"],
    ["dns", "dns"],
    ["redis", "redis"],
    ["text", "-"],
    ["binary", "-"],
    [undefined, "-"],
  ];
  for (const [service, expected] of cases) {
    assert.equal(tsvRecord(service === undefined ? {} : { service }).service, expected, service);
    const line = JSON.parse(json.encode(closeEvent(service === undefined ? {} : { service }))!);
    if (expected === "-") assert.equal("service" in line, false, `${service}: unset in JSON`);
    else assert.equal(line.service, expected);
  }
  // Other events, detection's included, write no record.
  for (const ev of [httpApp(), ruleAlert(), banEvent(), episodeEnd()]) {
    assert.equal(tsv.encode(ev), undefined, ev.type);
  }
});

/** The tab-separated line `format` writes in place for `ev`, or undefined where it declines. */
function inPlaceLine(format: ZeekConnFormat, ev: ConnCloseEvent): string | undefined {
  const bound = format.bound(ev);
  if (bound === 0) return undefined;
  const buf = new Uint8Array(bound);
  const end = format.encodeInto(buf, 0, ev);
  return end < 0 ? undefined : new TextDecoder().decode(buf.subarray(0, end));
}

test("the in-place line is the string path's text, byte for byte, for every kind of record", () => {
  const events = everyCloseEvent();
  // UDP flows with nothing answered, and with nothing at all (history "(empty)").
  events.push(
    closeEvent({ proto: "udp", orig_pkts: 0, resp_pkts: 0, orig_bytes: 0, resp_bytes: 0 }),
    closeEvent({ proto: "udp", orig_pkts: undefined, resp_pkts: undefined }),
    closeEvent({ start: "1969-12-31T23:59:59.250Z", duration: 0.0004 }),
    closeEvent({ duration: 12345.6789, orig_bytes: 2 ** 40, resp_bytes: 2 ** 31 }),
  );
  assert.ok(events.length > 300, `${events.length} records`);
  for (const ev of events) {
    assert.equal(inPlaceLine(tsv, ev), tsv.encode(ev), ev.uid);
  }
});

test("the in-place line declines what Zeek escapes or a foreign time form; the writer then writes the string path", async () => {
  const cases: Partial<ConnCloseEvent>[] = [
    { src: "fe80::1%\teth0" },
    { uid: "-" },
    { uid: "(empty)" },
    { uid: "" },
    { community_id: "1:\\x" },
    { dst: "caf\u00e9" },
    { start: "2026-11-26T10:00:00Z" },
    { orig_bytes: Number.NaN },
  ];
  const sink = memorySink();
  const log = new RecordWriter(sink, new ZeekConnFormat());
  for (const extra of cases) {
    const ev = closeEvent(extra);
    assert.equal(inPlaceLine(tsv, ev), undefined, JSON.stringify(extra));
    log.handle(ev);
  }
  // The JSON log has no in-place path.
  assert.equal(json.bound(closeEvent()), 0);
  await log.close();
  const lines = sink.text().split("\n").filter((l) => !l.startsWith("#") && l !== "");
  assert.deepEqual(lines, cases.map((extra) => tsv.encode(closeEvent(extra))!.slice(0, -1)));
});
