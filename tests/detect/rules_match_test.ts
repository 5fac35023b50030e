// Matching semantics of the Suricata rule engine, against hand-worked
// examples (most from Suricata's payload-keywords / http-keywords docs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, httpApp, load, sids } from "./_rules_helpers.ts";
import type { AppInfo } from "../../src/detect/app_info.ts";
import { loadRules } from "../../src/detect/rules/load_rules.ts";

const rule = (opts: string, sid = 1, header = "alert tcp any any -> any any") =>
  `${header} (msg:"t"; ${opts} sid:${sid};)`;
const one = (opts: string, payload: string | Uint8Array, header?: string): boolean =>
  sids(load(rule(opts, 1, header)), payload).length === 1;

test("content: plain, hex |..|, escapes and nocase", () => {
  assert.ok(one(`content:"GET /";`, "GET / HTTP/1.0"));
  assert.ok(!one(`content:"GET /";`, "get / HTTP/1.0"));
  assert.ok(one(`content:"GET /"; nocase;`, "get / HTTP/1.0"));
  assert.ok(one(`content:"a|0d 0a|b";`, "xa\r\nb"));
  assert.ok(one(`content:"|00 ff|";`, new Uint8Array([1, 0, 0xff, 2])));
  assert.ok(one(`content:"a\\;b\\"c\\\\d\\:e";`, 'a;b"c\\d:e'));
  // nocase folds ASCII only: bytes above 0x7f must match exactly.
  assert.ok(!one(`content:"|c9|"; nocase;`, bytes("\xe9")));
});

test("content: offset and depth (depth counts from offset)", () => {
  // Suricata docs: content:"def"; offset:3; depth:3; matches "abcdefghi".
  assert.ok(one(`content:"def"; offset:3; depth:3;`, "abcdefghi"));
  assert.ok(!one(`content:"def"; offset:4;`, "abcdefghi"));
  assert.ok(!one(`content:"def"; depth:5;`, "abcdefghi"));
  assert.ok(one(`content:"def"; depth:6;`, "abcdefghi"));
});

test("content: distance and within are relative to the previous match's end", () => {
  const r = `content:"abc"; content:"def"; distance:1; within:4;`;
  assert.ok(one(r, "abcXdef"));
  assert.ok(!one(r, "abcdef")); // distance 1 skips the 'd'
  assert.ok(one(r, "abcXXdef")); // the window is [prev + distance, prev + distance + within)
  assert.ok(!one(r, "abcXXXdef"));
  assert.ok(one(`content:"abc"; content:"def"; distance:0;`, "abc....def"));
  assert.ok(!one(`content:"abc"; content:"def"; distance:0;`, "def abc"));
  // Negative distance looks back.
  assert.ok(one(`content:"def"; content:"abc"; distance:-6; within:3;`, "abcdef"));
});

test("content: backtracking tries later occurrences when within depends on them", () => {
  // The first "ab" is not followed by "cd" within 2; the second is.
  assert.ok(one(`content:"ab"; content:"cd"; distance:0; within:2;`, "abxxabcd"));
  // Three levels.
  assert.ok(one(`content:"a"; content:"b"; within:1; content:"c"; within:1;`, "a ab abc"));
});

test("content: negation, absolute and relative", () => {
  assert.ok(one(`content:"GET"; content:!"admin";`, "GET /"));
  assert.ok(!one(`content:"GET"; content:!"admin";`, "GET /admin"));
  // Relative negation: no "x" right after "GET".
  assert.ok(one(`content:"GET"; content:!"x"; within:1;`, "GET /x"));
  assert.ok(!one(`content:"GET"; content:!"x"; within:1;`, "GETx"));
});

test("startswith and endswith", () => {
  assert.ok(one(`content:"GET"; startswith;`, "GET /"));
  assert.ok(!one(`content:"GET"; startswith;`, " GET /"));
  assert.ok(one(`content:".exe"; endswith;`, "a.exe.exe"));
  assert.ok(!one(`content:".exe"; endswith;`, "a.exe "));
  assert.ok(one(`content:"a"; content:"z"; distance:0; endswith;`, "abcz"));
});

