/**
 * JA4 (FoxIO, BSD 3-Clause): the TLS client fingerprint
 * `t13d1516h2_8daaf6152771_e5627efa2ab1`, as the JA4 technical details
 * define it: transport, version, SNI, counts and ALPN in the first part,
 * then truncated SHA-256 hashes of the sorted cipher suites and of the
 * sorted extensions (SNI and ALPN left out) with the signature algorithms.
 * Only JA4 itself lives here: JA4S, JA4H, JA4X and the other JA4+ methods
 * are under a different licence.
 *
 * @module
 */

import type { TlsClientHelloInfo } from "../app_info.ts";
import { hex } from "../../format/hex.ts";
import { sha256 } from "../../format/sha256.ts";
import { isGrease } from "./grease.ts";

/** The ClientHello fields JA4 reads. */
export type Ja4Input = Pick<
  TlsClientHelloInfo,
  "version" | "supported_versions" | "alpn" | "ciphers" | "extensions" | "signature_algorithms"
>;

/** How the hello travelled: `t` TLS over TCP, `q` QUIC, `d` DTLS. */
export type Ja4Transport = "t" | "q" | "d";

/** The hash part JA4 prints for an empty list (rather than the hash of nothing). */
const EMPTY = "000000000000";
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;
const DIGEST = new Uint8Array(32);
const HEX = new Uint8Array([...("0123456789abcdef")].map((c) => c.charCodeAt(0)));
const COMMA = 0x2c;
const UNDERSCORE = 0x5f;

/**
 * The hashed lists are written as ASCII straight into this buffer (no strings), then hashed in
 * place; grown on demand (a hostile hello can list thousands of values).
 */
let text = new Uint8Array(1024);

function reserve(len: number, more: number): void {
  if (len + more <= text.length) return;
  const bigger = new Uint8Array(Math.max(text.length * 2, len + more));
  bigger.set(text.subarray(0, len));
  text = bigger;
}

/** Appends `v` as four lower-case hex digits at `len`, after a comma unless it is the first. */
function put(len: number, v: number, first: boolean): number {
  reserve(len, 5);
  if (!first) text[len++] = COMMA;
  text[len++] = HEX[(v >> 12) & 15];
  text[len++] = HEX[(v >> 8) & 15];
  text[len++] = HEX[(v >> 4) & 15];
  text[len++] = HEX[v & 15];
  return len;
}

/** Writes the sorted, GREASE-free values (leaving out `skipA` and `skipB`) from 0; returns the length. */
function putSorted(values: readonly number[], skipA = -1, skipB = -1): number {
  const keep: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!isGrease(v) && v !== skipA && v !== skipB) keep.push(v);
  }
  keep.sort((x, y) => x - y);
  let len = 0;
  for (let i = 0; i < keep.length; i++) len = put(len, keep[i], i === 0);
  return len;
}

/** First 12 hex digits of the SHA-256 of `text[0, len)`; zeros for an empty list. */
function hash12(len: number): string {
  return len === 0 ? EMPTY : hex(sha256(text.subarray(0, len), DIGEST), 6);
}

function versionCode(v: number): string {
  switch (v) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0002:
      return "s2";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** First and last character of the first ALPN value (its hex form when either is not alphanumeric). */
function alpnCode(alpn: readonly string[] | undefined): string {
  const first = alpn?.[0];
  if (first === undefined || first.length === 0) return "00";
  const a = first.charCodeAt(0);
  const z = first.charCodeAt(first.length - 1);
  if (isAlnum(a) && isAlnum(z)) return first[0] + first[first.length - 1];
  // The hex form's first digit is the first byte's high nibble, its last the last byte's low one.
  return ((a >> 4) & 15).toString(16) + (z & 15).toString(16);
}

function twoDigits(n: number): string {
  const c = Math.min(n, 99);
  return c < 10 ? `0${c}` : `${c}`;
}

function countNonGrease(values: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!isGrease(values[i])) n++;
  return n;
}

/**
 * Computes the JA4 fingerprint of a ClientHello (JA4 technical details,
 * FoxIO). GREASE values are ignored everywhere; the version is the highest
 * of supported_versions when that extension was sent, else the hello's
 * version; counts are capped at 99; the ALPN part is `00` without a first
 * ALPN value; an empty list hashes to `000000000000`.
 *
 * @example
 * ```ts
 * import { ja4 } from "./ja4.ts";
 *
 * ja4({
 *   version: 0x0303,
 *   supported_versions: [0x0304, 0x0303],
 *   alpn: ["h2", "http/1.1"],
 *   ciphers: [0x1301, 0x1302, 0x1303],
 *   extensions: [0x0000, 0x0010, 0x002b, 0x000d],
 *   signature_algorithms: [0x0403, 0x0804],
 * }); // "t13d0304h2_..._..."
 * ```
 *
 * @param hello The ClientHello's fields (a `TlsClientHelloInfo` will do).
 * @param transport `t` (TLS over TCP, the default), `q` (QUIC) or `d` (DTLS).
 * @returns The JA4 fingerprint, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`.
 */
export function ja4(hello: Ja4Input, transport: Ja4Transport = "t"): string {
  let version = hello.version;
  const supported = hello.supported_versions;
  if (supported !== undefined) {
    let best = -1;
    for (const v of supported) if (!isGrease(v) && v > best) best = v;
    if (best >= 0) version = best;
  }
  const sni = hello.extensions.includes(EXT_SERVER_NAME) ? "d" : "i";
  const a = transport + versionCode(version) + sni + twoDigits(countNonGrease(hello.ciphers)) +
    twoDigits(countNonGrease(hello.extensions)) + alpnCode(hello.alpn);
  const b = hash12(putSorted(hello.ciphers));
  let len = putSorted(hello.extensions, EXT_SERVER_NAME, EXT_ALPN);
  if (len === 0) return `${a}_${b}_${EMPTY}`;
  const algs = hello.signature_algorithms;
  let first = true;
  if (algs !== undefined) {
    for (const v of algs) {
      if (isGrease(v)) continue;
      if (first) {
        reserve(len, 1);
        text[len++] = UNDERSCORE;
      }
      len = put(len, v, first);
      first = false;
    }
  }
  return `${a}_${b}_${hash12(len)}`;
}
