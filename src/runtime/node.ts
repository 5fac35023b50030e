/**
 * The node:net / node:dgram adapter. Used on Node.js, and on Bun unless the
 * native Bun adapter is chosen.
 *
 * Sockets run in flowing mode with `'data'` events (node's fast path) and
 * `allowHalfOpen`, so the monitor decides what a peer's FIN means.
 *
 * @module
 */

import { connect as netConnect, createServer, type Server, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import type { AdapterName, RuntimeAdapter } from "../net/adapter.ts";
import type { Conn, ConnHandler } from "../net/conn.ts";
import type {
  ConnCallback,
  ListenerWarning,
  TcpListener,
  TcpListenOptions,
} from "../net/listener.ts";
import type { DatagramCallback, UdpListener, UdpListenOptions } from "../net/datagram.ts";
import { normalizeAddress } from "../net/ip.ts";
import { bindError } from "./bind_error.ts";
import { type LocalEnd, sharedLocalEnd } from "./local_end.ts";
import { asError, isExhaustion } from "./accept_errors.ts";
import { drainAcceptQueue } from "./accept_drain.ts";
import { Dial } from "./dial.ts";
import type { TcpConnectOptions } from "../net/connect.ts";
import { recordedPeer } from "./peer_name.ts";

const WRITE_HIGH_WATER = 64 * 1024;
type Warn = (warning: ListenerWarning) => void;
const noop = (): void => {};
const ignore: Warn = noop;

/** Where a started socket's shared listeners find their connection. */
const CONN: unique symbol = Symbol("sockscope.conn");
type OwnedSocket = Socket & { [CONN]: NodeConn };

class NodeConn implements Conn {
  readonly localAddress: string;
  readonly localPort: number;
  /** Undefined until read: an outbound socket's peer is the one dialled, asked only if wanted. */
  #remoteAddress: string | null | undefined;
  #remotePort: number | null = null;
  #socket: Socket;
  #warn: Warn;
  #handler: ConnHandler | undefined;
  /** The socket's first error, told to the handler on close. */
  #error: Error | undefined;

  constructor(socket: Socket, local: LocalEnd | undefined, warn: Warn, outbound = false) {
    this.#socket = socket;
    this.#warn = warn;
    // A listener bound to one address already knows the local end: skip getsockname(2).
    this.localAddress = local?.address ?? normalizeAddress(socket.localAddress ?? "");
    this.localPort = local?.port ?? socket.localPort ?? 0;
    // An accepted peer is read at once: it may reset any moment.
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
    // A peer that reset before getpeername(2): only Bun's node:net has an fd to ask SO_PEERNAME.
    const socket = this.#socket;
    const fd = (socket as Socket & { _handle?: { fd?: number } })._handle?.fd;
    const peer = recordedPeer(socket.remoteAddress, socket.remotePort, fd);
    this.#remoteAddress = peer.address;
    this.#remotePort = peer.port;
  }

  get bytesWritten(): number {
    // bytesWritten counts bytes handed to the kernel, not the ones still queued.
    return this.#socket.bytesWritten - this.#socket.writableLength;
  }

  start(handler: ConnHandler): void {
    this.#handler = handler;
    const socket = this.#socket as OwnedSocket;
    // The listeners are shared by every socket and find their connection on
    // it: five closures per socket were a measurable share of a tapped
    // connection's garbage on Node.
    socket[CONN] = this;
    socket.on("data", NodeConn.#onData);
    socket.on("end", NodeConn.#onEnd);
    socket.on("error", NodeConn.#onError);
    socket.on("close", NodeConn.#onClose);
    if (handler.drain) socket.on("drain", NodeConn.#onDrain);
  }

  /**
   * A throwing handler must not become an uncaught exception: it is
   * recorded as the connection's error, and the connection closed.
   */
  #threw(err: unknown): void {
    const failure = asError(err);
    this.#error ??= failure;
    this.#warn({ kind: "handler-error", error: failure });
    this.#socket.destroy();
  }

  static #onData = function (this: OwnedSocket, chunk: Uint8Array): void {
    const conn = this[CONN];
    try {
      conn.#handler!.data(chunk);
    } catch (err) {
      conn.#threw(err);
    }
  };

  static #onEnd = function (this: OwnedSocket): void {
    const conn = this[CONN];
    try {
      conn.#handler!.end();
    } catch (err) {
      conn.#threw(err);
    }
  };

  static #onError = function (this: OwnedSocket, err: Error): void {
    const conn = this[CONN];
    conn.#error ??= err;
  };

  static #onClose = function (this: OwnedSocket): void {
    const conn = this[CONN];
    const error = conn.#error;
    const code = (error as { code?: string } | undefined)?.code;
    try {
      conn.#handler!.close({
        reset: code === "ECONNRESET",
        error: code === "ECONNRESET" ? undefined : error,
      });
    } catch (err) {
      conn.#warn({ kind: "handler-error", error: asError(err) });
    }
  };

  static #onDrain = function (this: OwnedSocket): void {
    const conn = this[CONN];
    try {
      conn.#handler!.drain!();
    } catch (err) {
      conn.#threw(err);
    }
  };

  write(data: Uint8Array): boolean {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableEnded) return false;
    socket.write(data);
    return socket.writableLength < WRITE_HIGH_WATER;
  }

  closeWrite(): void {
    if (!this.#socket.writableEnded) this.#socket.end();
  }

  close(): void {
    this.#socket.destroy();
  }

  reset(): void {
    const socket = this.#socket as Socket & { resetAndDestroy?: () => void };
    if (typeof socket.resetAndDestroy === "function" && !socket.destroyed) {
      try {
        socket.resetAndDestroy();
        return;
      } catch {
        // Fall through: not every runtime implements it for every state.
      }
    }
    socket.destroy();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }
}

