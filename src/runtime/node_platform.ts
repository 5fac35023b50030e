/**
 * {@linkcode Platform} on Node.js and Bun.
 *
 * @module
 */

import process from "node:process";
import { open, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import type { Writable } from "node:stream";
import type { Sink } from "../output/sink.ts";
import type { Platform, SignalName, StdStream } from "./platform.ts";
import { FileSink } from "./file_sink.ts";

/** Exit status of a process ended by `signal`, as a shell reports it: 128 + its number. */
const SIGNAL_STATUS: Record<SignalName, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

function stdStream(stream: Writable & { isTTY?: boolean }, name: string): StdStream {
  // Node and Bun ignore SIGPIPE: a reader that went away (`| head`) makes a
  // write fail with EPIPE, which reaches both the write's callback and the
  // stream's 'error' event. Without a listener the event is thrown as an
  // uncaught exception (a stack trace, exit 1); the callback reports it.
  // Installed on the first write, so that merely loading the platform (e.g.
  // importing sockscope/cli) changes nothing for a program's own stdout.
  let broken: Error | undefined;
  let listening = false;
  return {
    isTerminal: stream.isTTY === true,
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        if (!listening) {
          listening = true;
          stream.on("error", (err: Error) => {
            broken ??= err;
          });
        }
        if (stream.destroyed) {
          // After EPIPE the stream is destroyed; later writes would say only
          // ERR_STREAM_DESTROYED. Keep reporting the cause.
          const code = (broken as { code?: string } | undefined)?.code === "EPIPE"
            ? "EPIPE"
            : "ERR_STREAM_DESTROYED";
          const why = broken ? `: ${broken.message}` : "";
          reject(Object.assign(new Error(`${name} is closed${why}`), { code }));
          return;
        }
        stream.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** Creates the Node.js (and Bun) platform services. */
export async function createNodePlatform(): Promise<Platform> {
  const isBun = typeof (globalThis as Record<string, unknown>).Bun === "object";
  // Only Node before 24.2 lacks import.meta.main; nobody else loads the fallback.
  const hasMetaMain = isBun || Number(process.versions.node.split(".")[0]) >= 25 ||
    process.versions.node.startsWith("24.") && Number(process.versions.node.split(".")[1]) >= 2;
  const entry = hasMetaMain ? undefined : await import("./node_entry.ts");
  return {
    runtime: isBun ? "bun" : "node",
    runtimeVersion: isBun ? String(process.versions.bun) : process.versions.node,
    args: process.argv.slice(2),
    env: (name) => process.env[name],
    stdout: stdStream(process.stdout, "stdout"),
    stderr: stdStream(process.stderr, "stderr"),
    readTextFile: (path) => readFile(path, "utf8"),
    pid: process.pid,
    hostname: () => hostname(),
    openAppend(path): Promise<Sink> {
      return FileSink.open(async () => {
        const file = await open(path, "a");
        return {
          write: async (data) => (await file.write(data, 0, data.byteLength)).bytesWritten,
          stat: async () => {
            const st = await file.stat();
            return { size: st.size, id: `${st.dev}:${st.ino}` };
          },
          truncate: (length) => file.truncate(length),
          sync: () => file.sync(),
          close: () => file.close(),
        };
      });
    },
    onSignal(signal: SignalName, fn) {
      process.on(signal, fn);
      return () => process.off(signal, fn);
    },
    exit: (code) => process.exit(code),
    dieOf(signal: SignalName): never {
      // process.exit() joins libuv's threadpool, which hangs while a worker is
      // blocked writing (e.g. to a stalled pipe). The default action of the
      // signal does not wait for anything.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return process.exit(SIGNAL_STATUS[signal]);
    },
    isMain(meta) {
      const main = (meta as ImportMeta & { main?: boolean }).main;
      if (typeof main === "boolean") return main; // Bun, and Node >= 24.2
      return entry?.isEntryModule(meta.url) ?? false;
    },
  };
}
