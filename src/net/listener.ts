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
  /**
   * Told about trouble the adapter absorbed so that it never throws out of a
   * socket callback: a callback that threw (the connection is closed with an
   * error), or accepting that backs off because descriptors ran out.
   */
  readonly onWarning?: (warning: ListenerWarning) => void;
}

/**
 * Trouble an adapter handled on its own, reported through
 * {@linkcode TcpListenOptions.onWarning}:
 * - `handler-error`: a {@linkcode ConnCallback} or {@linkcode ConnHandler}
 *   callback threw; the connection was closed and its `close` reports `error`;
 * - `accept-exhausted`: accepting failed for lack of resources (EMFILE,
 *   ENFILE, ENOBUFS, ENOMEM); the adapter waits `retryMs` and tries again,
 *   while pending connections wait in the kernel's queue;
 * - `accept-error`: any other accept failure not tied to one connection.
 *
 * @example
 * ```ts
 * import type { ListenerWarning } from "@sockscope/sockscope";
 * function describe(w: ListenerWarning): string {
 *   return w.kind === "accept-exhausted" ? `retry in ${w.retryMs} ms` : w.error.message;
 * }
 * ```
 */
export type ListenerWarning =
  | { readonly kind: "handler-error"; readonly error: Error }
  | { readonly kind: "accept-exhausted"; readonly error: Error; readonly retryMs: number }
  | { readonly kind: "accept-error"; readonly error: Error };

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

/**
 * Called once for every connection the kernel accepted, including ones that
 * were dead on arrival (their `remoteAddress` may be `null`).
 */
export type ConnCallback = (conn: Conn) => void;
