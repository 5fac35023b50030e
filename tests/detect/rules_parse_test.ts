// Loading rules: what loads, what is skipped with which warning, the report
// and its console line, variables and groups, and the pcre translation.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatRuleReport,
  formatRuleWarning,
  loadRules,
  SURICATA_DEFAULT_VARS,
} from "../../src/detect/rules/load_rules.ts";
import { translatePcre } from "../../src/detect/rules/pcre_translate.ts";
import { parseAddressGroup } from "../../src/detect/rules/address_group.ts";
import { parsePortGroup } from "../../src/detect/rules/port_group.ts";
import { parseContent } from "../../src/detect/rules/content_bytes.ts";

const r = (opts: string, header = "alert tcp any any -> any any") => `${header} (${opts})`;

function skipOf(text: string, vars?: Record<string, string>) {
  const { report } = loadRules([{ name: "x.rules", text }], { vars });
  assert.equal(report.loaded + report.skipped, 1, "one rule");
  return report.warnings[0];
}

test("every supported keyword loads", () => {
  const text = [
    r(
      `msg:"all"; flow:established,to_server; content:"GET"; nocase; offset:0; depth:3; ` +
        `content:"x"; distance:0; within:10; fast_pattern; content:!"y"; content:"|0d 0a|"; endswith; ` +
        `pcre:"/a/Ri"; dsize:>3; isdataat:!2,relative; byte_test:1,>,2,0; byte_jump:1,0; ` +
        `threshold:type limit, track by_src, count 1, seconds 60; classtype:misc-activity; priority:2; ` +
        `reference:url,example.com; metadata:a b; target:src_ip; flowbits:set,z; tag:session,10,packets; ` +
        `sid:1; rev:2; gid:1;`,
    ),
    r(`content:"GET"; startswith; detection_filter:track by_dst, count 5, seconds 10; sid:2;`),
    r(
      `http.method; content:"POST"; http.uri; content:"/a"; http.uri.raw; content:"/a"; http.host; ` +
        `content:"h"; http.host.raw; content:"h"; http.user_agent; content:"u"; http.header; content:"h"; ` +
        `http.header.raw; content:"h"; http.cookie; content:"c"; http.request_line; content:"r"; ` +
        `http.request_body; content:"b"; bsize:>0; http.content_type; content:"t"; http.referer; ` +
        `content:"r"; http.header_names; content:"n"; http.start; content:"s"; urilen:>1; sid:3;`,
      "alert http any any -> any any",
    ),
    r(
      `content:"a"; http_uri; content:"b"; http_user_agent; content:"c"; http_header; ` +
        `content:"d"; http_method; content:"e"; http_cookie; content:"f"; http_client_body; ` +
        `content:"g"; http_raw_uri; content:"h"; http_host; content:"i"; http_raw_header; sid:4;`,
      "alert http any any -> any any",
    ),
    r(
      `tls.sni; content:"a"; ja3.hash; content:"b"; ja4.hash; content:"c"; sid:5;`,
      "alert tls any any -> any any",
    ),
    r(`ssh.software; content:"a"; sid:6;`, "alert ssh any any -> any any"),
    r(`dns.query; dotprefix; to_lowercase; content:".a"; sid:7;`, "alert dns any any -> any any"),
    r(`flowbits:isset,z; flowbits:noalert; noalert; sid:8;`),
    r(
      `content:"x"; sid:9;`,
      "alert ip [$HOME_NET,!10.1.0.0/16] [80,8000:8100,!8080] <> $EXTERNAL_NET 1024:",
    ),
    r(`content:"x"; sid:10;`, "alert tcp-pkt any any -> any any"),
  ].join("\n");
  const { report, ruleSet } = loadRules([{ name: "all.rules", text }]);
  assert.deepEqual(report.warnings, []);
  assert.equal(report.loaded, 10);
  assert.equal(ruleSet.size, 10);
  assert.equal(report.unprefiltered, 1); // sid 8 has no content
  assert.equal(ruleSet.unprefiltered, 1);
});

