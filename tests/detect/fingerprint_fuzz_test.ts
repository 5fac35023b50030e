// Hostile bytes: random arrays and mutations of real first bytes never make a parser throw or
// return something outside its type, and a window cut anywhere never makes a parser claim more
// than the cut bytes hold. Seeded: a failure prints the seed and case that reproduce it
// (SOCKSCOPE_FUZZ_SEED=<seed> runs that seed).
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import type { AppInfo, HttpRequestInfo, TlsClientHelloInfo } from "../../src/detect/app_info.ts";
import { fingerprint } from "../../src/detect/fingerprint/fingerprint.ts";
import { parseClientHello } from "../../src/detect/fingerprint/tls_client_hello.ts";
import { parseHttpRequest } from "../../src/detect/fingerprint/http_request.ts";
import { parseSshBanner } from "../../src/detect/fingerprint/ssh_banner.ts";
import { parseResp } from "../../src/detect/fingerprint/resp.ts";
import { parseDnsQuery } from "../../src/detect/fingerprint/dns_query.ts";
import { guessText } from "../../src/detect/fingerprint/guess.ts";
import { JA4_VECTORS } from "./_ja4_vectors.ts";

const SEED = Number(process.env.SOCKSCOPE_FUZZ_SEED ?? 0x5eed);
const enc = new TextEncoder();
const unhex = (t: string): Uint8Array =>
  Uint8Array.from(t.match(/../g) ?? [], (h) => parseInt(h, 16));

/** mulberry32: small, fast, and the same sequence on every runtime. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `body` for `cases` cases; a failure names the seed and case. */
function fuzz(cases: number, seed: number, body: (rand: () => number, i: number) => void): void {
  const rand = prng(seed);
  for (let i = 0; i < cases; i++) {
    try {
      body(rand, i);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`fuzz case ${i} failed (SOCKSCOPE_FUZZ_SEED=${seed}): ${why}`, { cause: e });
    }
  }
}

