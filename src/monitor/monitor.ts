/**
 * The listen engine: binds every port, tracks every connection, emits the
 * event stream, and shuts down without losing a record.
 *
 * @module
 */

import type { RuntimeAdapter } from "../net/adapter.ts";
import type { Conn } from "../net/conn.ts";
import type { TcpListener } from "../net/listener.ts";
import type { UdpListener } from "../net/datagram.ts";
import { loadAdapter } from "../runtime/detect.ts";
import { isoTimestamp } from "../format/timestamp.ts";
import { EventHub, type EventListener, type SubscribeOptions } from "./event_hub.ts";
import { DEFAULT_QUEUE_LIMIT, EventQueue } from "./event_queue.ts";
import type {
  CloseReason,
  ConnCloseEvent,
  ListenerUpEvent,
  MonitorEvent,
  UdpDatagramEvent,
  WarningKind,
} from "./events.ts";
import { type ListenOptions, type ResolvedListenOptions, resolveListenOptions } from "./options.ts";
import type { MonitorStats } from "./stats.ts";
import { type SessionHost, TcpSession, type UpstreamTarget } from "./tcp_session.ts";
import type { TcpConnectOptions } from "../net/connect.ts";
import { TopCounter } from "./top_counter.ts";
import { udpCommunityId, type UdpFlow, UdpFlows } from "./udp_flows.ts";
import { LiveList } from "./live_list.ts";
import { newUid } from "./uid.ts";
import { UdpRelays, type UdpTarget } from "./udp_relay.ts";
import { Inspection } from "./inspection.ts";
import type { AppInfo } from "../detect/app_info.ts";
import { fingerprint } from "../detect/fingerprint/fingerprint.ts";
import {
  BehaviorDetector,
  type BehaviorEpisodeEnd,
  type BehaviorTrip,
} from "../detect/behavior.ts";
import { BEHAVIOR_SIGNATURES } from "../detect/behavior_config.ts";
import { type Ban, BanList } from "../detect/ban_list.ts";
import { AlertThrottle } from "../detect/alert_throttle.ts";
import type { RuleMatch } from "../detect/rules/rule_types.ts";
import type { AlertEvent, ConnOpenEvent, Direction, FlowFields } from "./events.ts";

/** How long `close()` waits for the runtime to report closed connections before recording them itself. */
const SHUTDOWN_GRACE_MS = 2000;
/** How often episodes and bans are checked for their end (ms). */
const DETECT_SWEEP_MS = 1000;
/** Services worth a `conn.app` event; the generic text/binary guess only goes into `service`. */
const RECOGNISED = new Set(["http", "tls", "ssh", "redis", "dns"]);

/**
 * A running monitor.
 *
 * @example
 * ```ts
 * import { listen } from "@sockscope/sockscope";
 * const monitor = await listen({ ports: [0] });
 * console.log(monitor.addresses);
 * await monitor.close();
 * ```
 */
export interface Monitor {
  /** The bound listeners (real ports when 0 was asked for). */
  readonly addresses: readonly {
    readonly proto: "tcp" | "udp";
    readonly host: string;
    readonly port: number;
  }[];
  /**
   * The event stream. Each iteration starts at the moment it begins (after
   * a replay of the `listener.up` events) and ends after `close()`.
   */
  readonly events: AsyncIterable<MonitorEvent>;
  /**
   * Adds a synchronous listener (for writers), first replaying the
   * `listener.up` events; returns the function that removes it.
   */
  subscribe(listener: EventListener, options?: SubscribeOptions): () => void;
  /** A snapshot of the counters. */
  stats(): MonitorStats;
  /** Resolves once `close()` has finished. */
  readonly closed: Promise<void>;
  /**
   * Stops accepting, closes every open connection (reason `shutdown`), waits
   * for their `conn.close` events and ends the event stream. Idempotent.
   */
  close(): Promise<void>;
}

