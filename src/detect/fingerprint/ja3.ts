/**
 * JA3 (Salesforce): a TLS client fingerprint made of the ClientHello's
 * version, cipher suites, extension types, supported groups and EC point
 * formats, as decimal values (`-` within a list, `,` between them), GREASE
 * removed, and the MD5 of that string.
 *
 * @module
 */

import type { TlsClientHelloInfo } from "../app_info.ts";
import { hex } from "../../format/hex.ts";
import { md5 } from "../../format/md5.ts";
import { asciiBytes } from "./_bytes.ts";
import { isGrease } from "./grease.ts";

/** The ClientHello fields JA3 reads. */
export type Ja3Input = Pick<
  TlsClientHelloInfo,
  "version" | "ciphers" | "extensions" | "groups" | "ec_point_formats"
>;

/** A JA3 fingerprint. */
export interface Ja3Result {
  /** The JA3 string (`771,4865-4866,0-23-65281,29-23,0`). */
  readonly ja3: string;
  /** MD5 of `ja3`, 32 lower-case hex digits. */
  readonly hash: string;
}

/** Digest scratch (the hash runs on the monitor's hot path). */
const DIGEST = new Uint8Array(16);

function join(values: readonly number[] | undefined, grease: boolean): string {
  if (values === undefined) return "";
  let out = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (grease && isGrease(v)) continue;
    out += out === "" ? `${v}` : `-${v}`;
  }
  return out;
}

/**
 * Computes the JA3 string and hash of a ClientHello: `SSLVersion,Ciphers,
 * Extensions,EllipticCurves,EllipticCurvePointFormats`, the values in the
 * order sent, GREASE values left out, an absent list as an empty field.
 *
 * @example
 * ```ts
 * import { ja3 } from "./ja3.ts";
 *
 * const fp = ja3({
 *   version: 0x0303,
 *   ciphers: [0x0a0a, 0x1301, 0xc02b],
 *   extensions: [0x0000, 0x000a, 0x000b],
 *   groups: [0x001d, 0x0017],
 *   ec_point_formats: [0],
 * });
 * fp.ja3; // "771,4865-49195,0-10-11,29-23,0"
 * fp.hash.length; // 32
 * ```
 *
 * @param hello The ClientHello's fields (a `TlsClientHelloInfo` will do).
 * @returns The JA3 string and its MD5 in hex.
 */
export function ja3(hello: Ja3Input): Ja3Result {
  const text = `${hello.version},${join(hello.ciphers, true)},${join(hello.extensions, true)},${
    join(hello.groups, true)
  },${join(hello.ec_point_formats, false)}`;
  return { ja3: text, hash: hex(md5(asciiBytes(text), DIGEST)) };
}
