// Layer 1 of bench/layers: sockscope's node:net adapter (or Bun's native one) with a
// trivial handler: accept, read, answer the FIN with ours. Nothing recorded.
// usage: node|bun adapter_sink.mjs PORT NPM_DIR
const [port, npm] = [Number(process.argv[2]), process.argv[3]];
const { loadAdapter } = await import(`${npm}/esm/mod.js`);
const adapter = await loadAdapter();
await adapter.listenTcp({ hostname: "127.0.0.1", port }, (c) => {
  c.start({
    data() {},
    end() {
      c.closeWrite();
    },
    close() {},
  });
});
process.on("SIGTERM", () => process.exit(0));
