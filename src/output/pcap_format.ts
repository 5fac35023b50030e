/**
 * The pcap format (`--pcap FILE`): monitor events as a classic libpcap file
 * of synthesized Ethernet/IP/TCP and UDP packets, so that Wireshark, tshark
 * and tcpdump open it like a capture. Sockets see byte streams, not
 * segments: the packets are made up from the events (a handshake at
 * `conn.open`, segments of at most one MSS for each `conn.data`, ACKs, FIN or
 * RST at `conn.close`), with sequence numbers that place every captured byte
 * at its true stream offset, so bytes that are not in the file (past the
 * capture window, or dropped events) show as missing data. `docs/formats.md`
 * ("pcap") describes what the file holds.
 *
 * @module
 */

import type {
  ConnCloseEvent,
  ConnDataEvent,
  ConnOpenEvent,
  MonitorEvent,
  UdpDatagramEvent,
} from "../monitor/events.ts";
import { parseIpInto } from "../net/ip.ts";
import type { RecordFormat } from "./record_format.ts";
import { parseIsoTimestamp } from "../format/timestamp.ts";

/** Options of {@linkcode PcapFormat}. */
export interface PcapFormatOptions {
  /**
   * Largest size of the file in bytes (`--pcap-max-bytes`), header and any
   * existing content included. Packets that would take the file past it are
   * not written but counted ({@linkcode PcapFormat.packetsOverCap},
   * {@linkcode PcapFormat.bytesOverCap}); once one is refused, every later
   * packet is too (until a reopen starts a new file), so the file never holds
   * a capture with holes punched by the cap. Default: no limit.
   */
  readonly maxBytes?: number;
}

/** The output buffer's first size, and the size past which it is not kept between events. */
const BUFFER_START = 16384;
const BUFFER_KEEP = 1 << 20;
/** Size of the libpcap file header. */
const PCAP_HEADER_BYTES = 24;
/** Largest packet the file header announces (libpcap's default snaplen). */
const SNAPLEN = 262144;
/** LINKTYPE_ETHERNET. */
const LINKTYPE_ETHERNET = 1;
const RECORD_HEADER = 16;
const ETH_HEADER = 14;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
/** TCP header of SYN and SYN-ACK: 20 bytes and the 4-byte MSS option. */
const TCP_SYN_HEADER = 24;
const UDP_HEADER = 8;
/** Segment payload limits for a 1500-byte MTU. */
const MSS_V4 = 1460;
const MSS_V6 = 1440;
/** Advertised receive window; constant, so tshark sees no window updates. */
const WINDOW = 65535;
const TTL = 64;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
/**
 * Connections tracked at once. Every `conn.open` meets its `conn.close`, so
 * this only bounds memory if lifecycle events were lost (a writer outage);
 * the oldest connection is then forgotten and counted.
 */
const MAX_TRACKED = 1 << 18;

/**
 * Locally administered MACs, as 32 + 16 bits: `02:00:00:00:00:01` the
 * originator's (the peer that connected), `02:00:00:00:00:02` the
 * responder's (sockscope's side, or the upstream in tap mode).
 */
const MAC_HIGH = 0x02000000;
const MAC_LOW_ORIG = 0x0001;
const MAC_LOW_RESP = 0x0002;

/** What the format keeps per open TCP connection (a few dozen bytes). */
interface TcpState {
  /** The originator's address: 4 bytes (IPv4) or 16 (IPv6). */
  readonly origAddr: Uint8Array;
  /** The responder's address, as long. */
  readonly respAddr: Uint8Array;
  readonly origPort: number;
  readonly respPort: number;
  readonly mss: number;
  readonly origIsn: number;
  readonly respIsn: number;
  /** Stream offset just past the last originator byte written. */
  origNext: number;
  /** Stream offset just past the last responder byte written. */
  respNext: number;
  /** Time of the connection's last packet (its packets never go back in time). */
  lastMs: number;
}

