/**
 * Options of `listen()`, and their validation.
 *
 * @module
 */

import type { AdapterName, RuntimeAdapter } from "../net/adapter.ts";
import type { BehaviorConfig } from "../detect/behavior_config.ts";
import { resolveBehavior } from "../detect/resolve_behavior.ts";
import { AccessList } from "../detect/access_list.ts";
import type { BanOptions } from "../detect/ban_list.ts";
import type { RuleEngine } from "../detect/rule_engine.ts";
import type { AlertThrottleOptions } from "../detect/alert_throttle.ts";
import { parsePortSpec } from "../net/ports.ts";

/** Default TCP port, as in the classic example. */
export const DEFAULT_PORT = 8000;
/** Default bind address: loopback only, so nothing is exposed by accident. */
export const DEFAULT_HOST = "127.0.0.1";
/** Default bytes captured per direction per connection. */
export const DEFAULT_CAPTURE_BYTES = 4096;
/** Default limit on concurrent connections. */
export const DEFAULT_MAX_CONNS = 10_000;

/**
 * One tap: connections accepted on `port` (bound on `host`, default the
 * monitor's host) are relayed to `upstreamHost`:`upstreamPort`. With
 * `proto: "udp"`, datagrams to `port` are relayed instead, each flow
 * (client address and port) through a socket of its own, and the service's
 * answers go back to that client.
 *
 * @example
 * ```ts
 * import type { TapMapping } from "@sockscope/sockscope";
 * const redis: TapMapping = { port: 16379, upstreamHost: "127.0.0.1", upstreamPort: 6379 };
 * const dns: TapMapping = { proto: "udp", port: 5353, upstreamHost: "127.0.0.1", upstreamPort: 53 };
 * ```
 */
export interface TapMapping {
  /** `tcp` (default) or `udp`. */
  readonly proto?: "tcp" | "udp";
  /** Address to bind; default the monitor's `host`. */
  readonly host?: string;
  /** Local port to accept on (0 for an ephemeral one). */
  readonly port: number;
  /** The real service's host. */
  readonly upstreamHost: string;
  /** The real service's port. */
  readonly upstreamPort: number;
}

/**
 * Options of {@linkcode listen}.
 *
 * @example
 * ```ts
 * import type { ListenOptions } from "@sockscope/sockscope";
 * const options: ListenOptions = { host: "127.0.0.1", ports: "8000,9000-9002", idleTimeout: 30_000 };
 * ```
 */
export interface ListenOptions {
  /** Address to bind (default `127.0.0.1`); `::1`, `::` and `0.0.0.0` work too. */
  readonly host?: string;
  /** TCP ports: numbers or a spec like `"8000,8022,9000-9010"` (default `[8000]`; `[]` for none). */
  readonly ports?: readonly number[] | string;
  /** UDP ports, same forms (default none). */
  readonly udpPorts?: readonly number[] | string;
  /** Concurrent connections allowed; connections past it are closed at once and recorded as drops (default 10,000). */
  readonly maxConns?: number;
  /** Milliseconds without a byte either way before a connection is closed; 0 = never (default). */
  readonly idleTimeout?: number;
  /**
   * Tap mode: ports whose connections are relayed to a real service, each
   * recorded like a listen connection plus its upstream. With taps, `ports`
   * defaults to none.
   */
  readonly taps?: readonly TapMapping[];
  /** Milliseconds a tap waits for its upstream's handshake (default 5,000). */
  readonly connectTimeout?: number;
  /** Milliseconds without a datagram before a UDP flow ends (default 60,000, Zeek's). */
  readonly udpTimeout?: number;
  /** Bytes (or UTF-8 text) sent to every new connection. */
  readonly banner?: Uint8Array | string;
  /** Bytes kept of each direction per connection for `conn.data` events (default 4096). */
  readonly captureBytes?: number;
  /** Adapter name or instance; default: the running runtime's. */
  readonly adapter?: AdapterName | RuntimeAdapter;
  /** Accept queue length (default 511). */
  readonly backlog?: number;
  /**
   * Behaviour detection per source (connect scans, sweeps, floods,
   * concurrency, empty sessions): on by default with
   * {@linkcode DEFAULT_BEHAVIOR}; `false` turns it off; an object overrides
   * single detectors (a detector set to `false` is off).
   */
  readonly detect?: boolean | Partial<BehaviorConfig>;
  /** Protocol fingerprints on each direction's first bytes (default true). */
  readonly fingerprints?: boolean;
  /** Only these sources may connect: comma-separated CIDR blocks (default: all). */
  readonly allow?: string;
  /** These sources may not connect: comma-separated CIDR blocks (default: none). */
  readonly deny?: string;
  /** Turn alerts with a known source into bans (default off); `true` for the default ban times. */
  readonly ban?: boolean | BanOptions;
  /** Payload rules (e.g. Suricata rules loaded with `loadRules`). */
  readonly rules?: RuleEngine;
  /** Dedup and throttling of rule alerts per (rule, source). */
  readonly alertThrottle?: AlertThrottleOptions;
}

