// Layers 2-4 of bench/layers: the library's listen() with LAYER=core (no subscriber),
// log (NDJSON file), console (console lines, --print none, to /dev/null) or both.
// usage: LAYER=... node|bun monitor_sink.mjs PORT NPM_DIR LOG_FILE
const [port, npm, logPath] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const layer = process.env.LAYER ?? "core";
const { listen, NdjsonWriter, ConsoleWriter } = await import(`${npm}/esm/mod.js`);
const { createNodePlatform } = await import(`${npm}/esm/src/runtime/node_platform.js`);
const platform = await createNodePlatform();
const monitor = await listen({ ports: [port], host: "127.0.0.1" });
const writers = [];
if (layer === "log" || layer === "both") {
  const log = new NdjsonWriter(await platform.openAppend(logPath));
  monitor.subscribe(log.handle);
  writers.push(log);
}
if (layer === "console" || layer === "both") {
  const view = new ConsoleWriter(await platform.openAppend("/dev/null"), { print: "none" });
  monitor.subscribe(view.handle, { data: false });
  writers.push(view);
}
process.on("SIGTERM", async () => {
  await monitor.close();
  for (const w of writers) await w.close();
  process.exit(0);
});
