/**
 * The contract every runtime adapter implements: the only seam between the
 * runtime-neutral core and the runtimes (Deno, node:net and node:dgram, Bun).
 *
 * @module
 */

import type { ConnCallback, TcpListener, TcpListenOptions } from "./listener.ts";
import type { DatagramCallback, UdpListener, UdpListenOptions } from "./datagram.ts";
import type { Conn } from "./conn.ts";
import type { TcpConnectOptions } from "./connect.ts";

/** Names of the built-in adapters. */
export type AdapterName = "deno" | "node" | "bun";

/**
 * A runtime adapter: binds TCP listeners and UDP sockets.
 * Binding errors are {@linkcode AddressInUseError},
 * {@linkcode PermissionDeniedError} or {@linkcode AddressNotAvailableError}.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "@sockscope/sockscope";
 * const adapter = await loadAdapter();
 * const listener = await adapter.listenTcp({ hostname: "127.0.0.1", port: 0 }, (conn) => conn.close());
 * listener.close();
 * ```
 */
export interface RuntimeAdapter {
  /** Which adapter this is. */
  readonly name: AdapterName;
  /**
   * Whether `Conn.reset()` sends a real RST (SO_LINGER 0), on accepted and
   * outbound connections alike. Deno's own sockets cannot: there `reset()`
   * closes normally and the peer sees a FIN.
   */
  readonly canReset: boolean;
  /** Binds a TCP listener; every accepted connection goes to `onConn`. */
  listenTcp(options: TcpListenOptions, onConn: ConnCallback): Promise<TcpListener>;
  /** Binds a UDP socket; every datagram goes to `onDatagram`. */
  listenUdp(options: UdpListenOptions, onDatagram: DatagramCallback): Promise<UdpListener>;
  /**
   * Dials a TCP peer. Resolves once the handshake completed with a `Conn`
   * that delivers nothing until `start` (bytes that arrive before wait in
   * the socket). Rejects with a `ConnectError` (`refused`, `unreachable`,
   * `timeout`, `error`) or, when aborted, with the signal's reason.
   */
  connectTcp(options: TcpConnectOptions): Promise<Conn>;
}
