// The shortest correct Deno sink for a load with resets: the shared reference
// iterates the listener with `for await`, which ends at the first accept()
// that rejects (NotConnected: the peer reset before Deno read its address),
// so the plain loop here catches that and accepts on.
// usage: deno run --allow-net deno_plain_sink.ts PORT
const port = Number(Deno.args[0]);
let conns = 0;
async function drain(conn: Deno.Conn) {
  const buf = new Uint8Array(64 * 1024);
  try {
    while ((await conn.read(buf)) !== null) { /* count nothing: a sink */ }
  } catch { /* reset */ }
  try {
    conn.close();
  } catch { /* already closed */ }
}
Deno.addSignalListener("SIGTERM", () => {
  console.error(`deno-plain-sink: conns=${conns}`);
  Deno.exit(0);
});
const listener = Deno.listen({ hostname: "127.0.0.1", port });
for (;;) {
  try {
    const conn = await listener.accept();
    conns++;
    drain(conn);
  } catch { /* a connection reset before accept completed: go on */ }
}
