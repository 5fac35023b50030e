// The plain runtime doing a UDP tap's job: node:dgram, one socket per client
// (flow) towards the service, answers back to that client, a flow forgotten
// after 60 s without a datagram. Runs unchanged on node, deno and bun.
// usage: <runtime> plain_udp_relay.mjs PORT UPSTREAM_PORT
import dgram from "node:dgram";
import process from "node:process";

const [port, upPort] = process.argv.slice(2).map(Number);
const server = dgram.createSocket("udp4");
const flows = new Map();
server.on("message", (msg, rinfo) => {
  const key = `${rinfo.address}|${rinfo.port}`;
  let flow = flows.get(key);
  if (flow === undefined) {
    const socket = dgram.createSocket("udp4");
    flow = { socket, last: Date.now(), ready: false, pending: [] };
    flows.set(key, flow);
    socket.on("message", (answer) => server.send(answer, rinfo.port, rinfo.address));
    socket.bind(0, "127.0.0.1", () => {
      flow.ready = true;
      for (const m of flow.pending) socket.send(m, upPort, "127.0.0.1");
      flow.pending = [];
    });
  }
  flow.last = Date.now();
  if (flow.ready) flow.socket.send(msg, upPort, "127.0.0.1");
  else flow.pending.push(msg);
});
setInterval(() => {
  const now = Date.now();
  for (const [key, flow] of flows) {
    if (now - flow.last > 60_000) {
      flow.socket.close();
      flows.delete(key);
    }
  }
}, 1000).unref();
server.bind(port, "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
