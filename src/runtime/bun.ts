/**
 * The Bun adapter: TCP on `Bun.listen` (native sockets: fewer CPU-µs per
 * connection and less memory per idle connection than Bun's node:net, see
 * bench/RESULTS.md), UDP on node:dgram.
 *
 * `Bun.listen` hands out partial writes (the count the kernel took), so the
 * adapter keeps the remainder and finishes it on `drain`.
 *
 * @module
 */

import type { RuntimeAdapter } from "../net/adapter.ts";
import type { Conn, ConnHandler } from "../net/conn.ts";
import type { ConnCallback, TcpListener, TcpListenOptions } from "../net/listener.ts";
import { normalizeAddress } from "../net/ip.ts";
import { bindError } from "./bind_error.ts";
import { bunApi, type BunSocket, type BunSocketHandler, type BunTcpListener } from "./bun_api.ts";
import { type LocalEnd, sharedLocalEnd } from "./local_end.ts";
import { asError } from "./accept_errors.ts";
import { drainAcceptQueue } from "./accept_drain.ts";
import { Dial } from "./dial.ts";
import type { TcpConnectOptions } from "../net/connect.ts";
import { recordedPeer } from "./peer_name.ts";
import { shutdownWrite } from "./half_close.ts";

const WRITE_HIGH_WATER = 64 * 1024;

// Flags, packed: an idle connection's size is the adapter's main memory cost.
const WRITE_SHUT = 1;
const CLOSE_WRITE_REQUESTED = 2;
const PEER_ENDED = 4;
const CLOSED = 8;
const RESET = 16;
const START_PAUSED = 32;

class BunConn implements Conn {
  bytesWritten = 0;
  handler: ConnHandler | undefined = undefined;
  /** Undefined until read (outbound: the dialled peer is known; its address is asked only if wanted). */
  #remoteAddress: string | null | undefined;
  #remotePort: number | null = null;
  /** The local end, or only its port until the address is asked for (outbound). */
  #local: LocalEnd | number;
  #socket: BunSocket<BunConn>;
  #queue: Uint8Array[] | null = null;
  #queued = 0;
  #flags = 0;
  #error: Error | undefined = undefined;

  constructor(socket: BunSocket<BunConn>, local: LocalEnd | undefined, outbound = false) {
    this.#socket = socket;
    // An outbound socket opens before its caller can start() it: hold the
    // bytes in the socket until then.
    if (outbound) {
      this.#flags |= START_PAUSED;
      socket.pause();
    }
    // Each of Bun's address getters is a getsockname(2) or getpeername(2):
    // an accepted peer is read at once (it may reset any moment), an
    // outbound socket only keeps its local port (a tap's record needs it,
    // and it is gone once closed); the rest is read if anyone asks.
    this.#local = local ?? socket.localPort;
    if (!outbound) this.#readPeer();
  }

