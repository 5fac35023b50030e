/**
 * IP address literals: parsing to bytes, IPv4-mapped IPv6 normalisation and
 * `host:port` formatting.
 *
 * @module
 */

/** Hex digit value per ASCII code, -1 for anything else. */
const HEX: Int8Array = /* @__PURE__ */ (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

/** Parse target, reused (typed-array allocation is slow on some runtimes). */
const SCRATCH = new Uint8Array(16);

const COLON = 0x3a;
const DOT = 0x2e;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Parses a dotted quad in `s[start, end)` into `out[at..at+3]`. Each part is
 * 0-255 in decimal without leading zeros (so `010` is rejected rather than
 * guessed to be octal).
 */
function parseV4Into(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let parts = 0;
  let i = start;
  while (parts < 4) {
    let value = 0;
    let digits = 0;
    const first = i;
    while (i < end) {
      const d = s.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || value > 255) return false;
    if (digits > 1 && s.charCodeAt(first) === 0x30) return false;
    out[at + parts] = value;
    parts++;
    if (parts < 4) {
      if (i >= end || s.charCodeAt(i) !== DOT) return false;
      i++;
    }
  }
  return i === end;
}

/**
 * Parses an IPv6 literal (no brackets, no zone) in `s[start, end)` into
 * `out[at..at+15]`; returns false (leaving `out` partly written) if invalid.
 */
function parseV6Into(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let i = start;
  let groups = 0;
  let compressAt = -1;
  if (end - start < 2) return false;
  if (s.charCodeAt(i) === COLON) {
    if (s.charCodeAt(i + 1) !== COLON) return false;
    compressAt = 0;
    i += 2;
  }
  while (i < end) {
    let value = 0;
    let digits = 0;
    let j = i;
    while (j < end) {
      const c = s.charCodeAt(j);
      const h = c < 128 ? HEX[c] : -1;
      if (h < 0) break;
      value = (value << 4) | h;
      digits++;
      j++;
      if (digits > 4) return false;
    }
    if (j < end && s.charCodeAt(j) === DOT) {
      // Embedded IPv4 in the last 32 bits.
      if (groups > 6 || !parseV4Into(s, i, end, out, at + groups * 2)) return false;
      groups += 2;
      break;
    }
    if (digits === 0 || groups === 8) return false;
    out[at + groups * 2] = value >> 8;
    out[at + groups * 2 + 1] = value & 0xff;
    groups++;
    i = j;
    if (i === end) break;
    if (s.charCodeAt(i) !== COLON) return false;
    i++;
    if (i === end) return false; // a single trailing colon
    if (s.charCodeAt(i) === COLON) {
      if (compressAt !== -1) return false; // a second "::"
      compressAt = groups;
      i++;
    }
  }
  if (compressAt === -1) return groups === 8;
  if (groups > 7) return false; // "::" must stand for at least one group
  const tail = (groups - compressAt) * 2;
  if (tail > 0) out.copyWithin(at + 16 - tail, at + compressAt * 2, at + groups * 2);
  out.fill(0, at + compressAt * 2, at + 16 - tail);
  return true;
}

/**
 * Parses an IP address literal like {@linkcode parseIp}, writing the bytes
 * into `out` at `offset` instead of allocating: the variant for hot paths.
 * On failure the 16 bytes from `offset` may have been partly overwritten.
 *
 * @example
 * ```ts
 * import { parseIpInto } from "./ip.ts";
 *
 * const scratch = new Uint8Array(16);
 * parseIpInto("10.0.0.1", scratch); // 4, scratch starts 10, 0, 0, 1
 * parseIpInto("::1", scratch); // 16
 * parseIpInto("nope", scratch); // 0
 * ```
 *
 * @param address The literal to parse.
 * @param out Where to write the bytes; needs room for 16 bytes from `offset`.
 * @param offset Index in `out` of the first byte (default 0).
 * @returns 4 for IPv4, 16 for IPv6, 0 if `address` is not a valid IP literal.
 * @throws {RangeError} If `out` has no room for 16 bytes at `offset`.
 */
export function parseIpInto(address: string, out: Uint8Array, offset = 0): number {
  if (!(offset >= 0 && offset + 16 <= out.length && Number.isInteger(offset))) {
    throw new RangeError(
      `Invalid offset "${offset}": expected room for 16 bytes in an array of ${out.length}`,
    );
  }
  let start = 0;
  let end = address.length;
  if (end === 0) return 0;
  let wrapped = false;
  if (address.charCodeAt(0) === OPEN_BRACKET) {
    if (end < 3 || address.charCodeAt(end - 1) !== CLOSE_BRACKET) return 0;
    start = 1;
    end--;
    wrapped = true;
  }
  const zone = address.indexOf("%", start);
  let zoned = false;
  if (zone !== -1 && zone < end) {
    if (zone === end - 1) return 0; // empty zone
    end = zone;
    zoned = true;
  }
  const colon = address.indexOf(":", start);
  if (colon === -1 || colon >= end) {
    if (wrapped || zoned) return 0;
    return parseV4Into(address, start, end, out, offset) ? 4 : 0;
  }
  return parseV6Into(address, start, end, out, offset) ? 16 : 0;
}

/**
 * Parses an IP address literal into its network-order bytes.
 *
 * IPv4 must be a dotted quad of decimal parts 0-255 without leading zeros.
 * IPv6 may be full, compressed with `::`, end in an embedded IPv4 address
 * (`::ffff:1.2.3.4`), carry a zone (`fe80::1%eth0`, ignored) and be wrapped in
 * brackets (`[::1]`). Brackets and zones are rejected on IPv4. IPv4-mapped
 * IPv6 stays 16 bytes here; see {@linkcode normalizeAddress}.
 *
 * @example
 * ```ts
 * import { parseIp } from "./ip.ts";
 *
 * parseIp("127.0.0.1"); // Uint8Array(4) [127, 0, 0, 1]
 * parseIp("[::1]")?.length; // 16
 * parseIp("localhost"); // null
 * ```
 *
 * @param address The literal to parse.
 * @returns 4 bytes for IPv4, 16 bytes for IPv6, or `null` if `address` is not
 * a valid IP literal.
 */
export function parseIp(address: string): Uint8Array | null {
  const length = parseIpInto(address, SCRATCH);
  return length === 0 ? null : SCRATCH.slice(0, length);
}

/**
 * True when `bytes[at..at+15]` is an IPv4-mapped IPv6 address (`::ffff:0:0/96`).
 *
 * @example
 * ```ts
 * import { isV4Mapped, parseIp } from "./ip.ts";
 * isV4Mapped(parseIp("::ffff:192.0.2.1")!); // true
 * ```
 *
 * @param bytes Address bytes, as {@linkcode parseIpInto} writes them.
 * @param at Where the 16 bytes of the IPv6 address start (default 0).
 * @returns Whether they are in `::ffff:0:0/96`.
 */
export function isV4Mapped(bytes: Uint8Array, at = 0): boolean {
  if (bytes[at + 10] !== 0xff || bytes[at + 11] !== 0xff) return false;
  for (let i = at; i < at + 10; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * The IP version of an address as a packet would carry it: 4 for IPv4 and
 * IPv4-mapped IPv6, 6 for other IPv6, 0 for text that is not an IP literal.
 *
 * @example
 * ```ts
 * import { ipVersion } from "./ip.ts";
 * ipVersion("::ffff:192.0.2.1"); // 4
 * ipVersion("2001:db8::1"); // 6
 * ```
 *
 * @param address An IP literal.
 * @returns 4, 6 or 0.
 */
export function ipVersion(address: string): 0 | 4 | 6 {
  const family = parseIpInto(address, SCRATCH);
  return family === 0 ? 0 : family === 4 || isV4Mapped(SCRATCH) ? 4 : 6;
}

/**
 * Normalises an address as reported by a socket for display and hashing:
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`, any case or spelling) becomes the
 * plain IPv4 address and surrounding brackets are removed. Anything else is
 * returned unchanged; addresses that cannot be mapped (most IPv4 and IPv6)
 * take a fast path without parsing.
 *
 * @example
 * ```ts
 * import { normalizeAddress } from "./ip.ts";
 *
 * normalizeAddress("::FFFF:127.0.0.1"); // "127.0.0.1"
 * normalizeAddress("[::1]"); // "::1"
 * normalizeAddress("10.0.0.7"); // "10.0.0.7"
 * ```
 *
 * @param address An address literal, possibly bracketed.
 * @returns The normalised address text.
 */
export function normalizeAddress(address: string): string {
  const c = address.charCodeAt(0);
  // Only "[...]", "::..." and "0..." can be bracketed or IPv4-mapped.
  if (c !== OPEN_BRACKET && c !== COLON && c !== 0x30) return address;
  let text = address;
  if (c === OPEN_BRACKET && address.charCodeAt(address.length - 1) === CLOSE_BRACKET) {
    text = address.slice(1, -1);
  }
  const b = SCRATCH;
  if (parseIpInto(text, b) === 16 && isV4Mapped(b, 0)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  return text;
}

/**
 * Formats an address and port as `host:port`, bracketing IPv6 addresses.
 * The address is used as given (call {@linkcode normalizeAddress} first to
 * show IPv4-mapped addresses as IPv4).
 *
 * @example
 * ```ts
 * import { formatHostPort } from "./ip.ts";
 *
 * formatHostPort("127.0.0.1", 80); // "127.0.0.1:80"
 * formatHostPort("::1", 80); // "[::1]:80"
 * ```
 *
 * @param address An IPv4 or IPv6 address (brackets optional for IPv6).
 * @param port A port number 0-65535.
 * @returns The `host:port` text.
 * @throws {RangeError} If `port` is not an integer 0-65535.
 */
export function formatHostPort(address: string, port: number): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid port "${port}": expected an integer 0-65535`);
  }
  return `${bracketHost(address)}:${port}`;
}

/**
 * An address as it stands before `:port`: IPv6 in brackets, IPv4 as is.
 *
 * @example
 * ```ts
 * import { bracketHost } from "./ip.ts";
 *
 * bracketHost("::1"); // "[::1]"
 * bracketHost("127.0.0.1"); // "127.0.0.1"
 * ```
 */
export function bracketHost(address: string): string {
  return address.indexOf(":") !== -1 && address.charCodeAt(0) !== OPEN_BRACKET
    ? `[${address}]`
    : address;
}

/**
 * Formats 4 or 16 address bytes as text: dotted IPv4, IPv4-mapped IPv6 as
 * IPv4 (as {@linkcode normalizeAddress} does), other IPv6 in RFC 5952's
 * canonical form (lowercase, longest run of two or more zero groups as `::`).
 *
 * @example
 * ```ts
 * import { formatIp } from "./ip.ts";
 *
 * formatIp(new Uint8Array([192, 0, 2, 1])); // "192.0.2.1"
 * formatIp(new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])); // "2001:db8::1"
 * ```
 *
 * @param bytes 4 bytes (IPv4) or 16 bytes (IPv6).
 * @returns The address text.
 * @throws {RangeError} If `bytes` is neither 4 nor 16 bytes long.
 */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.byteLength === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.byteLength !== 16) {
    throw new RangeError(`Invalid address of ${bytes.byteLength} bytes: expected 4 or 16`);
  }
  if (isV4Mapped(bytes, 0)) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestAt = -1;
  let bestLen = 1; // RFC 5952 4.2.2: a single zero group is not compressed
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  return bestAt < 0
    ? hex(groups)
    : `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}
