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
import { CidrSet } from "../src/net/cidr.ts";

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

/** Detection inputs and alert outputs that the CLI loads or opens itself. */
export interface DetectCliOptions {
  /** Suricata rule files (`--rules`, repeatable). */
  readonly rules: readonly string[];
  /** Rule variables (`--var NAME=VALUE`). */
  readonly vars: Readonly<Record<string, string>>;
  /** A skipped rule is fatal (`--rules-strict`). */
  readonly rulesStrict: boolean;
  /** Webhook URLs (`--webhook`). */
  readonly webhooks: readonly string[];
  /** Payload preset of the webhooks. */
  readonly webhookFormat: "json" | "slack" | "discord" | "alertmanager";
  /** Syslog targets (`--syslog udp://HOST:PORT`). */
  readonly syslog: readonly string[];
  /** Ban log path (`--ban-log`). */
  readonly banLog?: string;
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
    readonly kind: "check";
    readonly rules: readonly string[];
    readonly vars: Readonly<Record<string, string>>;
  }
  | {
    readonly kind: "listen";
    /** `listen` (a sink on every port) or `tap` (a relay in front of real services). */
    readonly mode: "listen" | "tap";
    readonly listen: ListenOptions;
    readonly print: PrintMode;
    /** No line per connection on the console (`--quiet`). */
    readonly quiet: boolean;
    readonly log: string | undefined;
    readonly outputs: OutputOptions;
    readonly detect: DetectCliOptions;
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
  quiet: { type: "boolean", short: "q" },
  log: { type: "string" },
  adapter: { type: "string" },
  "no-detect": { type: "boolean" },
  "detect-scan": { type: "string" },
  "detect-sweep": { type: "string" },
  "detect-flood": { type: "string" },
  "detect-concurrency": { type: "string" },
  "detect-empty": { type: "string" },
  allow: { type: "string", multiple: true },
  deny: { type: "string", multiple: true },
  ban: { type: "boolean" },
  "ban-time": { type: "string" },
  "ban-max-time": { type: "string" },
  "ban-ignore": { type: "string", multiple: true },
  "ban-log": { type: "string" },
  rules: { type: "string", multiple: true },
  var: { type: "string", multiple: true },
  "rules-strict": { type: "boolean" },
  webhook: { type: "string", multiple: true },
  "webhook-format": { type: "string" },
  syslog: { type: "string", multiple: true },
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
  if (command === "check") return checkCommand(values, rest);
  if (command !== undefined && command !== "listen" && command !== "tap") {
    if (command === "help") return { kind: "help" };
    throw new UsageError(
      `unknown command "${command}": expected listen, tap or check (see --help)`,
    );
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
  const quiet = values.quiet === true;
  if (quiet && values.print !== undefined) {
    throw new UsageError(`--print: not used with --quiet, which shows no connection lines`);
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
    ...detection(values),
  };
  return {
    kind: "listen",
    mode,
    listen,
    print,
    quiet,
    log: values.log,
    outputs: outputs(values),
    detect: detectCli(values),
  };
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** `sockscope check --rules FILE... [--var NAME=VALUE]`: only the rule files matter. */
function checkCommand(values: Values, rest: readonly string[]): Command {
  if (rest.length > 0) {
    throw new UsageError(`unexpected argument "${rest[0]}": expected check --rules FILE ...`);
  }
  const rules = (values.rules as string[] | undefined) ?? [];
  if (rules.length === 0) throw new UsageError(`check: expected at least one --rules FILE`);
  return { kind: "check", rules, vars: ruleVars(values) };
}

function ruleVars(values: Values): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const v of (values.var as string[] | undefined) ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s.exec(v);
    if (m === null) {
      throw new UsageError(`--var: invalid "${v}": expected NAME=VALUE, e.g. HOME_NET=10.0.0.0/8`);
    }
    vars[m[1]] = m[2];
  }
  return vars;
}

/** `COUNT/DURATION` (or `COUNT` for concurrency), or `off`. */
function threshold(
  text: string,
  flag: string,
  withWindow: boolean,
): { count: number; windowMs: number } | false {
  if (text === "off") return false;
  const [count, window, extra] = text.split("/");
  const form = withWindow ? "COUNT/DURATION such as 5/60s, or off" : "COUNT, or off";
  if (extra !== undefined || (withWindow ? window === undefined : window !== undefined)) {
    throw new UsageError(`${flag}: invalid value "${text}": expected ${form}`);
  }
  if (!/^\d+$/.test(count) || Number(count) < 1 || !Number.isSafeInteger(Number(count))) {
    throw new UsageError(`${flag}: invalid count "${count}": expected a whole number >= 1`);
  }
  return {
    count: Number(count),
    windowMs: withWindow ? positiveDuration(window, flag) : 0,
  };
}

