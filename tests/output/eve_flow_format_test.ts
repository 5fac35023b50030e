// Suricata EVE `flow` events: every line the format writes, for every way a
// connection or UDP flow can end (IPv4 and IPv6, unknown peer, tap mode),
// validates against Suricata's own EVE JSON schema with a real validator
// (ajv), and a line that breaks the schema is rejected by that same
// validator. The values follow Suricata's: timestamps with microseconds and
// an offset, a stable 51-bit flow_id, state and reason words, the unknown
// peer left out rather than made up. Alerts: EVE `alert` events, valid
// against the same schema, with the flow's flow_id, Suricata's alert object
// and what the fingerprints read in Suricata's http/tls/ssh/dns objects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import {
  type ConnCloseEvent,
  EveFlowFormat,
  listen,
  type MonitorEvent,
  RecordWriter,
  type Sink,
} from "sockscope";
import { repoRoot } from "../_helpers/repo.ts";
import { eveTcpFlags } from "../../src/output/eve_flow_line.ts";
import { zeekHistory } from "../../src/output/zeek_conn_fields.ts";
import { closeEvent, everyCloseEvent } from "../_helpers/events.ts";
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
import { connect, eventually } from "../_helpers/client.ts";

/** Suricata's schema, from the workplace's shared data beside the repository (../shared/data). */
const SCHEMA_PATH = join(repoRoot, "..", "shared", "data", "suricata-eve-schema.json");

function validator() {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));
  // Strict: an unknown keyword or a bad schema is an error, not ignored. The
  // schema's own annotation keyword (`suricata`, keywords for rules) is declared.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  ajv.addKeyword("suricata");
  ajv.addKeyword("desription"); // sic: a misspelt annotation in the schema file
  return ajv.compile(schema);
}

const validate = validator();

function assertValid(line: string): Record<string, unknown> {
  const event = JSON.parse(line);
  assert.equal(validate(event), true, `${line}\n${JSON.stringify(validate.errors, null, 1)}`);
  return event;
}

const eve = new EveFlowFormat();

function flowOf(extra: Partial<ConnCloseEvent> = {}) {
  // deno-lint-ignore no-explicit-any
  return assertValid(eve.encode(closeEvent(extra))!) as any;
}

test("every generated record validates against Suricata's EVE schema", () => {
  const events = everyCloseEvent();
  assert.ok(events.length > 300, `${events.length} records`);
  for (const ev of events) {
    const line = eve.encode(ev)!;
    assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), "one line per event");
    const flow = assertValid(line);
    assert.equal(flow.event_type, "flow");
  }
});

/** What the writer queues for `ev`: the format's bytes in place, or its string where it declines. */
function writtenLine(format: EveFlowFormat, ev: MonitorEvent): string | undefined {
  const buf = new Uint8Array(format.bound(ev) || 1);
  const end = format.bound(ev) > 0 ? format.encodeInto(buf, 0, ev) : -1;
  return end < 0 ? format.encode(ev) : new TextDecoder().decode(buf.subarray(0, end));
}

test("the in-place flow line is the string path's text, byte for byte; alerted flows included", () => {
  const events = everyCloseEvent();
  const byString = new EveFlowFormat();
  const inPlace = new EveFlowFormat();
  let alerted = 0;
  for (const [i, ev] of events.entries()) {
    // Every third flow alerted first: its record says so, in both paths.
    if (i % 3 === 0) {
      const alert = ruleAlert({ uid: ev.uid });
      byString.encode(alert);
      inPlace.encode(alert);
    }
    const buf = new Uint8Array(inPlace.bound(ev));
    const end = inPlace.encodeInto(buf, 0, ev);
    assert.ok(end > 0, `${ev.uid} written in place`);
    const line = new TextDecoder().decode(buf.subarray(0, end));
    assert.equal(line, byString.encode(ev), ev.uid);
    if (assertValid(line).flow && JSON.parse(line).flow.alerted) alerted++;
  }
  assert.equal(alerted, Math.ceil(events.length / 3));
});

