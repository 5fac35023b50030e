// Prometheus metrics: exact counters after a known event sequence, a
// cumulative histogram whose +Inf bucket is its count, escaped label values,
// the /metrics handler's answers, and promtool's verdict on the output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import {
  type ConnCloseEvent,
  type EventListener,
  MetricsCollector,
  metricsHandler,
  type MonitorEvent,
  type MonitorStats,
  PROMETHEUS_CONTENT_TYPE,
  VERSION,
  type WriterDropCounts,
} from "sockscope";

import { banEvent, ruleAlert, scanAlert } from "../_helpers/detection_events.ts";

const PROMTOOL = "/usr/bin/promtool";
const ts = "2026-11-26T10:00:00.000Z";

function flow(uid: string, proto: "tcp" | "udp", dport: number, src: string | null = "192.0.2.7") {
  return {
    ts,
    uid,
    proto,
    src,
    sport: src === null ? null : 40000,
    dst: "127.0.0.1",
    dport,
  };
}

function close(
  uid: string,
  proto: "tcp" | "udp",
  dport: number,
  fields: Partial<ConnCloseEvent>,
): MonitorEvent {
  return {
    ...flow(uid, proto, dport),
    type: "conn.close",
    reason: "fin",
    duration: 0,
    orig_bytes: 0,
    resp_bytes: 0,
    start: ts,
    orig_end: "fin",
    resp_end: "fin",
    first_end: "orig",
    ...fields,
  } as MonitorEvent;
}

/** The sequence every test below starts from. */
function sequence(): MonitorEvent[] {
  return [
    { ts, type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 8000 },
    { ts, type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 8022 },
    { ts, type: "listener.up", proto: "udp", host: "127.0.0.1", port: 5353 },
    // 8000: four connections; one ends at once (0.4 ms), one after 2.5 s,
    // one is dropped by the limit, one stays open.
    { ...flow("C1", "tcp", 8000), type: "conn.open" },
    { ...flow("C2", "tcp", 8000), type: "conn.open" },
    { ...flow("C3", "tcp", 8000), type: "conn.open" },
    { ...flow("C4", "tcp", 8000), type: "conn.open" },
    {
      ts,
      type: "conn.data",
      uid: "C1",
      dir: "orig",
      offset: 0,
      len: 3,
      data: new Uint8Array(3),
    },
    close("C1", "tcp", 8000, { duration: 0.0004, orig_bytes: 3, resp_bytes: 0 }),
    close("C2", "tcp", 8000, { reason: "rst", duration: 2.5, orig_bytes: 100, resp_bytes: 20 }),
    { ...flow("C3", "tcp", 8000), type: "conn.drop", reason: "max-conns", limit: 2 },
    close("C3", "tcp", 8000, { reason: "max-conns", duration: 0.002 }),
    // 8022 (a tap): the upstream refused; the peer was unknown.
    { ...flow("C5", "tcp", 8022, null), type: "conn.open" },
    close("C5", "tcp", 8022, {
      reason: "rst",
      duration: 0.02,
      upstream_addr: "127.0.0.1",
      upstream_port: 22,
      upstream_error: "refused",
    }),
    // UDP 5353: one flow, two datagrams in, one out.
    { ...flow("U1", "udp", 5353), type: "conn.open" },
    udp("U1", "orig", 40),
    udp("U1", "orig", 60),
    udp("U1", "resp", 10),
    close("U1", "udp", 5353, {
      reason: "idle-timeout",
      duration: 61,
      orig_bytes: 100,
      resp_bytes: 10,
      orig_pkts: 2,
      resp_pkts: 1,
    }),
    { ts, type: "monitor.warning", kind: "handler-error", message: "boom" },
  ];
}

function udp(uid: string, dir: "orig" | "resp", len: number): MonitorEvent {
  return {
    ts,
    type: "udp.datagram",
    uid,
    dir,
    proto: "udp",
    src: "192.0.2.7",
    sport: 40000,
    dst: "127.0.0.1",
    dport: 5353,
    len,
    data: new Uint8Array(0),
  };
}