/** How one side of a connection stands while its end packets are written. */
interface SideClose {
  /** Its next sequence number. */
  seq: number;
  /** What it acknowledges. */
  ack: number;
  /** Bytes it sent are missing from the file and no packet of its has shown that yet. */
  gap: boolean;
  /** It sent a RST, so it sends nothing more. */
  reset: boolean;
  /** The peer sent a FIN that this side has not acknowledged yet. */
  owesAck: boolean;
}

const BOTH_ORIG_FIRST = [true, false] as const;
const BOTH_RESP_FIRST = [false, true] as const;

/** Scratch for address parsing; datagrams use the scratch pair as is (UDP keeps no state). */
const ADDR_ORIG = new Uint8Array(16);
const ADDR_RESP = new Uint8Array(16);
const ADDR_ORIG_V4 = ADDR_ORIG.subarray(0, 4);
const ADDR_RESP_V4 = ADDR_RESP.subarray(0, 4);

/**
 * Parses a flow's two addresses into ADDR_ORIG and ADDR_RESP; returns 4 when
 * both are IPv4, 16 when either is IPv6 (a dual-stack socket: the IPv4 one is
 * then written as IPv4-mapped IPv6), 0 when either is not an IP literal.
 */
function parsePair(orig: string, resp: string): number {
  const a = parseIpInto(orig, ADDR_ORIG);
  const b = parseIpInto(resp, ADDR_RESP);
  if (a === 0 || b === 0) return 0;
  if (a === b) return a;
  mapToV6(a === 4 ? ADDR_ORIG : ADDR_RESP);
  return 16;
}

/** Rewrites the IPv4 address in `out[0..3]` as IPv4-mapped IPv6 in `out[0..15]`. */
function mapToV6(out: Uint8Array): void {
  out.copyWithin(12, 0, 4);
  out.fill(0, 0, 10);
  out[10] = 0xff;
  out[11] = 0xff;
}

/** FNV-1a of a string's UTF-16 code units, with a murmur3 finaliser to spread the bits. */
function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Ones'-complement sum of `buf[start, end)` as 16-bit big-endian words, added to `sum`. */
function sum16(buf: Uint8Array, start: number, end: number, sum: number): number {
  let s = sum;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) s += (buf[i] << 8) | buf[i + 1];
  if (i < end) s += buf[i] << 8;
  // No folding in the loop: a packet's words sum to far below 2^53, exact in a double.
  return s;
}

/** Folds a sum into 16 bits and complements it (RFC 1071). */
function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/**
 * Writes monitor events as a libpcap capture (`--pcap FILE`): magic
 * `0xa1b2c3d4` (microsecond timestamps, little-endian), version 2.4, snaplen
 * 262144, link type 1 (Ethernet). Each TCP connection becomes a complete
 * synthesized session between MAC `02:00:00:00:00:01` (the originator) and
 * `02:00:00:00:00:02` (the responder): three-way handshake (MSS option) at
 * `conn.open`; captured bytes in segments of at most 1460 (IPv4) or 1440
 * (IPv6) bytes at sequence number ISN + 1 + offset, each chunk acknowledged;
 * FIN or RST per side at `conn.close` in the order the sides ended, at
 * sequence numbers that count the exact bytes of `conn.close`. Bytes not in
 * the file (beyond the capture window, or a dropped `conn.data`) are thus a
 * jump in sequence numbers, which tshark reports as missing data. ISNs are
 * derived from the `uid`, so the same events give the same file.
 *
 * Each `udp.datagram` becomes one UDP packet; a datagram longer than its
 * captured bytes is written as a snapped packet (record length = captured,
 * original length = full). Connections whose peer is unknown (`src` null)
 * are skipped, never given a made-up address ({@linkcode PcapFormat.skippedUnknownPeer}).
 *
 * @example Write a pcap from a monitor's events
 * ```ts
 * import { PcapFormat, type MonitorEvent } from "@sockscope/sockscope";
 *
 * const pcap = new PcapFormat({ maxBytes: 100 * 1024 * 1024 });
 * const parts: Uint8Array[] = [pcap.header(Date.now(), 0)];
 * function onEvent(ev: MonitorEvent): void {
 *   const bytes = pcap.encode(ev);
 *   if (bytes) parts.push(bytes);
 * }
 * onEvent({ ts: "2026-11-26T10:00:00.000Z", type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 8000 });
 * console.log(`${pcap.packetsWritten} packets, ${pcap.skippedUnknownPeer} unknown peers`);
 * ```
 */
