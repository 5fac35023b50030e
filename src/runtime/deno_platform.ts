/**
 * {@linkcode Platform} on Deno.
 *
 * @module
 */

import type { Sink } from "../output/sink.ts";
import type { Platform, SignalName, StdStream } from "./platform.ts";
import { denoApi, type DenoStdStream } from "./deno_api.ts";
import { FileSink } from "./file_sink.ts";

/** Exit status of a process ended by `signal`, as a shell reports it: 128 + its number. */
const SIGNAL_STATUS: Record<SignalName, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

async function writeAll(
  w: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  while (data.byteLength > 0) data = data.subarray(await w.write(data));
}

/** Errno codes of Deno's error classes (by `name`) that writers must tell apart. */
const CODE_BY_CLASS: Readonly<Record<string, string>> = {
  BrokenPipe: "EPIPE",
  BadResource: "EBADF",
  ConnectionReset: "ECONNRESET",
};

/**
 * Gives Deno's errors the errno `code` that writers classify by: Deno sets
 * it on most I/O errors (BrokenPipe has `EPIPE`), but not on BadResource (a
 * closed file or stream) nor where an error class has no errno behind it.
 */
function withCode(err: unknown): unknown {
  if (err instanceof Error && typeof (err as { code?: unknown }).code !== "string") {
    const code = Object.hasOwn(CODE_BY_CLASS, err.name) ? CODE_BY_CLASS[err.name] : undefined;
    if (code) {
      try {
        Object.defineProperty(err, "code", { value: code, configurable: true });
      } catch { /* a frozen error keeps its name, which writers also read */ }
    }
  }
  return err;
}

async function coded<T>(op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (err) {
    throw withCode(err);
  }
}

function stdStream(stream: DenoStdStream): StdStream {
  // Deno ignores SIGPIPE: a closed reader shows up as BrokenPipe (EPIPE) on write.
  return {
    isTerminal: stream.isTerminal(),
    write: (data) => coded(writeAll(stream, data)),
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** Creates the Deno platform services. */
export function createDenoPlatform(): Platform {
  const Deno = denoApi();
  return {
    runtime: "deno",
    runtimeVersion: Deno.version.deno,
    args: Deno.args,
    env(name) {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined; // no --allow-env: behave as unset
      }
    },
    stdout: stdStream(Deno.stdout),
    stderr: stdStream(Deno.stderr),
    readTextFile: (path) => Deno.readTextFile(path),
    pid: Deno.pid,
    hostname() {
      try {
        return Deno.hostname();
      } catch {
        return undefined; // no --allow-sys
      }
    },
    openAppend(path): Promise<Sink> {
      return FileSink.open(async () => {
        const file = await Deno.open(path, { append: true, create: true, write: true });
        return {
          write: (data) => coded(file.write(data)),
          stat: async () => {
            const info = await coded(file.stat());
            return { size: info.size, id: `${info.dev}:${info.ino}` };
          },
          truncate: (length) => coded(file.truncate(length)),
          sync: () => coded(file.syncData()),
          close: () => {
            try {
              file.close();
              return Promise.resolve();
            } catch (err) {
              return Promise.reject(withCode(err));
            }
          },
        };
      });
    },
    onSignal(signal: SignalName, fn) {
      Deno.addSignalListener(signal, fn);
      return () => Deno.removeSignalListener(signal, fn);
    },
    exit: (code) => Deno.exit(code),
    dieOf: (signal: SignalName) => Deno.exit(SIGNAL_STATUS[signal]),
    isMain: (meta) => (meta as ImportMeta & { main?: boolean }).main === true,
  };
}