test("skips name file, line and keyword; the rest load", () => {
  const text = [
    "# a comment",
    "",
    r(`content:"a"; sid:1;`),
    r(`content:"a"; flowint:x,=,1; sid:2;`),
    r(`content:"a"; sid:3;`, "drop tcp any any -> any any"),
    r(`content:"a"; sid:4;`, "alert smtp any any -> any any"),
    '#alert tcp any any -> any any (content:"old"; sid:5;)',
    'alert tcp any any -> any any (content:"a"; \\',
    "  sid:6;)",
    r(`content:"a"; sid:7;`, "alert tcp $NOPE any -> any any"),
    r(`content:"a" sid:8;`),
    r(`file.data; content:"MZ"; sid:9;`),
    r(`content:"a"; sid:1;`),
    r(`content:"a";`),
  ].join("\n");
  const { report } = loadRules([{ name: "x.rules", text }]);
  assert.equal(report.loaded, 2); // sids 1 and 6 (a continued line)
  assert.equal(report.disabled, 1);
  assert.equal(report.skipped, 8);
  assert.deepEqual(report.skippedByKeyword, {
    flowint: 1,
    "action:drop": 1,
    "proto:smtp": 1,
    "(undefined variable)": 1,
    "(malformed)": 1,
    content: 1,
    "file.data": 1,
    "(duplicate sid)": 1,
  });
  assert.deepEqual(report.warnings.map(formatRuleWarning), [
    'x.rules:4: flowint: keyword "flowint" is not supported by sockscope',
    'x.rules:5: action:drop: action "drop": sockscope does not block by rule, only "alert" is loaded',
    'x.rules:6: proto:smtp: protocol "smtp" is not supported: expected tcp, udp, ip, http, tls, ssh or dns',
    'x.rules:10: (undefined variable): undefined variable "$NOPE": define it with --var NOPE=VALUE',
    'x.rules:11: content: content value "a" sid:8 is not a quoted string: expected "..."',
    'x.rules:12: file.data: "file.data" is a response-side buffer: sockscope parses no HTTP responses or certificates yet',
    "x.rules:13: (duplicate sid): duplicate sid 1 (gid 1): the first rule with it is kept",
    "x.rules:14: the rule has no sid: expected sid:N;",
  ]);
  assert.equal(
    formatRuleReport(report),
    "rules: 2 loaded, 8 skipped ((duplicate sid) 1, (malformed) 1, (undefined variable) 1, " +
      "action:drop 1, content 1, file.data 1, flowint 1, proto:smtp 1), 1 disabled",
  );
});

