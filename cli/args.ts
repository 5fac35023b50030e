/**
 * Turns argv into validated listen options (node:util parseArgs, which all
 * three runtimes provide).
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { AdapterName } from "../src/net/adapter.ts";
import type { ListenOptions } from "../src/monitor/options.ts";
import type { PrintMode } from "../src/output/console_writer.ts";
import { parsePortSpec } from "../src/net/ports.ts";
import { parseDuration } from "../src/format/duration.ts";
import { parseEscapes } from "../src/format/escapes.ts";
import { parseByteCount } from "../src/format/size.ts";
import { UsageError } from "./usage_error.ts";

/** What the command line asks for. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
    readonly kind: "listen";
    readonly listen: ListenOptions;
    readonly print: PrintMode;
    readonly log: string | undefined;
  };

const OPTIONS = {
  port: { type: "string", short: "p", multiple: true },
  udp: { type: "string", short: "u", multiple: true },
  host: { type: "string", short: "H" },
  "max-conns": { type: "string" },
  "idle-timeout": { type: "string" },
  banner: { type: "string" },
  "capture-bytes": { type: "string" },
  print: { type: "string" },
  log: { type: "string" },
  adapter: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

const PRINT_MODES: readonly PrintMode[] = ["text", "hex", "none"];
const ADAPTERS: readonly AdapterName[] = ["deno", "node", "bun"];

function check<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Rewrites node:util's multi-sentence parse errors as one line naming the flag. */
function parseError(err: unknown): UsageError {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const option = /'([^']+)'/.exec(message)?.[1] ?? "";
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown flag ${option}: expected one of the flags in --help`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = /(--[a-z-]+)/.exec(message)?.[1] ?? option;
      return /argument missing/.test(message)
        ? new UsageError(`${flag}: missing value`)
        : new UsageError(`${flag}: does not take a value`);
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument ${option}: expected flags only`);
    default:
      return new UsageError(message.split("\n")[0]);
  }
}

function positiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag}: invalid value "${text}": expected a whole number >= 1`);
  }
  return Number(text);
}

/**
 * Parses the command line. Throws {@linkcode UsageError} for any mistake.
 */
export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw parseError(err);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [command, ...rest] = positionals;
  if (command !== undefined && command !== "listen") {
    if (command === "help") return { kind: "help" };
    throw new UsageError(`unknown command "${command}": expected listen (see --help)`);
  }
  if (rest.length > 0) {
    throw new UsageError(`unexpected argument "${rest[0]}": expected flags only`);
  }

  const print = (values.print ?? "text") as PrintMode;
  if (!PRINT_MODES.includes(print)) {
    throw new UsageError(`--print: invalid mode "${values.print}": expected text, hex or none`);
  }
  const adapter = values.adapter as AdapterName | undefined;
  if (adapter !== undefined && !ADAPTERS.includes(adapter)) {
    throw new UsageError(
      `--adapter: invalid adapter "${values.adapter}": expected deno, node or bun`,
    );
  }
  if (values.host !== undefined && values.host.trim() === "") {
    throw new UsageError(`--host: empty address: expected an address such as 127.0.0.1 or ::1`);
  }
  if (values.log !== undefined && values.log === "") {
    throw new UsageError(`--log: empty path: expected a file or -`);
  }

  const udpPorts = values.udp ? check(() => parsePortSpec(values.udp!.join(","), "--udp")) : [];
  const ports = values.port
    ? check(() => parsePortSpec(values.port!.join(","), "--port"))
    : udpPorts.length > 0
    ? []
    : [8000];
  const listen: ListenOptions = {
    host: values.host,
    ports,
    udpPorts,
    maxConns: values["max-conns"] !== undefined
      ? positiveInt(values["max-conns"], "--max-conns")
      : undefined,
    idleTimeout: values["idle-timeout"] !== undefined
      ? check(() => parseDuration(values["idle-timeout"]!, "--idle-timeout"))
      : undefined,
    banner: values.banner !== undefined
      ? check(() => parseEscapes(values.banner!, "--banner"))
      : undefined,
    captureBytes: values["capture-bytes"] !== undefined
      ? check(() => parseByteCount(values["capture-bytes"]!, "--capture-bytes"))
      : undefined,
    adapter,
  };
  return { kind: "listen", listen, print, log: values.log };
}
