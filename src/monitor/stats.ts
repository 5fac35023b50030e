/**
 * Running totals of a monitor, as returned by `Monitor.stats()`.
 *
 * @module
 */

import type { CloseReason, WarningKind } from "./events.ts";

/**
 * A snapshot of a monitor's counters.
 *
 * @example
 * ```ts
 * import type { MonitorStats } from "@sockscope/sockscope";
 * function line(s: MonitorStats): string {
 *   return `${s.connsTotal} connections, ${s.bytesIn} bytes in`;
 * }
 * ```
 */
export interface MonitorStats {
  /** ISO-8601 time the monitor started. */
  readonly startedAt: string;
  /** Seconds since start. */
  readonly uptime: number;
  /** Connections open right now. */
  readonly connsOpen: number;
  /** Connections accepted since start (including dropped ones). */
  readonly connsTotal: number;
  /** Connections closed at once by a limit (`conn.drop`). */
  readonly connsDropped: number;
  /** Connections refused on accept by `--deny` / `--allow` or a ban (`conn.drop` denied/banned). */
  readonly connsRefused: number;
  /** Alerts raised (behaviour and rules), after throttling. */
  readonly alerts: number;
  /** Rule alerts held back by the per-(rule, source) throttle. */
  readonly alertsSuppressed: number;
  /** Sources banned right now. */
  readonly bansActive: number;
  /** Bans given since start. */
  readonly bansTotal: number;
  /** Connections whose peer address the runtime could not read (`src: null`). */
  readonly connsPeerUnknown: number;
  /** Bytes received from peers (TCP), exact. */
  readonly bytesIn: number;
  /** Bytes sent to peers (TCP), exact once the connection has closed. */
  readonly bytesOut: number;
  /** UDP datagrams received. */
  readonly datagrams: number;
  /** UDP bytes received. */
  readonly datagramBytes: number;
  /** Events a slow consumer could not keep up with (only `conn.data` and `udp.datagram` are ever dropped). */
  readonly eventsDropped: number;
  /** Closed connections by reason. */
  readonly closeReasons: Readonly<Record<CloseReason, number>>;
  /** Faults absorbed, by kind (see `monitor.warning`). */
  readonly warnings: Readonly<Record<WarningKind, number>>;
  /** Peers with the most connections (and datagrams), most first. */
  readonly topSources: readonly { readonly address: string; readonly count: number }[];
  /** Local ports with the most connections (and datagrams), most first. */
  readonly topPorts: readonly {
    readonly proto: "tcp" | "udp";
    readonly port: number;
    readonly count: number;
  }[];
}
