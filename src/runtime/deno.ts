/**
 * The Deno adapter: `Deno.listen` with one read loop per connection.
 *
 * The read buffer adapts: a pending `read()` pins its whole buffer, so an idle
 * connection waits on a small one (1 KiB) and a busy one grows it (up to
 * 64 KiB) while reads keep filling it. Plain Deno with a fixed 64 KiB buffer
 * holds ~62 KB per idle connection; this keeps idle ones near Node's cost
 * without giving up bulk throughput.
 *
 * UDP uses `Deno.listenDatagram` where the runtime offers it (it is behind
 * `--unstable-net`), and node:dgram otherwise.
 *
 * @module
 */

import type { AdapterName, RuntimeAdapter } from "../net/adapter.ts";
import type { Conn, ConnHandler } from "../net/conn.ts";
import type { ConnCallback, TcpListener, TcpListenOptions } from "../net/listener.ts";
import type { DatagramCallback, UdpListener, UdpListenOptions } from "../net/datagram.ts";
import { normalizeAddress } from "../net/ip.ts";
import { bindError } from "./bind_error.ts";
import {
  denoApi,
  type DenoDatagramConn,
  denoListenDatagram,
  type DenoNetAddr,
  type DenoTcpConn,
  type DenoTcpListener,
} from "./deno_api.ts";

const MIN_READ = 1024;
const MAX_READ = 64 * 1024;
const WRITE_HIGH_WATER = 64 * 1024;
const errors = () => denoApi().errors;

class DenoConn implements Conn {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  bytesWritten = 0;
  #conn: DenoTcpConn;
  #handler: ConnHandler | undefined;
  #closed = false;
  #readDone = false;
  #writeEnded = false;
  #closeWriteRequested = false;
  #resetSeen = false;
  #error: Error | undefined;
  #paused: (() => void) | null | undefined = undefined;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writing = false;

  constructor(conn: DenoTcpConn) {
    this.#conn = conn;
    const local = conn.localAddr as DenoNetAddr;
    const remote = conn.remoteAddr as DenoNetAddr;
    this.localAddress = normalizeAddress(local.hostname);
    this.localPort = local.port;
    this.remoteAddress = normalizeAddress(remote.hostname);
    this.remotePort = remote.port;
  }

