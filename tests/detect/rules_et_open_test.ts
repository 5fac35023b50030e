// The ET Open sample (about 2,400 rules): what loads, what is skipped and
// why, and real rules that must match crafted traffic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatRuleReport, loadRules } from "../../src/detect/rules/load_rules.ts";
import type { AppInfo } from "../../src/detect/app_info.ts";
import { etOpenDir, etOpenSources } from "./_et_open.ts";
import { bytes, httpApp } from "./_rules_helpers.ts";

const skip = etOpenDir === undefined ? "ET Open sample (../shared/data/et-open) not found" : false;

test("ET Open: the load report", { skip }, () => {
  const { report, ruleSet } = loadRules(etOpenSources());
  assert.equal(report.loaded, 2061);
  assert.equal(report.skipped, 333);
  assert.equal(report.loaded + report.skipped, 2394); // every active rule accounted for
  assert.equal(report.disabled, 710);
  assert.equal(report.unprefiltered, 0);
  assert.equal(ruleSet.size, 2061);
  assert.deepEqual(report.skippedByKeyword, {
    file_data: 80,
    "proto:smtp": 57,
    "http.stat_code": 34,
    "proto:smb": 33,
    "tls.cert_subject": 29,
    "file.data": 24,
    stream_size: 17,
    xbits: 17,
    base64_decode: 8,
    "http.response_body": 6,
    "http.server": 5,
    "app-layer-event": 3,
    byte_extract: 3,
    pcre: 3,
    "proto:ftp": 3,
    "tls.cert_issuer": 3,
    "proto:icmp": 2,
    "tls.cert_serial": 2,
    "tls.certs": 2,
    flow: 1,
    ip_proto: 1,
  });
  assert.equal(report.warnings.length, 333);
  assert.ok(
    formatRuleReport(report).startsWith(
      "rules: 2,061 loaded, 333 skipped (file_data 80, proto:smtp 57, http.stat_code 34, ",
    ),
  );
  // Every warning names a file, a line of it and a keyword.
  for (const w of report.warnings) {
    assert.ok(
      w.file.startsWith("emerging-") && w.line > 0 && w.keyword !== undefined,
      JSON.stringify(w),
    );
  }
});

test("ET Open: real rules match crafted traffic, and only the rules meant to", { skip }, () => {
  const { ruleSet } = loadRules(etOpenSources());
  const run = (input: {
    payload: Uint8Array;
    app?: AppInfo;
    dir?: "orig" | "resp";
    proto?: "tcp" | "udp";
    src?: string;
    dst?: string;
    sport?: number;
    dport?: number;
  }) =>
    ruleSet.match({
      proto: input.proto ?? "tcp",
      src: input.src ?? "198.51.100.20",
      sport: input.sport ?? 51000,
      dst: input.dst ?? "192.168.1.10",
      dport: input.dport ?? 80,
      dir: input.dir ?? "orig",
      payload: input.payload,
      ...(input.app !== undefined ? { app: input.app } : {}),
      nowMs: 0,
    }, ruleSet.newFlowState()).map((m) => m.sid).sort((a, b) => a - b);

  // sid 2029805: DrayTek pre-auth RCE (http.method, http.uri with depth, distance).
  const head =
    "POST /cgi-bin/mainfunction.cgi?action=login&keyPath=%27%0A%2fbin%2fcat&loginUser=a" +
    "&loginPwd=a HTTP/1.1\r\nHost: 192.168.1.10\r\nContent-Length: 0\r\n\r\n";
  assert.deepEqual(run({ payload: bytes(head), app: httpApp(head) }), [2029805]);
  const benign =
    "POST /cgi-bin/mainfunction.cgi?action=status HTTP/1.1\r\nHost: 192.168.1.10\r\n\r\n";
  assert.deepEqual(run({ payload: bytes(benign), app: httpApp(benign) }), []);

  // sid 2028675: DNS query for *.ddns.net (nocase, isdataat:!1,relative), from HOME_NET.
  const dns = (rrname: string): AppInfo => ({
    service: "dns",
    dns: { id: 1, rrname, rrtype: "A", rrtype_code: 1 },
  });
  const q = {
    payload: new Uint8Array(30),
    proto: "udp" as const,
    src: "192.168.1.10",
    dst: "8.8.8.8",
    dport: 53,
  };
  assert.deepEqual(run({ ...q, app: dns("Host.DDNS.net") }), [2028675]);
  assert.deepEqual(run({ ...q, app: dns("host.ddns.net.example.org") }), []);

  // sid 2001668: MS05-002 .ANI (to_client from $HTTP_PORTS; distance and a little-endian byte_test).
  const ani = new Uint8Array(200);
  ani.set(bytes("RIFF"), 0);
  ani.set(bytes("ACON"), 12); // distance 8 after "RIFF"
  ani.set(bytes("anih"), 176); // distance 160 after "ACON"
  ani.set([37, 0, 0, 0], 180); // header size 37 > 36
  const server = {
    src: "192.168.1.10",
    dst: "198.51.100.20",
    sport: 51000,
    dport: 80,
    dir: "resp" as const,
  };
  // resp bytes: the flow's originator is the HOME_NET client, the server on port 80 is external.
  assert.deepEqual(run({ payload: ani, ...server }), [2001668]);
  ani.set([36, 0, 0, 0], 180);
  assert.deepEqual(run({ payload: ani, ...server }), []);
});