const SERVICES = new Set(["http", "tls", "ssh", "redis", "dns", "text", "binary"]);
const JA4 = /^t(13|12|11|10|s3|s2|d1|d2|d3|00)[di]\d{4}[0-9a-zA-Z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/;
const u16 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffff;

function checkTls(t: TlsClientHelloInfo): void {
  assert.ok(u16(t.record_version) && u16(t.version));
  assert.ok(t.ciphers.every(u16) && t.extensions.every(u16));
  for (const list of [t.groups, t.signature_algorithms, t.supported_versions]) {
    assert.ok(list === undefined || list.every(u16));
  }
  assert.ok(t.ec_point_formats === undefined || t.ec_point_formats.every((v) => v >= 0 && v < 256));
  assert.match(t.ja3, /^\d+,[\d-]*,[\d-]*,[\d-]*,[\d-]*$/);
  assert.match(t.ja3_hash, /^[0-9a-f]{32}$/);
  assert.match(t.ja4, JA4);
  assert.equal(typeof t.truncated, "boolean");
}

function checkHttp(h: HttpRequestInfo, payload: Uint8Array): void {
  assert.ok(h.method.length > 0 && h.uri.length > 0);
  assert.match(h.version, /^HTTP\/1\.\d$/);
  assert.ok(h.request_line.startsWith(`${h.method} `));
  assert.ok(h.headers.every(([n, v]) => typeof n === "string" && typeof v === "string"));
  if (h.body_offset !== undefined) {
    assert.ok(h.body_offset > 0 && h.body_offset <= payload.length);
    assert.equal(h.truncated, false);
  } else assert.equal(h.truncated, true);
}

/** The result is `"more"`, undefined, or a well-formed AppInfo of the right service. */
function checkApp(r: AppInfo | "more" | undefined, payload: Uint8Array): void {
  if (r === undefined || r === "more") return;
  assert.ok(SERVICES.has(r.service), r.service);
  if (r.tls) checkTls(r.tls);
  if (r.http) checkHttp(r.http, payload);
  if (r.ssh) assert.ok(r.ssh.software.length > 0 && /^\d[\d.]*$/.test(r.ssh.proto_version));
  if (r.redis) assert.ok(r.redis.command.length > 0 && r.redis.args >= 0);
  if (r.dns) assert.ok(u16(r.dns.id) && u16(r.dns.rrtype_code) && r.dns.rrtype.length > 0);
}

/** Every parser and `fingerprint`, both ways of `final`: no throw, only values of their types. */
function everything(payload: Uint8Array): void {
  for (const final of [false, true]) {
    checkApp(fingerprint(payload, "tcp", final), payload);
    const tls = parseClientHello(payload, final);
    if (tls !== undefined && tls !== "more") checkTls(tls);
    if (final) assert.notEqual(tls, "more");
    const http = parseHttpRequest(payload, final);
    if (http !== undefined && http !== "more") checkHttp(http, payload);
    if (final) assert.notEqual(http, "more");
    for (const r of [parseSshBanner(payload, final), parseResp(payload, final)]) {
      assert.ok(r === undefined || r === "more" || typeof r === "object");
      if (final) assert.notEqual(r, "more");
    }
  }
  const udp = fingerprint(payload, "udp", false);
  assert.notEqual(udp, "more");
  checkApp(udp, payload);
  const dns = parseDnsQuery(payload);
  assert.ok(dns === undefined || typeof dns.rrname === "string");
  assert.ok(["text", "binary"].includes(guessText(payload)));
}

const HELLOS = JA4_VECTORS.map((v) => unhex(v.hello));
const HTTP = enc.encode(
  "GET /search?q=%C3%A9t%C3%A9&x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\n" +
    "Accept: */*\r\nCookie: a=b; c=d\r\n\r\n",
);
const SEEDS: readonly Uint8Array[] = [
  ...HELLOS,
  HTTP,
  enc.encode("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6\r\n"),
  enc.encode("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"),
  enc.encode("PING\r\n"),
  unhex("abcd01200001000000000001076578616d706c6503636f6d0000010001" + "0000291000000000000000"),
];
/** First bytes that lead the random inputs into each parser. */
const PREFIXES: readonly Uint8Array[] = [
  new Uint8Array(0),
  new Uint8Array([0x16, 0x03, 0x01]),
  new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
  enc.encode("SSH-2.0-"),
  enc.encode("GET / HTTP/1.1\r\n"),
  enc.encode("*2\r\n$"),
  enc.encode("SET "),
  new Uint8Array([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]),
];

test("fuzz: random bytes never throw and give values of the parsers' types", () => {
  fuzz(3000, SEED, (rand) => {
    const prefix = PREFIXES[Math.floor(rand() * PREFIXES.length)];
    const payload = new Uint8Array(prefix.length + Math.floor(rand() * 600));
    payload.set(prefix);
    const printable = rand() < 0.3;
    for (let i = prefix.length; i < payload.length; i++) {
      payload[i] = printable ? 0x20 + Math.floor(rand() * 95) : Math.floor(rand() * 256);
    }
    everything(payload);
  });
});

/** The offsets of a ClientHello's length fields (record, handshake, lists, each extension). */
function helloLengthFields(h: Uint8Array): number[] {
  const out = [3, 6, 7];
  let p = 9 + 2 + 32;
  out.push(p); // session id length (1 byte, still worth a 0xff)
  p += 1 + h[p];
  out.push(p);
  p += 2 + ((h[p] << 8) | h[p + 1]);
  out.push(p);
  p += 1 + h[p];
  out.push(p);
  const end = Math.min(h.length, p + 2 + ((h[p] << 8) | h[p + 1]));
  for (p += 2; p + 4 <= end; p += 4 + ((h[p + 2] << 8) | h[p + 3])) {
    out.push(p + 2, p + 4); // the extension's length and the first length inside its data
  }
  return out.filter((o) => o + 1 < h.length);
}

test("fuzz: mutated real first bytes (bit flips, cuts, inserts, lengths set to 0xffff)", () => {
  const seen = new Map<string, number>();
  fuzz(3000, SEED + 1, (rand) => {
    const seed = SEEDS[Math.floor(rand() * SEEDS.length)];
    const m = new Uint8Array(seed);
    let payload: Uint8Array = m;
    const kind = Math.floor(rand() * 5);
    if (kind === 0) {
      for (let k = 1 + Math.floor(rand() * 8); k > 0; k--) {
        m[Math.floor(rand() * m.length)] ^= 1 << Math.floor(rand() * 8);
      }
    } else if (kind === 1) {
      payload = m.subarray(0, Math.floor(rand() * m.length));
    } else if (kind === 2 && m[0] === 0x16) {
      const fields = helloLengthFields(m);
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const at = fields[Math.floor(rand() * fields.length)];
        m[at] = 0xff;
        m[at + 1] = 0xff;
      }
    } else if (kind === 3) {
      const at = Math.floor(rand() * m.length);
      const junk = Uint8Array.from({ length: 1 + Math.floor(rand() * 16) }, () => rand() * 256);
      payload = new Uint8Array([...m.subarray(0, at), ...junk, ...m.subarray(at)]);
    } else {
      for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) {
        m[Math.floor(rand() * m.length)] =
          [0, 0xff, 0x0d, 0x0a, 0x20, 0x3a][Math.floor(rand() * 6)];
      }
    }
    everything(payload);
    const r = fingerprint(payload, "tcp", true);
    const key = r === undefined || r === "more" ? "none" : r.service;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const dns = fingerprint(payload, "udp", true);
    if (dns !== undefined && dns !== "more" && dns.service === "dns") {
      seen.set("dns", (seen.get("dns") ?? 0) + 1);
    }
  });
  // The mutants reached every parser's results, not only its early exits.
  for (const service of ["tls", "http", "ssh", "redis", "dns", "text", "binary"]) {
    assert.ok((seen.get(service) ?? 0) > 0, `no mutant recognised as ${service}`);
  }
});