export class PcapFormat implements RecordFormat {
  /** `pcap`. */
  readonly name: string = "pcap";
  /** Always true: the packets are made of the captured bytes. */
  readonly wantsData: boolean = true;

  readonly #maxBytes: number;
  readonly #conns = new Map<string, TcpState>();
  /** Output under construction for one event; reused, grown on demand. */
  #buf: Uint8Array = new Uint8Array(BUFFER_START);
  #view: DataView = new DataView(this.#buf.buffer);
  #len = 0;
  /** Bytes the current file holds (existing content, header, records handed out). */
  #fileBytes = 0;
  #capped = false;
  #packetsWritten = 0;
  #packetsOverCap = 0;
  #bytesOverCap = 0;
  #skippedUnknownPeer = 0;
  #skippedBadAddress = 0;
  #evicted = 0;

  /**
   * Creates the format.
   *
   * @throws {RangeError} If `maxBytes` is not a positive integer.
   */
  constructor(options: PcapFormatOptions = {}) {
    const max = options.maxBytes;
    if (max !== undefined && !(Number.isSafeInteger(max) && max > 0)) {
      throw new RangeError(`Invalid maxBytes "${max}": expected a positive integer`);
    }
    this.#maxBytes = max ?? Number.POSITIVE_INFINITY;
  }

  /** Packets written to the file (handed out by `encode`). */
  get packetsWritten(): number {
    return this.#packetsWritten;
  }

  /** Packets not written because the file reached `maxBytes`. */
  get packetsOverCap(): number {
    return this.#packetsOverCap;
  }

  /** Bytes those packets would have taken, record headers included. */
  get bytesOverCap(): number {
    return this.#bytesOverCap;
  }

  /** TCP connections left out because their peer address is unknown (`src` null). */
  get skippedUnknownPeer(): number {
    return this.#skippedUnknownPeer;
  }

  /** Connections and datagrams left out because an address is not an IP literal. */
  get skippedBadAddress(): number {
    return this.#skippedBadAddress;
  }

  /** Connections forgotten before their `conn.close` to bound memory (lost lifecycle events). */
  get connectionsEvicted(): number {
    return this.#evicted;
  }

