// Detection inside the engine, as library users drive it: behaviour alerts per source, episodes,
// access lists and bans, fingerprints. Many sources without leaving the machine: clients bind
// addresses of 127.0.0.0/8.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type AlertEvent,
  type BanEvent,
  type ConnAppEvent,
  type ConnCloseEvent,
  type ConnDropEvent,
  type EpisodeEndEvent,
  listen,
  type ListenOptions,
  type Monitor,
  type MonitorEvent,
} from "sockscope";
import { adapters } from "../_helpers/runtimes.ts";
import { connect, eventually, resetRightAfterHandshake } from "../_helpers/client.ts";
import { freePorts, peerServer } from "../_helpers/servers.ts";
import { loadRules } from "sockscope";

function record(monitor: Monitor): MonitorEvent[] {
  const events: MonitorEvent[] = [];
  monitor.subscribe((ev) => events.push(ev));
  return events;
}

const of = <T extends MonitorEvent["type"]>(events: MonitorEvent[], type: T) =>
  events.filter((e) => e.type === type) as Extract<MonitorEvent, { type: T }>[];

/** A connection the monitor refuses on accept: it closes at once, and so do we. */
async function refused(port: number, from: string): Promise<void> {
  const c = await connect(port, "127.0.0.1", { from });
  await c.ended;
  c.end();
  await c.closed;
}

/** One connection from `from` to each port: send a byte, half-close, wait for the close. */
async function touch(ports: readonly number[], from: string, host = "127.0.0.1"): Promise<void> {
  for (const port of ports) {
    const c = await connect(port, host, { from });
    await c.write("x");
    c.end();
    await c.closed;
  }
}

