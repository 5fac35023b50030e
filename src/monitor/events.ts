/**
 * The typed event stream: what the monitor reports and what every writer
 * consumes. Field names are the NDJSON wire names (snake_case, Zeek-like
 * `orig`/`resp` for the side that opened the connection and the side that
 * accepted it); `docs/events.md` documents each one.
 *
 * @module
 */

/** Transport protocol of a listener or flow. */
export type Proto = "tcp" | "udp";

/**
 * Why a connection ended:
 * - `fin`: the peer closed its side normally;
 * - `rst`: the peer reset the connection;
 * - `idle-timeout`: no bytes either way for longer than the idle timeout;
 * - `max-conns`: accepted past the connection limit and closed at once;
 * - `shutdown`: the monitor was stopped;
 * - `error`: a socket error other than a reset (see `error`).
 */
export type CloseReason = "fin" | "rst" | "idle-timeout" | "max-conns" | "shutdown" | "error";

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
  /** The limit that applied. */
  readonly reason: "max-conns";
  /** The limit's value. */
  readonly limit: number;
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
  | MonitorWarningEvent;

/** Event types whose loss under overload is tolerated (and counted); the others are never dropped. */
export function isDroppable(ev: MonitorEvent): boolean {
  return ev.type === "conn.data" || ev.type === "udp.datagram";
}
