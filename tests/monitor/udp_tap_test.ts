// UDP taps (`taps: [{ proto: "udp", ... }]`, the CLI's `--map udp:`), on
// every adapter of this runtime: datagrams reach a real UDP service and its
// answers reach the client that asked, each client (flow) through a socket
// of its own; every flow is recorded with exact datagram and byte counts
// each way and its upstream; a flow that ends frees its socket; flows past
// the connection limit are refused and recorded.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import {
  AddressInUseError,
  type ConnCloseEvent,
  listen,
  type Monitor,
  type MonitorEvent,
} from "sockscope";
import { adapters } from "../_helpers/runtimes.ts";
import { eventually, within } from "../_helpers/client.ts";

/** A UDP service that answers every datagram with its text upper-cased, and notes who asked. */
async function upperService(): Promise<
  { port: number; senders: Set<number>; close(): void }
> {
  const socket = dgram.createSocket("udp4");
  const senders = new Set<number>();
  socket.on("message", (msg, rinfo) => {
    senders.add(rinfo.port);
    socket.send(
      new TextEncoder().encode(new TextDecoder().decode(msg).toUpperCase()),
      rinfo.port,
      rinfo.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return { port: socket.address().port, senders, close: () => socket.close() };
}

/** A client socket: sends `text` to `port`, resolves with the first answer (or rejects after `ms`). */
async function client(): Promise<{
  port: number;
  ask(port: number, text: string, ms?: number): Promise<string>;
  close(): void;
}> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return {
    port: socket.address().port,
    ask(port, text, ms = 3000) {
      const answer = new Promise<string>((resolve) =>
        socket.once("message", (msg) => resolve(new TextDecoder().decode(msg)))
      );
      socket.send(new TextEncoder().encode(text), port, "127.0.0.1");
      return within(answer, ms, `answer to ${text}`);
    },
    close: () => socket.close(),
  };
}

function events(monitor: Monitor): MonitorEvent[] {
  const out: MonitorEvent[] = [];
  monitor.subscribe((e) => out.push(e));
  return out;
}

type Scene = {
  service: Awaited<ReturnType<typeof upperService>>;
  seen: MonitorEvent[];
  a: Awaited<ReturnType<typeof client>>;
  b: Awaited<ReturnType<typeof client>>;
  port: number;
};

/**
 * A UDP tap on `adapter` in front of an upper-casing service, two clients,
 * every event recorded; all closed after `body`. Returns the events,
 * shutdown's included.
 */
async function withUdpTap(
  adapter: (typeof adapters)[number],
  options: { udpTimeout?: number; maxConns?: number },
  body: (scene: Scene) => Promise<void>,
): Promise<MonitorEvent[]> {
  const service = await upperService();
  const monitor = await listen({
    adapter,
    taps: [{ proto: "udp", port: 0, upstreamHost: "127.0.0.1", upstreamPort: service.port }],
    ...options,
  });
  const seen = events(monitor);
  const a = await client();
  const b = await client();
  try {
    const port = monitor.addresses.find((x) => x.proto === "udp")!.port;
    await body({ service, seen, a, b, port });
  } finally {
    a.close();
    b.close();
    await monitor.close();
    service.close();
  }
  return seen;
}

for (const adapter of adapters) {
  describe(`UDP tap on ${adapter}`, () => {
    test("answers reach the client that asked; each flow recorded with its datagrams, bytes and upstream", async () => {
      const seen = await withUdpTap(
        adapter,
        { udpTimeout: 400 },
        async ({ service, seen, a, b, port }) => {
          assert.equal(await a.ask(port, "hello"), "HELLO");
          assert.equal(await b.ask(port, "other"), "OTHER");
          assert.equal(await a.ask(port, "again!"), "AGAIN!");
          // One socket towards the service per flow: two clients, two senders.
          assert.equal(service.senders.size, 2);
          await eventually(
            () => seen.filter((e) => e.type === "conn.close").length === 2,
            5000,
            "both flows end",
          );
          const closes = seen.filter((e): e is ConnCloseEvent => e.type === "conn.close");
          const ofA = closes.find((e) => e.sport === a.port)!;
          const ofB = closes.find((e) => e.sport === b.port)!;
          assert.deepEqual(
            [ofA.orig_pkts, ofA.resp_pkts, ofA.orig_bytes, ofA.resp_bytes],
            [2, 2, 11, 11],
          );
          assert.deepEqual(
            [ofB.orig_pkts, ofB.resp_pkts, ofB.orig_bytes, ofB.resp_bytes],
            [1, 1, 5, 5],
          );
          for (const c of [ofA, ofB]) {
            assert.equal(c.proto, "udp");
            assert.equal(c.upstream_addr, "127.0.0.1");
            assert.equal(c.upstream_port, service.port);
            assert.ok(
              service.senders.has(c.upstream_sport!),
              "upstream_sport is the flow's socket",
            );
            assert.equal(c.upstream_error, undefined);
          }
          // The answers are recorded as the flow's resp datagrams, in the flow's orientation.
          const resp = seen.filter((e) => e.type === "udp.datagram" && e.dir === "resp");
          assert.deepEqual(
            resp.map((e) => e.type === "udp.datagram" && [e.uid, new TextDecoder().decode(e.data)]),
            [[ofA.uid, "HELLO"], [ofB.uid, "OTHER"], [ofA.uid, "AGAIN!"]],
          );
          assert.ok(resp.every((e) => e.type === "udp.datagram" && e.src === "127.0.0.1"));
          // A flow that ended freed its socket: the same client starts a new flow on a new one.
          assert.equal(await a.ask(port, "later"), "LATER");
          assert.equal(service.senders.size, 3);
        },
      );
      // Shutdown ends the open flow too.
      const last = seen.filter((e) => e.type === "conn.close").at(-1);
      assert.ok(last?.type === "conn.close" && last.reason === "shutdown");
    });

    test("flows past the connection limit are refused and recorded as drops, not relayed", async () => {
      await withUdpTap(adapter, { maxConns: 1 }, async ({ service, seen, a, b, port }) => {
        assert.equal(await a.ask(port, "first"), "FIRST");
        await assert.rejects(b.ask(port, "second", 300), /answer to second/);
        const drop = seen.find((e) => e.type === "conn.drop");
        assert.ok(drop?.type === "conn.drop");
        assert.deepEqual([drop.proto, drop.sport, drop.reason, drop.limit], [
          "udp",
          b.port,
          "max-conns",
          1,
        ]);
        assert.equal(service.senders.size, 1);
        // The admitted flow goes on being served.
        assert.equal(await a.ask(port, "still"), "STILL");
      });
    });
  });
}

test("two UDP taps on one port (other loopback addresses): each client is answered through its own tap", async () => {
  const one = await upperService();
  const two = await upperService();
  // A port free on both addresses (Linux routes all of 127/8 to the loopback); a few tries,
  // since another program may take it in between.
  let both: Monitor | undefined;
  let port = 0;
  for (let attempt = 0; both === undefined && attempt < 5; attempt++) {
    const probe = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => probe.bind(0, "127.0.0.2", () => resolve()));
    port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    both = await listen({
      taps: [
        {
          proto: "udp",
          host: "127.0.0.1",
          port,
          upstreamHost: "127.0.0.1",
          upstreamPort: one.port,
        },
        {
          proto: "udp",
          host: "127.0.0.2",
          port,
          upstreamHost: "127.0.0.1",
          upstreamPort: two.port,
        },
      ],
    }).catch((err) => {
      if (err instanceof AddressInUseError) return undefined;
      throw err;
    });
  }
  assert.ok(both, "two taps on one port");
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  try {
    for (const [host, service] of [["127.0.0.1", one], ["127.0.0.2", two]] as const) {
      const answer = new Promise<{ text: string; from: string }>((resolve) =>
        socket.once(
          "message",
          (msg, rinfo) => resolve({ text: new TextDecoder().decode(msg), from: rinfo.address }),
        )
      );
      socket.send(new TextEncoder().encode(`to ${host}`), port, host);
      assert.deepEqual(await within(answer, 3000, `answer via ${host}`), {
        text: `TO ${host}`,
        from: host,
      });
      assert.equal(service.senders.size, 1, `${host} went to its own service`);
    }
  } finally {
    socket.close();
    await both.close();
    one.close();
    two.close();
  }
});

test("a UDP tap mapping with another protocol is refused, naming the field", async () => {
  await assert.rejects(
    listen({
      taps: [{ proto: "sctp" as "udp", port: 0, upstreamHost: "127.0.0.1", upstreamPort: 9 }],
    }),
    /Invalid taps\[0\]\.proto "sctp": expected "tcp" or "udp"/,
  );
});
