/**
 * Errors that callers of the listener layer handle by kind.
 *
 * @module
 */

import { formatHostPort } from "./ip.ts";

/**
 * The address and port are already taken by another socket.
 *
 * @example
 * ```ts
 * import { AddressInUseError } from "@sockscope/sockscope";
 * const err = new AddressInUseError("127.0.0.1", 8000);
 * console.log(err.message);
 * ```
 */
export class AddressInUseError extends Error {
  /** The address that could not be bound. */
  readonly address: string;
  /** The port that could not be bound. */
  readonly port: number;
  /** Creates the error for `address`:`port`. */
  constructor(address: string, port: number, options?: ErrorOptions) {
    super(
      `${
        formatHostPort(address, port)
      } is already in use: stop the other program or pick another port`,
      options,
    );
    this.name = "AddressInUseError";
    this.address = address;
    this.port = port;
  }
}

/**
 * Binding the address needs a privilege this process lacks (ports below 1024
 * usually need root or `CAP_NET_BIND_SERVICE`; Deno needs `--allow-net`).
 *
 * @example
 * ```ts
 * import { PermissionDeniedError } from "@sockscope/sockscope";
 * const err = new PermissionDeniedError("0.0.0.0", 80);
 * console.log(err.message);
 * ```
 */
export class PermissionDeniedError extends Error {
  /** The address that could not be bound. */
  readonly address: string;
  /** The port that could not be bound. */
  readonly port: number;
  /** Creates the error for `address`:`port`. */
  constructor(address: string, port: number, options?: ErrorOptions) {
    const hint = port > 0 && port < 1024
      ? "ports below 1024 need root or CAP_NET_BIND_SERVICE: pick a port >= 1024"
      : "check the permissions of this process (Deno: --allow-net)";
    super(`permission denied binding ${formatHostPort(address, port)}: ${hint}`, options);
    this.name = "PermissionDeniedError";
    this.address = address;
    this.port = port;
  }
}

/**
 * The address is not one of this machine's addresses, or not an address at all.
 *
 * @example
 * ```ts
 * import { AddressNotAvailableError } from "@sockscope/sockscope";
 * const err = new AddressNotAvailableError("10.9.9.9", 8000);
 * console.log(err.message);
 * ```
 */
export class AddressNotAvailableError extends Error {
  /** The address that could not be bound. */
  readonly address: string;
  /** The port that could not be bound. */
  readonly port: number;
  /** Creates the error for `address`:`port`. */
  constructor(address: string, port: number, options?: ErrorOptions) {
    super(
      `cannot bind ${
        formatHostPort(address, port)
      }: the address is not available on this machine; use 127.0.0.1, ::1, 0.0.0.0, :: or a local interface address`,
      options,
    );
    this.name = "AddressNotAvailableError";
    this.address = address;
    this.port = port;
  }
}

/**
 * Why an outbound connection failed: `refused` (the host answered the SYN
 * with a reset: nothing listens there), `unreachable` (no route to the host
 * or network), `timeout` (no answer within the connect timeout), `error`
 * (anything else, see `cause`).
 */
export type ConnectFailure = "refused" | "unreachable" | "timeout" | "error";

/**
 * An outbound TCP connection could not be established.
 *
 * @example
 * ```ts
 * import { ConnectError } from "@sockscope/sockscope";
 * const err = new ConnectError("refused", "127.0.0.1", 6379);
 * console.log(err.reason, err.message);
 * ```
 */
export class ConnectError extends Error {
  /** What went wrong. */
  readonly reason: ConnectFailure;
  /** The host that was dialled. */
  readonly address: string;
  /** The port that was dialled. */
  readonly port: number;
  /** Creates the error for `address`:`port`. */
  constructor(reason: ConnectFailure, address: string, port: number, options?: ErrorOptions) {
    const where = formatHostPort(address, port);
    const what = reason === "refused"
      ? "connection refused (nothing listens there)"
      : reason === "unreachable"
      ? "host or network unreachable"
      : reason === "timeout"
      ? "no answer within the connect timeout"
      : `failed (${(options?.cause as Error | undefined)?.message ?? "unknown error"})`;
    super(`connecting to ${where}: ${what}`, options);
    this.name = "ConnectError";
    this.reason = reason;
    this.address = address;
    this.port = port;
  }
}