/** Samples of an exposition text: `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    const value = line.slice(at + 1);
    out.set(line.slice(0, at), value === "+Inf" ? Infinity : Number(value));
  }
  return out;
}

function collected(
  options?: ConstructorParameters<typeof MetricsCollector>[0],
): MetricsCollector {
  const c = new MetricsCollector(options);
  for (const ev of sequence()) c.observe(ev);
  return c;
}

/** Detection's events: alerts of each origin and severity, bans, recognised services. */
function detection(): MonitorEvent[] {
  return [
    ruleAlert(),
    ruleAlert({ severity: 3, signature_id: 2100498 }),
    ruleAlert(),
    scanAlert(),
    scanAlert({ severity: 9, signature_id: 9000005 }), // outside 1-4: a bounded "other"
    banEvent(),
    banEvent({ src: "2001:db8::5" }),
    banEvent({ action: "unban" }),
    close("C7", "tcp", 8000, { service: "http" }),
    close("C8", "tcp", 8000, { service: "http" }),
    close("C9", "tcp", 8000, { service: "tls" }),
    close("C10", "tcp", 8000, { service: "text" }),
  ];
}

test("render: exact counters by listener, reason, direction and kind after a known sequence", () => {
  const s = samples(collected({ startTimeMs: 1_700_000_000_500 }).render());
  const expect: Record<string, number> = {
    [`sockscope_build_info{version="${VERSION}"}`]: 1,
    "process_start_time_seconds": 1_700_000_000.5,
    'sockscope_connections_opened_total{proto="tcp",port="8000"}': 4,
    'sockscope_connections_opened_total{proto="tcp",port="8022"}': 1,
    'sockscope_connections_opened_total{proto="udp",port="5353"}': 1,
    'sockscope_connections_closed_total{proto="tcp",port="8000",reason="fin"}': 1,
    'sockscope_connections_closed_total{proto="tcp",port="8000",reason="rst"}': 1,
    'sockscope_connections_closed_total{proto="tcp",port="8000",reason="max-conns"}': 1,
    'sockscope_connections_closed_total{proto="tcp",port="8022",reason="rst"}': 1,
    'sockscope_connections_closed_total{proto="udp",port="5353",reason="idle-timeout"}': 1,
    'sockscope_connections_active{proto="tcp",port="8000"}': 1,
    'sockscope_connections_active{proto="tcp",port="8022"}': 0,
    'sockscope_connections_active{proto="udp",port="5353"}': 0,
    'sockscope_connections_dropped_total{proto="tcp",port="8000",reason="max-conns"}': 1,
    'sockscope_received_bytes_total{proto="tcp",port="8000"}': 103,
    'sockscope_sent_bytes_total{proto="tcp",port="8000"}': 20,
    'sockscope_received_bytes_total{proto="tcp",port="8022"}': 0,
    'sockscope_sent_bytes_total{proto="tcp",port="8022"}': 0,
    'sockscope_received_bytes_total{proto="udp",port="5353"}': 100,
    'sockscope_sent_bytes_total{proto="udp",port="5353"}': 10,
    'sockscope_udp_datagrams_total{port="5353",direction="received"}': 2,
    'sockscope_udp_datagrams_total{port="5353",direction="sent"}': 1,
    'sockscope_udp_datagram_bytes_total{port="5353",direction="received"}': 100,
    'sockscope_udp_datagram_bytes_total{port="5353",direction="sent"}': 10,
    'sockscope_upstream_failures_total{reason="refused"}': 1,
    'sockscope_warnings_total{kind="handler-error"}': 1,
    'sockscope_warnings_total{kind="accept-exhausted"}': 0,
    'sockscope_warnings_total{kind="accept-error"}': 0,
    'sockscope_warnings_total{kind="subscriber-error"}': 0,
  };
  for (const [key, value] of Object.entries(expect)) {
    assert.equal(s.get(key), value, key);
  }
  // Nothing is labelled by a peer: no address and no peer port appears anywhere.
  const text = collected().render();
  assert.ok(!text.includes("192.0.2.7") && !text.includes("40000"), "no peer in any label");
  // Without stats(), the stats-only metrics are absent rather than made up.
  assert.equal(s.has("sockscope_dropped_events_total"), false);
  assert.equal(s.has("sockscope_tcp_received_bytes_total"), false);
});