class NodeTcpListener implements TcpListener {
  readonly localAddress: string;
  readonly localPort: number;
  #server: Server;
  #accepted: () => number;
  #closing: Promise<void> | undefined;

  constructor(server: Server, localAddress: string, localPort: number, accepted: () => number) {
    this.#server = server;
    this.localAddress = localAddress;
    this.localPort = localPort;
    this.#accepted = accepted;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Take what the kernel already queued, or closing resets it unrecorded.
      await drainAcceptQueue(this.#accepted);
      if (this.#server.listening) this.#server.close();
      // libuv closes the listening handle on the next loop turn; the server's
      // 'close' event would wait for every connection, so do not use it.
      await new Promise((resolve) => setTimeout(resolve, 0));
    })();
    return this.#closing;
  }
}

function listenTcp(options: TcpListenOptions, onConn: ConnCallback): Promise<TcpListener> {
  let local: LocalEnd | undefined;
  let accepted = 0;
  const warn = options.onWarning ?? ignore;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    try {
      onConn(new NodeConn(socket, local, warn));
    } catch (err) {
      warn({ kind: "handler-error", error: asError(err) });
      socket.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.close();
      reject(bindError(err, options.hostname, options.port));
    };
    server.once("error", onError);
    server.listen(
      { host: options.hostname, port: options.port, backlog: options.backlog ?? 511 },
      () => {
        server.off("error", onError);
        // Accept errors must not kill the process; node keeps the listening
        // socket and retries on the next readiness event. (On EMFILE libuv
        // accepts and closes pending connections without telling anyone:
        // those cannot be recorded, see docs/events.md.)
        server.on("error", (err: Error) => {
          warn(
            isExhaustion(err)
              ? { kind: "accept-exhausted", error: err, retryMs: 0 }
              : { kind: "accept-error", error: err },
          );
        });
        const addr = server.address();
        if (addr === null || typeof addr === "string") {
          resolve(new NodeTcpListener(server, options.hostname, options.port, () => accepted));
        } else {
          const address = normalizeAddress(addr.address);
          local = sharedLocalEnd(options.hostname, address, addr.port);
          resolve(new NodeTcpListener(server, address, addr.port, () => accepted));
        }
      },
    );
  });
}

/** Outbound on node:net: the socket's first `connect` or `error` settles the attempt. */
class NodeDial extends Dial<Conn> {
  #socket: Socket;
  #onError = (err: Error): void => this.failed(err);

  constructor(options: TcpConnectOptions) {
    super(options);
    const socket = netConnect({ host: options.hostname, port: options.port, allowHalfOpen: true });
    this.#socket = socket;
    socket.on("error", this.#onError);
    socket.on("connect", () => {
      // Until start() an error must not be an unhandled 'error' event.
      socket.removeListener("error", this.#onError);
      socket.on("error", noop);
      this.opened(new NodeConn(socket, undefined, ignore, true));
    });
    this.arm();
  }

  protected cancel(): void {
    this.#socket.destroy();
  }
}

function connectTcp(options: TcpConnectOptions): Promise<Conn> {
  return new NodeDial(options).promise;
}

function listenUdp(options: UdpListenOptions, onDatagram: DatagramCallback): Promise<UdpListener> {
  const type = options.hostname.includes(":") ? "udp6" : "udp4";
  const socket = createSocket({ type });
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      try {
        socket.close();
      } catch { /* never bound */ }
      reject(bindError(err, options.hostname, options.port));
    };
    socket.once("error", onError);
    socket.on("message", (msg: Uint8Array, rinfo) => {
      try {
        onDatagram(msg, normalizeAddress(rinfo.address), rinfo.port);
      } catch (err) {
        options.onWarning?.({ kind: "handler-error", error: asError(err) });
      }
    });
    socket.bind({ address: options.hostname, port: options.port }, () => {
      socket.off("error", onError);
      socket.on("error", () => {});
      const addr = socket.address();
      resolve({
        localAddress: normalizeAddress(addr.address),
        localPort: addr.port,
        send: (data, address, port) =>
          new Promise<void>((ok, fail) =>
            socket.send(data, port, address, (err) => (err ? fail(err) : ok()))
          ),
        close: () => {
          try {
            socket.close();
          } catch { /* already closed */ }
        },
      });
    });
  });
}

/**
 * Creates the node:net adapter.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "@sockscope/sockscope";
 * const adapter = await loadAdapter("node");
 * console.log(adapter.name); // "node"
 * ```
 */
export function createNodeAdapter(name: AdapterName = "node"): RuntimeAdapter {
  return { name, canReset: true, listenTcp, listenUdp, connectTcp };
}
