/**
 * What every Suricata EVE event sockscope writes shares: the timestamp form,
 * the flow id (the same for a flow's `flow` record and its `alert`s, so that
 * a SIEM can join them), the IP version and the `app_proto` word.
 *
 * @module
 */

import type { ServiceName } from "../detect/app_info.ts";
import { ipVersion } from "../net/ip.ts";
import { isoTimestamp, parseIsoTimestamp } from "../format/timestamp.ts";

/** The last address asked about and its answer: a listener's address repeats in every record. */
let lastAddress = "";
let lastVersion: 0 | 4 | 6 = 0;
/** 2^32, to assemble the 51-bit flow id from two 32-bit halves. */
const HIGH = 0x1_0000_0000;

/**
 * A UTC time as Suricata writes it (microseconds and a numeric offset), and
 * its milliseconds since the epoch.
 *
 * @example
 * ```ts
 * import { eveTime } from "./eve_common.ts";
 * eveTime("2026-11-26T10:00:01.500Z", "ts"); // ["2026-11-26T10:00:01.500000+0000", 1795687201500]
 * ```
 *
 * @param iso An ISO-8601 time.
 * @param field The field it comes from, for the error message.
 * @returns The EVE timestamp and the time in milliseconds.
 * @throws {TypeError} When `iso` is not a time.
 */
export function eveTime(iso: string, field: string): [string, number] {
  const ms = parseIsoTimestamp(iso);
  if (Number.isNaN(ms)) throw new TypeError(`Invalid ${field} "${iso}": expected an ISO-8601 time`);
  return [isoTimestamp(ms).slice(0, 23) + "000+0000", ms];
}

/**
 * The flow id of a connection: Suricata's is a 64-bit number cut to 51 bits
 * "as JavaScript and even JSON often seem to max out there" (flow.h); this
 * one is a 51-bit hash of the uid, so the same connection always gets the
 * same id (in its `flow` record and in its alerts), and it stays a safe JSON
 * integer. The hash is two FNV-1a lanes with murmur3's finaliser: uids are
 * random already, so it only has to spread them, and a SHA-1 here was a
 * second digest per connection next to the Community ID's.
 *
 * @example
 * ```ts
 * import { eveFlowId } from "./eve_common.ts";
 * eveFlowId("CHhAvVGS1DHFjwGM9a") === eveFlowId("CHhAvVGS1DHFjwGM9a"); // true
 * ```
 *
 * @param uid The connection's uid.
 * @returns An integer below 2^51.
 */
export function eveFlowId(uid: string): number {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < uid.length; i++) {
    const c = uid.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  const high = finalise(a ^ uid.length) & 0x7ffff;
  const low = finalise(b + uid.length);
  return high * HIGH + low;
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function finalise(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * `ip_v` of an address: 4 (IPv4-mapped IPv6 included) or 6; 0 for text that
 * is not an IP address.
 *
 * @example
 * ```ts
 * import { eveIpVersion } from "./eve_common.ts";
 * eveIpVersion("::ffff:192.0.2.1"); // 4
 * ```
 *
 * @param address An IP literal.
 * @returns 4, 6 or 0.
 */
export function eveIpVersion(address: string): 0 | 4 | 6 {
  if (address === lastAddress) return lastVersion;
  const version = ipVersion(address);
  lastAddress = address;
  lastVersion = version;
  return version;
}

/**
 * Suricata's `app_proto` for a recognised service: the protocols Suricata
 * has a parser of and names alike (`http`, `tls`, `ssh`, `dns`) pass as they
 * are; what Suricata would not recognise (`redis`, for which it has no
 * parser, and the generic `text`/`binary` guesses) is `failed`, Suricata's
 * word for "protocol detection ran and found nothing it knows". A flow
 * whose first bytes were never seen has no `app_proto` (`undefined`).
 *
 * @example
 * ```ts
 * import { eveAppProto } from "./eve_common.ts";
 * eveAppProto("tls"); // "tls"
 * eveAppProto("text"); // "failed"
 * ```
 *
 * @param service The service recognised, if any.
 * @returns The `app_proto` value, or `undefined` to leave it out.
 */
export function eveAppProto(service: ServiceName | string | undefined): string | undefined {
  switch (service) {
    case undefined:
      return undefined;
    case "http":
    case "tls":
    case "ssh":
    case "dns":
      return service;
    default:
      return "failed";
  }
}
