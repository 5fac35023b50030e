/**
 * Community ID v1 flow hashes
 * (https://github.com/corelight/community-id-spec), the identifier Zeek,
 * Suricata, Elastic, Arkime and Wireshark use to join records of one flow.
 *
 * @module
 */

import { parseIpInto } from "../net/ip.ts";
import { sha1 } from "./sha1.ts";

/** The endpoints and IP protocol of a flow, as seen by its initiator. */
export interface FlowTuple {
  /** IP protocol number, e.g. 6 (TCP), 17 (UDP), 132 (SCTP), 1 (ICMP), 58 (ICMPv6). */
  proto: number;
  /** Source (initiator) IP address; IPv4-mapped IPv6 counts as IPv4. */
  srcAddr: string;
  /** Destination (responder) IP address. */
  dstAddr: string;
  /** Source port; for ICMP and ICMPv6 the message type. */
  srcPort: number;
  /** Destination port; for ICMP and ICMPv6 the message code. */
  dstPort: number;
}

const ICMP = 1;
const TCP = 6;
const UDP = 17;
const ICMP6 = 58;
const SCTP = 132;

/**
 * ICMP and ICMPv6 request/reply type pairs (Zeek's mapping, adopted by the
 * spec): for these "two-way" types the code is replaced by the counterpart
 * type so that request and reply hash alike. Other types are one-way and
 * keep their direction. -1 marks a one-way type.
 */
function counterparts(pairs: [number, number][]): Int16Array {
  const t = new Int16Array(256).fill(-1);
  for (const [a, b] of pairs) {
    t[a] = b;
    t[b] = a;
  }
  return t;
}
const ICMP_COUNTERPART: Int16Array = counterparts([
  [8, 0], // echo request / reply
  [10, 9], // router solicitation / advertisement
  [13, 14], // timestamp request / reply
  [15, 16], // information request / reply
  [17, 18], // address mask request / reply
]);
const ICMP6_COUNTERPART: Int16Array = counterparts([
  [128, 129], // echo request / reply
  [130, 131], // multicast listener query / report
  [133, 134], // router solicitation / advertisement
  [135, 136], // neighbor solicitation / advertisement
  [139, 140], // node information (who-are-you) query / reply
  [144, 145], // home agent address discovery request / reply
]);

/**
 * Hash input, reused: seed(2) + 2 x addr(16 max) + proto(1) + pad(1) + 2 x
 * port(2). Addresses are parsed into slots 2 and 18 first, then packed.
 */
const INPUT = new Uint8Array(40);
const SRC_AT = 2;
const DST_AT = 18;
/** Digest output, reused (typed-array allocation is slow on some runtimes). */
const DIGEST = new Uint8Array(20);

/**
 * Parses an address into INPUT at `at`; returns its length, 4 or 16, with
 * IPv4-mapped IPv6 reduced to its 4 IPv4 bytes (moved to `at`).
 */
function parseAddress(address: string, role: string, at: number): number {
  const length = parseIpInto(address, INPUT, at);
  if (length === 0) {
    throw new TypeError(`Invalid ${role} address "${address}": expected an IPv4 or IPv6 literal`);
  }
  if (length === 16 && INPUT[at + 10] === 0xff && INPUT[at + 11] === 0xff) {
    for (let i = at; i < at + 10; i++) if (INPUT[i] !== 0) return 16;
    INPUT.copyWithin(at, at + 12, at + 16);
    return 4;
  }
  return length;
}

function checkRange(value: number, name: string, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`Invalid ${name} "${value}": expected an integer 0-${max}`);
  }
}