test("tcp flags are those of the Zeek history's letters, for every generated flow", () => {
  const letterFlags: Record<string, number> = {
    S: 0x02,
    s: 0x02,
    h: 0x12,
    H: 0x12,
    A: 0x10,
    a: 0x10,
    D: 0x10,
    d: 0x10,
    F: 0x11,
    f: 0x11,
    R: 0x04,
    r: 0x04,
  };
  const events = everyCloseEvent().filter((e) => e.proto === "tcp");
  // Data each way (and none), in both orders.
  for (const [orig_bytes, resp_bytes] of [[0, 0], [5, 0], [0, 5], [5, 5]]) {
    events.push(
      closeEvent({ orig_bytes, resp_bytes }),
      closeEvent({ orig_bytes, resp_bytes, orig_first_ms: 9 }),
    );
  }
  for (const ev of events) {
    let ts = 0;
    let tc = 0;
    for (const letter of zeekHistory(ev)) {
      if (letter === letter.toUpperCase()) ts |= letterFlags[letter];
      else tc |= letterFlags[letter];
    }
    assert.equal(eveTcpFlags(ev), (ts << 8) | tc, `${zeekHistory(ev)} ${ev.uid}`);
  }
});

test("the in-place flow line declines what needs escaping or a foreign time form; the string path writes it", () => {
  const format = new EveFlowFormat();
  const cases: Partial<ConnCloseEvent>[] = [
    { src: 'fe80::1%"eth0"' },
    { community_id: "1:\\x" },
    { ts: "2026-11-26T10:00:02.250+00:00" },
    { start: "2026-11-26T10:00:00Z" },
    { dst: "caf\u00e9" },
  ];
  for (const extra of cases) {
    const ev = closeEvent(extra);
    assert.equal(
      format.encodeInto(new Uint8Array(format.bound(ev)), 0, ev),
      -1,
      JSON.stringify(extra),
    );
    const line = writtenLine(format, ev)!;
    assert.deepEqual(JSON.parse(line), JSON.parse(new EveFlowFormat().encode(ev)!));
  }
  // Events other than conn.close are the string path's (or nothing).
  assert.equal(format.bound(ruleAlert()), 0);
});

test("the validator is real: records that break the schema are rejected", () => {
  const good = JSON.parse(eve.encode(closeEvent())!);
  assert.equal(validate(good), true);
  const broken = [
    { ...good, src_port: "41620" }, // a port as a string
    { ...good, flow: { ...good.flow, packets: 3 } }, // a field the schema does not allow
    { ...good, upstream: "10.9.9.9" }, // a top-level field the schema does not know
    { ...good, timestamp: "2026-11-26T10:00:02.250Z" }, // no numeric offset
    { ...good, flow_id: 1.5 },
    (({ event_type: _, ...rest }) => rest)(good), // required
  ];
  for (const record of broken) {
    assert.equal(validate(record), false, JSON.stringify(record));
  }
});

test("the fields: Suricata's timestamps, a stable 51-bit flow_id, tuple, bytes, state and reason", () => {
  const f = flowOf();
  assert.equal(f.timestamp, "2026-11-26T10:00:02.250000+0000");
  assert.equal(f.event_type, "flow");
  assert.equal(f.src_ip, "192.0.2.7");
  assert.equal(f.src_port, 41620);
  assert.equal(f.dest_ip, "10.0.0.1");
  assert.equal(f.dest_port, 8000);
  assert.equal(f.ip_v, 4);
  assert.equal(f.proto, "TCP");
  assert.equal(f.community_id, "1:Os/lBeoKsqsZOBQedv6YA3Ac5ZM=");
  assert.deepEqual(f.flow, {
    bytes_toserver: 26,
    bytes_toclient: 4,
    start: "2026-11-26T10:00:00.000000+0000",
    end: "2026-11-26T10:00:02.250000+0000",
    age: 2,
    state: "closed",
    reason: "timeout",
    alerted: false,
  });
  assert.deepEqual(f.tcp, {
    tcp_flags: "13",
    tcp_flags_ts: "13",
    tcp_flags_tc: "13",
    syn: true,
    fin: true,
    ack: true,
    state: "closed",
  });
  // The flow id: an integer below 2^51 (Suricata's cut), the same for the same uid, written as digits.
  const line = eve.encode(closeEvent())!;
  const digits = /"flow_id":(\d+),/.exec(line)![1];
  assert.equal(String(f.flow_id), digits);
  assert.ok(Number.isSafeInteger(f.flow_id) && f.flow_id < 2 ** 51);
  assert.equal(flowOf().flow_id, f.flow_id);
  assert.notEqual(flowOf({ uid: "CHhAvVGS1DHFjwGM9b" }).flow_id, f.flow_id);
});

