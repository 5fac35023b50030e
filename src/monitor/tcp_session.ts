/**
 * One monitored TCP connection: counts bytes, captures the first bytes of
 * each direction, and turns the adapter's callbacks into events.
 *
 * @module
 */

import type { Conn, ConnCloseInfo, ConnHandler } from "../net/conn.ts";
import type { TcpConnectOptions } from "../net/connect.ts";
import { ConnectError } from "../net/errors.ts";
import { communityId } from "../format/community_id.ts";
import { isoTimestamp } from "../format/timestamp.ts";
import type {
  CloseReason,
  ConnCloseEvent,
  ConnDataEvent,
  ConnOpenEvent,
  Direction,
  SideEnd,
  UpstreamError,
} from "./events.ts";
import type { EventHub } from "./event_hub.ts";
import { newUid } from "./uid.ts";
import type { Inspection, InspectionSink } from "./inspection.ts";
import type { AppInfo } from "../detect/app_info.ts";
import type { Listed } from "./live_list.ts";

const TCP = 6;

/** What a session needs from its monitor. */
export interface SessionHost {
  /** Where events go. */
  readonly hub: EventHub;
  /** Capture window per direction. */
  readonly captureBytes: number;
  /** Called once when the session has emitted its `conn.close`. */
  sessionClosed(session: TcpSession, event: ConnCloseEvent): void;
  /** Counts bytes received, for live stats. */
  countIn(n: number): void;
  /** Reports a fault the session absorbed (it never throws into the adapter). */
  warn(kind: "handler-error", error: unknown): void;
  /** Dials a tap's upstream. */
  connect(options: TcpConnectOptions): Promise<Conn>;
  /** The session's payload inspection, or undefined when nothing inspects payloads. */
  inspect(session: TcpSession): Inspection | undefined;
  /** The originator's bytes were recognised. */
  recognised(session: TcpSession, app: AppInfo): void;
  /** An inspection checkpoint: run the payload rules. */
  checkpoint(
    session: TcpSession,
    dir: Direction,
    payload: Uint8Array,
    app: AppInfo | undefined,
  ): void;
}

/** Where a tap session relays to. */
export interface UpstreamTarget {
  /** The service's host. */
  readonly host: string;
  /** The service's port. */
  readonly port: number;
  /** Connect timeout (ms). */
  readonly timeoutMs: number;
}

type UpstreamState = "connecting" | "open" | "closed" | "failed";
/** Client bytes held while the upstream connects; past it the client is paused. */
const PENDING_LIMIT = 64 * 1024;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Tap mode: the relay's other half. Allocated only for tap sessions, so
 * listen sessions stay small.
 *
 * A class, not an object literal, and so is {@linkcode UpstreamHandler}:
 * V8 pretenures the objects of a literal that keep surviving scavenges (a
 * connection in flight does), and an old-generation relay that is garbage
 * still holds the young objects assigned to it later (the upstream
 * connection, and through it the whole session) until the next full GC.
 * Through the tap on Node that tripled what survives each scavenge
 * (`--no-allocation-site-pretenuring`: 4.3 -> 1.3 KB per connection).
 */
class Relay {
  readonly target: UpstreamTarget;
  up: Conn | undefined = undefined;
  state: UpstreamState | undefined = undefined;
  connectMs: number | undefined = undefined;
  error: UpstreamError | undefined = undefined;
  failure: Error | undefined = undefined;
  /** Client bytes that arrived while the upstream was still connecting. */
  pending: Uint8Array[] | undefined = undefined;
  pendingBytes = 0;
  /** The client's FIN came before the upstream answered. */
  origEndPending = false;

  constructor(target: UpstreamTarget) {
    this.target = target;
  }
}

/** The upstream connection's handler: hands each callback to its session. */
class UpstreamHandler implements ConnHandler {
  #session: TcpSession;
  #relay: Relay;

  constructor(session: TcpSession, relay: Relay) {
    this.#session = session;
    this.#relay = relay;
  }

  data(chunk: Uint8Array): void {
    this.#session.upstreamData(this.#relay, chunk);
  }

  end(): void {
    this.#session.upstreamEnd();
  }

  drain(): void {
    this.#session.conn.resume();
  }

  close(info: ConnCloseInfo): void {
    this.#session.upstreamClosed(this.#relay, info);
  }
}

/**
 * Community ID of a TCP flow; undefined (and reported) if an address cannot be
 * hashed, e.g. a zone-scoped IPv6 literal: a record without an ID beats a
 * connection without a record.
 */