/** {@linkcode ListenOptions} after validation, with defaults applied. */
export interface ResolvedListenOptions {
  /** Bind address. */
  readonly host: string;
  /** TCP ports. */
  readonly ports: readonly number[];
  /** UDP ports. */
  readonly udpPorts: readonly number[];
  /** Concurrent connection limit. */
  readonly maxConns: number;
  /** Idle timeout in ms, 0 = off. */
  readonly idleTimeout: number;
  /** UDP flow inactivity timeout in ms. */
  readonly udpTimeout: number;
  /** Tap mappings (empty: listen only). */
  readonly taps: readonly TapMapping[];
  /** Upstream connect timeout in ms. */
  readonly connectTimeout: number;
  /** Banner bytes (empty = none). */
  readonly banner: Uint8Array;
  /** Capture window per direction. */
  readonly captureBytes: number;
  /** Accept queue length. */
  readonly backlog: number;
  /** Behaviour detectors, or false when off. */
  readonly detect: BehaviorConfig | false;
  /** Whether fingerprints run. */
  readonly fingerprints: boolean;
  /** Allow/deny lists, undefined when both are empty. */
  readonly access: AccessList | undefined;
  /** Ban settings, undefined when alerts do not ban. */
  readonly ban: BanOptions | undefined;
  /** Payload rules, if any. */
  readonly rules: RuleEngine | undefined;
  /** Rule alert throttling. */
  readonly alertThrottle: AlertThrottleOptions;
}

