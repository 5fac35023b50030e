/**
 * The typed event stream: what the monitor reports and what every writer
 * consumes. Field names are the NDJSON wire names (snake_case, Zeek-like
 * `orig`/`resp` for the side that opened the connection and the side that
 * accepted it); `docs/events.md` documents each one.
 *
 * @module
 */

import type { AppInfo, ServiceName } from "../detect/app_info.ts";

/** Transport protocol of a listener or flow. */
export type Proto = "tcp" | "udp";

/**
 * Why a connection ended:
 * - `fin`: the peer closed its side normally;
 * - `rst`: the peer reset the connection;
 * - `idle-timeout`: no bytes either way for longer than the idle timeout;
 * - `max-conns`: accepted past the connection limit and closed at once;
 * - `shutdown`: the monitor was stopped;
 * - `error`: a socket error other than a reset (see `error`);
 * - `denied`: refused on accept by `--deny` / `--allow`;
 * - `banned`: refused because its source is banned (`--ban`), or closed
 *   when its own alert banned the source.
 */
export type CloseReason =
  | "fin"
  | "rst"
  | "idle-timeout"
  | "max-conns"
  | "shutdown"
  | "error"
  | "denied"
  | "banned";

/** Direction of bytes: `orig` from the peer that connected, `resp` from sockscope's side. */
export type Direction = "orig" | "resp";

/**
 * A listener is bound and accepting.
 *
 * @example
 * ```ts
 * import type { ListenerUpEvent } from "@sockscope/sockscope";
 * const ev: ListenerUpEvent = { ts: new Date().toISOString(), type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 8000 };
 * ```
 */
export interface ListenerUpEvent {
  /** ISO-8601 time of the event. */
  readonly ts: string;
  /** Event type. */
  readonly type: "listener.up";
  /** `tcp` or `udp`. */
  readonly proto: Proto;
  /** Bound address. */
  readonly host: string;
  /** Bound port. */
  readonly port: number;
  /** Tap mode: the service this port relays to. */
  readonly upstream_addr?: string;
  /** Tap mode: the service's port. */
  readonly upstream_port?: number;
}

/** Fields every connection event carries to stand on its own. */
export interface FlowFields {
  /** ISO-8601 time of the event. */
  readonly ts: string;
  /** Stable connection id (Zeek-style, e.g. `CYfO3l1YbZbhAZqTna`). */
  readonly uid: string;
  /**
   * Community ID v1 of the 5-tuple; absent when the peer is unknown (it is
   * never computed from a made-up address).
   */
  readonly community_id?: string;
  /** `tcp` for connections; `udp` for UDP flows (datagrams grouped by 5-tuple). */
  readonly proto: Proto;
  /**
   * Peer address; `null` when the runtime could not read it (the peer reset
   * the connection before it was accepted, as `nmap -sT` does). Never null
   * for UDP.
   */
  readonly src: string | null;
  /** Peer port; `null` with an unknown `src`. */
  readonly sport: number | null;
  /** Local address. */
  readonly dst: string;
  /** Local port. */
  readonly dport: number;
}

/**
 * A connection was accepted.
 *
 * @example
 * ```ts
 * import type { ConnOpenEvent } from "@sockscope/sockscope";
 * function peer(ev: ConnOpenEvent): string { return `${ev.src}:${ev.sport}`; }
 * ```
 */
export interface ConnOpenEvent extends FlowFields {
  /** Event type. */
  readonly type: "conn.open";
}

/**
 * Captured bytes of one direction. Only the first `captureBytes` of each
 * direction are captured; byte counts in `conn.close` are always exact.
 *
 * @example
 * ```ts
 * import type { ConnDataEvent } from "@sockscope/sockscope";
 * function text(ev: ConnDataEvent): string { return new TextDecoder().decode(ev.data); }
 * ```
 */
export interface ConnDataEvent {
  /** ISO-8601 time of the event. */
  readonly ts: string;
  /** Event type. */
  readonly type: "conn.data";
  /** Connection id. */
  readonly uid: string;
  /** Who sent the bytes. */
  readonly dir: Direction;
  /** Offset of the first byte in this direction's stream. */
  readonly offset: number;
  /** Length of `data`. */
  readonly len: number;
  /** The captured bytes (base64 in NDJSON). */
  readonly data: Uint8Array;
}