  get remoteAddress(): string | null {
    if (this.#remoteAddress === undefined) this.#readPeer();
    return this.#remoteAddress!;
  }

  get remotePort(): number | null {
    if (this.#remoteAddress === undefined) this.#readPeer();
    return this.#remotePort;
  }

  #readPeer(): void {
    // A peer that reset before Bun's getpeername(2): SO_PEERNAME on the fd still knows it.
    const socket = this.#socket;
    const peer = recordedPeer(socket.remoteAddress, socket.remotePort, socket.fd);
    this.#remoteAddress = peer.address;
    this.#remotePort = peer.port;
  }

  /** A handler callback threw: keep the error for `close`, and close now. */
  threw(err: unknown): void {
    this.#error ??= asError(err);
    this.#queue = null;
    this.#socket.terminate();
  }

  get localAddress(): string {
    let local = this.#local;
    if (typeof local === "number") {
      local = this.#local = {
        address: normalizeAddress(this.#socket.localAddress ?? ""),
        port: local,
      };
    }
    return local.address;
  }

  get localPort(): number {
    const local = this.#local;
    return typeof local === "number" ? local : local.port;
  }

  start(handler: ConnHandler): void {
    this.handler = handler;
    if (this.#flags & START_PAUSED) {
      this.#flags &= ~START_PAUSED;
      this.#socket.resume();
    }
  }

  write(data: Uint8Array): boolean {
    if (this.#flags & (CLOSED | CLOSE_WRITE_REQUESTED)) return false;
    if (this.#queue === null) {
      const n = this.#socket.write(data);
      if (n > 0) this.bytesWritten += n;
      if (n >= data.byteLength) return true;
      data = data.slice(Math.max(n, 0)); // the caller may reuse its buffer
      this.#queue = [];
    }
    this.#queue.push(data);
    this.#queued += data.byteLength;
    return this.#queued < WRITE_HIGH_WATER;
  }

  /** Bun says the socket can take more: continue the queue. */
  onDrain(): void {
    const queue = this.#queue;
    while (queue !== null && queue.length > 0) {
      const chunk = queue[0];
      const n = this.#socket.write(chunk);
      if (n > 0) {
        this.bytesWritten += n;
        this.#queued -= n;
      }
      if (n < chunk.byteLength) {
        if (n > 0) queue[0] = chunk.subarray(n);
        return;
      }
      queue.shift();
    }
    this.#queue = null;
    if (this.#flags & CLOSE_WRITE_REQUESTED) this.#shutWrite();
    this.handler?.drain?.();
  }

  onEnd(): void {
    this.#flags |= PEER_ENDED;
    this.handler?.end();
    if (this.#flags & WRITE_SHUT) this.#socket.end();
  }

  onError(error: Error): void {
    const code = (error as { code?: string }).code;
    if (code === "ECONNRESET" || code === "EPIPE") this.#flags |= RESET;
    else this.#error = error;
  }

  onClose(error?: Error): void {
    if (this.#flags & CLOSED) return;
    if (error) this.onError(error);
    this.#flags |= CLOSED;
    this.#queue = null;
    const reset = (this.#flags & RESET) !== 0;
    this.handler?.close({ reset, error: reset ? undefined : this.#error });
  }

  closeWrite(): void {
    if (this.#flags & (CLOSED | CLOSE_WRITE_REQUESTED)) return;
    this.#flags |= CLOSE_WRITE_REQUESTED;
    if (this.#queue === null) this.#shutWrite();
  }

  #shutWrite(): void {
    if (this.#flags & WRITE_SHUT) return;
    this.#flags |= WRITE_SHUT;
    // Both sides done: end() closes the socket; else only stop sending.
    if (this.#flags & PEER_ENDED) this.#socket.end();
    // Bun's own shutdown() would stop delivering what the peer still sends.
    else if (!shutdownWrite(this.#socket.fd)) this.#socket.shutdown(true);
  }

  close(): void {
    if (this.#flags & CLOSED) return;
    this.#queue = null;
    this.#socket.end();
  }

  reset(): void {
    if (this.#flags & CLOSED) return;
    this.#queue = null;
    this.#socket.terminate();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }
}

class BunListener implements TcpListener {
  readonly localAddress: string;
  readonly localPort: number;
  #listener: BunTcpListener;
  #accepted: () => number;
  #closing: Promise<void> | undefined;

  constructor(listener: BunTcpListener, accepted: () => number) {
    this.#listener = listener;
    this.#accepted = accepted;
    this.localAddress = normalizeAddress(listener.hostname);
    this.localPort = listener.port;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Take what the kernel already queued, or closing resets it unrecorded.
      await drainAcceptQueue(this.#accepted);
      this.#listener.stop(false);
    })();
    return this.#closing;
  }
}

function listenTcp(options: TcpListenOptions, onConn: ConnCallback): Promise<TcpListener> {
  let local: LocalEnd | undefined;
  let accepted = 0;
  const warn = options.onWarning ?? (() => {});
  // A callback never throws into Bun: the connection is closed with the error
  // instead. (Here, not in BunConn, so that no connection carries `warn`.)
  const threw = (conn: BunConn, err: unknown) => {
    warn({ kind: "handler-error", error: asError(err) });
    conn.threw(err);
  };
  try {
    const listener = bunApi().listen<BunConn>({
      hostname: options.hostname,
      port: options.port,
      allowHalfOpen: true,
      exclusive: true,
      socket: {
        open(socket) {
          accepted++;
          try {
            const conn = new BunConn(socket, local);
            socket.data = conn;
            onConn(conn);
          } catch (err) {
            if (socket.data) threw(socket.data, err);
            else {
              warn({ kind: "handler-error", error: asError(err) });
              socket.terminate();
            }
          }
        },
        data(socket, data) {
          try {
            socket.data.handler?.data(data);
          } catch (err) {
            threw(socket.data, err);
          }
        },
        drain(socket) {
          try {
            socket.data.onDrain();
          } catch (err) {
            threw(socket.data, err);
          }
        },
        end(socket) {
          try {
            socket.data.onEnd();
          } catch (err) {
            threw(socket.data, err);
          }
        },
        error: (socket, error) => socket.data?.onError(error),
        close(socket, error) {
          try {
            socket.data?.onClose(error);
          } catch (err) {
            warn({ kind: "handler-error", error: asError(err) });
          }
        },
      },
    });
    const bound = new BunListener(listener, () => accepted);
    local = sharedLocalEnd(options.hostname, bound.localAddress, bound.localPort);
    return Promise.resolve(bound);
  } catch (err) {
    return Promise.reject(bindError(err, options.hostname, options.port));
  }
}

/** Socket callbacks of outbound connections: the same as a listener's, with errors caught. */
const OUTBOUND: BunSocketHandler<BunConn> = {
  open(socket) {
    socket.data = new BunConn(socket, undefined, true);
  },
  data(socket, data) {
    try {
      socket.data.handler?.data(data);
    } catch (err) {
      socket.data.threw(err);
    }
  },
  drain(socket) {
    try {
      socket.data.onDrain();
    } catch (err) {
      socket.data.threw(err);
    }
  },
  end(socket) {
    try {
      socket.data.onEnd();
    } catch (err) {
      socket.data.threw(err);
    }
  },
  error: (socket, error) => socket.data?.onError(error),
  close(socket, error) {
    try {
      socket.data?.onClose(error);
    } catch { /* the handler's own failure: nothing is left to close */ }
  },
};

/** Outbound on `Bun.connect` (native sockets, as listeners use `Bun.listen`). */
function connectTcp(options: TcpConnectOptions): Promise<Conn> {
  return new BunDial(options).promise;
}

class BunDial extends Dial<Conn> {
  constructor(options: TcpConnectOptions) {
    super(options);
    bunApi().connect<BunConn>({
      hostname: options.hostname,
      port: options.port,
      allowHalfOpen: true,
      socket: OUTBOUND,
    }).then((socket) => this.opened(socket.data as Conn), (err) => this.failed(err));
    this.arm();
  }

  /** Bun.connect cannot be cancelled; a late connection is closed on arrival. */
  protected cancel(): void {}
}

/**
 * Creates the adapter used on Bun.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "@sockscope/sockscope";
 * if ("Bun" in globalThis) console.log((await loadAdapter("bun")).name); // "bun"
 * ```
 */
export function createBunAdapter(): RuntimeAdapter {
  return {
    name: "bun",
    canReset: true,
    listenTcp,
    // node:dgram, loaded only when UDP is asked for: Bun's node:net and
    // node:dgram modules are large, and every object on the heap is marked
    // by every GC (which bulk reads trigger often).
    listenUdp: async (options, onDatagram) => {
      const { createNodeAdapter } = await import("./node.ts");
      return createNodeAdapter().listenUdp(options, onDatagram);
    },
    connectTcp,
  };
}