test("dsize, bsize and isdataat", () => {
  assert.ok(one(`dsize:5;`, "12345"));
  assert.ok(one(`dsize:<6;`, "12345"));
  assert.ok(!one(`dsize:>5;`, "12345"));
  assert.ok(one(`dsize:4<>6;`, "12345"));
  assert.ok(!one(`dsize:5<>6;`, "12345")); // ranges are exclusive
  assert.ok(one(`content:"a"; isdataat:3,relative;`, "abcd"));
  assert.ok(!one(`content:"a"; isdataat:4,relative;`, "abcd"));
  assert.ok(one(`content:"a"; isdataat:!4,relative;`, "abcd"));
  assert.ok(one(`isdataat:3;`, "abcd"));
  assert.ok(!one(`isdataat:4;`, "abcd"));
  const app = httpApp("GET /index.html HTTP/1.1\r\nHost: suricata.io\r\n\r\n");
  const rs = load(
    rule(`http.uri; content:"/index.html"; bsize:11;`, 1, "alert http any any -> any any"),
  );
  assert.deepEqual(sids(rs, "", { app }), [1]);
  const rs2 = load(
    rule(`http.uri; content:"/index"; bsize:>11;`, 1, "alert http any any -> any any"),
  );
  assert.deepEqual(sids(rs2, "", { app }), []);
});

test("pcre: flags i s m x, relative R, negation, and PCRE meanings kept", () => {
  assert.ok(one(`pcre:"/^get \\/a/i";`, "GET /a"));
  assert.ok(!one(`pcre:"/a.b/";`, "a\nb"));
  assert.ok(one(`pcre:"/a.b/";`, "a\rb")); // PCRE's . only stops at \n (JavaScript's also at \r)
  assert.ok(one(`pcre:"/a.b/s";`, "a\nb"));
  assert.ok(one(`pcre:"/^b$/m";`, "a\nb\nc"));
  assert.ok(!one(`pcre:"/^b$/";`, "a\nb\nc"));
  assert.ok(one(`pcre:"/c$/";`, "abc\n")); // $ also before a final newline
  assert.ok(!one(`pcre:"/c$/E";`, "abc\n"));
  assert.ok(one(`pcre:"/a b c # a comment/x";`, "abc"));
  assert.ok(!one(`pcre:"/\\s/";`, bytes("\xa0"))); // NBSP is not PCRE white space
  assert.ok(one(`pcre:"/\\x41[[:digit:]]+\\z/";`, "A123"));
  assert.ok(one(`content:"user="; pcre:"/^[a-z]+&/R";`, "id=1&user=bob&"));
  assert.ok(!one(`content:"user="; pcre:"/^[a-z]+&/R";`, "user=Bob&"));
  assert.ok(one(`content:"GET"; pcre:!"/admin/";`, "GET /"));
  // A relative pcre after a pcre: the first pcre is retried at later matches.
  assert.ok(one(`pcre:"/a./"; pcre:"/^z/R";`, "ab azz"));
  assert.ok(!one(`pcre:"/a./"; pcre:"/^z/R";`, "ab az"));
});

test("pcre buffer flags select sticky buffers", () => {
  const head =
    "POST /login.php?x=1 HTTP/1.1\r\nHost: EXAMPLE.com\r\nUser-Agent: curl/8\r\n\r\nuser=admin";
  const app = httpApp(head);
  const rs = load([
    rule(`pcre:"/\\.php\\?x=/U";`, 1, "alert http any any -> any any"),
    rule(`pcre:"/^curl/V";`, 2, "alert http any any -> any any"),
    rule(`pcre:"/user=admin/P";`, 3, "alert http any any -> any any"),
    rule(`pcre:"/^example\\.com$/W";`, 4, "alert http any any -> any any"),
    rule(`pcre:"/^POST$/M";`, 5, "alert http any any -> any any"),
  ].join("\n"));
  assert.deepEqual(sids(rs, head, { app }), [1, 2, 3, 4, 5]);
});