/**
 * A connection ended. Exactly one per `conn.open`.
 *
 * @example
 * ```ts
 * import type { ConnCloseEvent } from "@sockscope/sockscope";
 * function total(ev: ConnCloseEvent): number { return ev.orig_bytes + ev.resp_bytes; }
 * ```
 */
export interface ConnCloseEvent extends FlowFields {
  /** Event type. */
  readonly type: "conn.close";
  /** Why it ended. */
  readonly reason: CloseReason;
  /** Seconds from accept to close (millisecond precision). */
  readonly duration: number;
  /** Exact bytes received from the peer. */
  readonly orig_bytes: number;
  /** Exact bytes sent to the peer. */
  readonly resp_bytes: number;
  /** The socket error message when `reason` is `error`. */
  readonly error?: string;
  /** ISO-8601 time the connection was accepted (the flow's start; `ts` is its end). */
  readonly start: string;
  /**
   * How the originator (the peer that connected) ended its sending: `fin`
   * (it half-closed or closed), `rst` (it reset), or `null` (neither was
   * seen before the record: the other side or sockscope ended first).
   */
  readonly orig_end: SideEnd;
  /**
   * How the responder ended its sending: in listen mode the responder is
   * sockscope itself (`fin` when it closed its side, `rst` when it reset);
   * in tap mode it is the upstream service. `null` when it never did (an
   * upstream that was never reached).
   */
  readonly resp_end: SideEnd;
  /** Which side ended first; `null` when neither ended before the record. */
  readonly first_end: Direction | null;
  /** Milliseconds from accept to the first byte from the originator; absent when none came. */
  readonly orig_first_ms?: number;
  /** Milliseconds from accept to the first byte towards the originator; absent when none went. */
  readonly resp_first_ms?: number;
  /** Datagrams from the originator (UDP flows only: sockets do not see TCP segments). */
  readonly orig_pkts?: number;
  /** Datagrams to the originator (UDP flows only). */
  readonly resp_pkts?: number;
  /** Application protocol recognised from the originator's first bytes (see `conn.app`). */
  readonly service?: ServiceName;
  /** Tap mode: the upstream's address. */
  readonly upstream_addr?: string;
  /** Tap mode: the upstream's port. */
  readonly upstream_port?: number;
  /** Tap mode: the local port of the connection to the upstream, once connected. */
  readonly upstream_sport?: number;
  /** Tap mode: milliseconds from accept until the upstream connection was established. */
  readonly upstream_connect_ms?: number;
  /** Tap mode: why the upstream could not be reached; the client was then closed. */
  readonly upstream_error?: UpstreamError;
}

/** How one side of a connection ended its sending. */
export type SideEnd = "fin" | "rst" | null;

/**
 * Why a tap could not reach its upstream: `refused` (RST to the SYN),
 * `unreachable` (no route, host or network unreachable), `timeout` (no
 * answer within the connect timeout), `error` (anything else).
 */
export type UpstreamError = "refused" | "unreachable" | "timeout" | "error";

/**
 * A connection was refused service by a limit: it is closed at once, and its
 * `conn.close` follows with the same reason.
 *
 * @example
 * ```ts
 * import type { ConnDropEvent } from "@sockscope/sockscope";
 * function why(ev: ConnDropEvent): string { return `${ev.reason} (limit ${ev.limit})`; }
 * ```
 */
export interface ConnDropEvent extends FlowFields {
  /** Event type. */
  readonly type: "conn.drop";
  /** What refused it: the connection limit, the access lists, or a ban. */
  readonly reason: "max-conns" | "denied" | "banned";
  /** The limit's value (`max-conns` only). */
  readonly limit?: number;
}

/**
 * A UDP datagram arrived.
 *
 * @example
 * ```ts
 * import type { UdpDatagramEvent } from "@sockscope/sockscope";
 * function size(ev: UdpDatagramEvent): number { return ev.len; }
 * ```
 */
