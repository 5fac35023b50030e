/**
 * One monitored TCP connection: counts bytes, captures the first bytes of
 * each direction, and turns the adapter's callbacks into events.
 *
 * @module
 */

import type { Conn, ConnCloseInfo, ConnHandler } from "../net/conn.ts";
import { communityId } from "../format/community_id.ts";
import { isoTimestamp } from "../format/timestamp.ts";
import type {
  CloseReason,
  ConnCloseEvent,
  ConnDataEvent,
  ConnOpenEvent,
  Direction,
  SideEnd,
} from "./events.ts";
import type { EventHub } from "./event_hub.ts";
import { newUid } from "./uid.ts";

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
export class TcpSession implements ConnHandler {
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
  #host: SessionHost;
  #respCaptured = 0;
  #closed = false;
  #origEnd: SideEnd = null;
  #respEnd: SideEnd = null;
  #firstEnd: Direction | null = null;
  #origFirstMs: number | undefined;
  #respFirstMs: number | undefined;

  constructor(host: SessionHost, conn: Conn) {
    this.#host = host;
    this.conn = conn;
    this.startMs = Date.now();
    this.lastActive = this.startMs;
    this.communityId = conn.remoteAddress === null || conn.remotePort === null
      ? undefined
      : flowId(host, conn.remoteAddress, conn.remotePort, conn.localAddress, conn.localPort);
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
    if (offset < this.#host.captureBytes) this.#capture("orig", offset, chunk);
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
    if (this.#closed) return;
    this.#closed = true;
    const reason: CloseReason = this.closeReason ??
      (info.reset ? "rst" : info.error ? "error" : "fin");
    if (info.reset) this.#ended("orig", "rst");
    const now = Date.now();
    const c = this.conn;
    const event: ConnCloseEvent = {
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
      ...(reason === "error" && info.error
        ? { error: String(info.error.message ?? info.error) }
        : {}),
      start: isoTimestamp(this.startMs),
      orig_end: this.#origEnd,
      resp_end: this.#respEnd,
      first_end: this.#firstEnd,
      ...(this.#origFirstMs === undefined ? {} : { orig_first_ms: this.#origFirstMs }),
      ...(this.#respFirstMs === undefined ? {} : { resp_first_ms: this.#respFirstMs }),
    };
    this.#host.sessionClosed(this, event);
  }

  /** Closes the connection on the monitor's initiative, recording `reason`. */
  closeFor(reason: CloseReason): void {
    if (this.#closed) return;
    this.closeReason ??= reason;
    // sockscope ends the connection: its FIN goes out (unless the peer had
    // already reset, which close() then records).
    this.#ended("resp", "fin");
    this.conn.close();
  }

  /** Whether `close` has run. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Records a close the adapter never reported (last resort at shutdown). */
  forceClosed(reason: CloseReason): void {
    this.closeReason ??= reason;
    this.close({ reset: false });
  }
}