test("render: a TCP and a UDP listener on one port are separate series", () => {
  const c = new MetricsCollector();
  for (
    const ev of [
      { ts, type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 53 },
      { ts, type: "listener.up", proto: "udp", host: "127.0.0.1", port: 53 },
      { ...flow("T1", "tcp", 53), type: "conn.open" },
      { ...flow("T2", "tcp", 53), type: "conn.open" },
      { ...flow("U1", "udp", 53), type: "conn.open" },
      close("T1", "tcp", 53, { orig_bytes: 7 }),
      close("U1", "udp", 53, {
        reason: "idle-timeout",
        orig_bytes: 30,
        orig_pkts: 1,
        resp_pkts: 0,
      }),
    ] as MonitorEvent[]
  ) c.observe(ev);
  const s = samples(c.render());
  assert.equal(s.get('sockscope_connections_opened_total{proto="tcp",port="53"}'), 2);
  assert.equal(s.get('sockscope_connections_opened_total{proto="udp",port="53"}'), 1);
  assert.equal(s.get('sockscope_connections_active{proto="tcp",port="53"}'), 1);
  assert.equal(s.get('sockscope_connections_active{proto="udp",port="53"}'), 0);
  assert.equal(s.get('sockscope_received_bytes_total{proto="tcp",port="53"}'), 7);
  assert.equal(s.get('sockscope_received_bytes_total{proto="udp",port="53"}'), 30);
});

test("render: alerts by origin and severity and by signature, bans, services", () => {
  const c = collected();
  for (const ev of detection()) c.observe(ev);
  const s = samples(c.render());
  const expect: Record<string, number> = {
    'sockscope_alerts_total{origin="rule",severity="2"}': 2,
    'sockscope_alerts_total{origin="rule",severity="3"}': 1,
    'sockscope_alerts_total{origin="behavior",severity="2"}': 1,
    'sockscope_alerts_total{origin="behavior",severity="other"}': 1,
    'sockscope_alert_signature_total{signature_id="2001219"}': 2,
    'sockscope_alert_signature_total{signature_id="2100498"}': 1,
    'sockscope_alert_signature_total{signature_id="9000001"}': 1,
    'sockscope_alert_signature_total{signature_id="9000005"}': 1,
    "sockscope_bans_total": 2,
    "sockscope_bans_active": 1,
    'sockscope_app_connections_total{service="http"}': 2,
    'sockscope_app_connections_total{service="tls"}': 1,
    'sockscope_app_connections_total{service="text"}': 1,
  };
  for (const [key, value] of Object.entries(expect)) assert.equal(s.get(key), value, key);
  assert.equal(s.has('sockscope_alert_signature_total{signature_id="other"}'), false);
  // Before any ban, the ban series are there at 0; no alert series are made up.
  const fresh = samples(collected().render());
  assert.equal(fresh.get("sockscope_bans_total"), 0);
  assert.equal(fresh.get("sockscope_bans_active"), 0);
  assert.equal([...fresh.keys()].some((k) => k.startsWith("sockscope_alerts_total")), false);
  // stats() is authoritative for bans (it knows those before the collector subscribed).
  const withStats = samples(
    collected({
      stats: () => ({ warnings: {}, bansActive: 5, bansTotal: 9 }) as unknown as MonitorStats,
    })
      .render(),
  );
  assert.equal(withStats.get("sockscope_bans_active"), 5);
  assert.equal(withStats.get("sockscope_bans_total"), 9);
});

test('render: signature series stay bounded: the first 1,000 signatures, then one "other"', () => {
  const c = new MetricsCollector();
  for (let i = 0; i < 1005; i++) c.observe(ruleAlert({ signature_id: 1_000_000 + i }));
  c.observe(ruleAlert({ signature_id: 1_000_000 })); // a known one keeps its series
  c.observe(ruleAlert({ signature_id: 2_000_000 })); // a new one past the bound
  const s = samples(c.render());
  const series = [...s.keys()].filter((k) => k.startsWith("sockscope_alert_signature_total"));
  assert.equal(series.length, 1001);
  assert.equal(s.get('sockscope_alert_signature_total{signature_id="1000000"}'), 2);
  assert.equal(s.get('sockscope_alert_signature_total{signature_id="other"}'), 6);
  assert.equal(s.has('sockscope_alert_signature_total{signature_id="1001000"}'), false);
});