  /**
   * The 24-byte libpcap file header for a new file, or nothing when
   * appending (`existingBytes` > 0): the existing file is then assumed to be
   * a pcap that sockscope wrote (same magic, version and link type); only its
   * size is known here. Also starts the `maxBytes` budget of the file afresh.
   *
   * @throws {TypeError} If `existingBytes` is 1-23: too short to be a pcap.
   */
  header(_nowMs: number, existingBytes: number): Uint8Array {
    if (existingBytes > 0 && existingBytes < PCAP_HEADER_BYTES) {
      throw new TypeError(
        `Invalid pcap file of ${existingBytes} bytes: expected an empty file or a libpcap ` +
          `file (at least its ${PCAP_HEADER_BYTES}-byte header) to append to`,
      );
    }
    this.#capped = false;
    if (existingBytes > 0) {
      this.#fileBytes = existingBytes;
      return new Uint8Array(0);
    }
    const out = new Uint8Array(PCAP_HEADER_BYTES);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone: timestamps are UTC
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, SNAPLEN, true);
    v.setUint32(20, LINKTYPE_ETHERNET, true);
    this.#fileBytes = PCAP_HEADER_BYTES;
    return out;
  }

  /** The packets for one event; `undefined` when it makes none (or none fit under the cap). */
  encode(event: MonitorEvent): Uint8Array | undefined {
    this.#len = 0;
    switch (event.type) {
      case "conn.open":
        if (event.proto === "tcp") this.#open(event);
        break;
      case "conn.data":
        this.#data(event);
        break;
      case "conn.close":
        if (event.proto === "tcp") this.#close(event);
        break;
      case "udp.datagram":
        this.#datagram(event);
        break;
    }
    if (this.#len === 0) return undefined;
    // A copy: the writer may hold it while the next event is encoded into the buffer.
    const out = this.#buf.slice(0, this.#len);
    // One huge chunk (a big --capture-bytes) should not pin its buffer for the whole run.
    if (this.#buf.length > BUFFER_KEEP) this.#setBuffer(new Uint8Array(BUFFER_START));
    return out;
  }

  /** Nothing: a pcap has no trailer. */
  footer(_nowMs: number): Uint8Array {
    return new Uint8Array(0);
  }

  #open(ev: ConnOpenEvent): void {
    if (ev.src === null || ev.sport === null) {
      this.#skippedUnknownPeer++;
      return;
    }
    const addrLen = parsePair(ev.src, ev.dst);
    if (addrLen === 0) {
      this.#skippedBadAddress++;
      return;
    }
    if (this.#conns.size >= MAX_TRACKED) {
      const oldest = this.#conns.keys().next().value as string;
      this.#conns.delete(oldest);
      this.#evicted++;
    }
    const c: TcpState = {
      origAddr: ADDR_ORIG.slice(0, addrLen),
      respAddr: ADDR_RESP.slice(0, addrLen),
      origPort: ev.sport,
      respPort: ev.dport,
      mss: addrLen === 4 ? MSS_V4 : MSS_V6,
      origIsn: hash32(ev.uid, 0),
      respIsn: hash32(ev.uid, 0x5bd1e995),
      origNext: 0,
      respNext: 0,
      lastMs: Number.NEGATIVE_INFINITY,
    };
    // A uid seen again (never from the monitor) starts over, as the newest entry.
    if (this.#conns.has(ev.uid)) this.#conns.delete(ev.uid);
    this.#conns.set(ev.uid, c);
    const ms = this.#time(c, ev.ts);
    this.#tcp(c, true, SYN, c.origIsn, 0, null, 0, 0, ms);
    this.#tcp(c, false, SYN | ACK, c.respIsn, c.origIsn + 1, null, 0, 0, ms);
    this.#tcp(c, true, ACK, c.origIsn + 1, c.respIsn + 1, null, 0, 0, ms);
  }

  #data(ev: ConnDataEvent): void {
    const c = this.#conns.get(ev.uid);
    if (c === undefined) return;
    const orig = ev.dir === "orig";
    const next = orig ? c.origNext : c.respNext;
    // Bytes already written (an overlap would read as a retransmission) are skipped.
    const skip = Math.max(0, next - ev.offset);
    const end = ev.offset + ev.data.byteLength;
    if (end <= ev.offset + skip) return;
    const ms = this.#time(c, ev.ts);
    const isn = orig ? c.origIsn : c.respIsn;
    // The peer's next sequence number: what the sender acknowledges, and the seq of the peer's ACKs.
    const peerSeq = orig ? c.respIsn + 1 + c.respNext : c.origIsn + 1 + c.origNext;
    let segments = 0;
    for (let at = ev.offset + skip; at < end;) {
      const n = Math.min(c.mss, end - at);
      const last = at + n === end;
      this.#tcp(
        c,
        orig,
        last ? PSH | ACK : ACK,
        isn + 1 + at,
        peerSeq,
        ev.data,
        at - ev.offset,
        n,
        ms,
      );
      at += n;
      segments++;
      // The receiver acknowledges every second segment and the end of the chunk, as
      // delayed ACK does: in-flight bytes stay far below the window.
      if (last || segments % 2 === 0) {
        this.#tcp(c, !orig, ACK, peerSeq, isn + 1 + at, null, 0, 0, ms);
      }
    }
    if (orig) c.origNext = end;
    else c.respNext = end;
  }

  #close(ev: ConnCloseEvent): void {
    const c = this.#conns.get(ev.uid);
    if (c === undefined) return;
    this.#conns.delete(ev.uid);
    const ms = this.#time(c, ev.ts);
    // Sequence numbers from here count every byte, captured or not: a side with bytes
    // missing from the file jumps, which is how tshark learns of the gap.
    const origBytes = Math.max(ev.orig_bytes, c.origNext);
    const respBytes = Math.max(ev.resp_bytes, c.respNext);
    const orig: SideClose = {
      seq: c.origIsn + 1 + origBytes,
      // What a side acknowledges: the peer's bytes in the file, then its FIN.
      ack: c.respIsn + 1 + c.respNext,
      gap: origBytes > c.origNext,
      reset: false,
      owesAck: false,
    };
    const resp: SideClose = {
      seq: c.respIsn + 1 + respBytes,
      ack: c.origIsn + 1 + c.origNext,
      gap: respBytes > c.respNext,
      reset: false,
      owesAck: false,
    };
    const first = ev.first_end ?? (ev.orig_end !== null ? "orig" : "resp");
    for (const fromOrig of first === "orig" ? BOTH_ORIG_FIRST : BOTH_RESP_FIRST) {
      const end = fromOrig ? ev.orig_end : ev.resp_end;
      if (end === null) continue;
      const me = fromOrig ? orig : resp;
      const peer = fromOrig ? resp : orig;
      if (end === "rst") {
        // tshark does not look for gaps before a RST: a pure ACK at the true sequence
        // number shows them first.
        if (me.gap) this.#tcp(c, fromOrig, ACK, me.seq, me.ack, null, 0, 0, ms);
        this.#tcp(c, fromOrig, RST | ACK, me.seq, me.ack, null, 0, 0, ms);
        me.reset = true;
      } else {
        this.#tcp(c, fromOrig, FIN | ACK, me.seq, me.ack, null, 0, 0, ms);
        me.seq++;
        peer.ack = me.seq;
        peer.owesAck = true;
      }
      me.gap = false;
      me.owesAck = false;
    }
    // The kernel acknowledges a FIN even when its application never closes; a side that
    // sent nothing at the end still shows how far its stream went.
    for (const fromOrig of first === "orig" ? BOTH_RESP_FIRST : BOTH_ORIG_FIRST) {
      const me = fromOrig ? orig : resp;
      if (!me.reset && (me.owesAck || me.gap)) {
        this.#tcp(c, fromOrig, ACK, me.seq, me.ack, null, 0, 0, ms);
      }
    }
  }

  #datagram(ev: UdpDatagramEvent): void {
    // The flow's 5-tuple: src:sport is the remote peer, dst:dport the local side.
    const addrLen = parsePair(ev.src, ev.dst);
    if (addrLen === 0) {
      this.#skippedBadAddress++;
      return;
    }
    const orig = ev.dir === "orig";
    const captured = Math.min(ev.data.byteLength, ev.len);
    const ipHeader = addrLen === 4 ? IPV4_HEADER : IPV6_HEADER;
    const full = ETH_HEADER + ipHeader + UDP_HEADER + Math.max(ev.len, captured);
    const incl = ETH_HEADER + ipHeader + UDP_HEADER + captured;
    const ms = parseIsoTimestamp(ev.ts);
    const at = this.#record(Number.isNaN(ms) ? 0 : ms, incl, full);
    if (at < 0) return;
    const buf = this.#buf;
    const udpAt = addrLen === 4
      ? this.#ip(at, orig, ADDR_ORIG_V4, ADDR_RESP_V4, PROTO_UDP, UDP_HEADER + ev.len)
      : this.#ip(at, orig, ADDR_ORIG, ADDR_RESP, PROTO_UDP, UDP_HEADER + ev.len);
    const v = this.#view;
    v.setUint16(udpAt, orig ? ev.sport : ev.dport);
    v.setUint16(udpAt + 2, orig ? ev.dport : ev.sport);
    v.setUint16(udpAt + 4, UDP_HEADER + ev.len);
    v.setUint16(udpAt + 6, 0);
    buf.set(captured === ev.data.byteLength ? ev.data : ev.data.subarray(0, captured), udpAt + 8);
    if (captured === ev.len) {
      let sum = this.#pseudoSum(at + ETH_HEADER, addrLen, PROTO_UDP, UDP_HEADER + ev.len);
      sum = sum16(buf, udpAt, udpAt + UDP_HEADER + captured, sum);
      // 0 means "no checksum" in UDP, so a computed 0 is sent as 0xffff (RFC 768).
      v.setUint16(udpAt + 6, finishChecksum(sum) || 0xffff);
    } // A snapped datagram's checksum covers bytes not in the file, so it cannot be
    // written: IPv4 says "none" (0); IPv6 forbids 0, so it gets 0xffff, which tshark
    // leaves unverified like any checksum of a snapped packet.
    else if (addrLen === 16) v.setUint16(udpAt + 6, 0xffff);
    this.#len = udpAt + UDP_HEADER + captured;
  }

  /** The time of a connection's next packet: the event's, never before the previous packet's. */
  #time(c: TcpState, ts: string): number {
    const ms = parseIsoTimestamp(ts);
    if (!(ms >= c.lastMs)) {
      return c.lastMs === Number.NEGATIVE_INFINITY ? (Number.isNaN(ms) ? 0 : ms) : c.lastMs;
    }
    c.lastMs = ms;
    return ms;
  }

  /**
   * Appends one TCP packet to the output. `fromOrig` picks the direction;
   * `seq`/`ack` are taken modulo 2^32; payload is `data[start, start+n)`.
   */
  #tcp(
    c: TcpState,
    fromOrig: boolean,
    flags: number,
    seq: number,
    ack: number,
    data: Uint8Array | null,
    start: number,
    n: number,
    ms: number,
  ): void {
    if (c.lastMs < ms) c.lastMs = ms;
    const tcpHeader = (flags & SYN) !== 0 ? TCP_SYN_HEADER : TCP_HEADER;
    const ipHeader = c.origAddr.length === 4 ? IPV4_HEADER : IPV6_HEADER;
    const size = ETH_HEADER + ipHeader + tcpHeader + n;
    const at = this.#record(ms, size, size);
    if (at < 0) return;
    const tcpAt = this.#ip(at, fromOrig, c.origAddr, c.respAddr, PROTO_TCP, tcpHeader + n);
    const v = this.#view;
    const buf = this.#buf;
    v.setUint16(tcpAt, fromOrig ? c.origPort : c.respPort);
    v.setUint16(tcpAt + 2, fromOrig ? c.respPort : c.origPort);
    v.setUint32(tcpAt + 4, seq >>> 0);
    v.setUint32(tcpAt + 8, (flags & ACK) !== 0 ? ack >>> 0 : 0);
    buf[tcpAt + 12] = (tcpHeader / 4) << 4;
    buf[tcpAt + 13] = flags;
    v.setUint16(tcpAt + 14, WINDOW);
    v.setUint32(tcpAt + 16, 0); // checksum (below), urgent pointer
    if (tcpHeader === TCP_SYN_HEADER) {
      buf[tcpAt + 20] = 2; // kind: MSS
      buf[tcpAt + 21] = 4;
      v.setUint16(tcpAt + 22, c.mss);
    }
    const end = tcpAt + tcpHeader + n;
    if (n > 0) buf.set(data!.subarray(start, start + n), tcpAt + tcpHeader);
    let sum = this.#pseudoSum(at + ETH_HEADER, c.origAddr.length, PROTO_TCP, tcpHeader + n);
    sum = sum16(buf, tcpAt, end, sum);
    v.setUint16(tcpAt + 16, finishChecksum(sum));
    this.#len = end;
  }

  #setBuffer(buf: Uint8Array): void {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer);
  }

  /**
   * Reserves a record of `incl` captured bytes at the end of the output and
   * writes its header; returns where the packet (Ethernet header) starts, or
   * -1 when the cap refuses it.
   */
  #record(ms: number, incl: number, orig: number): number {
    const size = RECORD_HEADER + incl;
    if (this.#capped || this.#fileBytes + size > this.#maxBytes) {
      this.#capped = true;
      this.#packetsOverCap++;
      this.#bytesOverCap += size;
      return -1;
    }
    this.#fileBytes += size;
    this.#packetsWritten++;
    const at = this.#len;
    if (at + size > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length * 2, at + size));
      grown.set(this.#buf.subarray(0, at));
      this.#setBuffer(grown);
    }
    const v = this.#view;
    const sec = Math.floor(ms / 1000);
    v.setUint32(at, sec, true);
    v.setUint32(at + 4, Math.round((ms - sec * 1000) * 1000), true);
    v.setUint32(at + 8, incl, true);
    v.setUint32(at + 12, orig, true);
    this.#len = at + size;
    return at + RECORD_HEADER;
  }

  /**
   * Writes the Ethernet and IP headers of a packet starting at `at`, from
   * the originator or the responder; returns where the transport header
   * starts. The addresses are both 4 bytes (IPv4) or both 16 (IPv6).
   */
  #ip(
    at: number,
    fromOrig: boolean,
    origAddr: Uint8Array,
    respAddr: Uint8Array,
    proto: number,
    payload: number,
  ): number {
    const buf = this.#buf;
    const v = this.#view;
    v.setUint32(at, MAC_HIGH);
    v.setUint16(at + 4, fromOrig ? MAC_LOW_RESP : MAC_LOW_ORIG);
    v.setUint32(at + 6, MAC_HIGH);
    v.setUint16(at + 10, fromOrig ? MAC_LOW_ORIG : MAC_LOW_RESP);
    const ipAt = at + ETH_HEADER;
    const src = fromOrig ? origAddr : respAddr;
    const dst = fromOrig ? respAddr : origAddr;
    if (src.length === 4) {
      v.setUint16(at + 12, 0x0800);
      buf[ipAt] = 0x45;
      buf[ipAt + 1] = 0;
      v.setUint16(ipAt + 2, IPV4_HEADER + payload);
      v.setUint32(ipAt + 4, 0x00004000); // id 0, don't fragment (as Linux sends)
      buf[ipAt + 8] = TTL;
      buf[ipAt + 9] = proto;
      v.setUint16(ipAt + 10, 0);
      buf.set(src, ipAt + 12);
      buf.set(dst, ipAt + 16);
      v.setUint16(ipAt + 10, finishChecksum(sum16(buf, ipAt, ipAt + IPV4_HEADER, 0)));
      return ipAt + IPV4_HEADER;
    }
    v.setUint16(at + 12, 0x86dd);
    v.setUint32(ipAt, 0x60000000); // version 6, no traffic class, no flow label
    v.setUint16(ipAt + 4, payload);
    buf[ipAt + 6] = proto;
    buf[ipAt + 7] = TTL;
    buf.set(src, ipAt + 8);
    buf.set(dst, ipAt + 24);
    return ipAt + IPV6_HEADER;
  }

  /** The sum of the TCP/UDP pseudo-header of the IP header at `ipAt` (addresses read from it). */
  #pseudoSum(ipAt: number, addrLen: number, proto: number, length: number): number {
    const addrAt = ipAt + (addrLen === 4 ? 12 : 8);
    // IPv4: addresses, zero, protocol, 16-bit length; IPv6: addresses, 32-bit length, zeros, next header.
    return sum16(this.#buf, addrAt, addrAt + 2 * addrLen, 0) + proto + (length & 0xffff) +
      Math.floor(length / 0x10000);
  }
}
