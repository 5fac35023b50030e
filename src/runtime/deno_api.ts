/**
 * The slice of the `Deno` namespace that the Deno adapter and platform use,
 * declared here so that the npm build (plain tsc, no Deno types) compiles the
 * same files. `tests/runtime/deno_api_check.ts` proves under `deno check`
 * that the real namespace satisfies this shape.
 *
 * @module
 */

/** A network address as Deno reports it. */
export interface DenoNetAddr {
  readonly transport: "tcp" | "udp";
  readonly hostname: string;
  readonly port: number;
}

/** `Deno.TcpConn`, as used here. */
export interface DenoTcpConn {
  readonly localAddr: unknown;
  readonly remoteAddr: unknown;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}

/** `Deno.TcpListener`, as used here. */
export interface DenoTcpListener {
  readonly addr: unknown;
  accept(): Promise<DenoTcpConn>;
  close(): void;
}

/** `Deno.DatagramConn` (unstable), as used here. */
export interface DenoDatagramConn {
  readonly addr: unknown;
  receive(p?: Uint8Array): Promise<[Uint8Array, unknown]>;
  send(p: Uint8Array, addr: DenoNetAddr): Promise<number>;
  close(): void;
}

/** `Deno.HttpServer`, as used here. */
export interface DenoHttpServer {
  readonly addr: { readonly hostname: string; readonly port: number };
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}

/** A stdio stream. */
export interface DenoStdStream {
  write(p: Uint8Array): Promise<number>;
  isTerminal(): boolean;
}

/** An open file. */
export interface DenoFile {
  write(p: Uint8Array): Promise<number>;
  stat(): Promise<{ readonly size: number; readonly dev: number; readonly ino: number | null }>;
  truncate(len?: number): Promise<void>;
  syncData(): Promise<void>;
  close(): void;
}

/** The signals the platform listens to. */
export type DenoSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

type ErrorClass = abstract new (...args: never[]) => Error;

/** The used part of the `Deno` namespace. */
export interface DenoApi {
  readonly version: { readonly deno: string };
  readonly args: readonly string[];
  readonly errors: {
    readonly ConnectionReset: ErrorClass;
    readonly BrokenPipe: ErrorClass;
    readonly BadResource: ErrorClass;
    readonly Interrupted: ErrorClass;
  };
  readonly env: { get(key: string): string | undefined };
  readonly stdout: DenoStdStream;
  readonly stderr: DenoStdStream;
  listen(options: { hostname: string; port: number; transport: "tcp" }): DenoTcpListener;
  connect(
    options: { hostname: string; port: number; transport: "tcp"; signal?: AbortSignal },
  ): Promise<DenoTcpConn>;
  serve(
    options: {
      hostname: string;
      port: number;
      onListen?: (addr: unknown) => void;
      onError?: (error: unknown) => Response | Promise<Response>;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoHttpServer;
  open(
    path: string,
    options: { append: boolean; create: boolean; write: boolean },
  ): Promise<DenoFile>;
  readTextFile(path: string): Promise<string>;
  readonly pid: number;
  hostname(): string;
  addSignalListener(signal: DenoSignal, handler: () => void): void;
  removeSignalListener(signal: DenoSignal, handler: () => void): void;
  exit(code: number): never;
}

/** The running Deno namespace (only call this on Deno). */
export function denoApi(): DenoApi {
  return (globalThis as unknown as { Deno: DenoApi }).Deno;
}

/** `Deno.listenDatagram` when this Deno offers it (it needs `--unstable-net`). */
export function denoListenDatagram():
  | ((options: { hostname: string; port: number; transport: "udp" }) => DenoDatagramConn)
  | undefined {
  const fn = (denoApi() as unknown as { listenDatagram?: unknown }).listenDatagram;
  return typeof fn === "function"
    ? fn as (options: { hostname: string; port: number; transport: "udp" }) => DenoDatagramConn
    : undefined;
}