test("TCP state, flags and flow state for each way a connection ends; packets never made up", () => {
  const cases: [string, Partial<ConnCloseEvent>, string, string, string, string][] = [
    // what, event, tcp.state, flow.state, tcp_flags_ts, tcp_flags_tc
    ["both FIN", {}, "closed", "closed", "13", "13"],
    ["only the peer's FIN", { resp_end: null }, "close_wait", "established", "13", "12"],
    [
      "only sockscope's FIN",
      { orig_end: null, first_end: "resp" },
      "fin_wait2",
      "established",
      "12",
      "13",
    ],
    [
      "neither",
      { orig_end: null, resp_end: null, first_end: null },
      "established",
      "established",
      "12",
      "12",
    ],
    ["the peer reset", { orig_end: "rst", resp_end: null }, "closed", "closed", "16", "12"],
    [
      "tap: refused",
      {
        upstream_error: "refused",
        resp_end: null,
        resp_bytes: 0,
        orig_end: null,
      },
      "closed",
      "closed",
      "12",
      "04",
    ],
    [
      "tap: timeout",
      {
        upstream_error: "timeout",
        resp_end: null,
        resp_bytes: 0,
        orig_bytes: 0,
        orig_end: null,
      },
      "syn_sent",
      "new",
      "02",
      "00",
    ],
  ];
  for (const [what, extra, tcpState, flowState, ts, tc] of cases) {
    const f = flowOf(extra);
    assert.equal(f.tcp.state, tcpState, what);
    assert.equal(f.flow.state, flowState, what);
    assert.equal(f.tcp.tcp_flags_ts, ts, what);
    assert.equal(f.tcp.tcp_flags_tc, tc, what);
    assert.equal("pkts_toserver" in f.flow, false, `${what}: a socket counts no TCP segments`);
  }
  assert.equal(flowOf({ reason: "shutdown" }).flow.reason, "shutdown");
  assert.equal(flowOf({ reason: "idle-timeout" }).flow.reason, "timeout");
});

test("UDP flows: datagram counts, no tcp object, new until the other side answers; IPv6", () => {
  const udp = (extra: Partial<ConnCloseEvent>) =>
    flowOf({
      proto: "udp",
      orig_end: null,
      resp_end: null,
      first_end: null,
      reason: "idle-timeout",
      ...extra,
    });
  const answered = udp({ orig_pkts: 2, resp_pkts: 1, src: "2001:db8::9", dst: "2001:db8::1" });
  assert.equal(answered.proto, "UDP");
  assert.equal(answered.ip_v, 6);
  assert.equal(answered.flow.pkts_toserver, 2);
  assert.equal(answered.flow.pkts_toclient, 1);
  assert.equal(answered.flow.state, "established");
  assert.equal("tcp" in answered, false);
  assert.equal(udp({ orig_pkts: 1, resp_pkts: 0, resp_bytes: 0 }).flow.state, "new");
});

test("an unknown peer: src_ip, src_port and community_id are left out, never made up", () => {
  const f = flowOf({ src: null, sport: null, community_id: undefined, dst: "::" });
  for (const key of ["src_ip", "src_port", "community_id"]) assert.equal(key in f, false, key);
  assert.equal(f.dest_ip, "::");
  assert.equal(f.ip_v, 6);
});

test("from a live monitor, through the writer: valid flow lines, none for other events", async () => {
  const monitor = await listen({ ports: [0] });
  let text = "";
  const sink: Sink = {
    write(d) {
      text += new TextDecoder().decode(d);
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const log = new RecordWriter(sink, eve);
  monitor.subscribe(log.handle, { data: log.wantsData });
  let closes = 0;
  const closed: MonitorEvent[] = [];
  monitor.subscribe((e) => e.type === "conn.close" && closed.push(e) && closes++);
  try {
    const port = monitor.addresses.find((a) => a.proto === "tcp")!.port;
    for (let i = 0; i < 3; i++) {
      const client = await connect(port);
      await client.write("hello");
      client.end();
      await client.closed;
    }
    await eventually(() => closes === 3, 5000, "three closes");
  } finally {
    await monitor.close();
    await log.close();
  }
  const lines = text.split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, 3);
  for (const line of lines) {
    // deno-lint-ignore no-explicit-any
    const f = assertValid(line) as any;
    assert.equal(f.src_ip, "127.0.0.1");
    assert.equal(f.flow.bytes_toserver, 5);
    assert.match(f.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
  }
  // The monitor's records take the in-place path (none left to the string path).
  const format = new EveFlowFormat();
  for (const ev of closed) {
    assert.ok(format.encodeInto(new Uint8Array(format.bound(ev)), 0, ev) > 0);
  }
});

// Alerts: EVE `alert` events, joined to their flow by flow_id.

/** Feeds events to a fresh format and returns the parsed, schema-checked lines. */
// deno-lint-ignore no-explicit-any
function eveLines(...events: MonitorEvent[]): any[] {
  const format = new EveFlowFormat();
  // deno-lint-ignore no-explicit-any
  const out: any[] = [];
  for (const ev of events) {
    const line = format.encode(ev);
    if (line === undefined) continue;
    assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), "one line per event");
    out.push(assertValid(line));
  }
  return out;
}

