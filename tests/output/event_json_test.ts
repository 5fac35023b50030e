// The hand-written NDJSON serialisation is exactly JSON.stringify's text for
// the events the monitor makes, and stays valid JSON for hostile strings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventToJson, listen, type MonitorEvent } from "sockscope";
import { JsonLineEncoder } from "../../src/output/json_line_encoder.ts";
import { connect, within } from "../_helpers/client.ts";

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
  await monitor.close();
  const types = new Set(events.map((e) => e.type));
  for (const t of ["listener.up", "conn.open", "conn.data", "conn.close", "conn.drop"]) {
    assert.ok(types.has(t as never), t);
  }
  for (const ev of events) assert.equal(eventToJson(ev), reference(ev));
  // The byte encoder the log uses writes the very same lines.
  const out = new JsonLineEncoder(16); // tiny on purpose: growing must keep what was written
  for (const ev of events) out.append(ev);
  assert.equal(
    new TextDecoder().decode(out.bytes()),
    events.map((e) => reference(e) + "\n").join(""),
  );
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
  const out = new JsonLineEncoder(8);
  out.append(ev);
  out.append({ ...ev, src: "caf\u00e9 \u{1F600}", error: undefined });
  const lines = new TextDecoder().decode(out.bytes()).split("\n");
  assert.equal(lines[0], JSON.stringify(ev));
  assert.equal(lines[1], JSON.stringify({ ...ev, src: "caf\u00e9 \u{1F600}", error: undefined }));
});
