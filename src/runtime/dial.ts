/**
 * One outbound connection attempt with the connect timeout and the abort
 * signal applied, settled exactly once, shared by every adapter.
 *
 * Why a class rather than a promise wrapped around the runtime's: a tap
 * dials once per client connection, and the wrapped form (three promises, a
 * dozen closures and `once` wrappers per attempt) was ~1.9 KB of garbage
 * per tapped connection on Node, of which this saves 1.6 (bench/RESULTS.md). An
 * adapter subclasses it, starts the runtime's connect, calls
 * {@linkcode Dial.arm}, and reports the outcome with
 * {@linkcode Dial.opened} or {@linkcode Dial.failed}.
 *
 * @module
 */

import { DEFAULT_CONNECT_TIMEOUT_MS, type TcpConnectOptions } from "../net/connect.ts";
import { ConnectError } from "../net/errors.ts";
import { connectError } from "./connect_error.ts";

/**
 * A connection attempt: {@linkcode Dial.promise} resolves with the
 * connection, or rejects with a `ConnectError` (`timeout` when the deadline
 * passes first) or the abort signal's reason. A connection that completes
 * after the attempt gave up is closed on arrival.
 *
 * @example
 * ```ts
 * import { Dial } from "./dial.ts";
 * class FakeDial extends Dial<{ name: string; close(): void }> {
 *   protected cancel(): void {}
 * }
 * const dial = new FakeDial({ hostname: "127.0.0.1", port: 9, timeoutMs: 1000 });
 * dial.arm();
 * dial.opened({ name: "connected", close() {} });
 * console.log((await dial.promise).name); // "connected"
 * ```
 */
export abstract class Dial<T extends { close(): void }> {
  /** Settles once: the connection, or why there is none. */
  readonly promise: Promise<T>;
  #options: TcpConnectOptions;
  #resolve!: (conn: T) => void;
  #reject!: (reason: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onAbort: (() => void) | undefined;
  #settled = false;

  /** An attempt at `options` (not yet armed). */
  constructor(options: TcpConnectOptions) {
    this.#options = options;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Gives up on the runtime's attempt (the deadline passed, or the signal aborted). */
  protected abstract cancel(): void;

  /** Starts the deadline and listens to the signal; call once the runtime's attempt is under way. */
  arm(): void {
    const { signal, timeoutMs } = this.#options;
    if (signal?.aborted) {
      this.#giveUp(signal.reason);
      return;
    }
    this.#timer = setTimeout(
      () => this.#giveUp(new ConnectError("timeout", this.#options.hostname, this.#options.port)),
      timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    if (signal !== undefined) {
      this.#onAbort = () => this.#giveUp(signal.reason);
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** The runtime connected. */
  opened(conn: T): void {
    if (this.#settled) {
      conn.close(); // arrived after the attempt gave up
      return;
    }
    this.#finish();
    this.#resolve(conn);
  }

  /** The runtime's attempt failed with `err` (wrapped as a `ConnectError`). */
  failed(err: unknown): void {
    if (this.#settled) return;
    this.#finish();
    this.#reject(connectError(err, this.#options.hostname, this.#options.port));
  }

  #giveUp(reason: unknown): void {
    if (this.#settled) return;
    this.#finish();
    this.cancel();
    this.#reject(reason);
  }

  #finish(): void {
    this.#settled = true;
    clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) {
      this.#options.signal?.removeEventListener("abort", this.#onAbort);
    }
  }
}
