/**
 * The Bun adapter: TCP on `Bun.listen` (native sockets, measured faster than
 * Bun's node:net: see bench/RESULTS.md), UDP on node:dgram.
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
import { bunApi, type BunSocket, type BunTcpListener } from "./bun_api.ts";
import { createNodeAdapter } from "./node.ts";

const WRITE_HIGH_WATER = 64 * 1024;

class BunConn implements Conn {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  bytesWritten = 0;
  handler: ConnHandler | undefined;
  #socket: BunSocket<BunConn>;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writeShut = false;
  #closeWriteRequested = false;
  #peerEnded = false;
  #closed = false;
  #reset = false;
  #error: Error | undefined;

  constructor(socket: BunSocket<BunConn>) {
    this.#socket = socket;
    this.localAddress = normalizeAddress(socket.localAddress);
    this.localPort = socket.localPort;
    this.remoteAddress = normalizeAddress(socket.remoteAddress);
    this.remotePort = socket.remotePort;
  }

  start(handler: ConnHandler): void {
    this.handler = handler;
  }

  write(data: Uint8Array): boolean {
    if (this.#closed || this.#closeWriteRequested) return false;
    if (this.#queue.length === 0) {
      const n = this.#socket.write(data);
      if (n > 0) this.bytesWritten += n;
      if (n >= data.byteLength) return true;
      data = data.slice(Math.max(n, 0)); // the caller may reuse its buffer
    }
    this.#queue.push(data);
    this.#queued += data.byteLength;
    return this.#queued < WRITE_HIGH_WATER;
  }

  /** Bun says the socket can take more: continue the queue. */
  onDrain(): void {
    while (this.#queue.length > 0) {
      const chunk = this.#queue[0];
      const n = this.#socket.write(chunk);
      if (n > 0) {
        this.bytesWritten += n;
        this.#queued -= n;
      }
      if (n < chunk.byteLength) {
        if (n > 0) this.#queue[0] = chunk.subarray(n);
        return;
      }
      this.#queue.shift();
    }
    if (this.#closeWriteRequested) this.#shutWrite();
    this.handler?.drain?.();
  }

  onEnd(): void {
    this.#peerEnded = true;
    this.handler?.end();
    if (this.#writeShut) this.#socket.end();
  }

  onError(error: Error): void {
    const code = (error as { code?: string }).code;
    if (code === "ECONNRESET" || code === "EPIPE") this.#reset = true;
    else this.#error = error;
  }

  onClose(error?: Error): void {
    if (this.#closed) return;
    if (error) this.onError(error);
    this.#closed = true;
    this.#queue = [];
    this.handler?.close({ reset: this.#reset, error: this.#reset ? undefined : this.#error });
  }

  closeWrite(): void {
    if (this.#closed || this.#closeWriteRequested) return;
    this.#closeWriteRequested = true;
    if (this.#queue.length === 0) this.#shutWrite();
  }

  #shutWrite(): void {
    if (this.#writeShut) return;
    this.#writeShut = true;
    // Both sides done: end() closes the socket; else only stop sending.
    if (this.#peerEnded) this.#socket.end();
    else this.#socket.shutdown(true);
  }

  close(): void {
    if (this.#closed) return;
    this.#queue = [];
    this.#socket.end();
  }

  reset(): void {
    if (this.#closed) return;
    this.#queue = [];
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

  constructor(listener: BunTcpListener) {
    this.#listener = listener;
    this.localAddress = normalizeAddress(listener.hostname);
    this.localPort = listener.port;
  }

  close(): Promise<void> {
    this.#listener.stop(false);
    return Promise.resolve();
  }
}

function listenTcp(options: TcpListenOptions, onConn: ConnCallback): Promise<TcpListener> {
  try {
    const listener = bunApi().listen<BunConn>({
      hostname: options.hostname,
      port: options.port,
      allowHalfOpen: true,
      exclusive: true,
      socket: {
        open(socket) {
          const conn = new BunConn(socket);
          socket.data = conn;
          onConn(conn);
        },
        data: (socket, data) => socket.data.handler?.data(data),
        drain: (socket) => socket.data.onDrain(),
        end: (socket) => socket.data.onEnd(),
        error: (socket, error) => socket.data?.onError(error),
        close: (socket, error) => socket.data?.onClose(error),
      },
    });
    return Promise.resolve(new BunListener(listener));
  } catch (err) {
    return Promise.reject(bindError(err, options.hostname, options.port));
  }
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
  return { name: "bun", listenTcp, listenUdp: createNodeAdapter().listenUdp };
}