test("every alert variant is a schema-valid EVE alert: rule and behaviour, each app, both directions, unknown peer", () => {
  const variants: MonitorEvent[][] = [
    [httpApp(), ruleAlert()],
    [tlsApp(), ruleAlert({ app_proto: "tls", dport: 8443 })],
    [sshApp("orig", "OpenSSH_9.2p1", "Debian-2"), sshApp("resp", "OpenSSH_9.6"), ruleAlert()],
    [dnsApp(), ruleAlert({ proto: "udp", app_proto: "dns" })],
    [redisApp(), ruleAlert({ app_proto: "redis" })],
    [textApp(), ruleAlert({ app_proto: undefined, metadata: undefined })],
    [ruleAlert({ dir: "resp", action: "blocked", suppressed: 3 })],
    [ruleAlert({ dir: "resp", src: null, sport: null, community_id: undefined })],
    [ruleAlert({ src: "2001:db8::7", dst: "2001:db8::1", metadata: { tag: ["a", "b"], x: [] } })],
    [scanAlert()],
    [scanAlert({ src: null, sport: null, community_id: undefined, dst: "::", action: "blocked" })],
    [httpApp({ http: { ...httpApp().http!, host: "[2001:db8::1]:8080" } }), ruleAlert()],
    [
      httpApp({ http: { ...httpApp().http!, host: undefined, user_agent: undefined } }),
      ruleAlert(),
    ],
  ];
  for (const events of variants) {
    const lines = eveLines(...events);
    assert.equal(lines.length, 1, JSON.stringify(events.map((e) => e.type)));
    assert.equal(lines[0].event_type, "alert");
    assert.equal(lines[0].alert.gid, 1);
  }
});

test("a rule alert: Suricata's alert object, the flow's flow_id and tuple, app_proto and the http object", () => {
  const [alert, flow] = eveLines(
    httpApp(),
    ruleAlert(),
    closeEvent({ service: "http" }),
  );
  assert.equal(alert.timestamp, "2026-11-26T10:00:00.020000+0000");
  assert.equal(alert.flow_id, flow.flow_id, "alert and flow join on flow_id");
  assert.equal(alert.community_id, flow.community_id);
  assert.equal(alert.src_ip, "192.0.2.7");
  assert.equal(alert.src_port, 41620);
  assert.equal(alert.dest_ip, "10.0.0.1");
  assert.equal(alert.dest_port, 8000);
  assert.equal(alert.proto, "TCP");
  assert.equal(alert.ip_v, 4);
  assert.deepEqual(alert.alert, {
    action: "allowed",
    gid: 1,
    signature_id: 2001219,
    rev: 20,
    signature: "ET SCAN Potential SSH Scan",
    category: "Attempted Information Leak",
    severity: 2,
    // A key without a value is left out (the schema wants one for the keys it knows).
    metadata: { created_at: ["2010_07_30"], updated_at: ["2019_07_26"] },
  });
  assert.equal(alert.app_proto, "http");
  assert.equal(alert.direction, "to_server");
  assert.deepEqual(alert.http, {
    hostname: "example.test",
    http_port: 8000,
    url: "/index.html",
    http_user_agent: "curl/7.88.1",
    http_method: "GET",
    protocol: "HTTP/1.1",
  });
  assert.equal("flow" in alert, false, "no flow object: its counts are not known yet");
  // The flow record says it alerted, and what it spoke.
  assert.equal(flow.flow.alerted, true);
  assert.equal(flow.app_proto, "http");
});

