/**
 * The outbound half of the adapter contract: dial a TCP peer and get the
 * same push-based {@linkcode Conn} that listeners hand out. Deliberately
 * small (host, port, timeout, abort) so that a runtime offering only the
 * WinterTC / Workers `connect()` (readable and writable streams) can
 * implement it too.
 *
 * @module
 */

/**
 * Options of {@linkcode RuntimeAdapter.connectTcp}.
 *
 * @example
 * ```ts
 * import type { TcpConnectOptions } from "@sockscope/sockscope";
 * const options: TcpConnectOptions = { hostname: "127.0.0.1", port: 6379, timeoutMs: 5000 };
 * ```
 */
export interface TcpConnectOptions {
  /** Host to dial: an IP literal or a name. */
  readonly hostname: string;
  /** Port to dial. */
  readonly port: number;
  /** Milliseconds to wait for the handshake (default 5,000); then a `ConnectError` `timeout`. */
  readonly timeoutMs?: number;
  /** Aborts the attempt; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Default connect timeout (ms). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
