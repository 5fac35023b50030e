/**
 * The slice of Bun's native socket API that the Bun adapter uses, declared
 * here so that plain tsc (the npm build) and `deno check` compile the file
 * without Bun's type package.
 *
 * @module
 */

/** A native Bun TCP socket, as used here. */
export interface BunSocket<Data> {
  data: Data;
  /** Undefined when the peer reset before Bun asked for its address. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** The socket's file descriptor (-1 once closed). */
  readonly fd?: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Writes what the kernel takes now; returns the byte count (-1 when closed). */
  write(data: Uint8Array): number;
  /** Flushes and sends FIN; the socket closes once both sides are done. */
  end(): void;
  /** shutdown(2): `true` shuts down the write side only. */
  shutdown(halfClose?: boolean): void;
  /** Closes at once. */
  terminate(): void;
  pause(): void;
  resume(): void;
}

/** Handlers shared by every socket of a listener. */
export interface BunSocketHandler<Data> {
  open?(socket: BunSocket<Data>): void;
  data?(socket: BunSocket<Data>, data: Uint8Array): void;
  drain?(socket: BunSocket<Data>): void;
  end?(socket: BunSocket<Data>): void;
  close?(socket: BunSocket<Data>, error?: Error): void;
  error?(socket: BunSocket<Data>, error: Error): void;
}

/** A native Bun TCP listener. */
export interface BunTcpListener {
  readonly hostname: string;
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}

/** `Bun.Server`, as used here. */
export interface BunHttpServer {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

/** The used part of the `Bun` global. */
export interface BunApi {
  listen<Data>(options: {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    exclusive?: boolean;
    socket: BunSocketHandler<Data>;
  }): BunTcpListener;
  connect<Data>(options: {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    socket: BunSocketHandler<Data>;
  }): Promise<BunSocket<Data>>;
  serve(options: {
    hostname: string;
    port: number;
    reusePort?: boolean;
    development?: boolean;
    fetch: (request: Request) => Response | Promise<Response>;
  }): BunHttpServer;
}

/** The running Bun global (only call this on Bun). */
export function bunApi(): BunApi {
  return (globalThis as unknown as { Bun: BunApi }).Bun;
}