test("render: the duration histogram is cumulative per proto and its +Inf bucket is its count", () => {
  const s = samples(collected().render());
  const bucket = (proto: string, le: string) =>
    s.get(`sockscope_connection_duration_seconds_bucket{proto="${proto}",le="${le}"}`);
  // tcp durations: 0.0004, 2.5, 0.002, 0.02
  assert.equal(bucket("tcp", "0.001"), 1);
  assert.equal(bucket("tcp", "0.005"), 2);
  assert.equal(bucket("tcp", "0.01"), 2);
  assert.equal(bucket("tcp", "0.05"), 3);
  assert.equal(bucket("tcp", "1"), 3);
  assert.equal(bucket("tcp", "5"), 4);
  assert.equal(bucket("tcp", "14400"), 4);
  assert.equal(bucket("tcp", "+Inf"), 4);
  assert.equal(s.get('sockscope_connection_duration_seconds_count{proto="tcp"}'), 4);
  assert.ok(
    Math.abs(s.get('sockscope_connection_duration_seconds_sum{proto="tcp"}')! - 2.5224) < 1e-9,
  );
  // udp: one flow of 61 s
  assert.equal(bucket("udp", "60"), 0);
  assert.equal(bucket("udp", "300"), 1);
  assert.equal(bucket("udp", "+Inf"), 1);
  assert.equal(s.get('sockscope_connection_duration_seconds_count{proto="udp"}'), 1);
  for (const proto of ["tcp", "udp"]) {
    const les = [...s.keys()].filter((k) =>
      k.startsWith(`sockscope_connection_duration_seconds_bucket{proto="${proto}"`)
    );
    assert.equal(les.length, 18, "17 bounds and +Inf");
    const counts = les.map((k) => s.get(k)!);
    for (let i = 1; i < counts.length; i++) {
      assert.ok(counts[i] >= counts[i - 1], `${proto} buckets never decrease`);
    }
    assert.equal(
      counts.at(-1),
      s.get(`sockscope_connection_duration_seconds_count{proto="${proto}"}`),
    );
  }
});

test("render: stats() supplies live TCP bytes, dropped events and every warning occurrence", () => {
  const stats = {
    bytesIn: 1234,
    bytesOut: 56,
    eventsDropped: 7,
    warnings: {
      "handler-error": 5,
      "accept-exhausted": 2,
      "accept-error": 0,
      "subscriber-error": 1,
    },
  } as unknown as MonitorStats;
  const s = samples(collected({ stats: () => stats }).render());
  assert.equal(s.get("sockscope_tcp_received_bytes_total"), 1234);
  assert.equal(s.get("sockscope_tcp_sent_bytes_total"), 56);
  assert.equal(s.get("sockscope_dropped_events_total"), 7);
  assert.equal(s.get('sockscope_warnings_total{kind="handler-error"}'), 5);
  assert.equal(s.get('sockscope_warnings_total{kind="accept-exhausted"}'), 2);
  assert.equal(s.get('sockscope_warnings_total{kind="subscriber-error"}'), 1);
});

test("render: writer drops by writer and cause, read at each scrape, label values escaped", () => {
  let queueFull = 2;
  const c = collected({
    writerDrops: (): WriterDropCounts[] => [
      { writer: "log", droppedByCause: { "queue-full": queueFull, enospc: 1 } },
      { writer: 'we"ird\\na\nme', droppedByCause: { closed: 3 } },
    ],
  });
  let s = samples(c.render());
  assert.equal(s.get('sockscope_writer_dropped_events_total{writer="log",cause="queue-full"}'), 2);
  assert.equal(s.get('sockscope_writer_dropped_events_total{writer="log",cause="enospc"}'), 1);
  assert.equal(
    s.get('sockscope_writer_dropped_events_total{writer="we\\"ird\\\\na\\nme",cause="closed"}'),
    3,
  );
  queueFull = 9;
  s = samples(c.render());
  assert.equal(s.get('sockscope_writer_dropped_events_total{writer="log",cause="queue-full"}'), 9);
});

