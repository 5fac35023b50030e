// The multi-pattern prefilter must never change the answer: randomized
// rules and payloads give the same matches with and without it, and no
// input (random bytes, hostile HTTP heads) makes match throw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadRules, type RuleInput, type RuleSet } from "../../src/detect/rules/load_rules.ts";
import { MultiPattern } from "../../src/detect/rules/multi_pattern.ts";
import type { AppInfo } from "../../src/detect/app_info.ts";
import { etOpenDir, etOpenSources } from "./_et_open.ts";
import { bytes, httpApp } from "./_rules_helpers.ts";

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = "abAB-x\r\n";

function randomText(next: () => number, max: number): string {
  let s = "";
  const n = Math.floor(next() * (max + 1));
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

function randomRule(next: () => number, sid: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const opts: string[] = [];
  const contents = 1 + Math.floor(next() * 3);
  const buffer = pick(["", "", "", "http.uri; ", "http.header; "]);
  if (buffer !== "") opts.push(buffer.trim());
  for (let i = 0; i < contents; i++) {
    let c = randomText(next, 3);
    if (c === "") c = "a";
    const hex = [...c].map((ch) => ch.charCodeAt(0).toString(16).padStart(2, "0")).join(" ");
    const negated = i > 0 && next() < 0.15;
    opts.push(`content:${negated ? "!" : ""}"|${hex}|";`);
    if (next() < 0.4) opts.push("nocase;");
    const r = next();
    if (i === 0 && r < 0.2) {
      opts.push(`offset:${Math.floor(next() * 4)};`, `depth:${c.length + Math.floor(next() * 8)};`);
    } else if (i === 0 && r < 0.3) opts.push("startswith;");
    else if (i > 0 && r < 0.5) opts.push(`distance:${Math.floor(next() * 6) - 2};`);
    if (i > 0 && next() < 0.4) opts.push(`within:${c.length + Math.floor(next() * 6)};`);
    if (next() < 0.1) opts.push("endswith;");
    if (next() < 0.15 && !negated) opts.push("fast_pattern;");
  }
  if (next() < 0.15) {
    opts.push(
      `pcre:"/${pick(["a.b", "^a", "b$", "[ab]{2}x", "A+"])}/${pick(["", "i", "R", "s"])}";`,
    );
  }
  if (next() < 0.1) opts.push(`dsize:<${Math.floor(next() * 40)};`);
  if (next() < 0.1) {
    opts.push(`isdataat:${Math.floor(next() * 10)}${next() < 0.5 ? ",relative" : ""};`);
  }
  const header = buffer === ""
    ? pick(["alert tcp any any -> any any", "alert ip any any -> any any"])
    : "alert http any any -> any any";
  return `${header} (msg:"r${sid}"; ${opts.join(" ")} sid:${sid};)`;
}

function both(text: string): [RuleSet, RuleSet] {
  const a = loadRules([{ name: "r.rules", text }]);
  const b = loadRules([{ name: "r.rules", text }], { prefilter: false });
  assert.equal(a.report.skipped, 0, JSON.stringify(a.report.warnings.slice(0, 3)));
  return [a.ruleSet, b.ruleSet];
}

function input(payload: Uint8Array, app?: AppInfo, dir: "orig" | "resp" = "orig"): RuleInput {
  return {
    proto: "tcp",
    src: "198.51.100.20",
    sport: 50000,
    dst: "192.168.1.10",
    dport: 80,
    dir,
    payload,
    ...(app !== undefined ? { app } : {}),
    nowMs: 0,
  };
}

const ids = (rs: RuleSet, inp: RuleInput) =>
  rs.match(inp, rs.newFlowState()).map((m) => m.sid).sort((x, y) => x - y);

test("prefilter: randomized rules and payloads match exactly as evaluating every rule", () => {
  const next = rng(7);
  let matched = 0;
  for (let round = 0; round < 5; round++) {
    const rules = Array.from({ length: 60 }, (_, i) => randomRule(next, i + 1)).join("\n");
    const [fast, slow] = both(rules);
    for (let k = 0; k < 150; k++) {
      const text = randomText(next, 48);
      const head = `GET /${text.replace(/[\r\n ]/g, "")} HTTP/1.1\r\nX: ${
        text.replace(/[\r\n]/g, "")
      }\r\n\r\n`;
      const app = next() < 0.5 ? httpApp(head) : undefined;
      const inp = input(bytes(app ? head : text), app);
      const expected = ids(slow, inp);
      matched += expected.length;
      assert.deepEqual(ids(fast, inp), expected, `round ${round} payload ${JSON.stringify(text)}`);
    }
  }
  assert.ok(matched > 200, `the random rules matched often enough to mean something (${matched})`);
});

test("MultiPattern finds every occurrence, case-folded, overlapping patterns included", () => {
  const next = rng(11);
  for (let round = 0; round < 20; round++) {
    const pats = Array.from({ length: 30 }, () => randomText(next, 4) || "a");
    const mp = new MultiPattern(pats.map((p, id) => ({ bytes: bytes(p), id })));
    for (let k = 0; k < 20; k++) {
      const hay = randomText(next, 40);
      const found = new Set<number>();
      mp.scan(bytes(hay), (id) => found.add(id));
      const lower = hay.toLowerCase();
      const expected = new Set(
        pats.flatMap((p, id) => (lower.includes(p.toLowerCase()) ? [id] : [])),
      );
      assert.deepEqual([...found].sort((a, b) => a - b), [...expected].sort((a, b) => a - b));
    }
  }
});

const skipEt = etOpenDir === undefined
  ? "ET Open sample (../shared/data/et-open) not found"
  : false;

test("ET Open: the prefilter agrees with full evaluation, and hostile input never throws", {
  skip: skipEt,
}, () => {
  const sources = etOpenSources();
  const fast = loadRules(sources).ruleSet;
  const slow = loadRules(sources, { prefilter: false }).ruleSet;
  const next = rng(3);
  const words = [
    "/cgi-bin/",
    "admin",
    ".php",
    "POST",
    "GET",
    "|",
    "%2e%2e/",
    "\\",
    "..",
    "=",
    "' OR 1=1",
    "\x00",
    "\xff",
    "\r\n",
    "User-Agent",
    "Host:",
    "<script>",
    "cmd.exe",
    "/etc/passwd",
    "${jndi:ldap://",
  ];
  let matched = 0;
  for (let k = 0; k < 120; k++) {
    let junk = "";
    const n = Math.floor(next() * 30);
    for (let i = 0; i < n; i++) {
      junk += next() < 0.5
        ? words[Math.floor(next() * words.length)]
        : String.fromCharCode(Math.floor(next() * 256));
    }
    const method = next() < 0.5 ? "GET" : "POST";
    const head =
      `${method} /${junk.replace(/[\r\n ]/g, "")} HTTP/1.1\r\nHost: ${
        junk.slice(0, 10).replace(/[\r\n]/g, "")
      }\r\n` +
      `User-Agent: ${junk.replace(/[\r\n]/g, "")}\r\n\r\n${junk}`;
    const cases: RuleInput[] = [
      input(bytes(junk)),
      input(bytes(junk), undefined, "resp"),
      input(bytes(head), httpApp(head)),
      {
        ...input(bytes(junk)),
        proto: "udp",
        dport: 53,
        app: { service: "dns", dns: { id: 1, rrname: junk, rrtype: "A", rrtype_code: 1 } },
      },
      {
        ...input(bytes(junk)),
        app: { service: "ssh", ssh: { proto_version: "2.0", software: junk } },
      },
    ];
    for (const c of cases) {
      const expected = ids(slow, c);
      matched += expected.length;
      assert.deepEqual(ids(fast, c), expected, JSON.stringify(junk));
    }
  }
  // Random bytes of every length up to a full 4 KiB window.
  for (let k = 0; k < 40; k++) {
    const payload = new Uint8Array(Math.floor(next() * 4097));
    for (let i = 0; i < payload.length; i++) payload[i] = Math.floor(next() * 256);
    assert.deepEqual(ids(fast, input(payload)), ids(slow, input(payload)));
  }
  assert.ok(matched > 0, "some ET rules fired on the crafted input");
});
