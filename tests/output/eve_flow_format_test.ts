// Suricata EVE `flow` events: every line the format writes, for every way a
// connection or UDP flow can end (IPv4 and IPv6, unknown peer, tap mode),
// validates against Suricata's own EVE JSON schema with a real validator
// (ajv), and a line that breaks the schema is rejected by that same
// validator. The values follow Suricata's: timestamps with microseconds and
// an offset, a stable 51-bit flow_id, state and reason words, the unknown
// peer left out rather than made up.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import {
  type CloseReason,
  type ConnCloseEvent,
  EveFlowFormat,
  listen,
  RecordWriter,
  type Sink,
} from "sockscope";
import { repoRoot } from "../_helpers/repo.ts";
import { closeEvent } from "../_helpers/events.ts";
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

/** Every combination a socket can report, each a separate record. */
function generated(): ConnCloseEvent[] {
  const out: ConnCloseEvent[] = [];
  const reasons: CloseReason[] = ["fin", "rst", "idle-timeout", "max-conns", "shutdown", "error"];
  const ends = [null, "fin", "rst"] as const;
  const peers: [string | null, number | null, string][] = [
    ["192.0.2.7", 41620, "10.0.0.1"],
    ["2001:db8::7", 50000, "2001:db8::1"],
    ["::ffff:192.0.2.8", 50001, "::ffff:10.0.0.1"],
    [null, null, "0.0.0.0"],
    [null, null, "::"],
  ];
  let n = 0;
  for (const [src, sport, dst] of peers) {
    for (const reason of reasons) {
      for (const orig_end of ends) {
        for (const resp_end of ends) {
          const firstEnd = orig_end ? "orig" : resp_end ? "resp" : null;
          out.push(closeEvent({
            uid: `C${String(n++).padStart(17, "0")}`,
            src,
            sport,
            dst,
            community_id: src === null ? undefined : "1:x=",
            reason,
            orig_end,
            resp_end,
            first_end: firstEnd,
            ...(reason === "error" ? { error: "boom" } : {}),
          }));
        }
      }
      // Tap mode: reached, and each way of not reaching the upstream.
      out.push(closeEvent({
        uid: `C${String(n++).padStart(17, "0")}`,
        src,
        sport,
        dst,
        community_id: src === null ? undefined : "1:x=",
        reason,
        upstream_addr: "10.9.9.9",
        upstream_port: 22,
        upstream_sport: 40000,
        upstream_connect_ms: 3,
      }));
      for (const upstream_error of ["refused", "unreachable", "timeout", "error"] as const) {
        out.push(closeEvent({
          uid: `C${String(n++).padStart(17, "0")}`,
          src,
          sport,
          dst,
          community_id: src === null ? undefined : "1:x=",
          reason,
          upstream_addr: "10.9.9.9",
          upstream_port: 22,
          upstream_error,
          resp_bytes: 0,
          resp_first_ms: undefined,
          resp_end: null,
        }));
      }
    }
  }
  for (const [src, dst] of [["192.0.2.9", "10.0.0.1"], ["2001:db8::9", "2001:db8::1"]]) {
    for (const [orig_pkts, resp_pkts] of [[1, 0], [3, 2], [0, 0]]) {
      for (const reason of ["idle-timeout", "shutdown"] as const) {
        out.push(closeEvent({
          uid: `C${String(n++).padStart(17, "0")}`,
          proto: "udp",
          src,
          dst,
          sport: 5353,
          dport: 53,
          reason,
          orig_pkts,
          resp_pkts,
          orig_bytes: orig_pkts * 30,
          resp_bytes: resp_pkts * 90,
          orig_end: null,
          resp_end: null,
          first_end: null,
          orig_first_ms: undefined,
          resp_first_ms: undefined,
        }));
      }
    }
  }
  return out;
}

test("every generated record validates against Suricata's EVE schema", () => {
  const events = generated();
  assert.ok(events.length > 300, `${events.length} records`);
  for (const ev of events) {
    const line = eve.encode(ev)!;
    assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), "one line per event");
    const flow = assertValid(line);
    assert.equal(flow.event_type, "flow");
  }
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
  monitor.subscribe((e) => e.type === "conn.close" && closes++);
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
});
