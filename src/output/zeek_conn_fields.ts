/**
 * What Zeek's conn.log says of a connection that a socket can tell, worked
 * out from its `conn.close`: `service`, `conn_state`, `history`,
 * `local_orig`/`local_resp` and a UDP flow's IP bytes. Shared by the
 * string path of `ZeekConnFormat` and the in-place line
 * (`zeek_conn_line.ts`), so that the two cannot disagree.
 *
 * @module
 */

import type { ServiceName } from "../detect/app_info.ts";
import type { ConnCloseEvent } from "../monitor/events.ts";
import { ipVersion, isV4Mapped, parseIpInto } from "../net/ip.ts";

/** IP header plus UDP header, per datagram, for `orig_ip_bytes`/`resp_ip_bytes` of UDP flows. */
const UDP_IP_OVERHEAD_V4 = 20 + 8;
const UDP_IP_OVERHEAD_V6 = 40 + 8;

const SCRATCH = new Uint8Array(16);

/**
 * The IP and UDP header bytes each datagram of a UDP flow carried: 28 on
 * IPv4 (and IPv4-mapped IPv6), 48 on IPv6; conn.log's `*_ip_bytes` are the
 * payload bytes plus this per packet.
 *
 * @example
 * ```ts
 * import type { ConnCloseEvent } from "@sockscope/sockscope";
 * import { udpIpOverhead } from "./zeek_conn_fields.ts";
 * declare const ev: ConnCloseEvent;
 * const origIpBytes = ev.orig_bytes + udpIpOverhead(ev) * (ev.orig_pkts ?? 0);
 * ```
 */
export function udpIpOverhead(ev: ConnCloseEvent): number {
  return ipVersion(ev.src ?? ev.dst) === 6 ? UDP_IP_OVERHEAD_V6 : UDP_IP_OVERHEAD_V4;
}

/**
 * Zeek's `service` name for a recognised protocol: Zeek names a service
 * after the analyzer that confirmed it, so TLS is `ssl` (Zeek's SSL
 * analyzer), and `http`, `ssh`, `dns` and `redis` (Zeek 8's Redis analyzer)
 * are as they are. The generic `text`/`binary` guesses are not services:
 * unset, as Zeek leaves it when no analyzer confirmed a protocol.
 *
 * @example
 * ```ts
 * import { zeekService } from "./zeek_conn_fields.ts";
 * zeekService("tls"); // "ssl"
 * zeekService("text"); // undefined
 * ```
 *
 * @param service The service of the `conn.close`, if any.
 * @returns The conn.log `service` value, or `undefined` for unset.
 */
export function zeekService(service: ServiceName | undefined): string | undefined {
  switch (service) {
    case "tls":
      return "ssl";
    case "http":
    case "ssh":
    case "dns":
    case "redis":
      return service;
    default:
      return undefined;
  }
}

/**
 * Zeek's `conn_state` for what a socket saw of a connection: `SF` both
 * sides closed with FIN; `S2`/`S3` only the originator's/responder's FIN;
 * `S1` established and neither side closed; `RSTR`/`RSTO` the responder/the
 * originator reset (a responder reset wins, as in Zeek); tap mode: `REJ` the
 * upstream refused, `S0` it did not answer (timeout, unreachable, other
 * error). UDP flows as Zeek does: `SF` when both sides sent, `S0` when only
 * the originator did.
 *
 * @example
 * ```ts
 * import type { ConnCloseEvent } from "@sockscope/sockscope";
 * import { zeekConnState } from "./zeek_conn_fields.ts";
 * declare const ev: ConnCloseEvent;
 * if (zeekConnState(ev) === "REJ") console.log("upstream refused", ev.uid);
 * ```
 *
 * @param ev The connection's `conn.close`.
 * @returns The conn_state code.
 */
