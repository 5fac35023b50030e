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
import type {
  ConnCallback,
  ListenerWarning,
  TcpListener,
  TcpListenOptions,
} from "../net/listener.ts";
import { DeadConn } from "../net/dead_conn.ts";
import type { DatagramCallback, UdpListener, UdpListenOptions } from "../net/datagram.ts";
import { normalizeAddress } from "../net/ip.ts";
import { bindError } from "./bind_error.ts";
import { drainAcceptQueue } from "./accept_drain.ts";
import { Dial } from "./dial.ts";
import type { TcpConnectOptions } from "../net/connect.ts";
import { AcceptBackoff, asError, isDeadConnection, isExhaustion } from "./accept_errors.ts";
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
type Warn = (warning: ListenerWarning) => void;
const ignore: Warn = () => {};

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
  #warn: Warn;

  constructor(conn: DenoTcpConn, warn: Warn) {
    this.#conn = conn;
    this.#warn = warn;
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
          try {
            handler.end();
          } catch (err) {
            return this.#handlerThrew(err);
          }
          this.#maybeFinish();
          return;
        }
        try {
          handler.data(buf.subarray(0, n));
        } catch (err) {
          return this.#handlerThrew(err);
        }
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

  /** A handler callback threw: report it, close, and let `close` carry the error. */
  #handlerThrew(err: unknown): void {
    const error = asError(err);
    this.#error ??= error;
    this.#warn({ kind: "handler-error", error });
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
        if (this.#queued < WRITE_HIGH_WATER && this.#queue.length === 0) {
          try {
            this.#handler?.drain?.();
          } catch (err) {
            return this.#handlerThrew(err);
          }
        }
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
    try {
      this.#handler?.close({ reset: this.#resetSeen, error: this.#error });
    } catch (err) {
      this.#warn({ kind: "handler-error", error: asError(err) });
    }
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
  #closing: Promise<void> | undefined;
  #accepted = 0;
  #loop: Promise<void>;
  #warn: Warn;

  constructor(listener: DenoTcpListener, onConn: ConnCallback, warn: Warn) {
    this.#listener = listener;
    this.#warn = warn;
    const addr = listener.addr as DenoNetAddr;
    this.localAddress = normalizeAddress(addr.hostname);
    this.localPort = addr.port;
    this.#loop = this.#acceptLoop(onConn);
  }

  async #acceptLoop(onConn: ConnCallback): Promise<void> {
    const backoff = new AcceptBackoff();
    while (!this.#closed) {
      let conn: Conn;
      try {
        conn = new DenoConn(await this.#listener.accept(), this.#warn);
        this.#accepted++;
        backoff.reset();
      } catch (err) {
        if (this.#closed || err instanceof errors().BadResource) return;
        if (isDeadConnection(err)) {
          // Deno reads the peer address right after accept(2) and rejects
          // when the peer has already reset (nmap -sT): the kernel accepted a
          // connection, so it is delivered, dead and of unknown source.
          conn = new DeadConn(this.localAddress, this.localPort, asError(err));
          this.#accepted++;
        } else {
          // Out of descriptors (or an unknown failure): wait briefly, or
          // accept() fails again at once and the loop spins.
          const retryMs = backoff.delay();
          const error = asError(err);
          this.#warn(
            isExhaustion(err)
              ? { kind: "accept-exhausted", error, retryMs }
              : { kind: "accept-error", error },
          );
          await new Promise((r) => setTimeout(r, retryMs));
          continue;
        }
      }
      try {
        onConn(conn);
      } catch (err) {
        this.#warn({ kind: "handler-error", error: asError(err) });
        conn.close();
      }
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Take what the kernel already queued, or closing resets it unrecorded.
      await drainAcceptQueue(() => this.#accepted);
      this.#closed = true;
      try {
        this.#listener.close();
      } catch { /* already closed */ }
      // Deno releases the socket when the pending accept() settles.
      await this.#loop;
    })();
    return this.#closing;
  }
}

/**
 * Outbound on `Deno.connect` (not Deno's node:net, whose sockets lose the
 * rest of the stream when they half-close while paused: a tap would cut
 * downloads short). Like accepted Deno sockets, these cannot send a RST.
 */
function connectTcp(options: TcpConnectOptions): Promise<Conn> {
  return new DenoDial(options).promise;
}

/** Deno.connect has no timeout of its own: an AbortController gives it one. */
class DenoDial extends Dial<Conn> {
  #abort = new AbortController();

  constructor(options: TcpConnectOptions) {
    super(options);
    denoApi().connect({
      hostname: options.hostname,
      port: options.port,
      transport: "tcp",
      signal: this.#abort.signal,
    }).then((conn) => this.opened(new DenoConn(conn, ignore)), (err) => this.failed(err));
    this.arm();
  }

  protected cancel(): void {
    this.#abort.abort();
  }
}

function listenTcp(options: TcpListenOptions, onConn: ConnCallback): Promise<TcpListener> {
  try {
    const listener = denoApi().listen({
      hostname: options.hostname,
      port: options.port,
      transport: "tcp",
    });
    return Promise.resolve(new DenoListener(listener, onConn, options.onWarning ?? ignore));
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
      let data: Uint8Array;
      let net: DenoNetAddr;
      try {
        const [d, addr] = await sock.receive(buf);
        [data, net] = [d, addr as DenoNetAddr];
      } catch {
        if (closed) return;
        continue;
      }
      try {
        onDatagram(data, normalizeAddress(net.hostname), net.port);
      } catch (err) {
        options.onWarning?.({ kind: "handler-error", error: asError(err) });
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
  return { name, canReset: false, listenTcp, listenUdp, connectTcp };
}
