import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { communityId, type FlowTuple } from "../../src/format/community_id.ts";

interface Vector {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  seed: number;
  communityid: string;
}

/**
 * Finds ../shared/data/community-id-vectors.json next to an ancestor of this
 * file, so the test runs both from tests/format/ and from a compiled copy
 * such as npm/esm/tests/format/.
 */
function vectorsUrl(): URL {
  const relative = "shared/data/community-id-vectors.json";
  let dir = new URL("./", import.meta.url);
  for (;;) {
    const candidate = new URL(relative, dir);
    if (existsSync(candidate)) return candidate;
    const parent = new URL("../", dir);
    if (parent.href === dir.href) {
      throw new Error(
        `Community ID vectors not found: no ${relative} beside any ancestor of ${import.meta.url}`,
      );
    }
    dir = parent;
  }
}

function flow(
  proto: number,
  srcAddr: string,
  dstAddr: string,
  srcPort = 0,
  dstPort = 0,
): FlowTuple {
  return { proto, srcAddr, dstAddr, srcPort, dstPort };
}

test("communityId: every vector in shared/data/community-id-vectors.json", () => {
  const vectors = JSON.parse(readFileSync(vectorsUrl(), "utf8")) as Vector[];
  assert.ok(Array.isArray(vectors) && vectors.length >= 12, "expected at least 12 vectors");
  for (const v of vectors) {
    const got = communityId(flow(v.proto, v.saddr, v.daddr, v.sport, v.dport), v.seed);
    assert.equal(got, v.communityid, JSON.stringify(v));
  }
});

