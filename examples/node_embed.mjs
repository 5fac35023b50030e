// Embedding sockscope in a Node.js (or Bun) script: listen on a port, print
// one JSON line per finished connection, stop after N connections (or Ctrl-C).
//
//   npm i sockscope
//   node examples/node_embed.mjs [port] [count]
import process from "node:process";
import { listen } from "sockscope";

const port = Number(process.argv[2] ?? 8000);
const count = Number(process.argv[3] ?? Infinity);

const monitor = await listen({ host: "127.0.0.1", ports: [port], captureBytes: 64 });
console.log(JSON.stringify({ listening: monitor.addresses }));
process.on("SIGINT", () => monitor.close());

let seen = 0;
for await (const event of monitor.events) {
  if (event.type !== "conn.close") continue;
  const { src, sport, reason, orig_bytes, duration, community_id } = event;
  console.log(JSON.stringify({ src, sport, reason, orig_bytes, duration, community_id }));
  if (++seen >= count) await monitor.close();
}
console.log(JSON.stringify({ stats: monitor.stats().connsTotal }));