function ports(
  value: readonly number[] | string | undefined,
  name: string,
  fallback: number[],
): number[] {
  if (value === undefined) return fallback;
  if (typeof value === "string") return parsePortSpec(value, name);
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Invalid ${name} ${
        JSON.stringify(value)
      }: expected an array of ports or a string like "8000,9000-9010"`,
    );
  }
  for (const p of value) {
    if (!Number.isInteger(p) || p < 0 || p > 65535) {
      throw new RangeError(
        `Invalid ${name} entry ${JSON.stringify(p)}: expected an integer 0-65535`,
      );
    }
  }
  return [...new Set(value)];
}

function tapMappings(value: readonly TapMapping[] | undefined): TapMapping[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError("Invalid taps: expected an array of mappings");
  return value.map((m: TapMapping, i: number) => {
    const where = `taps[${i}]`;
    if (m === null || typeof m !== "object") {
      throw new TypeError(`Invalid ${where}: expected { port, upstreamHost, upstreamPort }`);
    }
    for (const [key, min] of [["port", 0], ["upstreamPort", 1]] as const) {
      const v = m[key];
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > 65535) {
        throw new RangeError(
          `Invalid ${where}.${key} ${JSON.stringify(v)}: expected an integer ${min}-65535`,
        );
      }
    }
    if (typeof m.upstreamHost !== "string" || m.upstreamHost.length === 0) {
      throw new TypeError(`Invalid ${where}.upstreamHost: expected a host name or address`);
    }
    if (m.host !== undefined && (typeof m.host !== "string" || m.host.length === 0)) {
      throw new TypeError(`Invalid ${where}.host: expected an address such as 127.0.0.1`);
    }
    if (m.proto !== undefined && m.proto !== "tcp" && m.proto !== "udp") {
      throw new TypeError(
        `Invalid ${where}.proto ${JSON.stringify(m.proto)}: expected "tcp" or "udp"`,
      );
    }
    return { ...m };
  });
}

function integer(value: number | undefined, name: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(`Invalid ${name} ${JSON.stringify(value)}: expected an integer >= ${min}`);
  }
  return value;
}

/**
 * Validates `options` and fills in defaults. Throws TypeError / RangeError
 * naming the option and what was expected.
 *
 * @example
 * ```ts
 * import { resolveListenOptions } from "@sockscope/sockscope";
 * const resolved = resolveListenOptions({ ports: "8000-8002" });
 * console.log(resolved.ports); // [8000, 8001, 8002]
 * ```
 */
export function resolveListenOptions(options: ListenOptions = {}): ResolvedListenOptions {
  const host = options.host ?? DEFAULT_HOST;
  if (typeof host !== "string" || host.length === 0) {
    throw new TypeError(
      `Invalid host ${JSON.stringify(host)}: expected an address such as 127.0.0.1 or ::1`,
    );
  }
  const udpPorts = ports(options.udpPorts, "udpPorts", []);
  const taps = tapMappings(options.taps);
  const tcpPorts = ports(
    options.ports,
    "ports",
    (udpPorts.length > 0 || taps.length > 0) && options.ports === undefined ? [] : [DEFAULT_PORT],
  );
  if (tcpPorts.length === 0 && udpPorts.length === 0 && taps.length === 0) {
    throw new RangeError("Invalid ports: expected at least one TCP or UDP port");
  }
  const connectTimeout = options.connectTimeout ?? 5000;
  if (
    typeof connectTimeout !== "number" || !Number.isFinite(connectTimeout) || connectTimeout <= 0
  ) {
    throw new RangeError(
      `Invalid connectTimeout ${JSON.stringify(connectTimeout)}: expected milliseconds > 0`,
    );
  }
  const idleTimeout = options.idleTimeout ?? 0;
  if (typeof idleTimeout !== "number" || !Number.isFinite(idleTimeout) || idleTimeout < 0) {
    throw new RangeError(
      `Invalid idleTimeout ${JSON.stringify(idleTimeout)}: expected milliseconds >= 0`,
    );
  }
  const udpTimeout = options.udpTimeout ?? 60_000;
  if (typeof udpTimeout !== "number" || !Number.isFinite(udpTimeout) || udpTimeout <= 0) {
    throw new RangeError(
      `Invalid udpTimeout ${JSON.stringify(udpTimeout)}: expected milliseconds > 0`,
    );
  }
  let banner: Uint8Array;
  if (options.banner === undefined) banner = new Uint8Array(0);
  else if (typeof options.banner === "string") banner = new TextEncoder().encode(options.banner);
  else if (options.banner instanceof Uint8Array) banner = options.banner.slice();
  else throw new TypeError("Invalid banner: expected a string or a Uint8Array");
  return {
    host,
    ports: tcpPorts,
    udpPorts,
    maxConns: integer(options.maxConns, "maxConns", 1, 10_000),
    idleTimeout,
    udpTimeout,
    taps,
    connectTimeout,
    banner,
    captureBytes: integer(options.captureBytes, "captureBytes", 0, DEFAULT_CAPTURE_BYTES),
    backlog: integer(options.backlog, "backlog", 1, 511),
    detect: resolveBehavior(options.detect),
    fingerprints: options.fingerprints ?? true,
    access: accessList(options.allow, options.deny),
    ban: options.ban === true ? {} : options.ban ? options.ban : undefined,
    rules: options.rules,
    alertThrottle: options.alertThrottle ?? {},
  };
}

function accessList(allow: string | undefined, deny: string | undefined): AccessList | undefined {
  if (!allow && !deny) return undefined;
  const list = new AccessList({ allow, deny });
  return list.empty ? undefined : list;
}
