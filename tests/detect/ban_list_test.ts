import { test } from "node:test";
import assert from "node:assert/strict";
import { BanList } from "../../src/detect/ban_list.ts";
import { AccessList } from "../../src/detect/access_list.ts";

const T0 = Date.UTC(2026, 11, 1);

test("BanList: bans for the ban time, expires on time, and escalates for repeat offenders", () => {
  const bans = new BanList({ timeMs: 1000, maxTimeMs: 5000 });
  const first = bans.ban("192.0.2.7", T0, "connect scan", 9100001);
  assert.deepEqual(first, {
    src: "192.0.2.7",
    offense: 1,
    sinceMs: T0,
    untilMs: T0 + 1000,
    reason: "connect scan",
    signatureId: 9100001,
  });
  assert.equal(bans.ban("192.0.2.7", T0 + 10), undefined, "already banned");
  assert.equal(bans.isBanned("192.0.2.7", T0 + 999), true);
  assert.equal(bans.isBanned("192.0.2.7", T0 + 1000), false, "over on time, even before expire()");
  assert.equal(bans.isBanned("192.0.2.8", T0), false);
  assert.equal(bans.active, 1);
  assert.deepEqual(bans.expire(T0 + 1000).map((b) => [b.src, b.reason]), [[
    "192.0.2.7",
    "connect scan",
  ]]);
  assert.equal(bans.active, 0);
  // Second and third offences: 2 s, 4 s; then the cap.
  assert.equal(bans.ban("192.0.2.7", T0 + 2000)!.untilMs - (T0 + 2000), 2000);
  bans.expire(T0 + 9000);
  assert.equal(bans.ban("192.0.2.7", T0 + 9000)!.untilMs - (T0 + 9000), 4000);
  bans.expire(T0 + 20_000);
  const fourth = bans.ban("192.0.2.7", T0 + 20_000)!;
  assert.equal(fourth.offense, 4);
  assert.equal(fourth.untilMs - fourth.sinceMs, 5000, "capped at maxTimeMs");
  assert.equal(bans.total, 4);
});

test("BanList: the ignore list is never banned; liftAll ends every ban; memory is bounded", () => {
  const bans = new BanList({ ignore: "127.0.0.0/8, ::1", maxEntries: 10 });
  assert.equal(bans.ban("127.0.0.5", T0), undefined);
  assert.equal(bans.ban("::1", T0), undefined);
  for (let i = 0; i < 50; i++) bans.ban(`10.0.0.${i}`, T0);
  assert.equal(bans.active, 10, "the oldest bans made room");
  assert.equal(bans.liftAll().length, 10);
  assert.equal(bans.active, 0);
  assert.throws(
    () => new BanList({ timeMs: 0 }),
    /Invalid ban timeMs "0": expected a positive number of ms/,
  );
  assert.throws(() => new BanList({ ignore: "x" }), /Invalid CIDR "x"/);
});

test("AccessList: deny wins, an allow list refuses everything else, unknown sources", () => {
  const acl = new AccessList({ allow: "10.0.0.0/8, ::1", deny: "10.6.6.0/24" });
  assert.equal(acl.refuses("10.1.1.1"), false);
  assert.equal(acl.refuses("::1"), false);
  assert.equal(acl.refuses("10.6.6.6"), true);
  assert.equal(acl.refuses("192.0.2.1"), true);
  assert.equal(acl.refuses(null), true, "an allow list cannot admit an unknown source");
  const denyOnly = new AccessList({ deny: "192.0.2.0/24" });
  assert.equal(denyOnly.refuses(null), false);
  assert.equal(denyOnly.refuses("192.0.2.200"), true);
  assert.equal(denyOnly.refuses("198.51.100.1"), false);
  assert.equal(new AccessList({}).empty, true);
});
