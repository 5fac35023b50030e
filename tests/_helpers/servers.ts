// Peers for the tests of outbound connections and taps: a node:net server,
// a port where nothing listens, and a listener that never answers.
import net from "node:net";
import { spawn } from "node:child_process";
import { once } from "node:events";

/** A node:net server on an ephemeral port (half-open allowed) that hands each socket to `onSocket`. */
export async function peerServer(
  onSocket: (s: net.Socket) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    onSocket(s);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A port where nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A listener whose accept queue is full and never drained (listen(2) with a
 * backlog of 0, never accept(2)): the kernel then drops new SYNs, so a
 * connect neither succeeds nor fails until it gives up. (python3: node:net
 * accepts by itself and cannot leave a queue full.)
 */
export async function blackHole(): Promise<{ port: number; stop: () => void }> {
  const code = `
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
fill = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(s.getsockname())
    except BlockingIOError: pass
    fill.append(c)
time.sleep(0.2)
print(s.getsockname()[1], flush=True)
sys.stdin.read()`;
  const child = spawn("python3", ["-c", code], { stdio: ["pipe", "pipe", "inherit"] });
  const [line] = await once(child.stdout!, "data");
  return { port: Number(String(line).trim()), stop: () => child.kill() };
}

/** `n` distinct free TCP ports of 127.0.0.1 (bound and released: a monitor binds them next). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      await new Promise<void>((ok, fail) => {
        s.once("error", fail);
        s.listen(0, "127.0.0.1", () => ok());
      });
      servers.push(s);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  }
}
