/**
 * CIDR blocks and sets of them (`10.0.0.0/8`, `2001:db8::/32`, a bare
 * address as a /32 or /128), for access lists and rule address groups.
 * IPv4-mapped IPv6 addresses are matched as the IPv4 address they carry.
 *
 * @module
 */

import { parseIpInto } from "./ip.ts";

const SCRATCH = new Uint8Array(16);

/**
 * One parsed CIDR block.
 *
 * @example
 * ```ts
 * import { parseCidr } from "@sockscope/sockscope";
 * const block = parseCidr("10.0.0.0/8");
 * console.log(block.family, block.prefix); // 4 8
 * ```
 */
export interface CidrBlock {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Network bytes (host bits zeroed), 4 or 16 of them. */
  readonly bytes: Uint8Array;
  /** Prefix length in bits. */
  readonly prefix: number;
  /** The block as written back (`10.0.0.0/8`). */
  readonly text: string;
}

/** Maps `::ffff:a.b.c.d` in `bytes[0..16)` to its IPv4 bytes in place; returns the new length. */
function unmapped(bytes: Uint8Array, length: number): number {
  if (length !== 16) return length;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return 16;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return 16;
  bytes.copyWithin(0, 12, 16);
  return 4;
}

/**
 * Parses `ADDRESS[/PREFIX]`. Host bits after the prefix are cleared (as
 * Suricata and iptables do), so `10.1.2.3/8` is `10.0.0.0/8`.
 *
 * @example
 * ```ts
 * import { parseCidr } from "@sockscope/sockscope";
 * parseCidr("192.168.1.7/24").text; // "192.168.1.0/24"
 * parseCidr("::1").prefix; // 128
 * ```
 *
 * @throws {TypeError} If the text is not an IP address with an optional prefix length.
 */
export function parseCidr(text: string): CidrBlock {
  const s = text.trim();
  const slash = s.indexOf("/");
  const addr = slash === -1 ? s : s.slice(0, slash);
  let length = parseIpInto(addr, SCRATCH);
  if (length === 0) {
    throw new TypeError(
      `Invalid CIDR "${text}": expected an IPv4 or IPv6 address, optionally with /PREFIX`,
    );
  }
  const mappedV4 = length === 16 && unmapped(SCRATCH, length) === 4;
  const max = length * 8;
  let prefix = max;
  if (slash !== -1) {
    const p = s.slice(slash + 1);
    prefix = /^\d{1,3}$/.test(p) ? Number(p) : NaN;
    if (mappedV4) prefix -= 96;
    if (!(prefix >= 0 && prefix <= (mappedV4 ? 32 : max))) {
      throw new TypeError(`Invalid CIDR "${text}": expected a prefix length 0-${max}`);
    }
  }
  if (mappedV4) length = 4;
  const bytes = SCRATCH.slice(0, length);
  for (let bit = prefix; bit < length * 8; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  const family = length === 4 ? 4 : 6;
  const shown = family === 4 ? [...bytes].join(".") : v6Text(bytes);
  return { family, bytes, prefix, text: `${shown}/${prefix}` };
}

function v6Text(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  // Longest run of zero groups becomes "::" (RFC 5952).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best === -1) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

function matches(block: CidrBlock, bytes: Uint8Array, length: number): boolean {
  if (length !== block.bytes.length) return false;
  const full = block.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== block.bytes[i]) return false;
  const rest = block.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full] & mask) === block.bytes[full];
}

/**
 * A set of CIDR blocks: `has(address)` is true when any block contains the
 * address. Built from a comma-separated list (`10.0.0.0/8,::1`) or blocks.
 *
 * @example
 * ```ts
 * import { CidrSet } from "@sockscope/sockscope";
 * const home = CidrSet.parse("10.0.0.0/8, 192.168.0.0/16, ::1");
 * home.has("10.1.2.3"); // true
 * home.has("::ffff:192.168.4.4"); // true (IPv4-mapped)
 * home.has("8.8.8.8"); // false
 * ```
 */
export class CidrSet {
  /** The blocks, as parsed. */
  readonly blocks: readonly CidrBlock[];

  /** Creates a set of `blocks`. */
  constructor(blocks: readonly CidrBlock[]) {
    this.blocks = blocks;
  }

  /**
   * Parses a comma-separated list of blocks (spaces allowed). An empty list
   * gives an empty set.
   *
   * @throws {TypeError} Naming the first entry that is not a CIDR block.
   */
  static parse(list: string): CidrSet {
    const parts = list.split(",").map((p) => p.trim()).filter((p) => p !== "");
    return new CidrSet(parts.map(parseCidr));
  }

  /** Number of blocks. */
  get size(): number {
    return this.blocks.length;
  }

  /** True when `address` (an IP literal) lies in any block; false for anything unparsable. */
  has(address: string): boolean {
    const length = unmapped(SCRATCH, parseIpInto(address, SCRATCH));
    if (length === 0) return false;
    for (const b of this.blocks) if (matches(b, SCRATCH, length)) return true;
    return false;
  }
}
