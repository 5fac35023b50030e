/**
 * Turns argv into validated listen options (node:util parseArgs, which all
 * three runtimes provide).
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { AdapterName } from "../src/net/adapter.ts";
import type { ListenOptions, TapMapping } from "../src/monitor/options.ts";
import { parseHostPort } from "../src/net/host_port.ts";
import type { PrintMode } from "../src/output/console_writer.ts";
import { parsePortSpec } from "../src/net/ports.ts";
import { parseDuration } from "../src/format/duration.ts";
import { parseEscapes } from "../src/format/escapes.ts";
import { parseByteCount } from "../src/format/size.ts";
import { UsageError } from "./usage_error.ts";

/** Where the standard records go (each optional, any combination). */
export interface OutputOptions {
  /** Zeek conn.log path. */
  readonly zeek?: string;
  /** `tsv` (Zeek's default) or `json`; default from the file name (`.json` = json). */
  readonly zeekFormat?: "tsv" | "json";
  /** Suricata EVE JSON path. */
  readonly eve?: string;
  /** pcap path. */
  readonly pcap?: string;
  /** Cap on the pcap file's size in bytes. */
  readonly pcapMaxBytes?: number;
  /** Where to serve Prometheus `/metrics`. */
  readonly metrics?: { readonly host: string; readonly port: number };
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
    readonly kind: "listen";
    /** `listen` (a sink on every port) or `tap` (a relay in front of real services). */
    readonly mode: "listen" | "tap";
    readonly listen: ListenOptions;
    readonly print: PrintMode;
    readonly log: string | undefined;
    readonly outputs: OutputOptions;
  };

const OPTIONS = {
  port: { type: "string", short: "p", multiple: true },
  udp: { type: "string", short: "u", multiple: true },
  host: { type: "string", short: "H" },
  "max-conns": { type: "string" },
  "idle-timeout": { type: "string" },
  banner: { type: "string" },
  "capture-bytes": { type: "string" },
  "udp-timeout": { type: "string" },
  map: { type: "string", multiple: true },
  "connect-timeout": { type: "string" },
  zeek: { type: "string" },
  "zeek-format": { type: "string" },
  eve: { type: "string" },
  pcap: { type: "string" },
  "pcap-max-bytes": { type: "string" },
  metrics: { type: "string" },
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
  if (command !== undefined && command !== "listen" && command !== "tap") {
    if (command === "help") return { kind: "help" };
    throw new UsageError(`unknown command "${command}": expected listen or tap (see --help)`);
  }
  const mode = command === "tap" ? "tap" : "listen";
  if (mode === "listen" && rest.length > 0) {
    throw new UsageError(`unexpected argument "${rest[0]}": expected flags only`);
  }
  const taps = mode === "tap" ? tapMappings(rest, values.map ?? []) : [];
  if (mode === "listen" && values.map !== undefined) {
    throw new UsageError(`--map: only for tap (sockscope tap --map [HOST:]PORT=HOST:PORT)`);
  }
  if (mode === "tap") {
    for (const flag of ["port", "udp", "banner"] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(
          `--${flag}: not used by tap: its ports come from --map [HOST:]PORT=HOST:PORT`,
        );
      }
    }
  } else if (values["connect-timeout"] !== undefined) {
    throw new UsageError(`--connect-timeout: only for tap`);
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
    : udpPorts.length > 0 || mode === "tap"
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
    udpTimeout: values["udp-timeout"] !== undefined
      ? positiveDuration(values["udp-timeout"], "--udp-timeout")
      : undefined,
    taps,
    connectTimeout: values["connect-timeout"] !== undefined
      ? positiveDuration(values["connect-timeout"], "--connect-timeout")
      : undefined,
    adapter,
  };
  return { kind: "listen", mode, listen, print, log: values.log, outputs: outputs(values) };
}

function positiveDuration(text: string, flag: string): number {
  const ms = check(() => parseDuration(text, flag));
  if (ms <= 0) throw new UsageError(`${flag}: invalid duration "${text}": expected more than 0`);
  return ms;
}

/** `tap [HOST:]PORT UPSTREAM:PORT` and every `--map [HOST:]PORT=UPSTREAM:PORT`. */
function tapMappings(positionals: readonly string[], maps: readonly string[]): TapMapping[] {
  const pairs: [string, string, string][] = [];
  if (positionals.length === 1 || positionals.length > 2) {
    throw new UsageError(
      `tap: expected [HOST:]PORT UPSTREAM_HOST:PORT (or --map), got ${positionals.length} argument(s)`,
    );
  }
  if (positionals.length === 2) pairs.push([positionals[0], positionals[1], "tap"]);
  for (const map of maps) {
    const eq = map.indexOf("=");
    if (eq === -1) {
      throw new UsageError(`--map: invalid mapping "${map}": expected [HOST:]PORT=HOST:PORT`);
    }
    if (map.startsWith("udp:")) {
      throw new UsageError(`--map: invalid mapping "${map}": UDP taps are not supported yet`);
    }
    pairs.push([map.slice(0, eq), map.slice(eq + 1), "--map"]);
  }
  if (pairs.length === 0) {
    throw new UsageError(`tap: nothing to relay: expected [HOST:]PORT UPSTREAM_HOST:PORT or --map`);
  }
  return pairs.map(([local, upstream, flag]) => {
    const l = check(() => parseHostPort(local, flag, { allowZero: true }));
    const u = check(() => parseHostPort(upstream, flag, { requireHost: true }));
    return {
      ...(l.host === undefined ? {} : { host: l.host }),
      port: l.port,
      upstreamHost: u.host!,
      upstreamPort: u.port,
    };
  });
}

function outputs(values: Record<string, string | boolean | string[] | undefined>): OutputOptions {
  const path = (flag: string): string | undefined => {
    const v = values[flag] as string | undefined;
    if (v === "") throw new UsageError(`--${flag}: empty path: expected a file`);
    return v;
  };
  const zeekFormat = values["zeek-format"] as string | undefined;
  if (zeekFormat !== undefined && zeekFormat !== "tsv" && zeekFormat !== "json") {
    throw new UsageError(`--zeek-format: invalid format "${zeekFormat}": expected tsv or json`);
  }
  const pcapMax = values["pcap-max-bytes"] as string | undefined;
  const metrics = values.metrics as string | undefined;
  let metricsAt: { host: string; port: number } | undefined;
  if (metrics !== undefined) {
    const hp = check(() => parseHostPort(metrics, "--metrics", { allowZero: true }));
    metricsAt = { host: hp.host ?? "127.0.0.1", port: hp.port };
  }
  return {
    zeek: path("zeek"),
    zeekFormat: zeekFormat as "tsv" | "json" | undefined,
    eve: path("eve"),
    pcap: path("pcap"),
    pcapMaxBytes: pcapMax !== undefined
      ? check(() => parseByteCount(pcapMax, "--pcap-max-bytes"))
      : undefined,
    metrics: metricsAt,
  };
}
