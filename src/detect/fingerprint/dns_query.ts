/**
 * The question of a DNS query (RFC 1035 section 4.1) carried in one UDP
 * datagram.
 *
 * @module
 */

import type { DnsQueryInfo } from "../app_info.ts";

const HEADER = 12;
/** RFC 1035 section 2.3.4: names are at most 255 octets on the wire, labels 63. */
const MAX_NAME = 255;
const MAX_LABEL = 63;
/** Section counts past which a datagram is not taken for a query. */
const MAX_QUESTIONS = 16;
const MAX_RECORDS = 64;

/** Record type mnemonics (IANA DNS parameters) for the types a query names. */
const TYPES: ReadonlyMap<number, string> = new Map([
  [1, "A"],
  [2, "NS"],
  [5, "CNAME"],
  [6, "SOA"],
  [12, "PTR"],
  [13, "HINFO"],
  [15, "MX"],
  [16, "TXT"],
  [17, "RP"],
  [18, "AFSDB"],
  [24, "SIG"],
  [25, "KEY"],
  [28, "AAAA"],
  [29, "LOC"],
  [33, "SRV"],
  [35, "NAPTR"],
  [36, "KX"],
  [37, "CERT"],
  [39, "DNAME"],
  [41, "OPT"],
  [42, "APL"],
  [43, "DS"],
  [44, "SSHFP"],
  [45, "IPSECKEY"],
  [46, "RRSIG"],
  [47, "NSEC"],
  [48, "DNSKEY"],
  [49, "DHCID"],
  [50, "NSEC3"],
  [51, "NSEC3PARAM"],
  [52, "TLSA"],
  [53, "SMIMEA"],
  [55, "HIP"],
  [59, "CDS"],
  [60, "CDNSKEY"],
  [61, "OPENPGPKEY"],
  [62, "CSYNC"],
  [63, "ZONEMD"],
  [64, "SVCB"],
  [65, "HTTPS"],
  [99, "SPF"],
  [249, "TKEY"],
  [250, "TSIG"],
  [251, "IXFR"],
  [252, "AXFR"],
  [253, "MAILB"],
  [254, "MAILA"],
  [255, "ANY"],
  [256, "URI"],
  [257, "CAA"],
]);

/**
 * One label's characters in presentation form (RFC 4343 section 2.1):
 * letters, digits, `-` and `_` as they are, `.` and `\` escaped with a
 * backslash, any other byte as `\DDD`, so that a name never reads as
 * another one.
 */
function label(b: Uint8Array, start: number, end: number): string {
  let out = "";
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 0x2e || c === 0x5c) out += "\\" + String.fromCharCode(c);
    else if (c > 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += "\\" + String(c).padStart(3, "0");
  }
  return out;
}

/**
 * Parses the first question of a DNS query datagram: a header with QR 0
 * (a query), a standard opcode (QUERY, IQUERY, STATUS, NOTIFY, UPDATE),
 * QDCOUNT at least 1 and plausible other counts, then a name of labels (no
 * compression pointer can be valid before any name), QTYPE and QCLASS.
 * The name is in presentation form without the trailing dot (`""` for the
 * root). Returns undefined for anything else. Never throws.
 *
 * @example
 * ```ts
 * import { parseDnsQuery } from "./dns_query.ts";
 *
 * const query = new Uint8Array([
 *   0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, // id 0x1234, RD, one question
 *   7, ...new TextEncoder().encode("example"), 3, ...new TextEncoder().encode("com"), 0,
 *   0, 1, 0, 1, // A, IN
 * ]);
 * parseDnsQuery(query); // { id: 4660, rrname: "example.com", rrtype: "A", rrtype_code: 1 }
 * ```
 *
 * @param datagram One UDP datagram's bytes.
 * @returns The question, or undefined when the datagram is not a DNS query.
 */
export function parseDnsQuery(datagram: Uint8Array): DnsQueryInfo | undefined {
  const b = datagram;
  if (b.length < HEADER + 5) return undefined;
  const flags = (b[2] << 8) | b[3];
  const qr = flags >> 15;
  const opcode = (flags >> 11) & 15;
  // Z (bit 6) must be zero (RFC 1035); opcode 3 is unassigned.
  if (qr !== 0 || opcode > 5 || opcode === 3 || (flags & 0x0040) !== 0) return undefined;
  const qd = (b[4] << 8) | b[5];
  const an = (b[6] << 8) | b[7];
  const ns = (b[8] << 8) | b[9];
  const ar = (b[10] << 8) | b[11];
  if (qd === 0 || qd > MAX_QUESTIONS || an > MAX_RECORDS || ns > MAX_RECORDS || ar > MAX_RECORDS) {
    return undefined;
  }
  let p = HEADER;
  let name = "";
  let wire = 1;
  for (;;) {
    if (p >= b.length) return undefined;
    const len = b[p];
    if (len === 0) {
      p++;
      break;
    }
    if (len > MAX_LABEL) return undefined; // a pointer or a reserved label type
    wire += 1 + len;
    if (wire > MAX_NAME || p + 1 + len > b.length) return undefined;
    name += (name === "" ? "" : ".") + label(b, p + 1, p + 1 + len);
    p += 1 + len;
  }
  if (p + 4 > b.length) return undefined;
  const type = (b[p] << 8) | b[p + 1];
  const qclass = ((b[p + 2] << 8) | b[p + 3]) & 0x7fff; // the top bit: mDNS unicast-response
  // IN, CH, HS, NONE, ANY.
  if (
    type === 0 || (qclass !== 1 && qclass !== 3 && qclass !== 4 && qclass !== 254 && qclass !== 255)
  ) {
    return undefined;
  }
  return {
    id: (b[0] << 8) | b[1],
    rrname: name,
    rrtype: TYPES.get(type) ?? `TYPE${type}`,
    rrtype_code: type,
  };
}