  start(handler: ConnHandler): void {
    this.#handler = handler;
    this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    const handler = this.#handler!;
    let buf = new Uint8Array(MIN_READ);
    try {
      while (!this.#closed) {
        if (this.#paused !== undefined) {
          await new Promise<void>((resume) => (this.#paused = resume));
          if (this.#closed) break;
        }
        const n = await this.#conn.read(buf);
        if (n === null) {
          this.#readDone = true;
          handler.end();
          this.#maybeFinish();
          return;
        }
        handler.data(buf.subarray(0, n));
        // Grow while reads fill the buffer; shrink back when the flow slows,
        // so an idle connection does not pin a large buffer.
        if (n === buf.byteLength && n < MAX_READ) buf = new Uint8Array(n * 4);
        else if (n < buf.byteLength >>> 4 && buf.byteLength > MIN_READ) {
          buf = new Uint8Array(buf.byteLength >>> 2);
        }
      }
    } catch (err) {
      if (!this.#closed) {
        if (err instanceof errors().ConnectionReset) this.#resetSeen = true;
        else if (!(err instanceof errors().BadResource || err instanceof errors().Interrupted)) {
          this.#error = err as Error;
        }
      }
    }
    this.#readDone = true;
    this.#finish();
  }

  write(data: Uint8Array): boolean {
    if (this.#closed || this.#closeWriteRequested) return false;
    this.#queue.push(data);
    this.#queued += data.byteLength;
    if (!this.#writing) this.#pump();
    return this.#queued < WRITE_HIGH_WATER;
  }

  async #pump(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        let chunk = this.#queue[0];
        while (chunk.byteLength > 0) {
          const n = await this.#conn.write(chunk);
          this.bytesWritten += n;
          this.#queued -= n;
          chunk = chunk.subarray(n);
        }
        this.#queue.shift();
        if (this.#queued < WRITE_HIGH_WATER && this.#queue.length === 0) this.#handler?.drain?.();
      }
    } catch (err) {
      if (!this.#closed) {
        if (err instanceof errors().ConnectionReset || err instanceof errors().BrokenPipe) {
          this.#resetSeen = true;
        } else this.#error = err as Error;
        this.#finish();
      }
      return;
    } finally {
      this.#writing = false;
    }
    if (this.#closeWriteRequested) this.#shutdownWrite();
  }

  closeWrite(): void {
    if (this.#closed || this.#closeWriteRequested) return;
    this.#closeWriteRequested = true;
    if (!this.#writing) this.#shutdownWrite();
  }

  #shutdownWrite(): void {
    if (this.#writeEnded || this.#closed) return;
    this.#writeEnded = true;
    this.#conn.closeWrite().catch(() => {}).finally(() => this.#maybeFinish());
  }

  #maybeFinish(): void {
    if (this.#readDone && this.#writeEnded) this.#finish();
  }

  close(): void {
    this.#finish();
  }

  reset(): void {
    // Deno has no SO_LINGER; a plain close is the closest it offers.
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    const resume = this.#paused;
    this.#paused = undefined;
    resume?.();
    this.#handler?.close({ reset: this.#resetSeen, error: this.#error });
  }

  pause(): void {
    if (this.#paused === undefined) this.#paused = null;
  }

  resume(): void {
    const resume = this.#paused;
    this.#paused = undefined;
    resume?.();
  }
}

class DenoListener implements TcpListener {
  readonly localAddress: string;
  readonly localPort: number;
  #listener: DenoTcpListener;
  #closed = false;
  #loop: Promise<void>;

  constructor(listener: DenoTcpListener, onConn: ConnCallback) {
    this.#listener = listener;
    const addr = listener.addr as DenoNetAddr;
    this.localAddress = normalizeAddress(addr.hostname);
    this.localPort = addr.port;
    this.#loop = this.#acceptLoop(onConn);
  }

  async #acceptLoop(onConn: ConnCallback): Promise<void> {
    while (!this.#closed) {
      let conn: DenoTcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (this.#closed || err instanceof errors().BadResource) return;
        // EMFILE and similar are transient: back off instead of spinning or dying.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      onConn(new DenoConn(conn));
    }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#listener.close();
      } catch { /* already closed */ }
    }
    // Deno releases the socket when the pending accept() settles.
    return this.#loop;
  }
}

function listenTcp(options: TcpListenOptions, onConn: ConnCallback): Promise<TcpListener> {
  try {
    const listener = denoApi().listen({
      hostname: options.hostname,
      port: options.port,
      transport: "tcp",
    });
    return Promise.resolve(new DenoListener(listener, onConn));
  } catch (err) {
    return Promise.reject(bindError(err, options.hostname, options.port));
  }
}

async function listenUdp(
  options: UdpListenOptions,
  onDatagram: DatagramCallback,
): Promise<UdpListener> {
  const listenDatagram = denoListenDatagram();
  if (listenDatagram === undefined) {
    // Stable Deno has no UDP without --unstable-net: node:dgram is.
    const { createNodeAdapter } = await import("./node.ts");
    return createNodeAdapter().listenUdp(options, onDatagram);
  }
  let sock: DenoDatagramConn;
  try {
    sock = listenDatagram({ hostname: options.hostname, port: options.port, transport: "udp" });
  } catch (err) {
    throw bindError(err, options.hostname, options.port);
  }
  let closed = false;
  (async () => {
    const buf = new Uint8Array(65536);
    while (!closed) {
      try {
        const [data, addr] = await sock.receive(buf);
        const net = addr as DenoNetAddr;
        onDatagram(data, normalizeAddress(net.hostname), net.port);
      } catch {
        if (closed) return;
      }
    }
  })();
  const addr = sock.addr as DenoNetAddr;
  return {
    localAddress: normalizeAddress(addr.hostname),
    localPort: addr.port,
    send: async (data, hostname, port) => {
      await sock.send(data, { transport: "udp", hostname, port });
    },
    close: () => {
      if (closed) return;
      closed = true;
      try {
        sock.close();
      } catch { /* already closed */ }
    },
  };
}

/**
 * Creates the Deno adapter. Only works when running on Deno.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "@sockscope/sockscope";
 * if ("Deno" in globalThis) console.log((await loadAdapter("deno")).name); // "deno"
 * ```
 */
export function createDenoAdapter(name: AdapterName = "deno"): RuntimeAdapter {
  return { name, listenTcp, listenUdp };
}
