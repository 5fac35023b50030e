/**
 * {@linkcode Platform} on Deno.
 *
 * @module
 */

import type { Sink } from "../output/sink.ts";
import type { Platform, SignalName, StdStream } from "./platform.ts";
import { denoApi, type DenoStdStream } from "./deno_api.ts";

async function writeAll(
  w: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  while (data.byteLength > 0) data = data.subarray(await w.write(data));
}

function stdStream(stream: DenoStdStream): StdStream {
  return {
    isTerminal: stream.isTerminal(),
    write: (data) => writeAll(stream, data),
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
    async openAppend(path): Promise<Sink> {
      const file = await Deno.open(path, { append: true, create: true, write: true });
      return {
        write: (data) => writeAll(file, data),
        sync: () => file.syncData(),
        close: () => Promise.resolve(file.close()),
      };
    },
    onSignal(signal: SignalName, fn) {
      Deno.addSignalListener(signal, fn);
      return () => Deno.removeSignalListener(signal, fn);
    },
    exit: (code) => Deno.exit(code),
    dieOf: (signal: SignalName) => Deno.exit(signal === "SIGINT" ? 130 : 143),
    isMain: (meta) => (meta as ImportMeta & { main?: boolean }).main === true,
  };
}
