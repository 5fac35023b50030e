import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePortSpec } from "../../src/net/ports.ts";

test("parsePortSpec: single ports, lists and ranges", () => {
  assert.deepEqual(parsePortSpec("8000"), [8000]);
  assert.deepEqual(parsePortSpec("1"), [1]);
  assert.deepEqual(parsePortSpec("65535"), [65535]);
  assert.deepEqual(parsePortSpec("8000,8022"), [8000, 8022]);
  assert.deepEqual(parsePortSpec("9000-9003"), [9000, 9001, 9002, 9003]);
  assert.deepEqual(parsePortSpec("22-22"), [22]);
});

test("parsePortSpec: sorts, removes duplicates and allows spaces", () => {
  assert.deepEqual(parsePortSpec("8022, 8000 ,9001-9002"), [8000, 8022, 9001, 9002]);
  assert.deepEqual(parsePortSpec(" 443 "), [443]);
  assert.deepEqual(parsePortSpec("80,80,79-81, 81"), [79, 80, 81]);
  assert.deepEqual(parsePortSpec("10 - 12"), [10, 11, 12]);
  assert.deepEqual(parsePortSpec("0080"), [80]);
});

test("parsePortSpec: 0 means ephemeral and only alone", () => {
  assert.deepEqual(parsePortSpec("0"), [0]);
  assert.deepEqual(parsePortSpec(" 0 "), [0]);
  assert.throws(() => parsePortSpec("0,80"), {
    name: "RangeError",
    message: "--port: port 0 (any free port) must be given alone, not in a list",
  });
  assert.throws(() => parsePortSpec("0-10"), {
    name: "RangeError",
    message: '--port: invalid port "0" in range "0-10": expected 1-65535',
  });
});

test("parsePortSpec: errors name the flag and the offending token", () => {
  assert.throws(() => parsePortSpec("70000"), {
    name: "RangeError",
    message: '--port: invalid port "70000": expected 1-65535',
  });
  assert.throws(() => parsePortSpec("80,99999999999"), {
    name: "RangeError",
    message: '--port: invalid port "99999999999": expected 1-65535',
  });
  assert.throws(() => parsePortSpec("9010-9000"), {
    name: "RangeError",
    message: '--port: invalid range "9010-9000": start must not exceed end',
  });
  assert.throws(() => parsePortSpec(""), { name: "TypeError", message: "--port: empty port list" });
  assert.throws(() => parsePortSpec("  "), {
    name: "TypeError",
    message: "--port: empty port list",
  });
  assert.throws(() => parsePortSpec("80,,81"), {
    name: "TypeError",
    message: '--port: empty entry in port list "80,,81": expected ports separated by commas',
  });
  assert.throws(() => parsePortSpec("80,"), TypeError);
  assert.throws(() => parsePortSpec("http", "--listen"), {
    name: "TypeError",
    message: '--listen: invalid port "http": expected a number 1-65535 or a range like 9000-9010',
  });
  assert.throws(() => parsePortSpec("-5"), /--port: invalid port "" in range "-5"/);
  assert.throws(() => parsePortSpec("1-2-3"), /--port: invalid port "2-3" in range "1-2-3"/);
  assert.throws(() => parsePortSpec("+80"), /--port: invalid port "\+80"/);
  assert.throws(() => parsePortSpec("8e3"), /--port: invalid port "8e3"/);
});

test("parsePortSpec: at most 1024 distinct ports", () => {
  const ports = parsePortSpec("1-1024");
  assert.equal(ports.length, 1024);
  assert.equal(ports[0], 1);
  assert.equal(ports[1023], 1024);
  // Duplicates do not count towards the limit.
  assert.equal(parsePortSpec("1-1024,1-1024,500").length, 1024);
  assert.throws(() => parsePortSpec("1-1024,2000"), {
    name: "RangeError",
    message: '--port: too many ports in "1-1024,2000": at most 1024 ports may be given',
  });
  assert.throws(() => parsePortSpec("1-65535", "-p"), /^RangeError: -p: too many ports/);
});