test("tls, ssh and dns objects of rule alerts, with only fields the schema has", () => {
  const [tls] = eveLines(tlsApp(), ruleAlert({ app_proto: "tls" }));
  assert.deepEqual(tls.tls, {
    sni: "example.test",
    ja3: {
      hash: "0c1a1b8e2c0d5e6f7a8b9c0d1e2f3a4b",
      string: "771,4865-4866-4867-49195,0-23-65281-10-11-35-16-5-13-43-45-51,29-23-24,0",
    },
    ja4: "t13d0412h2_55b375c5d22e_0c1e3ad5a1c4",
    client_alpns: ["h2", "http/1.1"],
  });
  const [ssh] = eveLines(
    sshApp("orig", "OpenSSH_9.2p1", "Debian-2"),
    sshApp("resp", "OpenSSH_9.6"),
    ruleAlert({ app_proto: "ssh" }),
  );
  assert.deepEqual(ssh.ssh, {
    client: { proto_version: "2.0", software_version: "OpenSSH_9.2p1" },
    server: { proto_version: "2.0", software_version: "OpenSSH_9.6" },
  });
  assert.equal(ssh.app_proto, "ssh");
  const [dns] = eveLines(dnsApp(), ruleAlert({ proto: "udp", app_proto: "dns" }));
  assert.equal(dns.proto, "UDP");
  assert.deepEqual(dns.dns, {
    version: 3,
    type: "request",
    id: 4660,
    queries: [{ rrname: "example.com", rrtype: "A" }],
  });
  // Redis has no Suricata parser: "failed", as Suricata says for a protocol it does not know.
  const [redis] = eveLines(redisApp(), ruleAlert({ app_proto: "redis" }));
  assert.equal(redis.app_proto, "failed");
  for (const key of ["http", "tls", "ssh", "dns"]) assert.equal(key in redis, false, key);
});

test("a rule alert on the server's bytes is a to_client alert; the flow object keeps the connection's orientation", () => {
  const [a] = eveLines(ruleAlert({ dir: "resp" }));
  assert.equal(a.direction, "to_client");
  assert.equal(a.src_ip, "10.0.0.1");
  assert.equal(a.src_port, 8000);
  assert.equal(a.dest_ip, "192.0.2.7");
  assert.equal(a.dest_port, 41620);
  assert.deepEqual(a.flow, {
    src_ip: "192.0.2.7",
    src_port: 41620,
    dest_ip: "10.0.0.1",
    dest_port: 8000,
  });
});

test("behaviour alerts: gid 1, the detector's fixed id, no app objects; an unknown source left out", () => {
  const [scan] = eveLines(httpApp(), scanAlert({ uid: "CHhAvVGS1DHFjwGM9a" }));
  assert.equal(scan.alert.signature_id, 9000001);
  assert.equal(scan.alert.rev, 1);
  assert.equal(scan.alert.category, "Detection of a Network Scan");
  assert.equal(scan.src_ip, "203.0.113.5");
  assert.equal("http" in scan, false, "a behaviour alert is about the source, not this request");
  const [unknown] = eveLines(
    scanAlert({ src: null, sport: null, community_id: undefined, dst: "::", action: "blocked" }),
  );
  for (const key of ["src_ip", "src_port", "community_id"]) assert.equal(key in unknown, false);
  assert.equal(unknown.dest_ip, "::");
  assert.equal(unknown.ip_v, 6);
  assert.equal(unknown.alert.action, "blocked");
});

test("flow records: app_proto from conn.close's service; alerted only for flows that alerted", () => {
  const proto = (service?: ConnCloseEvent["service"]) =>
    eveLines(closeEvent(service === undefined ? {} : { service }))[0].app_proto;
  assert.equal(proto("http"), "http");
  assert.equal(proto("tls"), "tls");
  assert.equal(proto("ssh"), "ssh");
  assert.equal(proto("dns"), "dns");
  assert.equal(proto("redis"), "failed");
  assert.equal(proto("text"), "failed");
  assert.equal(proto("binary"), "failed");
  assert.equal(proto(undefined), undefined, "no bytes seen: no app_proto");
  // Another flow's alert does not mark this one; the mark goes with the flow's record.
  const format = new EveFlowFormat();
  format.encode(ruleAlert({ uid: "COther000000000000" }));
  assert.equal(JSON.parse(format.encode(closeEvent())!).flow.alerted, false);
  format.encode(ruleAlert());
  assert.equal(JSON.parse(format.encode(closeEvent())!).flow.alerted, true);
  assert.equal(JSON.parse(format.encode(closeEvent())!).flow.alerted, false, "forgotten at close");
  // Other detection events write nothing.
  for (const ev of [episodeEnd(), banEvent(), httpApp()]) {
    assert.equal(format.encode(ev), undefined);
  }
});

test("the validator is real for alerts too: broken alert lines are rejected", () => {
  const [good] = eveLines(tlsApp(), ruleAlert({ app_proto: "tls" }));
  assert.equal(validate(good), true);
  const broken = [
    { ...good, alert: { ...good.alert, signature_id: "2001219" } },
    { ...good, alert: { ...good.alert, episode: { kind: "scan" } } }, // not in the schema
    { ...good, alert: { ...good.alert, metadata: { tag: [] } } }, // a known key needs a value
    { ...good, tls: { ...good.tls, ja5: "x" } },
    { ...good, suppressed: 3 },
  ];
  for (const record of broken) assert.equal(validate(record), false, JSON.stringify(record));
});
