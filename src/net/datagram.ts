/**
 * The runtime-neutral UDP contract.
 *
 * @module
 */

/**
 * Where to listen for UDP datagrams.
 *
 * @example
 * ```ts
 * import type { UdpListenOptions } from "@sockscope/sockscope";
 * const options: UdpListenOptions = { hostname: "127.0.0.1", port: 5353 };
 * ```
 */
export interface UdpListenOptions {
  /** Address to bind. */
  readonly hostname: string;
  /** Port to bind; 0 asks the kernel for a free one. */
  readonly port: number;
  /** Told when the datagram callback throws (the adapter never lets it escape). */
  readonly onWarning?: (warning: { readonly kind: "handler-error"; readonly error: Error }) => void;
}

/**
 * A bound UDP socket.
 *
 * @example
 * ```ts
 * import type { UdpListener } from "@sockscope/sockscope";
 * function port(u: UdpListener): number {
 *   return u.localPort;
 * }
 * ```
 */
export interface UdpListener {
  /** The bound address. */
  readonly localAddress: string;
  /** The bound port. */
  readonly localPort: number;
  /** Sends one datagram to a peer. */
  send(data: Uint8Array, address: string, port: number): Promise<void>;
  /** Stops receiving and releases the socket. */
  close(): void;
}

/**
 * Called for every datagram received. `data` is only valid during the call.
 */
export type DatagramCallback = (
  data: Uint8Array,
  remoteAddress: string,
  remotePort: number,
) => void;