test("render: every family has HELP and TYPE before its samples, and the text ends with a newline", () => {
  const text = collected({ stats: () => ({ warnings: {} }) as unknown as MonitorStats }).render();
  assert.ok(text.endsWith("\n"));
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  for (const line of text.split("\n")) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === "HELP") helped.add(meta[2]);
      else typed.set(meta[2], meta[3]);
      continue;
    }
    if (line === "") continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    const family = typed.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    assert.ok(typed.has(family) && helped.has(family), `${name} has HELP and TYPE first`);
    if (typed.get(family) === "counter") assert.match(name, /_total$/);
  }
});

test("attach() subscribes without asking for payloads, and its return unsubscribes", () => {
  let got: { listener: EventListener; data: boolean | undefined } | undefined;
  let unsubscribed = false;
  const c = new MetricsCollector();
  const stop = c.attach({
    subscribe(listener, options) {
      got = { listener, data: options?.data };
      return () => (unsubscribed = true);
    },
  });
  assert.equal(got?.data, false);
  got!.listener({ ...flow("C9", "tcp", 9000), type: "conn.open" });
  assert.equal(
    samples(c.render()).get('sockscope_connections_opened_total{proto="tcp",port="9000"}'),
    1,
  );
  stop();
  assert.ok(unsubscribed);
});

test("durationBuckets must ascend", () => {
  assert.throws(() => new MetricsCollector({ durationBuckets: [1, 0.5] }), RangeError);
  assert.throws(() => new MetricsCollector({ durationBuckets: [1, Infinity] }), RangeError);
});

test("metricsHandler: GET /metrics 200 with the 0.0.4 content type; HEAD; other paths 404; other methods 405", async () => {
  const handler = metricsHandler(collected());
  const ok = await handler(new Request("http://h/metrics?x=1"));
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  assert.equal(PROMETHEUS_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
  assert.match(
    await ok.text(),
    /^sockscope_connections_opened_total\{proto="tcp",port="8000"\} 4$/m,
  );
  const head = await handler(new Request("http://h/metrics", { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  const missing = await handler(new Request("http://h/"));
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const post = await handler(new Request("http://h/metrics", { method: "POST", body: "x" }));
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

test("promtool check metrics reports no problem on the output", (t) => {
  if (!existsSync(PROMTOOL)) {
    return t.skip(`${PROMTOOL} is missing (Debian/Ubuntu: apt-get install prometheus)`);
  }
  const stats = {
    bytesIn: 1,
    bytesOut: 2,
    eventsDropped: 3,
    warnings: {
      "handler-error": 1,
      "accept-exhausted": 0,
      "accept-error": 0,
      "subscriber-error": 0,
    },
  } as unknown as MonitorStats;
  const collector = collected({
    stats: () => stats,
    writerDrops: () => [{ writer: 'a"b', droppedByCause: { "queue-full": 1 } }],
  });
  for (const ev of detection()) collector.observe(ev);
  for (let i = 0; i < 1002; i++) collector.observe(ruleAlert({ signature_id: 3_000_000 + i }));
  const text = collector.render();
  assert.ok(text.includes('sockscope_alert_signature_total{signature_id="other"}'));
  assert.ok(text.includes("sockscope_bans_active"));
  const run = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
  assert.equal(run.error, undefined);
  assert.equal(`${run.stdout}${run.stderr}`, "", "promtool has nothing to say");
  assert.equal(run.status, 0);
  // And it does complain about a broken exposition: the check can fail.
  const bad = spawnSync(PROMTOOL, ["check", "metrics"], {
    input: "# TYPE x counter\nx 1\n",
    encoding: "utf8",
  });
  assert.notEqual(`${bad.stdout}${bad.stderr}`, "");
});