test("communityId: spec baseline vectors for ICMPv6, ICMP one-way, SCTP and port-less protocols", () => {
  // From corelight/community-id-spec baseline/baseline_deflt.json (seed 0).
  const cases: [FlowTuple, string][] = [
    // ICMPv6 neighbor solicitation/advertisement (two-way types 135/136)
    [
      flow(58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0),
      "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
    ],
    [
      flow(58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0),
      "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
    ],
    [
      flow(58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0),
      "1:zavyT/cezQr1fmImYCwYnMXbgck=",
    ],
    // ICMPv6 destination unreachable / time exceeded: one-way, type and code kept
    [
      flow(58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0),
      "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=",
    ],
    [
      flow(58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4),
      "1:hLZd0XGWojozrvxqE0dWB1iM6R0=",
    ],
    // ICMPv6 echo request and reply
    [
      flow(58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0),
      "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
    ],
    [
      flow(58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0),
      "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
    ],
    // ICMPv6 router solicitation and advertisement to multicast
    [flow(58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0), "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="],
    [flow(58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0), "1:pkvHqCL88/tg1k4cPigmZXUtL00="],
    // ICMP echo both ways, and time exceeded (one-way)
    [flow(1, "192.168.0.89", "192.168.0.1", 8, 0), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="],
    [flow(1, "192.168.0.1", "192.168.0.89", 0, 0), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="],
    [flow(1, "10.0.0.1", "10.0.0.2", 11, 0), "1:YHxtAirCG//0OzkcVAukqKQN9xM="],
    // SCTP with equal ports both ways
    [flow(132, "192.168.170.8", "192.168.170.56", 7, 7), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="],
    [flow(132, "192.168.170.56", "192.168.170.8", 7, 7), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="],
    // RSVP (46) has no ports: the port fields must not change the hash
    [flow(46, "10.1.12.1", "10.1.12.2"), "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="],
    [flow(46, "10.1.12.2", "10.1.12.1", 1234, 80), "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="],
  ];
  for (const [tuple, id] of cases) assert.equal(communityId(tuple), id, JSON.stringify(tuple));
});

test("communityId: both directions agree, one-way ICMP types keep their direction", () => {
  const there = communityId(flow(6, "10.0.0.1", "10.0.0.1", 40000, 80));
  assert.equal(communityId(flow(6, "10.0.0.1", "10.0.0.1", 80, 40000)), there);
  // ICMP destination unreachable (type 3) is one-way: reversing it is another flow.
  const unreachable = communityId(flow(1, "10.0.0.1", "10.0.0.2", 3, 1));
  assert.notEqual(communityId(flow(1, "10.0.0.2", "10.0.0.1", 3, 1)), unreachable);
});

test("communityId: every ICMP/ICMPv6 request and its reply share one ID", () => {
  const v4: [number, number][] = [[8, 0], [10, 9], [13, 14], [15, 16], [17, 18]];
  const v6: [number, number][] = [[128, 129], [130, 131], [133, 134], [135, 136], [139, 140], [
    144,
    145,
  ]];
  for (
    const [proto, a, b, pairs] of [[1, "10.0.0.1", "10.0.0.2", v4], [
      58,
      "fe80::1",
      "fe80::2",
      v6,
    ]] as const
  ) {
    for (const [request, reply] of pairs) {
      const id = communityId(flow(proto, a, b, request, 0));
      assert.equal(communityId(flow(proto, b, a, reply, 0)), id, `${proto}: ${request}/${reply}`);
      // The code does not matter for two-way types.
      assert.equal(communityId(flow(proto, a, b, request, 9)), id);
    }
  }
  // Echo types under the other protocol number are one-way.
  assert.notEqual(
    communityId(flow(58, "fe80::2", "fe80::1", 0, 0)),
    communityId(flow(58, "fe80::1", "fe80::2", 8, 0)),
  );
});

test("communityId: IPv4-mapped IPv6 and bracketed addresses hash as their plain form", () => {
  const plain = communityId(flow(6, "1.2.3.4", "5.6.7.8", 1122, 3344));
  assert.equal(plain, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  assert.equal(communityId(flow(6, "::ffff:1.2.3.4", "::FFFF:5.6.7.8", 1122, 3344)), plain);
  assert.equal(communityId(flow(6, "[::ffff:5.6.7.8]", "1.2.3.4", 3344, 1122)), plain);
  const v6 = communityId(
    flow(6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25),
  );
  assert.equal(
    communityId(
      flow(6, "[2001:470:e5bf:dead:4957:2174:e82c:4887]", "[2607:f8b0:400c:c03::1a]", 63943, 25),
    ),
    v6,
  );
});

test("communityId: rejects bad addresses with a TypeError naming them", () => {
  assert.throws(() => communityId(flow(6, "example.com", "1.2.3.4", 1, 2)), {
    name: "TypeError",
    message: 'Invalid source address "example.com": expected an IPv4 or IPv6 literal',
  });
  assert.throws(() => communityId(flow(6, "1.2.3.4", "1.2.3", 1, 2)), {
    name: "TypeError",
    message: 'Invalid destination address "1.2.3": expected an IPv4 or IPv6 literal',
  });
  assert.throws(() => communityId(flow(6, "1.2.3.4", "::1", 1, 2)), {
    name: "TypeError",
    message: 'Mismatched address families "1.2.3.4" and "::1": expected both IPv4 or both IPv6',
  });
});

test("communityId: rejects out-of-range protocol, ports and seed", () => {
  assert.throws(() => communityId(flow(6, "1.2.3.4", "5.6.7.8", 70000, 2)), {
    name: "RangeError",
    message: 'Invalid source port "70000": expected an integer 0-65535',
  });
  assert.throws(() => communityId(flow(6, "1.2.3.4", "5.6.7.8", 1, -1)), {
    name: "RangeError",
    message: 'Invalid destination port "-1": expected an integer 0-65535',
  });
  assert.throws(() => communityId(flow(256, "1.2.3.4", "5.6.7.8", 1, 2)), {
    name: "RangeError",
    message: 'Invalid protocol "256": expected an integer 0-255',
  });
  assert.throws(() => communityId(flow(6, "1.2.3.4", "5.6.7.8", 1, 2), 65536), {
    name: "RangeError",
    message: 'Invalid seed "65536": expected an integer 0-65535',
  });
});
