/**
 * The runtime-neutral TCP listener contract.
 *
 * @module
 */

import type { Conn } from "./conn.ts";

/**
 * Where and how to listen for TCP connections.
 *
 * @example
 * ```ts
 * import type { TcpListenOptions } from "@sockscope/sockscope";
 * const options: TcpListenOptions = { hostname: "127.0.0.1", port: 8000 };
 * ```
 */
export interface TcpListenOptions {
  /** Address to bind, e.g. `127.0.0.1`, `::1`, `::` or `0.0.0.0`. */
  readonly hostname: string;
  /** Port to bind; 0 asks the kernel for a free one. */
  readonly port: number;
  /** Accept queue length; defaults to 511. */
  readonly backlog?: number;
}

/**
 * A bound TCP listener. Connections are pushed to the callback given to
 * {@linkcode RuntimeAdapter.listenTcp}.
 *
 * @example
 * ```ts
 * import type { TcpListener } from "@sockscope/sockscope";
 * function where(l: TcpListener): string {
 *   return `${l.localAddress}:${l.localPort}`;
 * }
 * ```
 */
export interface TcpListener {
  /** The bound address. */
  readonly localAddress: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly localPort: number;
  /**
   * Stops accepting; resolves once the port is released (so it can be bound
   * again). Connections already accepted stay open.
   */
  close(): Promise<void>;
}

/** Called once for every accepted connection. */
export type ConnCallback = (conn: Conn) => void;
