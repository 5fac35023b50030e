/**
 * Rule engine benchmark: payloads/s for synthetic sets of 10, 100 and 1,000
 * content rules over 4 KiB payloads (mostly non-matching, 1 in 50 carrying
 * a pattern of the first ten rules), the 1000/10 ratio, the time to load the
 * ET Open sample and its throughput on HTTP requests.
 *
 *   deno run -A bench/rules/rules_bench.ts
 *   bun run bench/rules/rules_bench.ts
 *   (Node: compile first, see bench/rules/README.md)
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { loadRules, type RuleInput, type RuleSet } from "../../src/detect/rules/load_rules.ts";

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = rng(2024);
const CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-=&?";
const word = (min: number, max: number): string => {
  const n = min + Math.floor(next() * (max - min + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += CHARS[Math.floor(next() * CHARS.length)];
  return s;
};

// 1,000 rules; the smaller sets are prefixes, so every size sees the same matches.
const patterns: string[] = []; // what each rule needs in a payload to match
const ruleLines: string[] = [];
for (let sid = 1; sid <= 1000; sid++) {
  const p = word(4, 16);
  const opts = [`content:"${p}";`];
  if (next() < 0.3) opts.push("nocase;");
  const r = next();
  if (r < 0.1) opts.push(`depth:${p.length + 2048};`);
  else if (r < 0.2) opts.push(`offset:${Math.floor(next() * 64)};`);
  let text = p;
  if (next() < 0.3) {
    const second = word(3, 8);
    opts.push(`content:"${second}"; distance:0;`);
    text += second;
  }
  patterns.push(text);
  ruleLines.push(
    `alert tcp any any -> any any (msg:"synthetic ${sid}"; ${opts.join(" ")} sid:${sid};)`,
  );
}

const SIZE = 4096;
const PAYLOADS = 500;
const enc = new TextEncoder();
const payloads: Uint8Array[] = [];
for (let i = 0; i < PAYLOADS; i++) {
  let text = "";
  while (text.length < SIZE) text += word(3, 12) + " ";
  text = text.slice(0, SIZE);
  if (i % 50 === 0) {
    const p = patterns[(i / 50) % 10];
    const at = 64 + Math.floor(next() * 960); // inside every depth, past every offset
    text = text.slice(0, at) + p + text.slice(at + p.length);
  }
  payloads.push(enc.encode(text));
}

function input(payload: Uint8Array, app?: RuleInput["app"]): RuleInput {
  return {
    proto: "tcp",
    src: "198.51.100.7",
    sport: 40000,
    dst: "192.168.1.10",
    dport: 80,
    dir: "orig",
    payload,
    ...(app !== undefined ? { app } : {}),
    nowMs: 0,
  };
}

/** Payloads per second over `inputs`, measured for about `ms` after a warm-up. */
function throughput(
  rs: RuleSet,
  inputs: readonly RuleInput[],
  ms = 1500,
): { rate: number; matches: number } {
  let matches = 0;
  for (const inp of inputs) rs.match(inp, rs.newFlowState());
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (const inp of inputs) matches += rs.match(inp, rs.newFlowState()).length;
    n += inputs.length;
    now = performance.now();
  }
  return { rate: n / ((now - start) / 1000), matches };
}

const runtime = "Bun" in globalThis
  ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : "Deno" in globalThis
  ? `deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : `node ${process.version}`;
console.log(`runtime: ${runtime}`);
const inputs = payloads.map((p) => input(p));
const rates: Record<number, number> = {};
const sets = [10, 100, 1000].map((n) => ({
  n,
  rs: loadRules([{ name: "synthetic.rules", text: ruleLines.slice(0, n).join("\n") }]).ruleSet,
}));
// Three interleaved rounds, best of each: JIT warm-up and a busy machine hit every size alike.
for (let round = 0; round < 3; round++) {
  for (const { n, rs } of sets) {
    rates[n] = Math.max(rates[n] ?? 0, throughput(rs, inputs, 700).rate);
  }
}
for (const { n, rs } of sets) {
  const perPass = inputs.reduce((a, inp) => a + rs.match(inp, rs.newFlowState()).length, 0);
  console.log(
    `${String(n).padStart(5)} rules: ${
      Math.round(rates[n]).toLocaleString("en-US").padStart(8)
    } payloads/s ` +
      `(${
        (rates[n] * SIZE / 1048576).toFixed(1)
      } MiB/s), ${perPass} matches per ${PAYLOADS} payloads`,
  );
}
console.log(`ratio 1000/10: ${(rates[1000] / rates[10]).toFixed(2)} (target >= 0.25)`);

// ET Open: load time and throughput on 4 KiB HTTP requests.
function etDir(): string | undefined {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start;;) {
      const c = join(dir, "shared", "data", "et-open");
      if (existsSync(join(c, "emerging-exploit.rules"))) return c;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}
const et = etDir();
if (et === undefined) {
  console.log("ET Open sample not found (../shared/data/et-open): skipped");
} else {
  const sources = ["emerging-exploit.rules", "emerging-policy.rules"].map((name) => ({
    name,
    text: readFileSync(join(et, name), "utf8"),
  }));
  const times: number[] = [];
  let rs: RuleSet | undefined;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    rs = loadRules(sources).ruleSet;
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `ET Open load (${rs!.size} rules): first ${times[0].toFixed(0)} ms, median ${
      sorted[3].toFixed(0)
    } ms`,
  );
  const http = payloads.slice(0, 100).map((p, i) => {
    const body = new TextDecoder().decode(p.subarray(0, 3800));
    const head =
      `GET /${
        i % 7 === 0 ? "cgi-bin/" : ""
      }index${i}.php?id=${i} HTTP/1.1\r\nHost: example.com\r\n` +
      `User-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n`;
    const bytes = enc.encode((head + body).slice(0, SIZE));
    const app: RuleInput["app"] = {
      service: "http",
      http: {
        method: "GET",
        uri: `/${i % 7 === 0 ? "cgi-bin/" : ""}index${i}.php?id=${i}`,
        version: "HTTP/1.1",
        request_line: head.slice(0, head.indexOf("\r\n")),
        host: "example.com",
        user_agent: "Mozilla/5.0",
        headers: [["Host", "example.com"], ["User-Agent", "Mozilla/5.0"], ["Accept", "*/*"]],
        body_offset: head.length,
        truncated: false,
      },
    };
    return input(bytes, app);
  });
  const { rate } = throughput(rs!, http);
  console.log(
    `ET Open on 4 KiB HTTP requests: ${Math.round(rate).toLocaleString("en-US")} payloads/s`,
  );
}
