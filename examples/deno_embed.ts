/**
 * Embedding sockscope in a Deno script: listen on a port, print one JSON
 * line per finished connection, stop after N connections (or on Ctrl-C).
 *
 *   deno run --allow-net examples/deno_embed.ts [port] [count]
 *
 * In your own project: `deno add jsr:@sockscope/sockscope`, then import it
 * exactly as below.
 */
import { listen } from "@sockscope/sockscope";

const port = Number(Deno.args[0] ?? 8000);
const count = Number(Deno.args[1] ?? Infinity);

const monitor = await listen({ host: "127.0.0.1", ports: [port], captureBytes: 64 });
console.log(JSON.stringify({ listening: monitor.addresses }));
Deno.addSignalListener("SIGINT", () => monitor.close());

let seen = 0;
for await (const event of monitor.events) {
  if (event.type !== "conn.close") continue;
  const { src, sport, reason, orig_bytes, duration, community_id } = event;
  console.log(JSON.stringify({ src, sport, reason, orig_bytes, duration, community_id }));
  if (++seen >= count) await monitor.close();
}
console.log(JSON.stringify({ stats: monitor.stats().connsTotal }));