export function zeekConnState(ev: ConnCloseEvent): string {
  if (ev.proto === "udp") {
    const orig = (ev.orig_pkts ?? ev.orig_bytes) > 0;
    const resp = (ev.resp_pkts ?? ev.resp_bytes) > 0;
    return orig ? (resp ? "SF" : "S0") : resp ? "SHR" : "OTH";
  }
  if (ev.upstream_error === "refused") return "REJ";
  if (ev.upstream_error !== undefined) return "S0";
  if (ev.resp_end === "rst") return "RSTR";
  if (ev.orig_end === "rst") return "RSTO";
  if (ev.orig_end === "fin") return ev.resp_end === "fin" ? "SF" : "S2";
  return ev.resp_end === "fin" ? "S3" : "S1";
}

/**
 * Zeek's `history` letters for what a socket saw of a connection, upper
 * case for the originator, lower case for the responder, each at its first
 * occurrence: `ShA` (the handshake every accepted connection completed;
 * only `S`, then `r` if refused, when a tap's upstream was not reached),
 * then `D`/`d` (payload from each side) ordered by `orig_first_ms` and
 * `resp_first_ms`, then `F`/`R` and `f`/`r` (how each side ended) in the
 * order of `first_end`. UDP: `D`/`d` for datagrams from each side.
 *
 * @example
 * ```ts
 * import type { ConnCloseEvent } from "@sockscope/sockscope";
 * import { zeekHistory } from "./zeek_conn_fields.ts";
 * declare const ev: ConnCloseEvent;
 * console.log(zeekHistory(ev)); // e.g. "ShADadFf" for a request answered and closed
 * ```
 *
 * @param ev The connection's `conn.close`.
 * @returns The history letters.
 */
export function zeekHistory(ev: ConnCloseEvent): string {
  const origData = ev.proto === "udp" ? (ev.orig_pkts ?? ev.orig_bytes) > 0 : ev.orig_bytes > 0;
  const respData = ev.proto === "udp" ? (ev.resp_pkts ?? ev.resp_bytes) > 0 : ev.resp_bytes > 0;
  const origAt = ev.orig_first_ms ?? Infinity;
  const respAt = ev.resp_first_ms ?? Infinity;
  let data: string;
  if (origData && respData) data = respAt < origAt ? "dD" : "Dd";
  else data = origData ? "D" : respData ? "d" : "";
  if (ev.proto === "udp") return data;
  const refused = ev.upstream_error === "refused";
  const start = ev.upstream_error === undefined ? "ShA" : refused ? "Sr" : "S";
  const orig = ev.orig_end === "fin" ? "F" : ev.orig_end === "rst" ? "R" : "";
  // A refusal is the responder's reset, already told.
  const resp = refused ? "" : ev.resp_end === "fin" ? "f" : ev.resp_end === "rst" ? "r" : "";
  return start + data + (ev.first_end === "resp" ? resp + orig : orig + resp);
}

/**
 * Whether `address` counts as local for `local_orig`/`local_resp`: this host
 * and private networks: loopback (127/8, ::1), unspecified (0/8, ::, the
 * wildcard a listener is bound to), RFC 1918 (10/8, 172.16/12, 192.168/16),
 * link-local (169.254/16, fe80::/10) and unique local IPv6 (fc00::/7).
 * IPv4-mapped IPv6 counts as its IPv4 address. `undefined` for text that is
 * not an address.
 *
 * @example
 * ```ts
 * import { isLocalAddress } from "./zeek_conn_fields.ts";
 * isLocalAddress("192.168.1.9"); // true
 * isLocalAddress("192.0.2.7"); // false
 * ```
 */
export function isLocalAddress(address: string): boolean | undefined {
  const b = SCRATCH;
  const n = parseIpInto(address, b);
  if (n === 0) return undefined;
  let v4 = n === 4 ? 0 : isV4Mapped(b) ? 12 : -1;
  if (v4 === -1) {
    let zeros = true;
    for (let i = 0; i < 15; i++) if (b[i] !== 0) zeros = false;
    if (zeros && (b[15] === 0 || b[15] === 1)) return true; // :: and ::1
    return (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) || (b[0] & 0xfe) === 0xfc;
  }
  const a0 = b[v4];
  const a1 = b[++v4];
  return a0 === 127 || a0 === 0 || a0 === 10 || (a0 === 172 && (a1 & 0xf0) === 16) ||
    (a0 === 192 && a1 === 168) || (a0 === 169 && a1 === 254);
}
