/**
 * What every Suricata EVE event sockscope writes shares: the timestamp form,
 * the flow id (the same for a flow's `flow` record and its `alert`s, so that
 * a SIEM can join them), the IP version and the `app_proto` word.
 *
 * @module
 */

import type { ServiceName } from "../detect/app_info.ts";
import { ipVersion } from "../net/ip.ts";
import { sha1 } from "../format/sha1.ts";
import { isoTimestamp, parseIsoTimestamp } from "../format/timestamp.ts";

const DIGEST = new Uint8Array(20);
const UID_SCRATCH = new Uint8Array(64);
/** The last address asked about and its answer: a listener's address repeats in every record. */
let lastAddress = "";
let lastVersion: 0 | 4 | 6 = 0;
const ENCODER = new TextEncoder();
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
 * one is the first 51 bits of the SHA-1 of the uid, so the same connection
 * always gets the same id (in its `flow` record and in its alerts), and it
 * stays a safe JSON integer.
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
  const d = sha1(uidBytes(uid), DIGEST);
  const high = ((d[0] << 16) | (d[1] << 8) | d[2]) & 0x7ffff;
  const low = ((d[3] << 24) | (d[4] << 16) | (d[5] << 8) | d[6]) >>> 0;
  return high * HIGH + low;
}

/** A uid's UTF-8 bytes; uids are ASCII, copied into a scratch buffer without an allocation. */
function uidBytes(uid: string): Uint8Array {
  const n = uid.length;
  if (n > UID_SCRATCH.length) return ENCODER.encode(uid);
  for (let i = 0; i < n; i++) {
    const c = uid.charCodeAt(i);
    if (c > 0x7f) return ENCODER.encode(uid);
    UID_SCRATCH[i] = c;
  }
  return UID_SCRATCH.subarray(0, n);
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