export interface UdpDatagramEvent {
  /** ISO-8601 time of the event. */
  readonly ts: string;
  /** Event type. */
  readonly type: "udp.datagram";
  /** The UDP flow (5-tuple) this datagram belongs to: the `uid` of its `conn.open`/`conn.close`. */
  readonly uid: string;
  /** Who sent it: `orig` from the remote peer, `resp` from sockscope's side. */
  readonly dir: Direction;
  /** Community ID v1 of the 5-tuple (absent only if an address cannot be hashed). */
  readonly community_id?: string;
  /** Always `udp`. */
  readonly proto: "udp";
  /** Sender address. */
  readonly src: string;
  /** Sender port. */
  readonly sport: number;
  /** Local address. */
  readonly dst: string;
  /** Local port. */
  readonly dport: number;
  /** Exact datagram length. */
  readonly len: number;
  /** The first `captureBytes` of the datagram (base64 in NDJSON). */
  readonly data: Uint8Array;
}

/**
 * Kinds of trouble the monitor absorbed instead of crashing:
 * - `handler-error`: a per-connection callback threw; that connection was
 *   closed with reason `error`;
 * - `accept-exhausted`: accepting ran out of descriptors or buffers and backs
 *   off briefly;
 * - `accept-error`: another accept failure not tied to one connection;
 * - `subscriber-error`: an event subscriber (a writer) threw.
 */
export type WarningKind =
  | "handler-error"
  | "accept-exhausted"
  | "accept-error"
  | "subscriber-error";

/**
 * The monitor absorbed a fault. Emitted the first time each kind occurs;
 * every occurrence is counted in `stats().warnings`.
 *
 * @example
 * ```ts
 * import type { MonitorWarningEvent } from "@sockscope/sockscope";
 * function line(ev: MonitorWarningEvent): string { return `${ev.kind}: ${ev.message}`; }
 * ```
 */
export interface MonitorWarningEvent {
  /** ISO-8601 time of the event. */
  readonly ts: string;
  /** Event type. */
  readonly type: "monitor.warning";
  /** What went wrong. */
  readonly kind: WarningKind;
  /** The error's message. */
  readonly message: string;
}

/**
 * What the protocol fingerprints recognised in one direction of a
 * connection (or UDP flow): emitted once per direction, when the parser
 * has seen enough (a complete HTTP head or ClientHello, the capture window
 * full, or the end of that direction).
 *
 * @example
 * ```ts
 * import type { ConnAppEvent } from "@sockscope/sockscope";
 * function sni(ev: ConnAppEvent): string | undefined { return ev.tls?.sni; }
 * ```
 */
export interface ConnAppEvent extends FlowFields, AppInfo {
  /** Event type. */
  readonly type: "conn.app";
  /** Whose bytes were recognised. */
  readonly dir: Direction;
}

/**
 * The behaviour detectors (per source address, sliding windows):
 * - `scan`: many distinct local ports touched (a connect scan);
 * - `sweep`: many distinct local addresses touched;
 * - `flood`: many new connections per second;
 * - `concurrency`: many connections open at once;
 * - `empty-sessions`: many connections that closed without sending a byte.
 */
export type BehaviorKind = "scan" | "sweep" | "flood" | "concurrency" | "empty-sessions";

/** What a behaviour alert counted: the episode so far, when it tripped the threshold. */
export interface AlertEpisode {
  /** Which detector. */
  readonly kind: BehaviorKind;
  /** What was counted within the window (ports, addresses, connections). */
  readonly count: number;
  /** The threshold that was reached. */
  readonly threshold: number;
  /** The window length (seconds). */
  readonly window: number;
  /** Local ports touched in the episode (sorted, at most 1,024 listed). */
  readonly ports: readonly number[];
  /** Local addresses touched in the episode (at most 256 listed). */
  readonly addresses: readonly string[];
  /** ISO-8601 time of the episode's first connection. */
  readonly first: string;
}

/**
 * An alert: a behaviour detector's threshold was reached by a source
 * (`origin: "behavior"`), or a payload rule matched (`origin: "rule"`).
 * Shaped after Suricata's EVE `alert` (signature_id, rev, signature,
 * category, severity, action). Behaviour alerts come once per source and
 * episode; rule alerts once per (rule, source) and throttle window, with
 * the number suppressed since the last one in `suppressed`.
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "@sockscope/sockscope";
 * function line(a: AlertEvent): string { return `[${a.signature_id}] ${a.signature} from ${a.src ?? "unknown"}`; }
 * ```
 */