class MonitorImpl implements Monitor, SessionHost {
  readonly hub: EventHub = new EventHub((err) => this.warn("subscriber-error", err));
  readonly captureBytes: number;
  readonly addresses: { proto: "tcp" | "udp"; host: string; port: number }[] = [];
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  #options: ResolvedListenOptions;
  #adapter: RuntimeAdapter;
  #tcp: TcpListener[] = [];
  #udp: UdpListener[] = [];
  #sessions = new LiveList<TcpSession>();
  #live = 0;
  #closing: Promise<void> | undefined;
  #allClosed: (() => void) | undefined;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #upEvents: ListenerUpEvent[] = [];
  #queues = new Set<EventQueue>();
  #startedMs = Date.now();
  #connsTotal = 0;
  #connsDropped = 0;
  #connsPeerUnknown = 0;
  #warnings: Record<WarningKind, number> = {
    "handler-error": 0,
    "accept-exhausted": 0,
    "accept-error": 0,
    "subscriber-error": 0,
  };
  #bytesIn = 0;
  #bytesOutClosed = 0;
  #datagrams = 0;
  #datagramBytes = 0;
  #eventsDropped = 0;
  #reasons: Record<CloseReason, number> = {
    fin: 0,
    rst: 0,
    "idle-timeout": 0,
    "max-conns": 0,
    shutdown: 0,
    error: 0,
    denied: 0,
    banned: 0,
  };
  #detector: BehaviorDetector | undefined;
  #bans: BanList | undefined;
  #throttle: AlertThrottle;
  #detectSweeper: ReturnType<typeof setInterval> | undefined;
  #alerts = 0;
  #connsRefused = 0;
  #sources = new TopCounter<string>(1024);
  #ports = new TopCounter<string>(1024);
  #portKeys = new Map<number, string>();
  #udpFlows: UdpFlows;
  /** UDP taps: each flow's socket towards its service (made with the first UDP tap). */
  #udpRelays: UdpRelays | undefined;
  #udpSweeper: ReturnType<typeof setInterval> | undefined;

  constructor(options: ResolvedListenOptions, adapter: RuntimeAdapter) {
    this.#options = options;
    this.#adapter = adapter;
    this.#udpFlows = new UdpFlows({
      emitFlow: (ev) => {
        if (ev.type === "conn.close") this.#udpRelays?.end(ev.uid);
        this.hub.emit(ev);
        this.#udpFlowEvent(ev);
      },
      warn: (kind, err) => this.warn(kind, err),
    }, options.udpTimeout);
    this.captureBytes = options.captureBytes;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    if (options.detect !== false) this.#detector = new BehaviorDetector(options.detect);
    if (options.ban !== undefined) this.#bans = new BanList(options.ban);
    this.#throttle = new AlertThrottle(options.alertThrottle);
  }

  async start(): Promise<void> {
    const { host, backlog } = this.#options;
    const onWarning = (w: { kind: WarningKind; error: Error }) => this.warn(w.kind, w.error);
    try {
      for (const port of this.#options.ports) {
        const l = await this.#adapter.listenTcp(
          { hostname: host, port, backlog, onWarning },
          (c) => this.#accept(c),
        );
        this.#tcp.push(l);
        this.#up("tcp", l.localAddress, l.localPort);
      }
      for (const tap of this.#options.taps) {
        if (tap.proto === "udp") {
          await this.#listenUdpTap(tap.host ?? host, tap.port, {
            host: tap.upstreamHost,
            port: tap.upstreamPort,
            reply: undefined,
          }, onWarning);
          continue;
        }
        const target: UpstreamTarget = {
          host: tap.upstreamHost,
          port: tap.upstreamPort,
          timeoutMs: this.#options.connectTimeout,
        };
        const l = await this.#adapter.listenTcp(
          { hostname: tap.host ?? host, port: tap.port, backlog, onWarning },
          (c) => this.#accept(c, target),
        );
        this.#tcp.push(l);
        this.#up("tcp", l.localAddress, l.localPort, target);
      }
      for (const port of this.#options.udpPorts) {
        let local = { host, port };
        const u = await this.#adapter.listenUdp(
          { hostname: host, port, onWarning },
          (data, addr, rport) => this.#datagram(local.host, local.port, data, addr, rport),
        );
        local = { host: u.localAddress, port: u.localPort };
        this.#udp.push(u);
        this.#up("udp", u.localAddress, u.localPort);
      }
    } catch (err) {
      await Promise.all(this.#tcp.map((l) => l.close()));
      for (const u of this.#udp) u.close();
      throw err;
    }
    if (this.#options.idleTimeout > 0) {
      const every = Math.min(1000, Math.max(10, Math.floor(this.#options.idleTimeout / 4)));
      this.#sweeper = setInterval(() => this.#sweep(), every);
    }
    if (this.#udp.length > 0) {
      const every = Math.min(1000, Math.max(10, Math.floor(this.#options.udpTimeout / 4)));
      this.#udpSweeper = setInterval(() => this.#udpFlows.sweep(), every);
    }
    if (this.#detector !== undefined || this.#bans !== undefined) {
      this.#detectSweeper = setInterval(() => this.#detectSweep(Date.now()), DETECT_SWEEP_MS);
    }
  }

  /** A UDP tap: datagrams to `port` are relayed to `target`, flow by flow. */
  async #listenUdpTap(
    hostname: string,
    port: number,
    target: UdpTarget,
    onWarning: (w: { kind: WarningKind; error: Error }) => void,
  ): Promise<void> {
    this.#udpRelays ??= new UdpRelays({
      listenUdp: (options, onDatagram) =>
        this.#adapter.listenUdp({ ...options, onWarning }, onDatagram),
      answered: (flow, data, target) => this.#answered(flow, data, target),
      warn: (kind, err) => this.warn(kind, err),
    }, this.#options.maxConns);
    let local = { host: hostname, port };
    const u = await this.#adapter.listenUdp(
      { hostname, port, onWarning },
      (data, addr, rport) => this.#datagram(local.host, local.port, data, addr, rport, target),
    );
    local = { host: u.localAddress, port: u.localPort };
    target.reply = u;
    this.#udp.push(u);
    this.#up("udp", u.localAddress, u.localPort, {
      host: target.host,
      port: target.port,
      timeoutMs: 0,
    });
  }

  /** The service answered a tapped UDP flow: recorded as `resp`, and sent on to the client. */
  #answered(flow: UdpFlow, data: Uint8Array, target: UdpTarget): void {
    this.#udpFlows.answered(flow, data.byteLength);
    // Back through the tap the flow came in by (two taps may share a port on other addresses).
    // UDP is best effort: a datagram the kernel refuses is lost, as on the wire.
    target.reply?.send(data, flow.src, flow.sport).catch(() => {});
    this.#emitDatagram(flow, "resp", data);
  }

  #up(proto: "tcp" | "udp", host: string, port: number, target?: UpstreamTarget): void {
    this.addresses.push({ proto, host, port });
    const ev: ListenerUpEvent = {
      ts: isoTimestamp(Date.now()),
      type: "listener.up",
      proto,
      host,
      port,
      ...(target ? { upstream_addr: target.host, upstream_port: target.port } : {}),
    };
    this.#upEvents.push(ev);
    this.hub.emit(ev);
  }

  connect(options: TcpConnectOptions): Promise<Conn> {
    return this.#adapter.connectTcp(options);
  }

  #accept(conn: Conn, target?: UpstreamTarget): void {
    if (this.#closing) {
      // Accepted in the instant between close() and the listener stopping.
      const s = new TcpSession(this, conn, target);
      this.#track(s);
      s.closeReason = "shutdown";
      conn.close();
      return;
    }
    const src = conn.remoteAddress;
    const refused = this.#options.access?.refuses(src)
      ? "denied"
      : src !== null && this.#bans?.isBanned(src, Date.now())
      ? "banned"
      : undefined;
    if (refused !== undefined) {
      // Closed on accept, and recorded like any other connection.
      const s = new TcpSession(this, conn, target);
      this.#track(s, false);
      this.#connsRefused++;
      this.hub.emit({ ...s.openEvent(), type: "conn.drop", reason: refused });
      s.closeFor(refused);
      return;
    }
    const dropped = this.#live >= this.#options.maxConns;
    const s = new TcpSession(this, conn, target);
    this.#track(s);
    if (dropped) {
      this.#connsDropped++;
      this.hub.emit({
        ...s.openEvent(),
        type: "conn.drop",
        reason: "max-conns",
        limit: this.#options.maxConns,
      });
      s.closeFor("max-conns");
      return;
    }
    this.#live++;
    s.live = true;
    if (s.closeReason !== undefined) return; // its own alert banned its source
    if (target !== undefined) s.dial();
    else if (this.#options.banner.byteLength > 0) s.send(this.#options.banner);
  }

  /**
   * Counts a fault absorbed somewhere below; the first of each kind is also
   * an event, so the console and the log say it once.
   */
  warn(kind: WarningKind, error: unknown): void {
    if (this.#warnings[kind]++ > 0) return;
    this.hub.emit({
      ts: isoTimestamp(Date.now()),
      type: "monitor.warning",
      kind,
      message: error instanceof Error ? error.message : String(error),
    });
  }

  #track(s: TcpSession, detect = true): void {
    this.#connsTotal++;
    const c = s.conn;
    const peer = c.remoteAddress;
    if (peer !== null) this.#sources.add(peer);
    else this.#connsPeerUnknown++;
    this.#ports.add(this.#tcpPortKey(c.localPort));
    this.#sessions.add(s);
    s.conn.start(s);
    this.hub.emit(s.openEvent());
    if (detect && this.#detector !== undefined) {
      s.detected = true;
      const trips = this.#detector.opened(peer, c.localAddress, c.localPort, s.startMs);
      if (trips.length > 0) this.#tripped(s, trips);
    }
  }

  inspect(s: TcpSession): Inspection | undefined {
    if (!this.#options.fingerprints && this.#options.rules === undefined) return undefined;
    return new Inspection(this.captureBytes, this.#options.rules !== undefined, fingerprint, s);
  }

  recognised(s: TcpSession, app: AppInfo): void {
    if (!RECOGNISED.has(app.service)) return;
    // When it was recognised, not when the connection opened.
    this.hub.emit({
      ...s.openEvent(),
      ...app,
      ts: isoTimestamp(Date.now()),
      type: "conn.app",
      dir: "orig",
    });
  }

  checkpoint(s: TcpSession, dir: Direction, payload: Uint8Array, app: AppInfo | undefined): void {
    const rules = this.#options.rules;
    if (rules === undefined) return;
    const c = s.conn;
    s.ruleFlow ??= rules.newFlowState();
    const matches = rules.match({
      proto: "tcp",
      src: c.remoteAddress,
      sport: c.remotePort,
      dst: c.localAddress,
      dport: c.localPort,
      dir,
      payload,
      app,
      nowMs: Date.now(),
    }, s.ruleFlow);
    for (const m of matches) {
      // One alert per rule and connection, however many checkpoints match.
      if (s.fired?.has(m.sid)) continue;
      (s.fired ??= new Set()).add(m.sid);
      this.#ruleAlert(s.openEvent(), m, dir, app, s);
    }
  }

  /** A rule matched: throttled per (rule, source), then an alert (and maybe a ban). */
  #ruleAlert(
    flow: FlowFields,
    m: RuleMatch,
    dir: Direction,
    app: AppInfo | undefined,
    s: TcpSession | undefined,
  ): void {
    const nowMs = Date.now();
    const admitted = this.#throttle.admit(m.sid, flow.src, nowMs);
    if (admitted === false) return;
    const blocked = this.#banFor(flow.src, m.msg, m.sid, nowMs);
    this.#emitAlert({
      ...flow,
      ts: isoTimestamp(nowMs),
      type: "alert",
      origin: "rule",
      action: blocked ? "blocked" : "allowed",
      signature_id: m.sid,
      rev: m.rev,
      signature: m.msg,
      category: m.category,
      severity: m.severity,
      dir,
      ...(app !== undefined && RECOGNISED.has(app.service) ? { app_proto: app.service } : {}),
      ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
      ...(admitted > 0 ? { suppressed: admitted } : {}),
    });
    if (blocked) s?.closeFor("banned");
  }

  /** Behaviour detectors tripped on session `s`: one alert each (and maybe a ban). */
  #tripped(s: TcpSession, trips: readonly BehaviorTrip[]): void {
    const nowMs = Date.now();
    let blocked = false;
    for (const trip of trips) blocked = this.#behaviorAlert(s.openEvent(), trip, nowMs) || blocked;
    if (blocked) s.closeFor("banned");
  }

  /** One behaviour alert on the connection or flow `flow`; true when it banned the source. */
  #behaviorAlert(flow: FlowFields, trip: BehaviorTrip, nowMs: number): boolean {
    const sig = BEHAVIOR_SIGNATURES[trip.episode.kind];
    const banned = this.#banFor(trip.src, sig.text, sig.id, nowMs);
    this.#emitAlert({
      ...flow,
      ts: isoTimestamp(nowMs),
      type: "alert",
      origin: "behavior",
      action: banned ? "blocked" : "allowed",
      signature_id: sig.id,
      rev: 1,
      signature: sig.text,
      category: sig.category,
      severity: sig.severity,
      episode: trip.episode,
    });
    return banned;
  }

  #emitAlert(alert: AlertEvent): void {
    this.#alerts++;
    this.hub.emit(alert);
  }

  /** With `ban` on, bans `src` for the alert; true when it now is banned. */
  #banFor(src: string | null, reason: string, sid: number, nowMs: number): boolean {
    const bans = this.#bans;
    if (bans === undefined || src === null) return false;
    const ban = bans.ban(src, nowMs, reason, sid);
    if (ban === undefined) return bans.isBanned(src, nowMs);
    this.#emitBan("ban", ban, nowMs);
    return true;
  }

  #emitBan(action: "ban" | "unban", ban: Ban, nowMs: number): void {
    this.hub.emit({
      ts: isoTimestamp(nowMs),
      type: "ban",
      action,
      src: ban.src,
      reason: ban.reason,
      signature_id: ban.signatureId,
      offense: ban.offense,
      duration: (ban.untilMs - ban.sinceMs) / 1000,
      until: isoTimestamp(ban.untilMs),
    });
  }

  /** Ends quiet episodes and expired bans. */
  #detectSweep(nowMs: number, all = false): void {
    const ends = this.#detector === undefined
      ? []
      : all
      ? this.#detector.endAll()
      : this.#detector.sweep(nowMs);
    for (const e of ends) this.#episodeEnded(e, nowMs);
    const bans = this.#bans;
    if (bans === undefined) return;
    for (const ban of all ? bans.liftAll() : bans.expire(nowMs)) this.#emitBan("unban", ban, nowMs);
  }

  #episodeEnded(e: BehaviorEpisodeEnd, nowMs: number): void {
    this.hub.emit({
      ts: isoTimestamp(nowMs),
      type: "episode.end",
      kind: e.kind,
      src: e.src,
      first: isoTimestamp(e.firstMs),
      last: isoTimestamp(e.lastMs),
      connections: e.connections,
      ports: e.ports,
      port_count: e.portCount,
      addresses: e.addresses,
    });
  }

  /** `tcp/PORT`, made once per port rather than once per connection. */
  #tcpPortKey(port: number): string {
    let key = this.#portKeys.get(port);
    if (key === undefined) this.#portKeys.set(port, key = `tcp/${port}`);
    return key;
  }

  countIn(n: number): void {
    this.#bytesIn += n;
  }

  sessionClosed(s: TcpSession, event: ConnCloseEvent): void {
    if (!this.#sessions.delete(s)) return;
    if (s.live) this.#live--;
    // Every connection the detectors counted open is counted closed (one banned by its own
    // alert included), or its source's episode could never end.
    if (this.#detector !== undefined && s.detected) {
      const trips = this.#detector.closed(event.src, event.orig_bytes, Date.now());
      if (trips.length > 0) this.#tripped(s, trips);
    }
    this.#bytesOutClosed += event.resp_bytes;
    this.#reasons[event.reason]++;
    this.hub.emit(event);
    if (this.#sessions.size === 0) this.#allClosed?.();
  }

  #datagram(
    host: string,
    port: number,
    data: Uint8Array,
    addr: string,
    rport: number,
    target?: UdpTarget,
  ): void {
    this.#datagrams++;
    this.#datagramBytes += data.byteLength;
    this.#sources.add(addr);
    this.#ports.add(`udp/${port}`);
    const relays = this.#udpRelays;
    if (target !== undefined && relays!.full && !this.#udpFlows.has(addr, rport, host, port)) {
      // A new tapped flow past the connection limit: refused and recorded, as a TCP one is.
      this.#connsDropped++;
      this.hub.emit({
        ts: isoTimestamp(Date.now()),
        type: "conn.drop",
        uid: newUid(),
        community_id: udpCommunityId(addr, rport, host, port),
        proto: "udp",
        src: addr,
        sport: rport,
        dst: host,
        dport: port,
        reason: "max-conns",
        limit: this.#options.maxConns,
      });
      return;
    }
    const flow = this.#udpFlows.received(addr, rport, host, port, data.byteLength);
    this.#inspectDatagram(flow, data);
    if (target !== undefined) relays!.forward(flow, target, data);
    this.#emitDatagram(flow, "orig", data);
  }

  #emitDatagram(flow: UdpFlow, dir: Direction, data: Uint8Array): void {
    if (!this.hub.active) return;
    const take = Math.min(data.byteLength, this.captureBytes);
    const ev: UdpDatagramEvent = {
      ts: isoTimestamp(flow.lastMs),
      type: "udp.datagram",
      uid: flow.uid,
      dir,
      community_id: flow.communityId,
      proto: "udp",
      src: flow.src,
      sport: flow.sport,
      dst: flow.dst,
      dport: flow.dport,
      len: data.byteLength,
      data: this.hub.wantsData ? data.slice(0, take) : new Uint8Array(0),
    };
    this.hub.emit(ev);
  }

  /** UDP flows count for the behaviour detectors as connections do. */
  #udpFlowEvent(ev: ConnOpenEvent | ConnCloseEvent): void {
    const detector = this.#detector;
    if (detector === undefined) return;
    const nowMs = Date.now();
    const trips = ev.type === "conn.open"
      ? detector.opened(ev.src, ev.dst, ev.dport, nowMs)
      : detector.closed(ev.src, ev.orig_bytes, nowMs);
    for (const trip of trips) this.#behaviorAlert(ev, trip, nowMs);
  }

  /** Fingerprints (first datagram of a flow) and rules (every datagram) on UDP. */
  #inspectDatagram(flow: UdpFlow, data: Uint8Array): void {
    const rules = this.#options.rules;
    const first = flow.origPkts === 1;
    if (!(this.#options.fingerprints && first) && rules === undefined) return;
    try {
      const payload = data.byteLength > this.captureBytes
        ? data.subarray(0, this.captureBytes)
        : data;
      const r = payload.byteLength === 0 ? undefined : fingerprint(payload, "udp", true);
      const app = r === "more" ? undefined : r;
      const fields: FlowFields = {
        ts: isoTimestamp(flow.lastMs),
        uid: flow.uid,
        community_id: flow.communityId,
        proto: "udp",
        src: flow.src,
        sport: flow.sport,
        dst: flow.dst,
        dport: flow.dport,
      };
      if (first && app !== undefined) {
        flow.service = app.service;
        if (RECOGNISED.has(app.service)) {
          this.hub.emit({ ...fields, ...app, type: "conn.app", dir: "orig" });
        }
      }
      if (rules === undefined) return;
      flow.ruleFlow ??= rules.newFlowState();
      const matches = rules.match({
        proto: "udp",
        src: flow.src,
        sport: flow.sport,
        dst: flow.dst,
        dport: flow.dport,
        dir: "orig",
        payload,
        app,
        nowMs: flow.lastMs,
      }, flow.ruleFlow);
      for (const m of matches) this.#ruleAlert(fields, m, "orig", app, undefined);
    } catch (err) {
      this.warn("handler-error", err); // a hostile datagram costs its inspection, not the monitor
    }
  }

  #sweep(): void {
    const now = Date.now();
    const limit = this.#options.idleTimeout;
    // Backwards: a session that leaves the list at once hands its slot to one already seen.
    const sessions = this.#sessions.values();
    for (let i = sessions.length - 1; i >= 0; i--) {
      const s = sessions[i];
      if (s !== undefined && now - s.lastActive >= limit) s.closeFor("idle-timeout");
    }
  }

  get events(): AsyncIterable<MonitorEvent> {
    return {
      [Symbol.asyncIterator]: () => {
        let unsubscribe = () => {};
        const queue = new EventQueue(
          DEFAULT_QUEUE_LIMIT,
          () => this.#eventsDropped++,
          () => {
            unsubscribe();
            this.#queues.delete(queue);
          },
        );
        for (const ev of this.#upEvents) queue.push(ev);
        if (this.#closing && this.#sessions.size === 0) {
          queue.end();
          return queue;
        }
        this.#queues.add(queue);
        unsubscribe = this.hub.subscribe((ev) => queue.push(ev));
        return queue;
      },
    };
  }

  subscribe(listener: EventListener, options?: SubscribeOptions): () => void {
    // Late subscribers still learn where the monitor listens.
    for (const ev of this.#upEvents) {
      try {
        listener(ev);
      } catch (err) {
        this.warn("subscriber-error", err);
      }
    }
    return this.hub.subscribe(listener, options);
  }

  stats(): MonitorStats {
    let bytesOut = this.#bytesOutClosed;
    for (const s of this.#sessions.values()) bytesOut += s.conn.bytesWritten;
    return {
      startedAt: new Date(this.#startedMs).toISOString(),
      uptime: (Date.now() - this.#startedMs) / 1000,
      connsOpen: this.#sessions.size,
      connsTotal: this.#connsTotal,
      connsDropped: this.#connsDropped,
      connsRefused: this.#connsRefused,
      alerts: this.#alerts,
      alertsSuppressed: this.#throttle.suppressedTotal,
      bansActive: this.#bans?.active ?? 0,
      bansTotal: this.#bans?.total ?? 0,
      connsPeerUnknown: this.#connsPeerUnknown,
      bytesIn: this.#bytesIn,
      bytesOut,
      datagrams: this.#datagrams,
      datagramBytes: this.#datagramBytes,
      eventsDropped: this.#eventsDropped,
      closeReasons: { ...this.#reasons },
      warnings: { ...this.#warnings },
      topSources: this.#sources.top(10).map(({ key, count }) => ({ address: key, count })),
      topPorts: this.#ports.top(10).map(({ key, count }) => {
        const [proto, port] = key.split("/");
        return { proto: proto as "tcp" | "udp", port: Number(port), count };
      }),
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const released = Promise.all(this.#tcp.map((l) => l.close()));
    for (const u of this.#udp) u.close();
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    if (this.#udpSweeper !== undefined) clearInterval(this.#udpSweeper);
    if (this.#detectSweeper !== undefined) clearInterval(this.#detectSweeper);
    this.#udpFlows.closeAll();
    this.#udpRelays?.closeAll();
    if (this.#sessions.size > 0) {
      const all = new Promise<void>((resolve) => (this.#allClosed = resolve));
      for (const s of [...this.#sessions.values()]) s.closeFor("shutdown");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((
        resolve,
      ) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
      await Promise.race([all, grace]);
      clearTimeout(timer);
      // Whatever the runtime never reported still gets its record.
      for (const s of [...this.#sessions.values()]) s.forceClosed("shutdown");
    }
    await released;
    // Every alerted episode gets its summary; bans end with the monitor.
    this.#detectSweep(Date.now(), true);
    for (const q of this.#queues) q.end();
    this.#queues.clear();
    this.#resolveClosed();
  }
}

/**
 * Starts monitoring: binds every TCP and UDP port and resolves once all are
 * listening. Rejects with {@linkcode AddressInUseError},
 * {@linkcode PermissionDeniedError} or {@linkcode AddressNotAvailableError}
 * when a port cannot be bound (none stays bound then), and with
 * TypeError / RangeError for invalid options.
 *
 * @example
 * ```ts
 * import { listen } from "@sockscope/sockscope";
 *
 * const monitor = await listen({ host: "127.0.0.1", ports: [0] });
 * const { port } = monitor.addresses[0];
 * console.log(`listening on ${port}`);
 * for await (const event of monitor.events) {
 *   if (event.type === "listener.up") break;
 * }
 * await monitor.close();
 * ```
 */
export async function listen(options: ListenOptions = {}): Promise<Monitor> {
  const resolved = resolveListenOptions(options);
  const adapter = typeof options.adapter === "object"
    ? options.adapter
    : await loadAdapter(options.adapter);
  const monitor = new MonitorImpl(resolved, adapter);
  await monitor.start();
  return monitor;
}
