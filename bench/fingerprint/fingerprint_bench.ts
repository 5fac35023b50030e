// Fingerprint parses per second on one core: what `fingerprint()` costs per direction of a
// connection for a real HTTP request head and a real ClientHello (JA3 and JA4 included), plus
// the cheap cases (a prefix that asks for more, bytes that are nothing known).
//
//   deno run bench/fingerprint/fingerprint_bench.ts
//   bun run bench/fingerprint/fingerprint_bench.ts
//
// An argument sets the seconds per case (default 1): `deno run bench/fingerprint/fingerprint_bench.ts 3`.
import { fingerprint } from "../../src/detect/fingerprint/fingerprint.ts";
import { JA4_VECTORS } from "../../tests/detect/_ja4_vectors.ts";

declare const Deno: { args: string[]; version: { deno: string } };
declare const Bun: { version: string; argv: string[] };

const arg = typeof Deno !== "undefined"
  ? Deno.args[0]
  : typeof Bun !== "undefined"
  ? Bun.argv[2]
  : undefined;
const seconds = Number(arg ?? 1) || 1;
const runtime = typeof Deno !== "undefined"
  ? `deno ${Deno.version.deno}`
  : typeof Bun !== "undefined"
  ? `bun ${Bun.version}`
  : "node";

const unhex = (t: string): Uint8Array =>
  Uint8Array.from(t.match(/../g) ?? [], (h) => parseInt(h, 16));
const enc = new TextEncoder();

// What curl 7.88.1 sends (as captured in tests/detect/fingerprint_test.ts), a browser-like head,
// and two real ClientHellos from the JA4 reference's sample captures: Firefox's (pcap/tls12.pcap)
// and a TLS 1.2 client's with 46 cipher suites (pcap/ipv6.pcapng).
const cases: [string, Uint8Array, boolean][] = [
  [
    "HTTP request (curl, 78 B)",
    enc.encode(
      "GET /a/b?c=d&e HTTP/1.1\r\nHost: 127.0.0.1:40123\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    ),
    false,
  ],
  [
    "HTTP request (browser-like, 9 headers)",
    enc.encode(
      "GET /index.html?q=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\nConnection: keep-alive\r\nUpgrade-Insecure-Requests: 1\r\n" +
        "Sec-Fetch-Dest: document\r\nPriority: u=0, i\r\n\r\n",
    ),
    false,
  ],
  ["TLS ClientHello (Firefox, 517 B)", unhex(JA4_VECTORS[3].hello), false],
  ["TLS ClientHello (TLS 1.2, 46 ciphers, 237 B)", unhex(JA4_VECTORS[2].hello), false],
  ['TLS prefix, 40 B ("more")', unhex(JA4_VECTORS[3].hello).subarray(0, 40), false],
  [
    "unknown text, 200 B (every parser, then the guess)",
    enc.encode("EHLO mail.example.test\r\n" + "x-unknown-protocol line of text ".repeat(6)),
    true,
  ],
];

let sink = 0;
function run(payload: Uint8Array, final: boolean, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 256; i++) {
      const r = fingerprint(payload, "tcp", final);
      if (r !== undefined && r !== "more") sink += r.service.length;
    }
    n += 256;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

console.log(`fingerprint() parses per second, ${runtime}, ${seconds} s per case`);
for (const [name, payload, final] of cases) {
  run(payload, final, 200); // warm-up: let the JIT settle
  const rate = run(payload, final, seconds * 1000);
  console.log(`${name.padEnd(52)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} /s`);
}
if (sink === 0) console.log("(no results?)");
