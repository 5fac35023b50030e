/**
 * A connection the kernel accepted but the runtime could only report as an
 * error: Deno's `accept()` rejects with `NotConnected` when the peer reset the
 * connection before Deno read its address, and drops the socket. The kernel
 * did complete the handshake, so the monitor must still record it.
 *
 * @module
 */

import type { Conn, ConnHandler } from "./conn.ts";

/**
 * A connection that arrives already closed, peer unknown. `start` reports the
 * close on the next microtask, as a reset unless `error` says otherwise.
 *
 * @example
 * ```ts
 * import { DeadConn } from "@sockscope/sockscope";
 * const conn = new DeadConn("127.0.0.1", 8000, new Error("Transport endpoint is not connected"));
 * conn.start({ data() {}, end() {}, close: (info) => console.log(info.reset) }); // true
 * ```
 */
export class DeadConn implements Conn {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: null = null;
  readonly remotePort: null = null;
  readonly bytesWritten = 0;
  /** What the runtime reported instead of the connection. */
  readonly cause: Error;

  /** A dead connection accepted on `localAddress`:`localPort`. */
  constructor(localAddress: string, localPort: number, cause: Error) {
    this.localAddress = localAddress;
    this.localPort = localPort;
    this.cause = cause;
  }

  start(handler: ConnHandler): void {
    // ENOTCONN / ECONNRESET / ECONNABORTED at accept time all mean the peer
    // tore the connection down before it was read: a reset, seen late.
    queueMicrotask(() => handler.close({ reset: true }));
  }

  write(): boolean {
    return false;
  }

  closeWrite(): void {}

  close(): void {}

  reset(): void {}

  pause(): void {}

  resume(): void {}
}