function flowId(
  host: SessionHost,
  srcAddr: string,
  srcPort: number,
  dstAddr: string,
  dstPort: number,
): string | undefined {
  try {
    return communityId({ proto: TCP, srcAddr, dstAddr, srcPort, dstPort });
  } catch (err) {
    host.warn("handler-error", err);
    return undefined;
  }
}

/** A monitored connection; it is the adapter's {@linkcode ConnHandler}. */
export class TcpSession implements ConnHandler, InspectionSink, Listed {
  readonly conn: Conn;
  readonly uid: string = newUid();
  /** Undefined when the peer is unknown (or its address cannot be hashed). */
  readonly communityId: string | undefined;
  readonly startMs: number;
  lastActive: number;
  origBytes = 0;
  /** Set by the monitor before it closes the connection itself. */
  closeReason: CloseReason | undefined;
  /** True while the session counts against the connection limit. */
  live = false;
  /** Its slot in the monitor's list of open sessions (-1 when not listed). */
  listIndex = -1;
  /** True when the behaviour detectors counted it open (so they count its close). */
  detected = false;
  /** Tap mode: the client can take more, so the upstream may send again. */
  drain: (() => void) | undefined;
  /** Payload inspection (fingerprints, rules): made at the first byte (null when off). */
  #inspection: Inspection | null | undefined;
  /** What the originator's bytes were (kept when the inspection is dropped). */
  #app: AppInfo | undefined;
  /** The rules' per-flow state (flowbits), made on first use. */
  ruleFlow: unknown;
  /** Rule sids that already alerted on this connection. */
  fired: Set<number> | undefined;
  #host: SessionHost;
  #respCaptured = 0;
  #closed = false;
  #origEnd: SideEnd = null;
  #respEnd: SideEnd = null;
  #firstEnd: Direction | null = null;
  #origFirstMs: number | undefined;
  #respFirstMs: number | undefined;
  #relay: Relay | undefined;
  #clientInfo: ConnCloseInfo | undefined;

  constructor(host: SessionHost, conn: Conn, target?: UpstreamTarget) {
    this.#host = host;
    this.conn = conn;
    if (target !== undefined) {
      // Only a tap waits for the client to take more (listen sessions then
      // cost the adapter no 'drain' listener).
      this.drain = () => this.#relay?.up?.resume();
      this.#relay = new Relay(target);
    }
    this.startMs = Date.now();
    this.lastActive = this.startMs;
    this.communityId = conn.remoteAddress === null || conn.remotePort === null
      ? undefined
      : flowId(host, conn.remoteAddress, conn.remotePort, conn.localAddress, conn.localPort);
  }