export interface AlertEvent extends FlowFields {
  /** Event type. */
  readonly type: "alert";
  /** Where the alert comes from. */
  readonly origin: "behavior" | "rule";
  /** `blocked` when the connection was closed because of it (ban, deny); else `allowed`. */
  readonly action: "allowed" | "blocked";
  /** Rule sid, or sockscope's fixed id of the behaviour detector (see docs/events.md). */
  readonly signature_id: number;
  /** Rule revision (1 for behaviour detectors). */
  readonly rev: number;
  /** Rule `msg`, or the detector's description. */
  readonly signature: string;
  /** Classification (Suricata's classtype description, e.g. "Detection of a Network Scan"). */
  readonly category: string;
  /** 1 (high) to 4 (low), from the rule's `priority` or its classtype. */
  readonly severity: number;
  /** Rule matches: which direction's bytes matched. */
  readonly dir?: Direction;
  /** Application protocol of the flow when known (`http`, `tls`, ...). */
  readonly app_proto?: string;
  /** Behaviour alerts: the episode that tripped the detector. */
  readonly episode?: AlertEpisode;
  /** Rule alerts: the rule's `metadata` key/value pairs, as written. */
  readonly metadata?: Readonly<Record<string, readonly string[]>>;
  /** Alerts of the same (signature, source) suppressed by throttling since the previous one. */
  readonly suppressed?: number;
}

/**
 * A behaviour episode ended: its source was quiet for a whole window. Says
 * what the episode amounted to, once, after its single alert.
 *
 * @example
 * ```ts
 * import type { EpisodeEndEvent } from "@sockscope/sockscope";
 * function line(e: EpisodeEndEvent): string { return `${e.kind} from ${e.src ?? "unknown"}: ${e.connections} connections`; }
 * ```
 */
export interface EpisodeEndEvent {
  /** ISO-8601 time of the event. */
  readonly ts: string;
  /** Event type. */
  readonly type: "episode.end";
  /** Which detector's episode. */
  readonly kind: BehaviorKind;
  /** The source address; `null` for the episode of connections of unknown source. */
  readonly src: string | null;
  /** ISO-8601 time of the first connection of the episode. */
  readonly first: string;
  /** ISO-8601 time of the last connection of the episode. */
  readonly last: string;
  /** Connections of the source during the episode. */
  readonly connections: number;
  /** Local ports touched (sorted, at most 1,024 listed). */
  readonly ports: readonly number[];
  /** Distinct local ports touched (exact, even past the listed ones). */
  readonly port_count: number;
  /** Local addresses touched (at most 256 listed). */
  readonly addresses: readonly string[];
}

/**
 * A source was banned (`--ban`: its alert turned into refusing it) or its
 * ban expired. While banned, its connections are closed on accept and
 * recorded. Ban lengths grow for repeat offenders.
 *
 * @example
 * ```ts
 * import type { BanEvent } from "@sockscope/sockscope";
 * function line(b: BanEvent): string { return `${b.action} ${b.src} for ${b.duration}s`; }
 * ```
 */
export interface BanEvent {
  /** ISO-8601 time of the event. */
  readonly ts: string;
  /** Event type. */
  readonly type: "ban";
  /** `ban` when it starts, `unban` when it expires (or the monitor stops). */
  readonly action: "ban" | "unban";
  /** The banned address. */
  readonly src: string;
  /** The alert that caused the ban (its signature). */
  readonly reason: string;
  /** The alert's signature id. */
  readonly signature_id: number;
  /** How many times this source has been banned, this one included. */
  readonly offense: number;
  /** Length of this ban (seconds). */
  readonly duration: number;
  /** ISO-8601 time the ban ends. */
  readonly until: string;
}

/**
 * Every event the monitor emits.
 *
 * @example
 * ```ts
 * import type { MonitorEvent } from "@sockscope/sockscope";
 * function describe(ev: MonitorEvent): string {
 *   return ev.type === "conn.close" ? `${ev.uid} closed: ${ev.reason}` : ev.type;
 * }
 * ```
 */
export type MonitorEvent =
  | ListenerUpEvent
  | ConnOpenEvent
  | ConnDataEvent
  | ConnCloseEvent
  | ConnDropEvent
  | UdpDatagramEvent
  | MonitorWarningEvent
  | ConnAppEvent
  | AlertEvent
  | EpisodeEndEvent
  | BanEvent;

/** Event types whose loss under overload is tolerated (and counted); the others are never dropped. */
export function isDroppable(ev: MonitorEvent): boolean {
  return ev.type === "conn.data" || ev.type === "udp.datagram";
}