/** Compares the two parsed addresses of `length` bytes: <0, 0 or >0. */
function compareAddresses(length: number): number {
  for (let i = 0; i < length; i++) {
    const d = INPUT[SRC_AT + i] - INPUT[DST_AT + i];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Computes the Community ID v1 of a flow: `"1:"` and the base64 SHA-1 of the
 * seed, the ordered endpoints, the protocol and the ports. Both directions
 * of a flow give the same ID. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`)
 * hash as IPv4, as Zeek and Suricata see them on the wire. For ICMP (1) and
 * ICMPv6 (58) `srcPort`/`dstPort` carry the message type and code and are
 * mapped as the spec says; for protocols other than TCP, UDP, SCTP, ICMP and
 * ICMPv6 the ports are not part of the hash.
 *
 * @example
 * ```ts
 * import { communityId } from "./community_id.ts";
 *
 * communityId({ proto: 6, srcAddr: "1.2.3.4", dstAddr: "5.6.7.8", srcPort: 1122, dstPort: 3344 });
 * // "1:wCb3OG7yAFWelaUydu0D+125CLM="
 * ```
 *
 * @param flow The flow's protocol, endpoints and ports.
 * @param seed The Community ID seed, 0-65535 (default 0).
 * @returns The Community ID string.
 * @throws {TypeError} If an address is not an IP literal, or the two
 * addresses are of different families.
 * @throws {RangeError} If the protocol, a port or the seed is out of range.
 */
export function communityId(flow: FlowTuple, seed = 0): string {
  const { proto } = flow;
  let srcPort = flow.srcPort;
  let dstPort = flow.dstPort;
  checkRange(proto, "protocol", 255);
  checkRange(srcPort, "source port", 65535);
  checkRange(dstPort, "destination port", 65535);
  checkRange(seed, "seed", 65535);
  const length = parseAddress(flow.srcAddr, "source", SRC_AT);
  if (parseAddress(flow.dstAddr, "destination", DST_AT) !== length) {
    throw new TypeError(
      `Mismatched address families "${flow.srcAddr}" and "${flow.dstAddr}": ` +
        `expected both IPv4 or both IPv6`,
    );
  }

  const hasPorts = proto === TCP || proto === UDP || proto === SCTP || proto === ICMP ||
    proto === ICMP6;
  let oneWay = false;
  if (proto === ICMP || proto === ICMP6) {
    const table = proto === ICMP ? ICMP_COUNTERPART : ICMP6_COUNTERPART;
    const counterpart = srcPort < 256 ? table[srcPort] : -1;
    if (counterpart === -1) oneWay = true;
    else dstPort = counterpart;
  }

  // Pack: seed, first address, second address, proto, 0, ports.
  const input = INPUT;
  let swap = false;
  if (!oneWay) {
    const order = compareAddresses(length);
    swap = order > 0 || (order === 0 && srcPort > dstPort);
  }
  if (swap) {
    const p = srcPort;
    srcPort = dstPort;
    dstPort = p;
    for (let i = 0; i < length; i++) {
      const a = input[SRC_AT + i];
      input[SRC_AT + i] = input[DST_AT + i];
      input[DST_AT + i] = a;
    }
  }
  if (length === 4) input.copyWithin(SRC_AT + 4, DST_AT, DST_AT + 4);
  input[0] = seed >>> 8;
  input[1] = seed;
  let o = SRC_AT + 2 * length;
  input[o] = proto;
  input[o + 1] = 0;
  o += 2;
  if (hasPorts) {
    input[o] = srcPort >>> 8;
    input[o + 1] = srcPort;
    input[o + 2] = dstPort >>> 8;
    input[o + 3] = dstPort;
    o += 4;
  }
  return formatId(sha1(input.subarray(0, o), DIGEST));
}

const B64 = Array.from(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
  (c) => c.charCodeAt(0),
);
/** "1:" + 28 base64 characters of a 20-byte digest. */
const ID_CHARS: number[] = new Array(30).fill(61); // "=" pads the last one
ID_CHARS[0] = 49; // "1"
ID_CHARS[1] = 58; // ":"

/**
 * Builds the id as one flat string: `"1:" + base64` would leave a two-part
 * rope that lives as long as the connection that holds the id.
 */
function formatId(d: Uint8Array): string {
  let o = 2;
  for (let i = 0; i < 18; i += 3) {
    const n = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    ID_CHARS[o++] = B64[n >>> 18];
    ID_CHARS[o++] = B64[(n >>> 12) & 63];
    ID_CHARS[o++] = B64[(n >>> 6) & 63];
    ID_CHARS[o++] = B64[n & 63];
  }
  const n = (d[18] << 16) | (d[19] << 8);
  ID_CHARS[o++] = B64[n >>> 18];
  ID_CHARS[o++] = B64[(n >>> 12) & 63];
  ID_CHARS[o] = B64[(n >>> 6) & 63];
  return String.fromCharCode.apply(null, ID_CHARS);
}
