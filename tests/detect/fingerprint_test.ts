// Protocol fingerprints from the first bytes: what real clients send (captured in the test from
// curl, openssl, ssh, redis-cli, dig and nmap), JA4 against the reference's sample captures, JA3
// and the ClientHello's fields against tshark's dissection of the same bytes.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import dgram from "node:dgram";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MonitorEvent } from "../../src/monitor/events.ts";
import type { AppInfo, TlsClientHelloInfo } from "../../src/detect/app_info.ts";
import { PcapFormat } from "../../src/output/pcap_format.ts";
import { fingerprint } from "../../src/detect/fingerprint/fingerprint.ts";
import { parseClientHello } from "../../src/detect/fingerprint/tls_client_hello.ts";
import { parseHttpRequest } from "../../src/detect/fingerprint/http_request.ts";
import { parseSshBanner } from "../../src/detect/fingerprint/ssh_banner.ts";
import { parseResp } from "../../src/detect/fingerprint/resp.ts";
import { parseDnsQuery } from "../../src/detect/fingerprint/dns_query.ts";
import { guessText } from "../../src/detect/fingerprint/guess.ts";
import { ja3 } from "../../src/detect/fingerprint/ja3.ts";
import { ja4 } from "../../src/detect/fingerprint/ja4.ts";
import { isGrease } from "../../src/detect/fingerprint/grease.ts";
import { concat, within } from "../_helpers/client.ts";
import { JA4_VECTORS } from "./_ja4_vectors.ts";

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const unhex = (t: string): Uint8Array =>
  Uint8Array.from(t.match(/../g) ?? [], (h) => parseInt(h, 16));

/** The AppInfo, failing on "more" or undefined. */
function app(payload: Uint8Array, proto: "tcp" | "udp" = "tcp", final = false): AppInfo {
  const r = fingerprint(payload, proto, final);
  assert.ok(r !== undefined && r !== "more", `expected a result, got ${String(r)}`);
  return r;
}

function hello(hexText: string): TlsClientHelloInfo {
  const r = parseClientHello(unhex(hexText));
  assert.ok(r !== undefined && r !== "more", "a ClientHello");
  return r;
}

// ---------------------------------------------------------------------------------------------
// The definitions, on their own

