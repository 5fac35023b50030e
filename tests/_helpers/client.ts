// Test clients built on node:net, which Deno, Node and Bun all provide.
import net from "node:net";
import dgram from "node:dgram";
import { spawnSync } from "node:child_process";

/** A connected test client that records everything it receives. */
export interface TestClient {
  socket: net.Socket;
  /** The client's own port (kept: node forgets it once the socket is closed). */
  localPort: number;
  received(): Uint8Array;
  /** Resolves when the server's FIN (or the close) arrives. */
  ended: Promise<void>;
  /** Resolves when the socket is fully closed; `error` set if it failed. */
  closed: Promise<{ error?: Error }>;
  write(data: Uint8Array | string): Promise<void>;
  end(): void;
}

/** Opens a TCP connection to host:port. */
export function connect(
  port: number,
  host = "127.0.0.1",
  opts: { read?: boolean; from?: string } = {},
): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    // `from`: a source address of 127.0.0.0/8, so that one machine plays many peers.
    const socket = net.connect({ port, host, allowHalfOpen: true, localAddress: opts.from });
    let endResolve!: () => void;
    const ended = new Promise<void>((r) => (endResolve = r));
    let error: Error | undefined;
    const closed = new Promise<{ error?: Error }>((r) =>
      socket.on("close", () => {
        endResolve();
        r({ error });
      })
    );
    socket.on("error", (e) => {
      error = e;
    });
    if (opts.read !== false) socket.on("data", (c: Uint8Array) => chunks.push(new Uint8Array(c)));
    socket.on("end", () => endResolve());
    socket.once("connect", () => {
      if (opts.read === false) socket.pause();
      resolve({
        socket,
        localPort: socket.localPort!,
        received: () => concat(chunks),
        ended,
        closed,
        write: (data) => new Promise((ok, fail) => socket.write(data, (e) => (e ? fail(e) : ok()))),
        end: () => socket.end(),
      });
    });
    socket.once("error", reject);
  });
}

/** Concatenates byte chunks. */
export function concat(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** Deterministic pseudo-random bytes (LCG), so failures are reproducible. */
export function pseudoRandomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Sends one UDP datagram and closes the socket. */
export function sendDatagram(port: number, data: Uint8Array, host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
    sock.bind(0, host, () => {
      const local = sock.address().port;
      sock.send(data, port, host, (err) => {
        sock.close();
        if (err) reject(err);
        else resolve(local);
      });
    });
  });
}

/** Resolves with `promise`, or rejects after `ms` naming `what`. Keeps tests bounded. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
        ms,
      );
    }),
  ]);
}

/** True when ::1 can be bound on this machine. */
export function hasIPv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(0, "::1", () => s.close(() => resolve(true)));
  });
}

/** Resolves once `condition()` holds (checked every few ms), or rejects after `ms` naming `what`. */
export function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const poll = () => (condition() ? resolve() : setTimeout(poll, 5));
      poll();
    }),
    ms,
    what,
  );
}

/**
 * What `nmap -sT` does, made deterministic: `n` clients complete the
 * handshake and reset at once (SO_LINGER 0), all while this process's event
 * loop is blocked (a synchronous child process), so every one of them waits
 * in the accept queue already reset before the runtime can accept it.
 * Returns the clients' ports, in the order their handshakes completed.
 */
export function resetRightAfterHandshake(port: number, n: number, host = "127.0.0.1"): number[] {
  return handshakesWhileBlocked(port, n, host, "reset");
}

/**
 * `n` clients complete the handshake and half-close (FIN) at once, while this
 * process's event loop is blocked: on return all `n` wait in the kernel's
 * accept queue, none accepted by this process yet. Returns the clients' ports.
 */
export function finRightAfterHandshake(port: number, n: number, host = "127.0.0.1"): number[] {
  return handshakesWhileBlocked(port, n, host, "fin");
}

function handshakesWhileBlocked(
  port: number,
  n: number,
  host: string,
  how: "reset" | "fin",
): number[] {
  const code = `
    const net = require("node:net");
    const [port, n, host, how] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3], process.argv[4]];
    const ports = [];
    let done = 0;
    const finish = () => { if (++done === n) { console.log(JSON.stringify(ports)); process.exit(0); } };
    for (let i = 0; i < n; i++) {
      const s = net.connect({ port, host, allowHalfOpen: true });
      s.on("connect", () => {
        ports.push(s.localPort);
        if (how === "reset") s.resetAndDestroy();
        else { s.end(); finish(); }
      });
      s.on("error", () => {});
      if (how === "reset") s.on("close", finish);
    }
    setTimeout(() => process.exit(3), 10000);`;
  const r = spawnSync("node", ["-e", code, String(port), String(n), host, how], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${how} client failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as number[];
}