for (const adapter of adapters) {
  describe(`detection on ${adapter}`, () => {
    test("a connect scan from one source gives one alert naming its ports; other sources none", async () => {
      const opts: ListenOptions = {
        ports: await freePorts(6),
        adapter,
        detect: { scan: { count: 5, windowMs: 60_000 } },
      };
      const monitor = await listen(opts);
      const events = record(monitor);
      try {
        const ports = monitor.addresses.map((a) => a.port);
        // Forty polite clients, each to two ports; then one scanner to all six, twice.
        for (let i = 2; i < 42; i++) await touch(ports.slice(i % 5, (i % 5) + 2), `127.0.0.${i}`);
        await touch(ports, "127.0.0.99");
        await touch(ports, "127.0.0.99");
        await eventually(() => of(events, "conn.close").length === 80 + 12, 5000, "92 closes");
        const alerts = of(events, "alert");
        assert.equal(alerts.length, 1, JSON.stringify(alerts));
        const a = alerts[0];
        assert.equal(a.origin, "behavior");
        assert.equal(a.src, "127.0.0.99");
        assert.equal(a.signature_id, 9100001);
        assert.equal(a.action, "allowed");
        assert.equal(a.episode?.kind, "scan");
        assert.equal(a.episode?.ports.length, 5);
        for (const p of a.episode!.ports) assert.ok(ports.includes(p));
        // The alert stands on its own: the flow of the connection that tripped it.
        const close = of(events, "conn.close").find((e) => e.uid === a.uid);
        assert.ok(close, "the alert's uid is a recorded connection");
        assert.equal(monitor.stats().alerts, 1);
      } finally {
        await monitor.close();
      }
      // The episode's summary comes at the latest when the monitor stops.
      const ends = of(events, "episode.end") as EpisodeEndEvent[];
      assert.equal(ends.length, 1);
      assert.equal(ends[0].src, "127.0.0.99");
      assert.equal(ends[0].connections, 12);
      assert.equal(ends[0].port_count, 6);
    });

    test("peers that reset right after the handshake still raise a scan alert, of unknown source if need be", async () => {
      const monitor = await listen({
        ports: await freePorts(8),
        adapter,
        detect: { scan: { count: 5, windowMs: 60_000 } },
      });
      const events = record(monitor);
      try {
        const ports = monitor.addresses.map((a) => a.port);
        for (const port of ports) resetRightAfterHandshake(port, 1);
        await eventually(() => of(events, "conn.close").length === 8, 5000, "8 closes");
        const alerts = of(events, "alert");
        // Sources that survived count for 127.0.0.1, the others for the unknown source: one of
        // the two (or both) reached 5 ports.
        assert.ok(alerts.length >= 1 && alerts.length <= 2, JSON.stringify(alerts));
        for (const a of alerts) {
          assert.equal(a.episode?.kind, "scan");
          assert.ok(a.src === null || a.src === "127.0.0.1");
        }
      } finally {
        await monitor.close();
      }
    });

    test("an address sweep: one source touching many local addresses of a wildcard listener", async () => {
      const monitor = await listen({
        host: "0.0.0.0",
        ports: [0],
        adapter,
        detect: { sweep: { count: 4, windowMs: 60_000 } },
      });
      const events = record(monitor);
      try {
        const port = monitor.addresses[0].port;
        for (let i = 1; i <= 6; i++) {
          const c = await connect(port, `127.0.0.${i}`, { from: "127.0.0.50" });
          c.end();
          await c.closed;
        }
        await eventually(() => of(events, "conn.close").length === 6, 5000, "6 closes");
        const alerts = of(events, "alert");
        assert.deepEqual(alerts.map((a) => [a.episode?.kind, a.src]), [["sweep", "127.0.0.50"]]);
        assert.equal(alerts[0].episode?.addresses.length, 4);
      } finally {
        await monitor.close();
      }
    });

    test("--ban: the alerting source is refused on accept until its ban ends; others are served", async () => {
      const monitor = await listen({
        ports: await freePorts(3),
        adapter,
        // A short window: the scanner's episode must end while the monitor runs, its tripping
        // (banned) connection counted closed.
        detect: {
          scan: { count: 3, windowMs: 500 },
          sweep: false,
          flood: false,
          "empty-sessions": false,
        },
        ban: { timeMs: 60_000 },
      });
      const events = record(monitor);
      try {
        const ports = monitor.addresses.map((a) => a.port);
        await touch(ports, "127.0.0.77");
        await eventually(() => of(events, "ban").length === 1, 5000, "a ban");
        const ban = of(events, "ban")[0] as BanEvent;
        assert.deepEqual([ban.action, ban.src, ban.offense, ban.duration, ban.signature_id], [
          "ban",
          "127.0.0.77",
          1,
          60,
          9100001,
        ]);
        const alert = of(events, "alert")[0] as AlertEvent;
        assert.equal(alert.action, "blocked");
        // The banned source again: closed on accept, recorded as such.
        await refused(ports[0], "127.0.0.77");
        // Someone else: served.
        await touch([ports[0]], "127.0.0.78");
        await eventually(() => of(events, "conn.close").length === 5, 5000, "5 closes");
        const drops = of(events, "conn.drop") as ConnDropEvent[];
        assert.deepEqual(drops.map((d) => [d.reason, d.src]), [["banned", "127.0.0.77"]]);
        const closes = of(events, "conn.close") as ConnCloseEvent[];
        assert.equal(
          closes.filter((c) => c.reason === "banned").length,
          2,
          "the tripping one and the refused one",
        );
        assert.equal(closes.find((c) => c.src === "127.0.0.78")?.reason, "fin");
        const st = monitor.stats();
        assert.equal(st.bansActive, 1);
        assert.equal(st.connsRefused, 1);
        await eventually(() => of(events, "episode.end").length === 1, 5000, "the episode's end");
      } finally {
        await monitor.close();
      }
      // The ban ends with the monitor, and says so; the episode counted the 3 connections.
      assert.deepEqual(of(events, "ban").map((b) => (b as BanEvent).action), ["ban", "unban"]);
      const ends = of(events, "episode.end") as EpisodeEndEvent[];
      assert.deepEqual(ends.map((e) => [e.src, e.connections]), [["127.0.0.77", 3]]);
    });

    test("--deny and --allow refuse on accept and record the connection", async () => {
      const monitor = await listen({
        ports: [0],
        adapter,
        allow: "127.0.0.0/24",
        deny: "127.0.0.66",
      });
      const events = record(monitor);
      try {
        const port = monitor.addresses[0].port;
        await refused(port, "127.0.0.66");
        await refused(port, "127.0.1.5");
        await touch([port], "127.0.0.65");
        await eventually(() => of(events, "conn.close").length === 3, 5000, "3 closes");
        const closes = of(events, "conn.close") as ConnCloseEvent[];
        assert.deepEqual(
          closes.map((c) => [c.src, c.reason]).sort(),
          [["127.0.0.65", "fin"], ["127.0.0.66", "denied"], ["127.0.1.5", "denied"]],
        );
        assert.equal(of(events, "conn.drop").length, 2);
      } finally {
        await monitor.close();
      }
    });

    test("fingerprints: an HTTP request becomes conn.app and the record's service", async () => {
      const monitor = await listen({ ports: [0], adapter });
      const events = record(monitor);
      try {
        const port = monitor.addresses[0].port;
        const c = await connect(port);
        await c.write("GET /index.html HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t/1\r\n\r\n");
        await eventually(() => of(events, "conn.app").length === 1, 5000, "conn.app");
        c.end();
        await c.closed;
        await eventually(() => of(events, "conn.close").length === 1, 5000, "conn.close");
        const app = of(events, "conn.app")[0] as ConnAppEvent;
        assert.equal(app.service, "http");
        assert.equal(app.http?.method, "GET");
        assert.equal(app.http?.host, "example.test");
        assert.equal(app.http?.uri, "/index.html");
        const close = of(events, "conn.close")[0] as ConnCloseEvent;
        assert.equal(close.service, "http");
        assert.equal(app.uid, close.uid);
      } finally {
        await monitor.close();
      }
    });

    test("tap: rules see both directions (the upstream's bytes as to_client), fingerprints the client", async () => {
      // A fake SSH service: it answers with its banner, then echoes.
      const upstream = await peerServer((s) => {
        s.write("SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10\r\n");
        s.on("data", (d) => s.write(d));
        s.on("end", () => s.end());
      });
      const { ruleSet, report } = loadRules([{
        name: "tap.rules",
        text: [
          'alert tcp any any -> any any (msg:"LOCAL old OpenSSH server banner"; flow:to_client; content:"SSH-2.0-OpenSSH_7."; depth:18; sid:1000020; rev:1;)',
          'alert ssh any any -> any any (msg:"LOCAL ssh client libssh"; flow:to_server; ssh.software; content:"libssh"; sid:1000021; rev:1;)',
        ].join("\n"),
      }]);
      assert.equal(report.loaded, 2);
      const monitor = await listen({
        taps: [{ port: 0, upstreamHost: "127.0.0.1", upstreamPort: upstream.port }],
        adapter,
        rules: ruleSet,
      });
      const events = record(monitor);
      try {
        const c = await connect(monitor.addresses[0].port);
        await c.write("SSH-2.0-libssh_0.9.6\r\n");
        await eventually(() => of(events, "alert").length === 2, 5000, "two rule alerts");
        c.end();
        await c.closed;
        await eventually(() => of(events, "conn.close").length === 1, 5000, "the record");
        const alerts = of(events, "alert") as AlertEvent[];
        const server = alerts.find((a) => a.signature_id === 1000020)!;
        assert.equal(server.dir, "resp");
        assert.equal(server.origin, "rule");
        const client = alerts.find((a) => a.signature_id === 1000021)!;
        assert.equal(client.dir, "orig");
        assert.equal(client.app_proto, "ssh");
        const app = of(events, "conn.app")[0] as ConnAppEvent;
        assert.equal(app.ssh?.software, "libssh_0.9.6");
        const close = of(events, "conn.close")[0] as ConnCloseEvent;
        assert.equal(close.service, "ssh");
        assert.equal(close.upstream_port, upstream.port);
        for (const a of alerts) assert.equal(a.uid, close.uid);
      } finally {
        await monitor.close();
        await upstream.close();
      }
    });

    test("detect: false raises nothing", async () => {
      const monitor = await listen({ ports: await freePorts(6), adapter, detect: false });
      const events = record(monitor);
      try {
        await touch(monitor.addresses.map((a) => a.port), "127.0.0.31");
        await eventually(() => of(events, "conn.close").length === 6, 5000, "6 closes");
        assert.equal(of(events, "alert").length, 0);
      } finally {
        await monitor.close();
      }
    });
  });
}