test("ja4: the spec's worked example (JA4.md) and its empty-list rules", () => {
  const example = {
    version: 0x0303,
    supported_versions: [0x0304, 0x0303],
    alpn: ["h2", "http/1.1"],
    ciphers: [
      0x1301,
      0x1302,
      0x1303,
      0xc02b,
      0xc02f,
      0xc02c,
      0xc030,
      0xcca9,
      0xcca8,
      0xc013,
      0xc014,
      0x009c,
      0x009d,
      0x002f,
      0x0035,
    ],
    extensions: [
      0x001b,
      0x0000,
      0x0033,
      0x0010,
      0x4469,
      0x0017,
      0x002d,
      0x000d,
      0x0005,
      0x0023,
      0x0012,
      0x002b,
      0xff01,
      0x000b,
      0x000a,
      0x0015,
    ],
    signature_algorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
  };
  assert.equal(ja4(example), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  // GREASE anywhere changes nothing.
  const greased = {
    ...example,
    supported_versions: [0x7a7a, ...example.supported_versions],
    ciphers: [0x0a0a, ...example.ciphers],
    extensions: [0xdada, ...example.extensions, 0x1a1a],
    signature_algorithms: [0x4a4a, ...example.signature_algorithms],
  };
  assert.equal(ja4(greased), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  // No signature algorithms: the extension list alone, no underscore (the spec's 6d807ffa2a79).
  assert.equal(
    ja4({ ...example, signature_algorithms: undefined }),
    "t13d1516h2_8daaf6152771_6d807ffa2a79",
  );
  // No ciphers, no extensions but SNI and ALPN, no supported_versions: zeros, legacy version, "i".
  assert.equal(
    ja4({ version: 0x0301, ciphers: [], extensions: [0x0010], alpn: ["http/1.1"] }),
    "t10i0001h1_000000000000_000000000000",
  );
  assert.equal(
    ja4({ version: 0x0302, ciphers: [0x002f], extensions: [] }, "q").slice(0, 10),
    "q11i010000",
  );
  // Counts are capped at 99; unknown versions print 00.
  const many = Array.from({ length: 150 }, (_, i) => 0x0100 + i);
  assert.equal(
    ja4({ version: 0x9999, ciphers: many, extensions: many }).slice(0, 10),
    "t00i999900",
  );
});

test("ja4: ALPN first and last characters, and the hex form the spec prints otherwise", () => {
  const base = { version: 0x0303, ciphers: [0x1301], extensions: [0x0010] };
  const code = (...first: number[]) =>
    ja4({ ...base, alpn: [String.fromCharCode(...first)] }).slice(8, 10);
  assert.equal(code(0x68, 0x32), "h2");
  assert.equal(code(...bytes("http/1.1")), "h1");
  assert.equal(code(0x61), "aa"); // one character is both the first and the last
  // The spec's own list (technical_details/JA4.md, "ALPN Extension Value").
  assert.equal(code(0xab), "ab");
  assert.equal(code(0x20), "20");
  assert.equal(code(0xab, 0xcd), "ad");
  assert.equal(code(0x20, 0x61), "21");
  assert.equal(code(0x30, 0xab), "3b");
  assert.equal(code(0x61, 0x20), "60");
  assert.equal(code(0x30, 0x31, 0xab, 0xcd), "3d");
  assert.equal(code(0x30, 0xab, 0xcd, 0x31), "01");
  assert.equal(ja4({ ...base, alpn: [""] }).slice(8, 10), "00");
  assert.equal(ja4({ ...base, alpn: [] }).slice(8, 10), "00");
});

test("ja4: the reference's sample captures give the reference's fingerprints", () => {
  for (const v of JA4_VECTORS) {
    const h = hello(v.hello);
    assert.equal(h.truncated, false, v.source);
    assert.equal(h.ja4, v.specJa4 ?? v.ja4, v.source);
  }
});

test("ja3: decimal lists, GREASE left out, empty fields kept, MD5 of the string", () => {
  const r = ja3({
    version: 771,
    ciphers: [0x2a2a, 4865, 4866],
    extensions: [0xfafa, 0, 23, 65281],
    groups: [0x3a3a, 29, 23],
    ec_point_formats: [0],
  });
  assert.equal(r.ja3, "771,4865-4866,0-23-65281,29-23,0");
  assert.match(r.hash, /^[0-9a-f]{32}$/);
  // No extensions: empty fields, not missing ones.
  const bare = ja3({ version: 769, ciphers: [47, 53], extensions: [] });
  assert.equal(bare.ja3, "769,47-53,,,");
  assert.equal(bare.hash, createHash("md5").update("769,47-53,,,").digest("hex"));
  assert.equal(isGrease(0x0a0a), true);
  assert.equal(isGrease(0xfafa), true);
  assert.equal(isGrease(0x0a1a), false);
  assert.equal(isGrease(0x1a0a), false);
});

// ---------------------------------------------------------------------------------------------
// Parsers on hand-made input: the edges of each structure

test("http: request line, headers in order, host and user agent, body offset", () => {
  const head = "POST /login?next=%2F HTTP/1.0\r\nHost:  example.test \r\nuser-agent: x/1\r\n" +
    "X-Folded: a\r\n  b\r\nno colon here\r\n\r\nbody";
  const h = parseHttpRequest(bytes(head));
  assert.ok(h !== undefined && h !== "more");
  assert.equal(h.method, "POST");
  assert.equal(h.uri, "/login?next=%2F");
  assert.equal(h.version, "HTTP/1.0");
  assert.equal(h.request_line, "POST /login?next=%2F HTTP/1.0");
  assert.equal(h.host, "example.test");
  assert.equal(h.user_agent, "x/1");
  assert.deepEqual(h.headers, [["Host", "example.test"], ["user-agent", "x/1"], [
    "X-Folded",
    "a b",
  ]]);
  assert.equal(h.body_offset, head.length - 4);
  assert.equal(h.truncated, false);
  // Bare LF line ends are read too.
  const lf = parseHttpRequest(bytes("GET / HTTP/1.1\nHost: a\n\n"));
  assert.ok(lf !== undefined && lf !== "more");
  assert.equal(lf.host, "a");
  assert.equal(lf.body_offset, 24);
});

test("http: prefixes wait for more; with final they say what was read, truncated", () => {
  const head = bytes("GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n");
  for (let n = 0; n < head.length; n++) {
    assert.equal(parseHttpRequest(head.subarray(0, n), false), "more", `prefix ${n}`);
  }
  const cut = parseHttpRequest(head.subarray(0, 30), true);
  assert.ok(cut !== undefined && cut !== "more");
  assert.deepEqual(cut.headers, [["Host", "h"]]); // "Accept: *" was cut: left out
  assert.equal(cut.truncated, true);
  assert.equal(cut.body_offset, undefined);
  assert.equal(parseHttpRequest(head.subarray(0, 10), true), undefined); // no version yet
  // Not HTTP: unknown or lower-case method, HTTP/2 preface, a version-less line, controls.
  for (const t of ["FOO / HTTP/1.1\r\n", "get / HTTP/1.1\r\n", "PRI * HTTP/2.0\r\n", "GET /\r\n"]) {
    assert.equal(parseHttpRequest(bytes(t), false), undefined, t);
  }
  assert.equal(parseHttpRequest(bytes("GET /\x00"), false), undefined);
  assert.equal(parseHttpRequest(bytes("GETX"), false), undefined);
});

test("ssh: the identification line, comments, and what is not one", () => {
  assert.deepEqual(parseSshBanner(bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6\r\n")), {
    proto_version: "2.0",
    software: "OpenSSH_9.2p1",
    comments: "Debian-2+deb12u6",
  });
  assert.deepEqual(parseSshBanner(bytes("SSH-1.99-Cisco-1.25\n")), {
    proto_version: "1.99",
    software: "Cisco-1.25",
  });
  assert.equal(parseSshBanner(bytes("SSH-2.0-Open"), false), "more");
  assert.equal(parseSshBanner(bytes("SS"), false), "more");
  assert.equal(parseSshBanner(bytes("SSH-2.0-Open"), true), undefined);
  assert.equal(parseSshBanner(bytes("SSH-x.0-a\r\n")), undefined);
  assert.equal(parseSshBanner(bytes("SSH-2.0-\r\n")), undefined);
  assert.equal(parseSshBanner(bytes("SSH-2.0-a\x01b\r\n")), undefined);
  assert.equal(parseSshBanner(bytes("SSH-2.0-" + "a".repeat(300)), false), undefined);
});

test("resp: arrays, inline commands, prefixes", () => {
  assert.deepEqual(parseResp(bytes("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n")), {
    command: "SET",
    args: 2,
    inline: false,
  });
  assert.deepEqual(parseResp(bytes("PING\r\n")), { command: "PING", args: 0, inline: true });
  assert.deepEqual(parseResp(bytes("config  get\t*\r\n")), {
    command: "CONFIG",
    args: 2,
    inline: true,
  });
  assert.deepEqual(parseResp(bytes("HELLO 3\n")), { command: "HELLO", args: 1, inline: true });
  // A text line that merely starts with a common word is not Redis: capitals or CRLF it needs.
  for (const t of ["hello from npm\n", "get ready\n", "config get *\n"]) {
    assert.equal(parseResp(bytes(t), true), undefined, t);
  }
  const arr = bytes("*1\r\n$4\r\nPING\r\n");
  for (let n = 0; n < 12; n++) assert.equal(parseResp(arr.subarray(0, n), false), "more", `${n}`);
  assert.equal(parseResp(arr.subarray(0, 11), true), undefined);
  assert.deepEqual(parseResp(arr.subarray(0, 12), true), {
    command: "PING",
    args: 0,
    inline: false,
  });
  assert.equal(parseResp(bytes("PI"), false), "more");
  assert.equal(parseResp(bytes("PING"), true), undefined);
  for (const t of ["*0\r\n", "*1\r\n$0\r\n", "*x\r\n", "*1\r\n+OK\r\n", "EHLO a\r\n", "QUIT\r\n"]) {
    assert.equal(parseResp(bytes(t), false), undefined, t);
  }
});

test("dns: the question of a query; responses and junk are not queries", () => {
  const q = unhex(
    "abcd01200001000000000001" + "076578616d706c6503636f6d00" + "00010001" +
      "0000291000000000000000",
  );
  assert.deepEqual(parseDnsQuery(q), {
    id: 0xabcd,
    rrname: "example.com",
    rrtype: "A",
    rrtype_code: 1,
  });
  const odd = unhex("00010000000100000000000003612e620278ff00" + "fff00001");
  assert.deepEqual(parseDnsQuery(odd), {
    id: 1,
    rrname: "a\\.b.x\\255",
    rrtype: "TYPE65520",
    rrtype_code: 0xfff0,
  });
  assert.equal(parseDnsQuery(unhex("000100000001000000000000" + "00" + "00020001"))?.rrname, "");
  assert.equal(parseDnsQuery(unhex("abcd81800001000000000000" + "00" + "00010001")), undefined);
  assert.equal(parseDnsQuery(unhex("abcd01000001000000000000" + "c00c" + "00010001")), undefined);
  assert.equal(parseDnsQuery(unhex("abcd01000000000000000000" + "00" + "00010001")), undefined);
  assert.equal(parseDnsQuery(unhex("abcd01000001000000000000" + "0561626364")), undefined);
});

test("guess: printable text and UTF-8 against binary", () => {
  assert.equal(guessText(bytes("hello\tworld\r\n")), "text");
  assert.equal(guessText(bytes("grüße ☕ 🦕")), "text");
  assert.equal(guessText(bytes("☕").subarray(0, 2)), "text"); // cut by the window
  assert.equal(guessText(new Uint8Array([0x68, 0x00])), "binary");
  assert.equal(guessText(new Uint8Array([0x1b, 0x5b])), "binary");
  assert.equal(guessText(new Uint8Array([0xc0, 0xaf])), "binary"); // overlong
  assert.equal(guessText(new Uint8Array([0xed, 0xa0, 0x80])), "binary"); // surrogate
  assert.equal(guessText(new Uint8Array([0xc2, 0x85])), "binary"); // C1 control
  assert.equal(guessText(new Uint8Array([0x61, 0xff, 0x61])), "binary");
});

test("fingerprint: order, 'more', final, empty input, UDP", () => {
  assert.equal(fingerprint(new Uint8Array(0), "tcp", false), "more");
  assert.equal(fingerprint(new Uint8Array(0), "tcp", true), undefined);
  assert.equal(fingerprint(new Uint8Array(0), "udp", true), undefined);
  const tls = unhex(JA4_VECTORS[0].hello);
  assert.equal(fingerprint(tls.subarray(0, 40), "tcp", false), "more");
  assert.equal(app(tls).service, "tls");
  const cut = app(tls.subarray(0, 60), "tcp", true);
  assert.equal(cut.service, "tls");
  assert.equal(cut.tls?.truncated, true);
  assert.equal(app(bytes("SSH-2.0-x\r\n")).ssh?.software, "x");
  assert.equal(app(bytes("GET / HTTP/1.1\r\n\r\n")).http?.method, "GET");
  assert.equal(app(bytes("*1\r\n$4\r\nINFO\r\n")).redis?.command, "INFO");
  assert.deepEqual(app(bytes("EHLO mail.example\r\n")), { service: "text" });
  assert.deepEqual(app(new Uint8Array([0, 1, 2, 3])), { service: "binary" });
  assert.equal(fingerprint(bytes("GET /index.html HTTP/1.1\r\nHost: a"), "tcp", false), "more");
  assert.equal(
    app(bytes("GET /index.html HTTP/1.1\r\nHost: a"), "tcp", true).http?.truncated,
    true,
  );
  // A DNS query is only looked for in a datagram; a datagram never waits for more.
  const q = unhex("abcd01000001000000000000" + "0161026263" + "00" + "001c0001");
  assert.equal(app(q, "udp").dns?.rrname, "a.bc");
  assert.equal(app(q, "udp").dns?.rrtype, "AAAA");
  assert.equal(app(q, "tcp", true).service, "binary");
  assert.deepEqual(app(bytes("GET"), "udp"), { service: "text" });
});

// ---------------------------------------------------------------------------------------------
// Real clients: a plain node:net (or node:dgram) peer on 127.0.0.1:0 records what they send

/** Why a test that needs `tool` must skip, or undefined when it is installed. */
function missing(tool: string, pkg: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  return r.status === 0 ? undefined : `${tool} is not installed (apt-get install ${pkg})`;
}

/** Ends a child process started by a test and waits for it to exit. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

interface TcpCapture {
  /** Bytes each connection sent, in accept order (up to 64 KiB each). */
  readonly conns: Uint8Array[];
}

/**
 * Runs `command args(port)` against a listener on 127.0.0.1:0 and records what each connection
 * sends. Finishes when `done` says so (checked after every chunk), or when the client exited and
 * every connection closed; `reply` may answer a connection. Bounded: fails after 30 s.
 */
async function captureTcp(
  command: string,
  args: (port: number) => string[],
  opts: {
    done?: (conns: Uint8Array[]) => boolean;
    reply?: (socket: net.Socket, sent: Uint8Array) => void;
  } = {},
): Promise<TcpCapture> {
  const conns: Uint8Array[][] = [];
  const sockets = new Set<net.Socket>();
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const snapshot = () => conns.map((c) => concat(c));
  const server = net.createServer((socket) => {
    const chunks: Uint8Array[] = [];
    conns.push(chunks);
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      if (exited && sockets.size === 0) finish();
    });
    socket.on("data", (c: Uint8Array) => {
      if (chunks.reduce((n, x) => n + x.length, 0) < 65536) chunks.push(new Uint8Array(c));
      opts.reply?.(socket, concat(chunks));
      if (opts.done?.(snapshot())) finish();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  let exited = false;
  const child = spawn(command, args(port), { stdio: ["ignore", "ignore", "ignore"] });
  child.on("error", () => {});
  child.once("exit", () => {
    exited = true;
    if (sockets.size === 0) finish();
  });
  try {
    await within(finished, 30_000, `${command} to send its first bytes`);
  } finally {
    await stop(child);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return { conns: snapshot() };
}

/** Done once the first connection's bytes fingerprint as something other than "more". */
const recognised = (conns: Uint8Array[]): boolean =>
  conns.length > 0 && fingerprint(conns[0], "tcp", false) !== "more";

const noCurl = missing("curl", "curl");
const noOpenssl = missing("openssl", "openssl");
const noSsh = missing("ssh", "openssh-client");
const noRedis = missing("redis-cli", "redis-tools");
const noDig = missing("dig", "bind9-dnsutils");
const noNmap = missing("nmap", "nmap");
const noTshark = missing("tshark", "tshark");

/** The ClientHellos captured by the tests, for the tshark comparison. */
const hellos: { client: string; bytes: Uint8Array }[] = [];

test("curl: method, host, uri and user agent of its request", async (t) => {
  if (noCurl) return t.skip(noCurl);
  let port = 0;
  const { conns } = await captureTcp("curl", (p) => {
    port = p;
    return ["-s", "-m", "20", "-A", "sockscope-test/1.0", `http://127.0.0.1:${p}/a/b?c=d&e`];
  }, { done: recognised });
  const r = app(conns[0]);
  assert.equal(r.service, "http");
  const h = r.http!;
  assert.equal(h.method, "GET");
  assert.equal(h.uri, "/a/b?c=d&e");
  assert.equal(h.version, "HTTP/1.1");
  assert.equal(h.host, `127.0.0.1:${port}`);
  assert.equal(h.user_agent, "sockscope-test/1.0");
  assert.equal(h.truncated, false);
  assert.equal(h.body_offset, conns[0].length);
  assert.deepEqual(h.headers.map(([n]) => n), ["Host", "User-Agent", "Accept"]);
});

test("curl over TLS: a ClientHello with SNI, ALPN h2 and http/1.1", async (t) => {
  if (noCurl) return t.skip(noCurl);
  const { conns } = await captureTcp(
    "curl",
    (
      p,
    ) => [
      "-sk",
      "-m",
      "20",
      "--resolve",
      `example.test:${p}:127.0.0.1`,
      `https://example.test:${p}/`,
    ],
    { done: recognised },
  );
  const r = app(conns[0]);
  assert.equal(r.service, "tls");
  assert.equal(r.tls!.sni, "example.test");
  assert.deepEqual(r.tls!.alpn, ["h2", "http/1.1"]);
  assert.equal(r.tls!.truncated, false);
  hellos.push({ client: "curl", bytes: conns[0] });
});

test("openssl s_client: SNI, ALPN, versions, JA3 and the JA4 shape", async (t) => {
  if (noOpenssl) return t.skip(noOpenssl);
  const { conns } = await captureTcp("openssl", (p) => [
    "s_client",
    "-connect",
    `127.0.0.1:${p}`,
    "-servername",
    "example.test",
    "-alpn",
    "h2,http/1.1",
  ], { done: recognised });
  const r = app(conns[0]);
  assert.equal(r.service, "tls");
  const tls = r.tls!;
  assert.equal(tls.sni, "example.test");
  assert.deepEqual(tls.alpn, ["h2", "http/1.1"]);
  assert.equal(tls.record_version >> 8, 3);
  assert.equal(tls.version, 0x0303); // TLS 1.3 hellos keep 1.2 as legacy_version
  // OpenSSL 3 offers TLS 1.3 first, then the older versions its configuration allows.
  assert.equal(tls.supported_versions?.[0], 0x0304);
  assert.ok(tls.supported_versions?.includes(0x0303));
  assert.equal(tls.truncated, false);
  assert.ok(tls.ciphers.includes(0x1301), "TLS_AES_128_GCM_SHA256 offered");
  assert.ok(tls.extensions.includes(0x0000) && tls.extensions.includes(0x0010));
  assert.match(tls.ja3, /^771,[\d-]+,[\d-]+,[\d-]+,[\d-]+$/);
  assert.equal(tls.ja3_hash, createHash("md5").update(tls.ja3).digest("hex"));
  assert.match(tls.ja4, /^t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
  const counts = tls.ja4.slice(4, 8);
  assert.equal(Number(counts.slice(0, 2)), tls.ciphers.filter((c) => !isGrease(c)).length);
  assert.equal(Number(counts.slice(2)), tls.extensions.filter((e) => !isGrease(e)).length);
  hellos.push({ client: "openssl", bytes: conns[0] });
});

test("ssh client: its identification line", async (t) => {
  if (noSsh) return t.skip(noSsh);
  const { conns } = await captureTcp("ssh", (p) => [
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "ConnectTimeout=20",
    "-p",
    String(p),
    "nobody@127.0.0.1",
  ], { done: recognised });
  const r = app(conns[0]);
  assert.equal(r.service, "ssh");
  assert.equal(r.ssh!.proto_version, "2.0");
  // `ssh -V` prints e.g. "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.22 ...".
  const version = spawnSync("ssh", ["-V"], { encoding: "utf8" }).stderr;
  assert.equal(r.ssh!.software, version.split(/[ ,]/)[0]);
  assert.match(r.ssh!.software, /^OpenSSH_/);
});

test("redis-cli PING: a RESP array", async (t) => {
  if (noRedis) return t.skip(noRedis);
  const { conns } = await captureTcp("redis-cli", (p) => ["-p", String(p), "PING"], {
    done: recognised,
  });
  assert.deepEqual(app(conns[0]), {
    service: "redis",
    redis: { command: "PING", args: 0, inline: false },
  });
});

test("dig: the question of its query datagram", async (t) => {
  if (noDig) return t.skip(noDig);
  const sock = dgram.createSocket("udp4");
  const got = new Promise<Uint8Array>((r) => sock.once("message", (m) => r(new Uint8Array(m))));
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  const port = sock.address().port;
  const child = spawn("dig", [
    "@127.0.0.1",
    "-p",
    String(port),
    "+tries=1",
    "+time=20",
    "example.com",
    "A",
  ], {
    stdio: "ignore",
  });
  try {
    const datagram = await within(got, 30_000, "dig's query");
    const r = app(datagram, "udp");
    assert.equal(r.service, "dns");
    assert.equal(r.dns!.rrname, "example.com");
    assert.equal(r.dns!.rrtype, "A");
    assert.equal(r.dns!.rrtype_code, 1);
    assert.equal(r.dns!.id, (datagram[0] << 8) | datagram[1]);
  } finally {
    await stop(child);
    sock.close();
  }
});

test("nmap NSE http-title and http-headers: requests parse as HTTP; its user agent", async (t) => {
  if (noNmap) return t.skip(noNmap);
  const { conns } = await captureTcp("nmap", (p) => [
    "-sT",
    "-Pn",
    "-n",
    "-p",
    String(p),
    // `+` runs the scripts although the port is not one their port rule knows for HTTP.
    "--script",
    "+http-title,+http-headers",
    "--host-timeout",
    "25s",
    "127.0.0.1",
  ], {
    reply: (socket, sent) => {
      if (fingerprint(sent, "tcp", false) === "more" || socket.writableEnded) return;
      socket.end(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 26\r\n" +
          "Connection: close\r\n\r\n<title>sockscope</title>\r\n",
      );
    },
  });
  // The connect scan's own probe sends nothing; every connection that sent bytes is HTTP.
  const heads = conns.filter((c) => c.length > 0).map((c) => app(c, "tcp", true));
  assert.ok(heads.length >= 2, `nmap's scripts sent ${heads.length} requests`);
  for (const h of heads) {
    assert.equal(h.service, "http");
    assert.equal(h.http!.truncated, false);
    assert.match(h.http!.user_agent ?? "", /Nmap Scripting Engine/);
  }
  const methods = new Set(heads.map((h) => h.http!.method));
  assert.ok(methods.has("GET") || methods.has("HEAD"), [...methods].join(","));
  t.diagnostic(`nmap user agent: ${heads[0].http!.user_agent}`);
  t.diagnostic(`nmap requests: ${heads.map((h) => h.http!.request_line).join(" | ")}`);
});

// ---------------------------------------------------------------------------------------------
// JA3 and the ClientHello's fields against tshark

const dir = mkdtempSync(join(tmpdir(), "sockscope-fingerprint-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A pcap of one connection that sent `data` to port 443 (tshark dissects it as TLS). */
function pcapOf(data: Uint8Array, name: string): string {
  const flow = {
    uid: "CFPAAAAAAAAAAAAAAA",
    proto: "tcp" as const,
    src: "10.0.0.1",
    sport: 40000,
    dst: "10.0.0.2",
    dport: 443,
  };
  const ts = "2026-11-26T10:00:00.000Z";
  const events: MonitorEvent[] = [
    { ts, type: "conn.open", ...flow },
    { ts, type: "conn.data", uid: flow.uid, dir: "orig", offset: 0, len: data.length, data },
    {
      ts,
      type: "conn.close",
      ...flow,
      reason: "fin",
      duration: 0.001,
      orig_bytes: data.length,
      resp_bytes: 0,
      start: ts,
      orig_end: "fin",
      resp_end: "fin",
      first_end: "orig",
    },
  ];
  const pcap = new PcapFormat();
  const parts = [pcap.header(0, 0)];
  for (const ev of events) {
    const out = pcap.encode(ev);
    if (out !== undefined) parts.push(out);
  }
  const path = join(dir, `${name}.pcap`);
  writeFileSync(path, concat(parts));
  return path;
}

/** tshark's fields of the ClientHello in `path`, one array of values per field (`,`-split). */
function tsharkHello(path: string, names: string[]): string[][] {
  const r = spawnSync("tshark", [
    "-r",
    path,
    "-o",
    "tls.desegment_ssl_records:TRUE",
    "-o",
    "tcp.desegment_tcp_streams:TRUE",
    "-Y",
    "tls.handshake.type == 1",
    "-T",
    "fields",
    "-E",
    "occurrence=a",
    "-E",
    "aggregator=,",
    ...names.flatMap((n) => ["-e", n]),
  ], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split("\n").filter((l) => l !== "");
  assert.equal(rows.length, 1, `one ClientHello in ${path}: ${r.stdout}`);
  return rows[0].split("\t").map((f) => (f === "" ? [] : f.split(",")));
}

test("ja3 and the parsed fields equal tshark's for every captured and sample ClientHello", (t) => {
  if (noTshark) return t.skip(noTshark);
  const all = [
    ...hellos,
    ...JA4_VECTORS.map((v) => ({ client: v.source, bytes: unhex(v.hello) })),
  ];
  assert.ok(all.length >= JA4_VECTORS.length);
  for (const [i, { client, bytes: data }] of all.entries()) {
    const ours = parseClientHello(data);
    assert.ok(ours !== undefined && ours !== "more", client);
    const [ja3Full, ja3Hash, ciphers, exts, sni, groups, sigs, versions] = tsharkHello(
      pcapOf(data, `hello-${i}`),
      [
        "tls.handshake.ja3_full",
        "tls.handshake.ja3",
        "tls.handshake.ciphersuite",
        "tls.handshake.extension.type",
        "tls.handshake.extensions_server_name",
        "tls.handshake.extensions_supported_group",
        "tls.handshake.sig_hash_alg",
        "tls.handshake.extensions.supported_version",
      ],
    );
    assert.equal(ours.ja3, ja3Full.join(","), `${client}: ja3 string`);
    assert.equal(ours.ja3_hash, ja3Hash[0], `${client}: ja3 hash`);
    const num = (v: string) => Number(v);
    assert.deepEqual(ours.ciphers, ciphers.map(num), `${client}: ciphers`);
    assert.deepEqual(ours.extensions, exts.map(num), `${client}: extensions`);
    assert.equal(ours.sni, sni[0], `${client}: sni`);
    assert.deepEqual(ours.groups ?? [], groups.map(num), `${client}: groups`);
    // tshark lists the sig_hash_alg of every extension that has them (delegated_credentials
    // too, before signature_algorithms in Firefox's hello): ours is one contiguous run of them.
    const ourSigs = (ours.signature_algorithms ?? []).join(",");
    assert.ok(
      `,${sigs.map(num).join(",")},`.includes(`,${ourSigs},`),
      `${client}: signature algorithms ${ourSigs} among tshark's ${sigs.join(",")}`,
    );
    assert.deepEqual(
      ours.supported_versions ?? [],
      versions.map(num).filter((v) => !isGrease(v)),
      `${client}: supported versions`,
    );
  }
  t.diagnostic(
    `${all.length} ClientHellos compared (${hellos.map((h) => h.client).join(", ")} live)`,
  );
});
