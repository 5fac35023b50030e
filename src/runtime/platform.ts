/**
 * Process-level services the CLI needs (argv, env, stdio, files, signals,
 * exit), behind one interface so that the CLI and the writers never touch a
 * runtime API themselves.
 *
 * @module
 */

import type { Sink } from "../output/sink.ts";
import { detectRuntime, type RuntimeName } from "./detect.ts";

/**
 * A standard stream: a {@linkcode Sink} that knows whether it is a terminal.
 * When its reader goes away (`| head`), writes reject with an error whose
 * `code` is `EPIPE`, on every runtime, and nothing is thrown elsewhere.
 */
export interface StdStream extends Sink {
  /** True when the stream is a terminal (colour and width make sense). */
  readonly isTerminal: boolean;
}

/**
 * Signals the CLI reacts to: SIGINT and SIGTERM stop it, SIGHUP reopens its
 * log files (log rotation).
 */
export type SignalName = "SIGINT" | "SIGTERM" | "SIGHUP";

/**
 * The services of the running process.
 *
 * @example
 * ```ts
 * import { loadPlatform } from "@sockscope/sockscope/cli";
 * const platform = await loadPlatform();
 * console.log(platform.runtime, platform.args);
 * ```
 */
export interface Platform {
  /** Runtime name. */
  readonly runtime: RuntimeName;
  /** Runtime version, e.g. `2.9.6`. */
  readonly runtimeVersion: string;
  /** Command-line arguments after the script name. */
  readonly args: readonly string[];
  /** Reads an environment variable; undefined when unset or not permitted. */
  env(name: string): string | undefined;
  /** Standard output. */
  readonly stdout: StdStream;
  /** Standard error. */
  readonly stderr: StdStream;
  /**
   * Opens `path` for appending, creating it if needed. A write that fails
   * part-way cuts off what it wrote; `reopen()` opens the path again.
   */
  openAppend(path: string): Promise<Sink>;
  /** The process id. */
  readonly pid: number;
  /** The host's name (for syslog), or undefined when it cannot be read. */
  hostname(): string | undefined;
  /** Reads a whole UTF-8 text file (rule files). */
  readTextFile(path: string): Promise<string>;
  /**
   * Calls `fn` on each delivery of `signal` (which then no longer has its
   * default effect); returns a function that stops listening.
   */
  onSignal(signal: SignalName, fn: () => void): () => void;
  /** Ends the process now. */
  exit(code: number): never;
  /**
   * Ends the process at once as `signal` would by default (exit status
   * 128 + signal number), even while I/O is stuck: the operator's second Ctrl-C.
   */
  dieOf(signal: SignalName): never;
  /** True when the module with this `import.meta` is the program's entry point. */
  isMain(meta: ImportMeta): boolean;
}

/**
 * Loads the platform services of the running runtime.
 *
 * @example
 * ```ts
 * import { loadPlatform } from "@sockscope/sockscope/cli";
 * const platform = await loadPlatform();
 * await platform.stdout.write(new TextEncoder().encode("hi\n"));
 * ```
 */
export async function loadPlatform(): Promise<Platform> {
  if (detectRuntime() === "deno") {
    const { createDenoPlatform } = await import("./deno_platform.ts");
    return createDenoPlatform();
  }
  const { createNodePlatform } = await import("./node_platform.ts");
  return await createNodePlatform();
}
