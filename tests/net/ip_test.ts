import { test } from "node:test";
import assert from "node:assert/strict";
import { formatHostPort, normalizeAddress, parseIp, parseIpInto } from "../../src/net/ip.ts";

function hex(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

test("parseIp: IPv4 dotted quads give 4 bytes", () => {
  assert.equal(hex(parseIp("127.0.0.1")), "7f000001");
  assert.equal(hex(parseIp("0.0.0.0")), "00000000");
  assert.equal(hex(parseIp("255.255.255.255")), "ffffffff");
  assert.equal(hex(parseIp("192.168.1.52")), "c0a80134");
});

test("parseIp: IPv6 full, compressed, embedded IPv4, zone and brackets give 16 bytes", () => {
  const cases: [string, string][] = [
    ["::", "00000000000000000000000000000000"],
    ["::1", "00000000000000000000000000000001"],
    ["[::1]", "00000000000000000000000000000001"],
    ["1::", "00010000000000000000000000000000"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
    ["2001:DB8::1:0:0:1", "20010db8000000000001000000000001"],
    ["2607:f8b0:400c:c03::1a", "2607f8b0400c0c03000000000000001a"],
    ["::ffff:1.2.3.4", "00000000000000000000ffff01020304"],
    ["::FFFF:127.0.0.1", "00000000000000000000ffff7f000001"],
    ["1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"],
    ["fe80::1%eth0", "fe800000000000000000000000000001"],
    ["[fe80::1%25eth0]", "fe800000000000000000000000000001"],
    ["::2:3:4:5:6:7:8", "00000002000300040005000600070008"],
    ["1:2:3:4:5:6:7::", "00010002000300040005000600070000"],
  ];
  for (const [text, bytes] of cases) assert.equal(hex(parseIp(text)), bytes, text);
});

test("parseIp: returns null for anything that is not an IP literal", () => {
  const bad = [
    "",
    "localhost",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4", // leading zero: ambiguous (octal in inet_aton)
    "1.2.3.4 ",
    " 1.2.3.4",
    "1..2.3",
    "[1.2.3.4]",
    "1.2.3.4%eth0",
    ":",
    ":::",
    ":1",
    "1:",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "::1:2:3:4:5:6:7:8",
    "12345::",
    "g::1",
    "::1%",
    "[::1",
    "::1]",
    "[]",
    "::ffff:1.2.3",
    "1:2:3:4:5:6:7:1.2.3.4",
    "::1.2.3.4:5",
  ];
  for (const text of bad) assert.equal(parseIp(text), null, JSON.stringify(text));
});

test("parseIp: returns a fresh array each call", () => {
  const a = parseIp("::1")!;
  a[15] = 7;
  assert.equal(hex(parseIp("::1")), "00000000000000000000000000000001");
  assert.notEqual(parseIp("1.2.3.4"), parseIp("1.2.3.4"));
});

test("parseIpInto: writes at the offset, returns the length, zero-fills compressed groups", () => {
  const out = new Uint8Array(24).fill(0xaa);
  assert.equal(parseIpInto("10.0.0.1", out, 4), 4);
  assert.equal(hex(out.subarray(0, 10)), "aaaaaaaa0a000001aaaa");
  out.fill(0xaa);
  assert.equal(parseIpInto("1::2", out, 8), 16);
  assert.equal(hex(out), "aaaaaaaaaaaaaaaa" + "00010000000000000000000000000002");
  out.fill(0xaa);
  assert.equal(parseIpInto("[fe80::%eth0]", out), 16);
  assert.equal(hex(out.subarray(0, 16)), "fe800000000000000000000000000000");
  assert.equal(parseIpInto("::", out), 16);
  assert.equal(hex(out.subarray(0, 16)), "00000000000000000000000000000000");
  assert.equal(parseIpInto("1.2.3.256", out), 0);
  assert.equal(parseIpInto("", out), 0);
});

test("parseIpInto: needs room for 16 bytes at the offset", () => {
  assert.throws(() => parseIpInto("1.2.3.4", new Uint8Array(20), 5), {
    name: "RangeError",
    message: 'Invalid offset "5": expected room for 16 bytes in an array of 20',
  });
  assert.throws(() => parseIpInto("1.2.3.4", new Uint8Array(15)), RangeError);
  assert.throws(() => parseIpInto("1.2.3.4", new Uint8Array(32), -1), RangeError);
  assert.throws(() => parseIpInto("1.2.3.4", new Uint8Array(32), 0.5), RangeError);
});

test("normalizeAddress: IPv4-mapped IPv6 becomes IPv4 in any case or spelling", () => {
  assert.equal(normalizeAddress("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(normalizeAddress("::FFFF:10.1.2.3"), "10.1.2.3");
  assert.equal(normalizeAddress("[::ffff:1.2.3.4]"), "1.2.3.4");
  assert.equal(normalizeAddress("::ffff:7f00:1"), "127.0.0.1");
  assert.equal(normalizeAddress("0:0:0:0:0:ffff:1.2.3.4"), "1.2.3.4");
});

test("normalizeAddress: strips brackets and leaves everything else unchanged", () => {
  assert.equal(normalizeAddress("[::1]"), "::1");
  assert.equal(normalizeAddress("[fe80::1%eth0]"), "fe80::1%eth0");
  for (const same of ["127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1", "2001:db8::1", "::1.2.3.4"]) {
    assert.equal(normalizeAddress(same), same);
  }
  // Not IPv4-mapped: only ::ffff:0:0/96 is.
  assert.equal(normalizeAddress("::fffe:1.2.3.4"), "::fffe:1.2.3.4");
  assert.equal(normalizeAddress("1::ffff:1.2.3.4"), "1::ffff:1.2.3.4");
  assert.equal(normalizeAddress("not an address"), "not an address");
});

test("formatHostPort: brackets IPv6 only", () => {
  assert.equal(formatHostPort("127.0.0.1", 80), "127.0.0.1:80");
  assert.equal(formatHostPort("::1", 80), "[::1]:80");
  assert.equal(formatHostPort("[::1]", 443), "[::1]:443");
  assert.equal(formatHostPort("fe80::1%eth0", 8080), "[fe80::1%eth0]:8080");
  assert.equal(formatHostPort("0.0.0.0", 0), "0.0.0.0:0");
  assert.equal(formatHostPort("::ffff:1.2.3.4", 65535), "[::ffff:1.2.3.4]:65535");
});

test("formatHostPort: rejects ports outside 0-65535 naming the value", () => {
  assert.throws(() => formatHostPort("::1", 70000), {
    name: "RangeError",
    message: 'Invalid port "70000": expected an integer 0-65535',
  });
  assert.throws(() => formatHostPort("::1", -1), RangeError);
  assert.throws(() => formatHostPort("::1", 1.5), RangeError);
  assert.throws(() => formatHostPort("::1", NaN), RangeError);
});
