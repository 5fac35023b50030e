// The hand-written NDJSON serialisation is exactly JSON.stringify's text for
// the events the monitor makes (detection's events and conn.close's service
// included), and stays valid JSON for hostile strings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ConnCloseEvent, eventToJson, listen, type MonitorEvent } from "sockscope";
import { jsonLineBound, writeJsonLine } from "../../src/output/json_line.ts";

/** The log's line for `ev`: the in-place writer where it takes the event, else eventToJson. */
function jsonLine(ev: MonitorEvent): string {
  const buf = new Uint8Array(jsonLineBound(ev));
  const end = writeJsonLine(buf, 0, ev);
  return end < 0 ? eventToJson(ev) + "\n" : new TextDecoder().decode(buf.subarray(0, end));
}
import { connect, eventually, sendDatagram, within } from "../_helpers/client.ts";
import { closeEvent } from "../_helpers/events.ts";
import { detectionEvents, httpApp, scanAlert } from "../_helpers/detection_events.ts";

function reference(ev: MonitorEvent): string {
  return "data" in ev
    ? JSON.stringify({ ...ev, data: btoa(String.fromCharCode(...ev.data)) })
    : JSON.stringify(ev);
}

test("eventToJson equals JSON.stringify for every event a real monitor emits", async () => {
  const monitor = await listen({ ports: [0], udpPorts: [0], banner: "hi\r\n", maxConns: 1 });
  const events: MonitorEvent[] = [];
  monitor.subscribe((e) => events.push(e));
  const port = monitor.addresses[0].port;
  const a = await connect(port);
  await a.write("GET / HTTP/1.1\r\n\r\n");
  const b = await connect(port); // dropped: max-conns 1
  await within(b.ended, 5000, "drop");
  a.end();
  await within(a.ended, 5000, "close");
  await sendDatagram(
    monitor.addresses.find((x) => x.proto === "udp")!.port,
    new Uint8Array([1, 2]),
  );
  await eventually(() => events.some((e) => e.type === "udp.datagram"), 5000, "udp.datagram");
  await monitor.close();
  const types = new Set(events.map((e) => e.type));
  for (
    const t of ["listener.up", "conn.open", "conn.data", "conn.close", "conn.drop", "udp.datagram"]
  ) {
    assert.ok(types.has(t as never), t);
  }
  for (const ev of events) assert.equal(eventToJson(ev), reference(ev));
  // The log writes connection events in place (none declined: nothing here needs escaping)...
  for (
    const ev of events.filter((e) =>
      ["conn.open", "conn.data", "conn.close", "udp.datagram"].includes(e.type)
    )
  ) {
    assert.ok(writeJsonLine(new Uint8Array(jsonLineBound(ev)), 0, ev) > 0, ev.type);
  }
  // ...and its lines are the very same text.
  assert.equal(events.map(jsonLine).join(""), events.map((e) => reference(e) + "\n").join(""));
  b.socket.destroy();
});

test("strings that need escaping stay valid JSON", () => {
  const ev: MonitorEvent = {
    ts: "2026-01-01T00:00:00.000Z",
    type: "conn.close",
    uid: 'C"quoted\\',
    community_id: "1:x",
    proto: "tcp",
    src: "fe80::1%eth0\u0000",
    sport: 1,
    dst: "::1",
    dport: 2,
    reason: "error",
    duration: 0.5,
    orig_bytes: 0,
    resp_bytes: 0,
    error: 'bad "thing"\n\u001b[2J',
    start: "2025-12-31T23:59:59.500Z",
    orig_end: "rst",
    resp_end: null,
    first_end: "orig",
    orig_first_ms: 12,
    upstream_addr: "127.0.0.1",
    upstream_port: 6379,
    upstream_error: "refused",
  };
  assert.deepEqual(JSON.parse(eventToJson(ev)), ev);
  assert.equal(eventToJson(ev), JSON.stringify(ev));
  const lines = (jsonLine(ev) + jsonLine({ ...ev, src: "caf\u00e9 \u{1F600}", error: undefined }))
    .split("\n");
  assert.equal(lines[0], JSON.stringify(ev));
  assert.equal(lines[1], JSON.stringify({ ...ev, src: "caf\u00e9 \u{1F600}", error: undefined }));
});

/** ConnCloseEvent's fields in the order its interface declares them. */
const CLOSE_ORDER = [
  "ts",
  "type",
  "uid",
  "community_id",
  "proto",
  "src",
  "sport",
  "dst",
  "dport",
  "reason",
  "duration",
  "orig_bytes",
  "resp_bytes",
  "error",
  "start",
  "orig_end",
  "resp_end",
  "first_end",
  "orig_first_ms",
  "resp_first_ms",
  "orig_pkts",
  "resp_pkts",
  "service",
  "upstream_addr",
  "upstream_port",
  "upstream_sport",
  "upstream_connect_ms",
  "upstream_error",
];

function inInterfaceOrder(ev: ConnCloseEvent): ConnCloseEvent {
  const keys = Object.keys(ev);
  assert.ok(keys.every((k) => CLOSE_ORDER.includes(k)), `every field is listed: ${keys}`);
  return Object.fromEntries(
    CLOSE_ORDER.filter((k) => k in ev).map((k) => [k, ev[k as keyof ConnCloseEvent]]),
  ) as unknown as ConnCloseEvent;
}

test("detection events and conn.close's service: eventToJson, the byte encoder and JSON.stringify agree", () => {
  const events: MonitorEvent[] = [
    ...detectionEvents(),
    // conn.close in the interface's order (the encoder's fixed order): service after the
    // packet counts, before the tap fields.
    inInterfaceOrder(closeEvent({ service: "http" })),
    inInterfaceOrder(closeEvent({ service: "tls", upstream_addr: "10.9.9.9", upstream_port: 443 })),
    inInterfaceOrder(closeEvent({
      proto: "udp",
      orig_end: null,
      resp_end: null,
      first_end: null,
      orig_pkts: 1,
      resp_pkts: 1,
      service: "dns",
    })),
    inInterfaceOrder(closeEvent({ reason: "error", error: "boom", service: "binary" })),
    // Hostile text a peer controls, in nested fields.
    httpApp({
      http: {
        ...httpApp().http!,
        uri: '/a"b\\c\n\u001b[2J\u2028\u{1F600}',
        user_agent: "caf\u00e9\r\n",
        headers: [["X-\u0000", "\ud800"]],
      },
    }),
  ];
  const types = new Set(events.map((e) => e.type));
  for (const t of ["conn.app", "alert", "episode.end", "ban", "conn.close"]) {
    assert.ok(types.has(t as never), t);
  }
  for (const ev of events) {
    const line = eventToJson(ev);
    assert.equal(line, JSON.stringify(ev));
    assert.ok(!line.includes("\n"), "one line");
  }
  assert.equal(events.map(jsonLine).join(""), events.map((e) => JSON.stringify(e) + "\n").join(""));
  // The service sits where the interface puts it.
  const close = JSON.parse(eventToJson(events[detectionEvents().length + 1]));
  const keys = Object.keys(close);
  assert.equal(keys.indexOf("service"), keys.indexOf("resp_first_ms") + 1);
  assert.equal(keys.indexOf("upstream_addr"), keys.indexOf("service") + 1);
  // Nested objects survive as they are: what a reader of the log gets back.
  const alert = JSON.parse(eventToJson(scanAlert()));
  assert.deepEqual(alert, scanAlert());
  assert.equal(scanAlert().episode?.ports.length, 21);
});