test("malformed rules: each says what was expected", () => {
  const cases: [string, string | undefined, string][] = [
    [
      'alert tcp any any -> any any content:"a"; sid:1;',
      undefined,
      'expected "ACTION PROTO SRC SPORT -> DST DPORT (OPTIONS)"',
    ],
    [
      "alert tcp any any any any (sid:1;)",
      undefined,
      'header "alert tcp any any any any": expected ACTION PROTO SRC SPORT -> DST DPORT',
    ],
    ["alert tcp any any => any any (sid:1;)", undefined, 'direction "=>": expected -> or <>'],
    [r(`content:"a"; sid:1`), undefined, 'option "sid" is not terminated by ";"'],
    [
      r(`content:"|0d 0|"; sid:1;`),
      "content",
      'content: odd number of hex digits in "|0d 0|": expected pairs like |0d 0a|',
    ],
    [
      r(`content:"|zz|"; sid:1;`),
      "content",
      'content: invalid hex digit "z" in "|zz|": expected 0-9 a-f inside |...|',
    ],
    [
      r(`content:"a\\x"; sid:1;`),
      "content",
      'content: invalid escape "\\x" in "a\\x": expected \\" \\; \\: or \\\\',
    ],
    [r(`content:""; sid:1;`), "content", "content: empty content: expected at least one byte"],
    [r(`nocase; content:"a"; sid:1;`), "nocase", "nocase needs a preceding content"],
    [
      r(`content:"abcd"; depth:2; sid:1;`),
      "depth",
      "depth 2 is smaller than the content (4 bytes)",
    ],
    [
      r(`content:"a"; content:"b"; distance:0; depth:4; sid:1;`),
      "depth",
      "a content cannot mix relative (distance, within) and absolute (offset, depth) modifiers",
    ],
    [
      r(`content:"a"; offset:x; sid:1;`),
      "offset",
      'offset value "x" is not an integer (byte_extract variables are not supported): expected 0-65535',
    ],
    [
      r(`content:"a"; classtype:nope; sid:1;`),
      "classtype",
      'unknown classtype "nope": expected one of Suricata\'s classification.config',
    ],
    [
      r(`flow:sideways; sid:1;`),
      "flow",
      'flow option "sideways": expected to_server, to_client, established, stateless',
    ],
    [
      r(`threshold:type limit, count 1, seconds 1; sid:1;`),
      "threshold",
      'threshold track "undefined": expected by_src, by_dst, by_both or by_rule',
    ],
    [r(`dsize:abc; sid:1;`), "dsize", 'invalid dsize value "abc": expected an unsigned integer'],
    [
      r(`pcre:"/a++/"; sid:1;`),
      "pcre",
      "pcre: a possessive quantifier has no JavaScript equivalent",
    ],
    [r(`pcre:"/a/G"; sid:1;`), "pcre", "pcre: the G (ungreedy) flag has no JavaScript equivalent"],
    [
      r(`pcre:"/a/S"; sid:1;`),
      "http.stat_code",
      "pcre flag S selects http.stat_code, a response buffer sockscope does not parse",
    ],
    [
      r(`http.uri; content:"a"; sid:1;`, "alert tls any any -> any any"),
      undefined,
      "buffer http.uri needs protocol http, but the rule is for tls",
    ],
    [
      r(`content:"a"; sid:1;`, "alert tcp [1.2.3.4 any -> any any"),
      undefined,
      'header "alert tcp [1.2.3.4 any -> any any": expected ACTION PROTO SRC SPORT -> DST DPORT',
    ],
    [
      r(`content:"a"; sid:1;`, "alert tcp 1.2.3 any -> any any"),
      undefined,
      'invalid address "1.2.3": expected any, an IP address, a CIDR block, $VAR or a [group]',
    ],
    [
      r(`content:"a"; sid:1;`, "alert tcp any 70000 -> any any"),
      undefined,
      'invalid port "70000": expected any, 0-65535, a range LO:HI, $VAR or a [group]',
    ],
    [
      r(`content:"a"; sid:1;`, "alert tcp any 90:80 -> any any"),
      undefined,
      'invalid port range "90:80": expected LO:HI with LO <= HI',
    ],
    [
      r(`http.uri; content:"a"; dotprefix; sid:1;`, "alert http any any -> any any"),
      "dotprefix",
      "transform dotprefix must directly follow a sticky buffer",
    ],
  ];
  for (const [text, keyword, message] of cases) {
    const w = skipOf(text);
    assert.ok(w !== undefined, `skipped: ${text}`);
    assert.equal(w.keyword, keyword, text);
    assert.equal(w.message, message, text);
    assert.equal(w.line, 1);
    assert.equal(w.file, "x.rules");
  }
});