  /** Hands bytes to the inspection, made on the first of them (a silent peer costs none). */
  #inspect(dir: Direction, offset: number, chunk: Uint8Array): void {
    let inspection = this.#inspection;
    if (inspection === undefined) inspection = this.#inspection = this.#host.inspect(this) ?? null;
    if (inspection === null) return;
    inspection.data(dir, offset, chunk);
    // Recognised and nothing left to inspect (no rules): a held connection keeps no inspection.
    if (inspection.finished) this.#inspection = null;
  }

  /** {@linkcode InspectionSink}: the monitor turns it into `conn.app`. */
  recognised(app: AppInfo): void {
    this.#app = app;
    this.#host.recognised(this, app);
  }

  /** {@linkcode InspectionSink}: the monitor runs the rules. */
  checkpoint(dir: Direction, payload: Uint8Array, app: AppInfo | undefined): void {
    this.#host.checkpoint(this, dir, payload, app);
  }

  /** {@linkcode InspectionSink}: a parser or rule threw; reported, the connection goes on. */
  failed(error: unknown): void {
    this.#host.warn("handler-error", error);
  }

  /** The `conn.open` event of this session. */
  openEvent(): ConnOpenEvent {
    const c = this.conn;
    return {
      ts: isoTimestamp(this.startMs),
      type: "conn.open",
      uid: this.uid,
      community_id: this.communityId,
      proto: "tcp",
      src: c.remoteAddress,
      sport: c.remotePort,
      dst: c.localAddress,
      dport: c.localPort,
    };
  }

  /** Sends bytes to the peer and captures them as `resp`. */
  send(data: Uint8Array): void {
    if (data.byteLength === 0) return;
    this.#respFirstMs ??= Date.now() - this.startMs;
    this.#capture("resp", this.#respCaptured, data);
    this.#inspect("resp", this.#respCaptured, data);
    this.#respCaptured += data.byteLength;
    this.conn.write(data);
  }

  data(chunk: Uint8Array): void {
    const n = chunk.byteLength;
    const offset = this.origBytes;
    this.origBytes = offset + n;
    this.lastActive = Date.now();
    if (offset === 0) this.#origFirstMs = this.lastActive - this.startMs;
    this.#host.countIn(n);
    if (offset < this.#host.captureBytes) {
      this.#capture("orig", offset, chunk);
      this.#inspect("orig", offset, chunk);
    }
    const relay = this.#relay;
    if (relay === undefined) return;
    if (relay.state === "open") {
      if (!relay.up!.write(chunk)) this.conn.pause(); // resumed by the upstream's drain
    } else if (relay.state === "connecting") {
      // Keep reading (and recording) what the client sends meanwhile, up to
      // a bound: even a client of a dead upstream shows what it wanted.
      (relay.pending ??= []).push(chunk.slice());
      relay.pendingBytes += n;
      if (relay.pendingBytes >= PENDING_LIMIT) this.conn.pause();
    }
  }

  /** Tap mode: dials the upstream; the client waits (paused) until it answers. */
  dial(): void {
    const relay = this.#relay;
    if (relay === undefined || relay.state !== undefined) return;
    relay.state = "connecting";
    const { host, port, timeoutMs } = relay.target;
    this.#host.connect({ hostname: host, port, timeoutMs })
      .then((up) => this.#upOpened(relay, up), (err) => this.#upFailed(relay, err));
  }

  #upOpened(relay: Relay, up: Conn): void {
    relay.up = up;
    relay.connectMs = Date.now() - this.startMs;
    relay.state = "open";
    up.start(new UpstreamHandler(this, relay));
    if (this.#clientInfo !== undefined) {
      // The client left while we were dialling.
      if (this.#clientInfo.reset) up.reset();
      else up.close();
      return;
    }
    let full = false;
    for (const chunk of relay.pending ?? []) full = !up.write(chunk);
    const paused = relay.pendingBytes >= PENDING_LIMIT;
    relay.pending = undefined;
    relay.pendingBytes = 0;
    if (relay.origEndPending) up.closeWrite();
    // Paused for the limit: resume now, or on the upstream's drain when it is full.
    if (paused && !full) this.conn.resume();
  }

  #upFailed(relay: Relay, err: unknown): void {
    relay.state = "failed";
    relay.pending = undefined;
    relay.pendingBytes = 0;
    relay.error = err instanceof ConnectError ? err.reason : "error";
    relay.failure = err instanceof Error ? err : new Error(String(err));
    if (this.#clientInfo !== undefined) return this.#finish();
    this.closeReason ??= "error";
    // Refused is passed on as what it was (a reset) where the runtime can.
    if (relay.error === "refused") this.conn.reset();
    else this.conn.close();
  }

  /** {@linkcode UpstreamHandler}: the service's bytes, on their way to the client. */
  upstreamData(relay: Relay, chunk: Uint8Array): void {
    const up = relay.up!;
    const n = chunk.byteLength;
    this.lastActive = Date.now();
    this.#respFirstMs ??= this.lastActive - this.startMs;
    this.#capture("resp", this.#respCaptured, chunk);
    this.#inspect("resp", this.#respCaptured, chunk);
    this.#respCaptured += n;
    if (!this.conn.write(chunk)) up.pause(); // resumed by the client's drain
  }

  /** {@linkcode UpstreamHandler}: the service's FIN goes on to the client. */
  upstreamEnd(): void {
    this.#ended("resp", "fin");
    this.#inspection?.end("resp");
    this.conn.closeWrite();
  }

  /** {@linkcode UpstreamHandler}: the upstream connection is gone. */
  upstreamClosed(relay: Relay, info: ConnCloseInfo): void {
    relay.state = "closed";
    if (info.reset) {
      this.#ended("resp", "rst");
      this.conn.reset(); // the reset is passed on
    } else if (this.#clientInfo === undefined) {
      // A clean close means both directions ended: the client's side then
      // closes by itself once what is queued for it is written (close()
      // would discard that). Only a failed upstream cuts the client off.
      if (info.error) this.conn.close();
      else this.conn.closeWrite();
    }
    this.#finish();
  }

  #capture(dir: Direction, offset: number, chunk: Uint8Array): void {
    const host = this.#host;
    if (offset >= host.captureBytes || !host.hub.wantsData) return;
    const take = Math.min(chunk.byteLength, host.captureBytes - offset);
    const event: ConnDataEvent = {
      ts: isoTimestamp(Date.now()),
      type: "conn.data",
      uid: this.uid,
      dir,
      offset,
      len: take,
      // A copy: adapters reuse their buffers, and a slice of a large chunk
      // would pin the whole chunk.
      data: chunk.slice(0, take),
    };
    host.hub.emit(event);
  }

  end(): void {
    this.#ended("orig", "fin");
    this.#inspection?.end("orig");
    const relay = this.#relay;
    if (relay !== undefined) {
      // Tap: the client's FIN goes on to the upstream (after what is queued).
      if (relay.state === "open") relay.up!.closeWrite();
      else relay.origEndPending = true;
      return;
    }
    // Sink semantics: the peer is done sending, so finish our side too.
    this.#ended("resp", "fin");
    this.conn.closeWrite();
  }

  /** Notes how a side ended; the first to end is remembered. */
  #ended(side: Direction, how: "fin" | "rst"): void {
    if (side === "orig") {
      if (this.#origEnd === "rst") return;
      this.#origEnd = how;
    } else {
      if (this.#respEnd === "rst") return;
      this.#respEnd = how;
    }
    this.#firstEnd ??= side;
  }

  close(info: ConnCloseInfo): void {
    if (this.#closed || this.#clientInfo !== undefined) return;
    this.#clientInfo = info;
    if (info.reset) this.#ended("orig", "rst");
    const relay = this.#relay;
    if (relay?.state === "open") {
      if (info.reset) relay.up!.reset(); // the reset is passed on
      else if (info.error) relay.up!.close();
      else relay.up!.closeWrite(); // see upstreamClosed: queued bytes still go out
    }
    this.#finish();
  }

  /** Emits the record once the client and (in tap mode) the upstream are both done. */
  #finish(): void {
    const info = this.#clientInfo;
    if (this.#closed || info === undefined) return;
    const relay = this.#relay;
    if (relay?.state === "connecting" || relay?.state === "open") return;
    this.#closed = true;
    const inspection = this.#inspection;
    if (inspection) {
      // Last checkpoints (their alerts come before the record), then the service.
      inspection.end("orig");
      inspection.end("resp");
    }
    const failure = info.error ?? relay?.failure;
    const reason: CloseReason = this.closeReason ??
      (info.reset || (relay !== undefined && this.#respEnd === "rst")
        ? "rst"
        : failure
        ? "error"
        : "fin");
    const now = Date.now();
    const c = this.conn;
    // One literal plus conditional fields, no spreads: this runs once per
    // connection. (The log's encoder writes the fields in its own fixed order.)
    const event: Mutable<ConnCloseEvent> = {
      ts: isoTimestamp(now),
      type: "conn.close",
      uid: this.uid,
      community_id: this.communityId,
      proto: "tcp",
      src: c.remoteAddress,
      sport: c.remotePort,
      dst: c.localAddress,
      dport: c.localPort,
      reason,
      duration: (now - this.startMs) / 1000,
      orig_bytes: this.origBytes,
      resp_bytes: c.bytesWritten,
      // (in the interface's order, which the log's encoder keeps)
      error: reason === "error" && failure ? String(failure.message ?? failure) : undefined,
      start: isoTimestamp(this.startMs),
      orig_end: this.#origEnd,
      resp_end: this.#respEnd,
      first_end: this.#firstEnd,
    };
    if (this.#origFirstMs !== undefined) event.orig_first_ms = this.#origFirstMs;
    if (this.#respFirstMs !== undefined) event.resp_first_ms = this.#respFirstMs;
    const service = this.#app?.service;
    if (service !== undefined) event.service = service;
    if (relay !== undefined) {
      event.upstream_addr = relay.target.host;
      event.upstream_port = relay.target.port;
      if (relay.up !== undefined) event.upstream_sport = relay.up.localPort;
      if (relay.connectMs !== undefined) event.upstream_connect_ms = relay.connectMs;
      if (relay.error !== undefined) event.upstream_error = relay.error;
    }
    this.#host.sessionClosed(this, event);
  }

  /** Closes the connection on the monitor's initiative, recording `reason`. */
  closeFor(reason: CloseReason): void {
    if (this.#closed) return;
    this.closeReason ??= reason;
    const relay = this.#relay;
    if (relay === undefined) {
      // sockscope ends the connection: its FIN goes out (unless the peer had
      // already reset, which close() then records).
      this.#ended("resp", "fin");
    } else if (relay.state === "open") {
      relay.up!.close();
    }
    this.conn.close();
  }

  /** Whether `close` has run. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Records a close the adapter never reported (last resort at shutdown). */
  forceClosed(reason: CloseReason): void {
    this.closeReason ??= reason;
    const relay = this.#relay;
    if (relay?.state === "connecting" || relay?.state === "open") relay.state = "closed";
    this.close({ reset: false });
    this.#clientInfo ??= { reset: false };
    this.#finish();
  }
}
