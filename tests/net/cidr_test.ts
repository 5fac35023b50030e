import { test } from "node:test";
import assert from "node:assert/strict";
import { CidrSet, parseCidr } from "../../src/net/cidr.ts";

test("parseCidr: clears host bits, defaults to a single address, writes the block back", () => {
  assert.equal(parseCidr("192.168.1.7/24").text, "192.168.1.0/24");
  assert.equal(parseCidr("10.0.0.1").text, "10.0.0.1/32");
  assert.equal(parseCidr("::1").text, "::1/128");
  assert.equal(parseCidr("2001:db8:1:2::5/32").text, "2001:db8::/32");
  assert.equal(parseCidr("0.0.0.0/0").prefix, 0);
  // An IPv4-mapped block is the IPv4 block it carries.
  assert.deepEqual(
    [parseCidr("::ffff:10.1.0.0/104").family, parseCidr("::ffff:10.1.0.0/104").text],
    [4, "10.0.0.0/8"],
  );
});

test("parseCidr: bad input names the entry and what was expected", () => {
  assert.throws(
    () => parseCidr("10.0.0.0/33"),
    /Invalid CIDR "10.0.0.0\/33": expected a prefix length 0-32/,
  );
  assert.throws(() => parseCidr("::/129"), /expected a prefix length 0-128/);
  assert.throws(() => parseCidr("10.0.0.0/"), /expected a prefix length/);
  assert.throws(
    () => parseCidr("example.com"),
    /Invalid CIDR "example.com": expected an IPv4 or IPv6 address/,
  );
  assert.throws(() => CidrSet.parse("10.0.0.0/8, nope"), /Invalid CIDR "nope"/);
});

test("CidrSet: membership for IPv4, IPv6, mapped addresses and odd prefixes", () => {
  const set = CidrSet.parse("10.0.0.0/8, 192.168.4.0/22, 2001:db8::/32, ::1");
  for (const yes of ["10.255.0.1", "192.168.7.255", "::ffff:10.2.3.4", "2001:db8:ffff::1", "::1"]) {
    assert.equal(set.has(yes), true, yes);
  }
  for (const no of ["11.0.0.1", "192.168.8.0", "2001:db9::1", "::2", "not an ip", ""]) {
    assert.equal(set.has(no), false, no);
  }
  assert.equal(new CidrSet([]).has("10.0.0.1"), false);
  assert.equal(CidrSet.parse("").size, 0);
  assert.equal(CidrSet.parse("0.0.0.0/0").has("203.0.113.9"), true);
  assert.equal(CidrSet.parse("0.0.0.0/0").has("::1"), false, "an IPv4 block never holds IPv6");
});