test("Suricata's default variables, overridable with vars", () => {
  assert.equal(SURICATA_DEFAULT_VARS.HOME_NET, "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
  assert.equal(SURICATA_DEFAULT_VARS.EXTERNAL_NET, "!$HOME_NET");
  assert.equal(SURICATA_DEFAULT_VARS.FILE_DATA_PORTS, "[$HTTP_PORTS,110,143]");
  const home = parseAddressGroup("$HOME_NET", SURICATA_DEFAULT_VARS);
  assert.ok(home.matches("172.31.0.1") && !home.matches("172.32.0.1") && !home.matches("8.8.8.8"));
  const ext = parseAddressGroup("$EXTERNAL_NET", SURICATA_DEFAULT_VARS);
  assert.ok(ext.matches("8.8.8.8") && !ext.matches("10.9.9.9") && !ext.matches(null));
  const fdp = parsePortGroup("$FILE_DATA_PORTS", SURICATA_DEFAULT_VARS);
  assert.ok(fdp.matches(80) && fdp.matches(143) && !fdp.matches(8080));
  const ext2 = parseAddressGroup("$EXTERNAL_NET", {
    ...SURICATA_DEFAULT_VARS,
    HOME_NET: "127.0.0.1",
  });
  assert.ok(!ext2.matches("127.0.0.1") && ext2.matches("10.0.0.1"));
  // Negated nested groups, IPv6 and IPv4-mapped addresses.
  const g = parseAddressGroup("[10.0.0.0/8,![10.1.0.0/16,!10.1.2.3],2001:db8::/32]", {});
  assert.ok(g.matches("10.2.0.1") && !g.matches("10.1.0.1") && g.matches("10.1.2.3"));
  assert.ok(g.matches("2001:db8::7") && g.matches("::ffff:10.2.0.1"));
  const p = parsePortGroup("[1:1023,!22,![80:90,!85]]", {});
  assert.ok(p.matches(21) && !p.matches(22) && !p.matches(80) && p.matches(85) && !p.matches(1024));
  assert.ok(parsePortGroup(":1023", {}).matches(0) && !parsePortGroup("!:1023", {}).matches(1));
  // A variable that refers to itself is reported, not looped on.
  const w = skipOf(r(`content:"a"; sid:1;`, "alert tcp $A any -> any any"), { A: "$B", B: "$A" });
  assert.equal(w.keyword, "(undefined variable)");
  assert.equal(w.message, 'variable "$A" refers to itself (A -> B -> A)');
});

test("content strings: hex, escapes and negation", () => {
  assert.deepEqual(parseContent("content", '"A|42 43|D"'), {
    bytes: Uint8Array.from([65, 66, 67, 68]),
    negated: false,
  });
  assert.deepEqual(parseContent("content", '! "|0d0a|"'), {
    bytes: Uint8Array.from([13, 10]),
    negated: true,
  });
  assert.deepEqual(parseContent("content", '"\\"\\;\\\\"'), {
    bytes: Uint8Array.from([34, 59, 92]),
    negated: false,
  });
});

test("pcre translation keeps PCRE's meaning or refuses", () => {
  const t = (v: string) => translatePcre(v).regex;
  assert.equal(t('"/a/i"').flags, "gi");
  assert.equal(t('"/a/A"').flags, "y");
  assert.ok(t('"/\\h+\\R/"').test(" \t\r\n"));
  assert.ok(t('"/\\Qa.b\\E/"').test("a.b") && !t('"/\\Qa.b\\E/"').test("axb"));
  assert.ok(t('"/(?P<x>ab)(?P=x)/"').test("abab"));
  assert.ok(t('"/(?i)abc/"').test("ABC"));
  assert.ok(t('"/[]a]/"').test("]"));
  assert.ok(t('"/\\x{41}\\101\\e/"').test("AA\x1b"));
  assert.ok(t('"/a{2}b{1,}/"').test("aab") && t('"/x{y/"').test("x{y"));
  assert.ok(t('"/\\Aab/"').test("ab") && !t('"/x\\Aab/"').test("xab"));
  assert.deepEqual(
    { ...translatePcre('!"/x/RU"'), regex: undefined },
    { regex: undefined, negated: true, relative: true, buffer: "http.uri" },
  );
  for (
    const bad of [
      "/a*+/",
      "/(?>a)/",
      "/a\\Kb/",
      "/\\p{L}/",
      "/(?R)/",
      "/\\x{100}/",
      "/[[:^alpha:]]/",
      "/(?-i)a/",
      "/a\\Gb/",
    ]
  ) {
    assert.throws(() => translatePcre(`"${bad}"`), { name: "RuleSkip" }, bad);
  }
  assert.throws(() => translatePcre('"a/"'), {
    message: 'pcre value "a/": expected "/regex/flags"',
  });
});