function cidrList(values: Values, flag: string): string | undefined {
  const list = values[flag] as string[] | undefined;
  if (list === undefined) return undefined;
  const joined = list.join(",");
  try {
    CidrSet.parse(joined);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
  return joined;
}

/** The detection part of the listen options. */
function detection(values: Values): Partial<ListenOptions> {
  const flags = [
    ["scan", "detect-scan", true],
    ["sweep", "detect-sweep", true],
    ["flood", "detect-flood", true],
    ["concurrency", "detect-concurrency", false],
    ["empty-sessions", "detect-empty", true],
  ] as const;
  const tuned: Record<string, { count: number; windowMs: number } | false> = {};
  for (const [kind, flag, withWindow] of flags) {
    const v = values[flag] as string | undefined;
    if (v === undefined) continue;
    if (values["no-detect"]) {
      throw new UsageError(`--${flag}: conflicts with --no-detect`);
    }
    tuned[kind] = threshold(v, `--${flag}`, withWindow);
  }
  const banTuning = ["ban-time", "ban-max-time", "ban-ignore", "ban-log"].find((f) =>
    values[f] !== undefined
  );
  if (banTuning !== undefined && !values.ban) {
    throw new UsageError(`--${banTuning}: only with --ban`);
  }
  const ignore = cidrList(values, "ban-ignore");
  return {
    detect: values["no-detect"] ? false : Object.keys(tuned).length > 0 ? tuned : undefined,
    allow: cidrList(values, "allow"),
    deny: cidrList(values, "deny"),
    ban: values.ban
      ? {
        timeMs: values["ban-time"] !== undefined
          ? positiveDuration(values["ban-time"] as string, "--ban-time")
          : undefined,
        maxTimeMs: values["ban-max-time"] !== undefined
          ? positiveDuration(values["ban-max-time"] as string, "--ban-max-time")
          : undefined,
        ignore,
      }
      : undefined,
  };
}

const WEBHOOK_FORMATS = ["json", "slack", "discord", "alertmanager"] as const;

function detectCli(values: Values): DetectCliOptions {
  const format = (values["webhook-format"] as string | undefined) ?? "json";
  if (!(WEBHOOK_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `--webhook-format: invalid format "${format}": expected json, slack, discord or alertmanager`,
    );
  }
  const webhooks = (values.webhook as string[] | undefined) ?? [];
  if (values["webhook-format"] !== undefined && webhooks.length === 0) {
    throw new UsageError(`--webhook-format: only with --webhook URL`);
  }
  for (const url of webhooks) {
    let ok = false;
    try {
      const u = new URL(url);
      ok = u.protocol === "http:" || u.protocol === "https:";
    } catch { /* reported below */ }
    if (!ok) throw new UsageError(`--webhook: invalid URL "${url}": expected http(s)://HOST/PATH`);
  }
  const syslog = (values.syslog as string[] | undefined) ?? [];
  for (const target of syslog) {
    if (!/^(udp|tcp):\/\/.+:\d+$/.test(target)) {
      throw new UsageError(
        `--syslog: invalid target "${target}": expected udp://HOST:PORT or tcp://HOST:PORT`,
      );
    }
  }
  if (values["rules-strict"] && values.rules === undefined) {
    throw new UsageError(`--rules-strict: only with --rules FILE`);
  }
  if (values.var !== undefined && values.rules === undefined) {
    throw new UsageError(`--var: only with --rules FILE`);
  }
  const banLog = values["ban-log"] as string | undefined;
  if (banLog === "") throw new UsageError(`--ban-log: empty path: expected a file`);
  return {
    rules: (values.rules as string[] | undefined) ?? [],
    vars: ruleVars(values),
    rulesStrict: values["rules-strict"] === true,
    webhooks,
    webhookFormat: format as DetectCliOptions["webhookFormat"],
    syslog,
    banLog,
  };
}

function positiveDuration(text: string, flag: string): number {
  const ms = check(() => parseDuration(text, flag));
  if (ms <= 0) throw new UsageError(`${flag}: invalid duration "${text}": expected more than 0`);
  return ms;
}

/**
 * `tap [udp:][HOST:]PORT UPSTREAM:PORT` and every
 * `--map [udp:][HOST:]PORT=UPSTREAM:PORT` (`tcp:` is the default).
 */
function tapMappings(positionals: readonly string[], maps: readonly string[]): TapMapping[] {
  const pairs: [string, string, string][] = [];
  if (positionals.length === 1 || positionals.length > 2) {
    throw new UsageError(
      `tap: expected [udp:][HOST:]PORT UPSTREAM_HOST:PORT (or --map), got ${positionals.length} argument(s)`,
    );
  }
  if (positionals.length === 2) pairs.push([positionals[0], positionals[1], "tap"]);
  for (const map of maps) {
    const eq = map.indexOf("=");
    if (eq === -1) {
      throw new UsageError(
        `--map: invalid mapping "${map}": expected [udp:][HOST:]PORT=HOST:PORT`,
      );
    }
    pairs.push([map.slice(0, eq), map.slice(eq + 1), "--map"]);
  }
  if (pairs.length === 0) {
    throw new UsageError(`tap: nothing to relay: expected [HOST:]PORT UPSTREAM_HOST:PORT or --map`);
  }
  return pairs.map(([local, upstream, flag]) => {
    const proto = /^udp:/i.test(local) ? "udp" : "tcp";
    const bare = /^(udp|tcp):/i.test(local) ? local.slice(4) : local;
    const l = check(() => parseHostPort(bare, flag, { allowZero: true }));
    const u = check(() => parseHostPort(upstream, flag, { requireHost: true }));
    return {
      ...(proto === "udp" ? { proto } : {}),
      ...(l.host === undefined ? {} : { host: l.host }),
      port: l.port,
      upstreamHost: u.host!,
      upstreamPort: u.port,
    };
  });
}

function outputs(values: Values): OutputOptions {
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
