/**
 * {@linkcode Platform} on Node.js and Bun.
 *
 * @module
 */

import process from "node:process";
import { open } from "node:fs/promises";
import type { Writable } from "node:stream";
import type { Sink } from "../output/sink.ts";
import type { Platform, SignalName, StdStream } from "./platform.ts";

function stdStream(stream: Writable & { isTTY?: boolean }): StdStream {
  return {
    isTerminal: stream.isTTY === true,
    write: (data) =>
      new Promise<void>((resolve, reject) => {
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
    stdout: stdStream(process.stdout),
    stderr: stdStream(process.stderr),
    async openAppend(path): Promise<Sink> {
      const file = await open(path, "a");
      return {
        write: async (data) => {
          let offset = 0;
          while (offset < data.byteLength) {
            const { bytesWritten } = await file.write(data, offset, data.byteLength - offset);
            offset += bytesWritten;
          }
        },
        sync: () => file.sync(),
        close: () => file.close(),
      };
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
      return process.exit(signal === "SIGINT" ? 130 : 143);
    },
    isMain(meta) {
      const main = (meta as ImportMeta & { main?: boolean }).main;
      if (typeof main === "boolean") return main; // Bun, and Node >= 24.2
      return entry?.isEntryModule(meta.url) ?? false;
    },
  };
}