/** `part` holds nothing `whole` does not: equal where present, lists a prefix of the whole's. */
function assertTlsPrefix(part: TlsClientHelloInfo, whole: TlsClientHelloInfo, n: number): void {
  const at = `prefix of ${n} bytes`;
  assert.equal(part.truncated, true, at);
  assert.equal(part.version, whole.version, at);
  assert.deepEqual(part.ciphers, whole.ciphers.slice(0, part.ciphers.length), at);
  assert.deepEqual(part.extensions, whole.extensions.slice(0, part.extensions.length), at);
  for (
    const key of ["sni", "alpn", "groups", "ec_point_formats", "signature_algorithms"] as const
  ) {
    if (part[key] !== undefined) assert.deepEqual(part[key], whole[key], `${at}: ${key}`);
  }
  if (part.supported_versions !== undefined) {
    assert.deepEqual(part.supported_versions, whole.supported_versions, at);
  }
}

/** Re-frames a hello's handshake message into records of at most `size` bytes. */
function reframe(hello: Uint8Array, size: number): Uint8Array {
  const hs = hello.subarray(5);
  const out: number[] = [];
  for (let i = 0; i < hs.length; i += size) {
    const part = hs.subarray(i, i + size);
    out.push(0x16, hello[1], hello[2], part.length >> 8, part.length & 0xff, ...part);
  }
  return new Uint8Array(out);
}

test("truncation: every prefix of real ClientHellos waits for more, or says only what it holds", () => {
  const shapes = [
    ...HELLOS.map((h, i) => ({ name: JA4_VECTORS[i].source, bytes: h })),
    // The same message spread over several records (as large post-quantum hellos are).
    { name: "reframed in 100-byte records", bytes: reframe(HELLOS[3], 100) },
    { name: "reframed in 3-byte records", bytes: reframe(HELLOS[0], 3) },
  ];
  for (const { name, bytes } of shapes) {
    const whole = parseClientHello(bytes);
    assert.ok(whole !== undefined && whole !== "more" && !whole.truncated, name);
    for (let n = 0; n < bytes.length; n++) {
      const prefix = bytes.subarray(0, n);
      assert.equal(parseClientHello(prefix, false), "more", `${name}: prefix ${n}`);
      assert.equal(fingerprint(prefix, "tcp", false), "more", `${name}: prefix ${n}`);
      const part = parseClientHello(prefix, true);
      if (part === undefined) continue;
      assert.notEqual(part, "more");
      if (part !== "more") assertTlsPrefix(part, whole, n);
    }
  }
  // Re-framing changes nothing the fingerprints read.
  const a = parseClientHello(HELLOS[3]);
  const b = parseClientHello(reframe(HELLOS[3], 100));
  assert.ok(a !== undefined && a !== "more" && b !== undefined && b !== "more");
  assert.deepEqual({ ...b, record_version: 0 }, { ...a, record_version: 0 });
});

test("truncation: every prefix of a real HTTP request waits for more, or says only what it holds", () => {
  const whole = parseHttpRequest(HTTP);
  assert.ok(whole !== undefined && whole !== "more" && !whole.truncated);
  for (let n = 0; n < HTTP.length; n++) {
    const prefix = HTTP.subarray(0, n);
    assert.equal(parseHttpRequest(prefix, false), "more", `prefix ${n}`);
    assert.equal(fingerprint(prefix, "tcp", false), "more", `prefix ${n}`);
    const part = parseHttpRequest(prefix, true);
    if (part === undefined) continue;
    assert.ok(part !== "more");
    assert.equal(part.truncated, true);
    assert.equal(part.body_offset, undefined);
    assert.equal(part.request_line, whole.request_line);
    assert.equal(part.uri, whole.uri);
    assert.deepEqual(part.headers, whole.headers.slice(0, part.headers.length), `prefix ${n}`);
    if (part.host !== undefined) assert.equal(part.host, whole.host);
    if (part.user_agent !== undefined) assert.equal(part.user_agent, whole.user_agent);
  }
});
