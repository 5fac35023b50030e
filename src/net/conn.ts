/**
 * The runtime-neutral TCP connection contract.
 *
 * Push-based on purpose: each runtime's fast path differs (a read loop with a
 * reused buffer on Deno, `'data'` events on node:net, callbacks on Bun), and
 * converting either into WHATWG streams costs more than the monitor itself.
 * The adapter owns the read loop and calls the handler; the handler never
 * awaits, so nothing downstream can stall the socket.
 *
 * @module
 */

/** Why the runtime reported a connection as closed. */
export interface ConnCloseInfo {
  /** True when the peer reset the connection (RST, `ECONNRESET`). */
  readonly reset: boolean;
  /** The socket error that ended the connection, if any. */
  readonly error?: Error;
}

/**
 * Callbacks an adapter invokes for one connection, in order: any number of
 * `data`, at most one `end`, then exactly one `close`.
 *
 * @example
 * ```ts
 * import type { ConnHandler } from "@sockscope/sockscope";
 * let total = 0;
 * const handler: ConnHandler = {
 *   data(chunk) { total += chunk.byteLength; },
 *   end() {},
 *   close(info) { console.log(total, info.reset); },
 * };
 * ```
 */
export interface ConnHandler {
  /**
   * Bytes arrived from the peer. The chunk is only valid during the call:
   * adapters reuse their read buffers, so copy what you keep.
   */
  data(chunk: Uint8Array): void;
  /** The peer half-closed its side (FIN). No more `data` follows. */
  end(): void;
  /** The connection is fully closed and its resources released. Called once. */
  close(info: ConnCloseInfo): void;
  /** Queued writes drained below the high-water mark after `write` returned false. */
  drain?(): void;
}

/**
 * One accepted TCP connection, as every runtime adapter presents it.
 *
 * @example
 * ```ts
 * import type { Conn } from "@sockscope/sockscope";
 * function greet(conn: Conn): void {
 *   conn.write(new TextEncoder().encode("hello\r\n"));
 * }
 * ```
 */
export interface Conn {
  /** Local address the connection was accepted on (IPv4-mapped IPv6 normalised to IPv4). */
  readonly localAddress: string;
  /** Local port. */
  readonly localPort: number;
  /**
   * Address of the peer (IPv4-mapped IPv6 normalised to IPv4), or `null` when
   * the runtime could not read it: a peer that resets right after the
   * handshake (`nmap -sT`) can be gone before the runtime asks the kernel
   * (getpeername fails with ENOTCONN). Such a connection is still delivered.
   */
  readonly remoteAddress: string | null;
  /** Port of the peer, or `null` when its address is unknown. */
  readonly remotePort: number | null;
  /** Bytes handed to the kernel so far (exact, not merely queued). */
  readonly bytesWritten: number;
  /** Starts delivering events to `handler`. Call once, right after accepting. */
  start(handler: ConnHandler): void;
  /**
   * Queues bytes to send. Returns false once the queue is above its
   * high-water mark; `handler.drain` fires when it is below again.
   */
  write(data: Uint8Array): boolean;
  /** Sends FIN after the queued writes are flushed (half-close). */
  closeWrite(): void;
  /** Closes both directions now; queued writes are discarded. */
  close(): void;
  /** Aborts with RST where the runtime can; otherwise the same as `close`. */
  reset(): void;
  /** Stops reading (backpressure); bytes wait in the kernel buffer. */
  pause(): void;
  /** Resumes reading after `pause`. */
  resume(): void;
}