test("HTTP sticky buffers and their normalisation", () => {
  const head = "GET //a/./b/../admin%2Ephp?q=%41 HTTP/1.1\r\nHost: SuRiCaTa.Io:8080\r\n" +
    "User-Agent: Mozilla/5.0\r\nUser-agent: Chrome/121.0.0\r\nCookie: s=1\r\nAccept: */*\r\n\r\nbody";
  const app = httpApp(head);
  const h = "alert http any any -> any any";
  const rs = load([
    rule(`http.uri; content:"/a/admin.php?q=%41"; bsize:18;`, 1, h),
    rule(`http.uri.raw; content:"//a/./b/"; startswith;`, 2, h),
    rule(`http.host; content:"suricata.io"; bsize:11;`, 3, h),
    rule(`http.host.raw; content:"SuRiCaTa.Io:8080";`, 4, h),
    rule(`http.user_agent; content:"Mozilla/5.0, Chrome/121.0.0";`, 5, h),
    rule(`http.header; content:"Accept|3a 20|*/*|0d 0a|"; content:!"Cookie";`, 6, h),
    rule(`http.cookie; content:"s=1"; bsize:3;`, 7, h),
    rule(`http.method; content:"GET"; bsize:3;`, 8, h),
    rule(`http.request_line; content:"HTTP/1.1"; endswith;`, 9, h),
    rule(`http.request_body; content:"body"; startswith;`, 10, h),
    rule(`http.header_names; content:"|0d 0a|Host|0d 0a|User-Agent|0d 0a|";`, 11, h),
    rule(`http.accept; content:"*/*";`, 12, h),
    rule(`content:"admin"; http_uri; content:"Mozilla"; http_user_agent;`, 13, h),
    rule(`uricontent:"admin.php";`, 14, h),
    rule(`http.protocol; content:"HTTP/1.1";`, 15, h),
    rule(`http.uri; content:"/b/";`, 16, h), // normalised away
  ].join("\n"));
  assert.deepEqual(sids(rs, head, { app }), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  // Request buffers are inspected with the client's bytes only.
  assert.deepEqual(sids(rs, "HTTP/1.1 200 OK\r\n\r\n", { app, dir: "resp" }), []);
  // Without the fingerprint's AppInfo no HTTP rule matches.
  assert.deepEqual(sids(rs, head), []);
});

test("TLS, SSH and DNS buffers", () => {
  const tls: AppInfo = {
    service: "tls",
    tls: {
      record_version: 0x0301,
      version: 0x0303,
      sni: "evil.example.com",
      ciphers: [4865],
      extensions: [0],
      ja3: "771,4865,0,,",
      ja3_hash: "0123456789abcdef0123456789abcdef",
      ja4: "t13d0101h2_aaaaaaaaaaaa_bbbbbbbbbbbb",
      truncated: false,
    },
  };
  const ssh: AppInfo = { service: "ssh", ssh: { proto_version: "2.0", software: "libssh_0.9.6" } };
  const dns: AppInfo = {
    service: "dns",
    dns: { id: 7, rrname: "x.evil.example", rrtype: "A", rrtype_code: 1 },
  };
  const rs = load([
    rule(`tls.sni; content:"evil.example.com"; endswith;`, 1, "alert tls any any -> any any"),
    rule(
      `ja3.hash; content:"0123456789abcdef0123456789abcdef";`,
      2,
      "alert tls any any -> any any",
    ),
    rule(`ja4.hash; content:"t13d0101h2_";startswith;`, 3, "alert tls any any -> any any"),
    rule(`ssh.software; content:"libssh";`, 4, "alert ssh any any -> any any"),
    rule(
      `dns.query; dotprefix; content:".evil.example"; endswith;`,
      5,
      "alert dns any any -> any any",
    ),
    rule(`dns.query; content:"EVIL"; nocase;`, 6, "alert udp any any -> any 53"),
  ].join("\n"));
  assert.deepEqual(sids(rs, "", { app: tls, dport: 443 }), [1, 2, 3]);
  assert.deepEqual(sids(rs, "SSH-2.0-libssh_0.9.6\r\n", { app: ssh, dport: 22 }), [4]);
  assert.deepEqual(sids(rs, "", { app: dns, proto: "udp", dport: 53 }), [5, 6]);
  // alert dns needs the dns service; the tcp/udp transport must fit.
  assert.deepEqual(sids(rs, "", { app: dns, proto: "tcp", dport: 53 }), [5]);
});

test("header: addresses, ports, variables, negation, direction", () => {
  const rs = load([
    rule(`content:"x";`, 1, "alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS"),
    rule(`content:"x";`, 2, "alert tcp any any -> [10.0.0.0/8,!10.0.0.5] any"),
    rule(`content:"x";`, 3, "alert tcp any any -> any [80,8000:8100,!8080]"),
    rule(`content:"x";`, 4, "alert tcp any any -> any 1024:"),
    rule(`content:"x";`, 5, "alert tcp $HOME_NET any -> $EXTERNAL_NET any"),
    rule(`content:"x";`, 6, "alert udp any any -> any any"),
    rule(`content:"x";`, 7, "alert ip any any -> any any"),
    rule(`content:"x";`, 8, "alert tcp 10.0.0.5 80 <> 203.0.113.0/24 any"),
    rule(`content:"x";`, 9, "alert tcp any any -> 2001:db8::/32 any"),
  ].join("\n"));
  assert.deepEqual(sids(rs, "x"), [1, 3, 7, 8]);
  assert.deepEqual(sids(rs, "x", { dport: 8050 }), [3, 4, 7]);
  assert.deepEqual(sids(rs, "x", { dport: 8080 }), [4, 7]);
  // resp bytes go server -> client: $HOME_NET -> $EXTERNAL_NET now fits, and <> either way.
  // (4 too: the client's port 40000 is the destination port of resp bytes.)
  assert.deepEqual(sids(rs, "x", { dir: "resp" }), [4, 5, 7, 8]);
  assert.deepEqual(sids(rs, "x", { proto: "udp" }), [6, 7]);
  assert.deepEqual(sids(rs, "x", { dst: "2001:db8::1" }), [3, 7, 9]);
  // An unknown peer matches only `any`.
  assert.deepEqual(sids(rs, "x", { src: null, sport: null }), [3, 7]);
  // --var HOME_NET for a honeypot on 127.0.0.1.
  const local = load(rule(`content:"x";`, 1, "alert tcp $EXTERNAL_NET any -> $HOME_NET any"), {
    HOME_NET: "[127.0.0.1]",
  });
  assert.deepEqual(sids(local, "x", { dst: "127.0.0.1", src: "127.0.0.1" }), []);
  assert.deepEqual(sids(local, "x", { dst: "127.0.0.1", src: "198.51.100.1" }), [1]);
});

test("flow: to_server / to_client / established (UDP needs both directions)", () => {
  const rs = load([
    rule(`flow:to_server,established; content:"x";`, 1),
    rule(`flow:from_server; content:"x";`, 2),
    rule(`flow:established; content:"x";`, 3, "alert udp any any -> any any"),
    rule(`flow:not_established; content:"x";`, 4, "alert udp any any -> any any"),
    rule(`flow:stateless; content:"x";`, 5),
  ].join("\n"));
  assert.deepEqual(sids(rs, "x"), [1, 5]);
  assert.deepEqual(sids(rs, "x", { dir: "resp" }), [2, 5]);
  const flow = rs.newFlowState();
  assert.deepEqual(sids(rs, "x", { proto: "udp", flow }), [4]);
  assert.deepEqual(sids(rs, "x", { proto: "udp", flow, dir: "resp" }), [3]);
});

test("flowbits: set in one direction, isset in the other; noalert; setters first", () => {
  const rs = load([
    rule(`flowbits:isset,login; content:"230";`, 3),
    rule(`content:"USER"; flowbits:set,login; flowbits:noalert;`, 1),
    rule(`content:"PASS"; flowbits:isnotset,login;`, 2),
    rule(`content:"QUIT"; flowbits:unset,login;`, 4),
  ].join("\n"));
  const flow = rs.newFlowState();
  assert.deepEqual(sids(rs, "PASS x", { flow }), [2]);
  assert.deepEqual(sids(rs, "USER a\r\nPASS b", { flow }), []);
  assert.deepEqual(sids(rs, "230 ok", { flow, dir: "resp" }), [3]);
  assert.deepEqual(sids(rs, "QUIT", { flow }), [4]);
  assert.deepEqual(sids(rs, "230 ok", { flow, dir: "resp" }), []);
  // A fresh flow has no bits.
  assert.deepEqual(sids(rs, "230 ok", { dir: "resp" }), []);
});

test("byte_test and byte_jump", () => {
  assert.ok(one(`byte_test:2,>,512,0;`, new Uint8Array([0x02, 0x01])));
  assert.ok(!one(`byte_test:2,>,512,0,little;`, new Uint8Array([0x02, 0x01])));
  assert.ok(one(`byte_test:1,&,128,1;`, new Uint8Array([0, 0x80])));
  assert.ok(one(`byte_test:1,!&,64,1;`, new Uint8Array([0, 0x80])));
  assert.ok(one(`content:"len="; byte_test:0,>,4000,0,relative,string,dec;`, "len=4001;"));
  assert.ok(!one(`content:"len="; byte_test:3,>,400,0,relative,string,dec;`, "len=4001;"));
  // Jump over a length-prefixed field, then match what follows it.
  const r = `content:"|ff|"; byte_jump:1,0,relative; content:"OK"; within:2;`;
  assert.ok(one(r, bytes("\xff\x03abcOK")));
  assert.ok(!one(r, bytes("\xff\x02abcOK")));
});

test("urilen on the normalised or raw URI", () => {
  const app = httpApp("GET //index.html HTTP/1.1\r\n\r\n");
  const h = "alert http any any -> any any";
  const rs = load(
    [rule(`urilen:11;`, 1, h), rule(`urilen:12,raw;`, 2, h), rule(`urilen:>20;`, 3, h)].join("\n"),
  );
  assert.deepEqual(sids(rs, "", { app }), [1, 2]);
});

test("match reports msg, classtype's category and severity, priority, metadata, target, gid/rev", () => {
  const rs = load(
    `alert tcp any any -> any any (msg:"ET TEST \\"quoted\\""; content:"x"; classtype:attempted-admin; ` +
      `metadata:created_at 2020_01_01, tag a, tag b; target:dest_ip; gid:3; sid:9; rev:4;)\n` +
      `alert tcp any any -> any any (msg:"p"; content:"x"; classtype:attempted-admin; priority:3; sid:10;)\n` +
      `alert tcp any any -> any any (content:"x"; sid:11;)`,
  );
  const m = rs.match({
    proto: "tcp",
    src: "1.2.3.4",
    sport: 1,
    dst: "10.0.0.1",
    dport: 2,
    dir: "orig",
    payload: bytes("x"),
    nowMs: 0,
  }, rs.newFlowState());
  assert.deepEqual(m[0], {
    sid: 9,
    gid: 3,
    rev: 4,
    msg: 'ET TEST "quoted"',
    classtype: "attempted-admin",
    category: "Attempted Administrator Privilege Gain",
    severity: 1,
    metadata: { created_at: ["2020_01_01"], tag: ["a", "b"] },
    target: "dest_ip",
  });
  assert.equal(m[1].severity, 3);
  assert.deepEqual(m[2], { sid: 11, gid: 1, rev: 0, msg: "", category: "", severity: 3 });
});

test("threshold and detection_filter with an injected clock", () => {
  const rs = load([
    rule(`content:"L"; threshold:type limit, track by_src, count 2, seconds 60;`, 1),
    rule(`content:"T"; threshold:type threshold, track by_src, count 3, seconds 60;`, 2),
    rule(`content:"B"; threshold:type both, track by_dst, count 2, seconds 60;`, 3),
    rule(`content:"D"; detection_filter:track by_src, count 2, seconds 60;`, 4),
  ].join("\n"));
  const hits = (p: string, times: number[], src = "203.0.113.9") =>
    times.map((t) => sids(rs, p, { nowMs: t, src }).length);
  // limit: the first 2 of each 60 s window.
  assert.deepEqual(hits("L", [0, 1000, 2000, 59_000, 61_000, 62_000]), [1, 1, 0, 0, 1, 1]);
  // Tracked by source: another source has its own count.
  assert.deepEqual(hits("L", [0, 1, 2], "198.51.100.7"), [1, 1, 0]);
  // threshold: every 3rd within the window.
  assert.deepEqual(hits("T", [0, 1, 2, 3, 4, 5, 6]), [0, 0, 1, 0, 0, 1, 0]);
  // both: once, at the 2nd, per window.
  assert.deepEqual(hits("B", [0, 1, 2, 3, 70_000, 70_001]), [0, 1, 0, 0, 0, 1]);
  // detection_filter: every match after the first 2.
  assert.deepEqual(hits("D", [0, 1, 2, 3, 100_000, 100_001, 100_002]), [0, 0, 1, 1, 0, 0, 1]);
});

test("threshold state is bounded: the least recently used source is evicted", () => {
  const text = rule(`content:"L"; threshold:type limit, track by_src, count 1, seconds 600;`, 1);
  const rs = loadRules([{ name: "t.rules", text }], { maxThresholdKeys: 2 }).ruleSet;
  const hit = (src: string) => sids(rs, "L", { src }).length;
  assert.equal(hit("192.0.2.1"), 1);
  assert.equal(hit("192.0.2.2"), 1);
  assert.equal(hit("192.0.2.1"), 0); // limit reached; .1 is now the most recent
  assert.equal(hit("192.0.2.3"), 1); // a third source evicts .2
  assert.equal(hit("192.0.2.1"), 0); // .1 is still tracked
  assert.equal(hit("192.0.2.2"), 1); // .2 was forgotten: counted afresh
});
