/**
 * The TLS ClientHello (RFC 8446 section 4.1.2; RFC 5246 section 7.4.1.2)
 * from the first bytes a client sent: record layer, handshake header, the
 * hello's lists and the extensions the fingerprints read (server_name,
 * ALPN, supported_groups, ec_point_formats, signature_algorithms,
 * supported_versions), with its JA3 and JA4.
 *
 * @module
 */

import type { TlsClientHelloInfo } from "../app_info.ts";
import { latin1Text, utf8Text } from "./_bytes.ts";
import { isGrease } from "./grease.ts";
import { ja3 } from "./ja3.ts";
import { ja4 } from "./ja4.ts";

const CONTENT_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 1;
/** Record header (5) + handshake header (4). */
const HEADERS = 9;
/** Largest plaintext record (2^14) plus the slack RFC 5246 allows for compressed records. */
const MAX_RECORD = 16384 + 1024;
/** version (2) + random (32) + session id length (1) + cipher list (2 + 2) + compression (1 + 1). */
const MIN_HELLO = 41;

const EXT_SERVER_NAME = 0x0000;
const EXT_SUPPORTED_GROUPS = 0x000a;
const EXT_EC_POINT_FORMATS = 0x000b;
const EXT_SIGNATURE_ALGORITHMS = 0x000d;
const EXT_ALPN = 0x0010;
const EXT_SUPPORTED_VERSIONS = 0x002b;

/** A ClientHello under construction (the optional fields are only set when read). */
interface Draft {
  record_version: number;
  version: number;
  supported_versions?: number[];
  sni?: string;
  alpn?: string[];
  ciphers: number[];
  extensions: number[];
  groups?: number[];
  ec_point_formats?: number[];
  signature_algorithms?: number[];
}

/** Whether a record header (5 bytes, or the part of it present) could start a handshake record. */
function plausibleRecord(b: Uint8Array, at: number): boolean {
  const n = b.length - at;
  if (n >= 1 && b[at] !== CONTENT_HANDSHAKE) return false;
  if (n >= 2 && b[at + 1] !== 3) return false;
  if (n >= 3 && b[at + 2] > 4) return false;
  if (n >= 5) {
    const len = (b[at + 3] << 8) | b[at + 4];
    if (len === 0 || len > MAX_RECORD) return false;
  }
  return true;
}

/**
 * The handshake message's bytes (header included) from the records at the
 * start of `b`: the first record's fragment when it holds the whole message
 * (no copy), else the fragments of the following handshake records joined.
 * `complete` says whether the whole message was there.
 */
function handshakeBytes(b: Uint8Array): { hs: Uint8Array; complete: boolean } {
  const firstLen = (b[3] << 8) | b[4];
  const firstEnd = Math.min(b.length, 5 + firstLen);
  const first = b.subarray(5, firstEnd);
  if (first.length >= 4) {
    const need = 4 + ((first[1] << 16) | (first[2] << 8) | first[3]);
    if (first.length >= need) return { hs: first.subarray(0, need), complete: true };
  }
  if (firstEnd < 5 + firstLen) return { hs: first, complete: false };
  // The message continues in the next records: join their fragments.
  const parts: Uint8Array[] = [first];
  let have = first.length;
  let at = firstEnd;
  let need = Infinity;
  for (;;) {
    if (need === Infinity && have >= 4) {
      need = 4 + ((byteAt(parts, 1) << 16) | (byteAt(parts, 2) << 8) | byteAt(parts, 3));
    }
    if (have >= need || at + 5 > b.length || !plausibleRecord(b, at)) break;
    const len = (b[at + 3] << 8) | b[at + 4];
    const end = Math.min(b.length, at + 5 + len);
    parts.push(b.subarray(at + 5, end));
    have += end - at - 5;
    at = end;
  }
  const hs = new Uint8Array(Math.min(have, need));
  let off = 0;
  for (const p of parts) {
    const take = Math.min(p.length, hs.length - off);
    hs.set(p.subarray(0, take), off);
    off += take;
  }
  return { hs, complete: have >= need };
}

/** Byte `i` of the concatenation of `parts` (only for the first few bytes). */
function byteAt(parts: Uint8Array[], i: number): number {
  for (const p of parts) {
    if (i < p.length) return p[i];
    i -= p.length;
  }
  return 0;
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

/** The 16-bit values of `b[start, end)` (a trailing odd byte is ignored). */
function u16List(b: Uint8Array, start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i + 1 < end; i += 2) out.push(u16(b, i));
  return out;
}

/** Reads the extensions the fingerprints use from `b[start, end)`, the extension's data. */
function readExtension(d: Draft, type: number, b: Uint8Array, start: number, end: number): void {
  switch (type) {
    case EXT_SERVER_NAME: {
      // server_name_list: a 2-byte length, then (name_type, 2-byte length, name) entries.
      if (end - start < 2) return;
      const listEnd = Math.min(end, start + 2 + u16(b, start));
      for (let p = start + 2; p + 3 <= listEnd;) {
        const len = u16(b, p + 1);
        if (p + 3 + len > listEnd) return;
        if (b[p] === 0) {
          d.sni = utf8Text(b, p + 3, p + 3 + len);
          return;
        }
        p += 3 + len;
      }
      return;
    }
    case EXT_ALPN: {
      // protocol_name_list: a 2-byte length, then 1-byte-length names (opaque bytes: latin1).
      if (end - start < 2) return;
      const listEnd = Math.min(end, start + 2 + u16(b, start));
      const names: string[] = [];
      for (let p = start + 2; p < listEnd;) {
        const len = b[p];
        if (p + 1 + len > listEnd) break;
        names.push(latin1Text(b, p + 1, p + 1 + len));
        p += 1 + len;
      }
      d.alpn = names;
      return;
    }
    case EXT_SUPPORTED_GROUPS:
    case EXT_SIGNATURE_ALGORITHMS: {
      if (end - start < 2) return;
      const list = u16List(b, start + 2, Math.min(end, start + 2 + u16(b, start)));
      if (type === EXT_SUPPORTED_GROUPS) d.groups = list;
      else d.signature_algorithms = list;
      return;
    }
    case EXT_EC_POINT_FORMATS: {
      if (end - start < 1) return;
      const listEnd = Math.min(end, start + 1 + b[start]);
      d.ec_point_formats = Array.from(b.subarray(start + 1, listEnd));
      return;
    }
    case EXT_SUPPORTED_VERSIONS: {
      // In a ClientHello: a 1-byte length, then 2-byte versions.
      if (end - start < 1) return;
      const all = u16List(b, start + 1, Math.min(end, start + 1 + b[start]));
      d.supported_versions = all.filter((v) => !isGrease(v));
      return;
    }
  }
}

/**
 * Reads the ClientHello body `h[0, end)` (after the handshake header) into
 * `d`, stopping at the first list that is cut short or malformed: every
 * field set is what the bytes said; lists hold the whole values read.
 */
function readHello(d: Draft, h: Uint8Array, end: number): void {
  if (end < 2) return;
  d.version = u16(h, 0);
  let p = 2 + 32; // random
  if (p + 1 > end) return;
  const sid = h[p];
  if (sid > 32) return;
  p += 1 + sid;
  if (p + 2 > end) return;
  const cipherBytes = u16(h, p);
  p += 2;
  const ciphersEnd = p + cipherBytes;
  for (; p + 1 < ciphersEnd && p + 1 < end; p += 2) d.ciphers.push(u16(h, p));
  if (ciphersEnd > end) return;
  p = ciphersEnd;
  if (p + 1 > end) return;
  p += 1 + h[p]; // compression methods
  if (p + 2 > end) return;
  const extEnd = Math.min(end, p + 2 + u16(h, p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = u16(h, p);
    const len = u16(h, p + 2);
    d.extensions.push(type);
    p += 4;
    if (p + len > extEnd) return;
    readExtension(d, type, h, p, p + len);
    p += len;
  }
}

/**
 * Parses a TLS ClientHello from the start of a client's stream: a
 * handshake record (content type 22, version 3.x) holding a ClientHello
 * (handshake type 1), the message possibly spread over several records.
 *
 * Returns `"more"` while the bytes are a prefix of such records that does
 * not yet hold the whole ClientHello and `final` is false. With `final`
 * true it returns what the prefix holds (`truncated: true`), once the
 * prefix reaches the hello's version; JA3 and JA4 are then those of the
 * fields read. Returns undefined for anything else. Never throws.
 *
 * @example
 * ```ts
 * import { parseClientHello } from "./tls_client_hello.ts";
 *
 * const hello = parseClientHello(new Uint8Array([0x16, 0x03, 0x01, 0x00]), false);
 * hello; // "more": a handshake record has begun
 * parseClientHello(new TextEncoder().encode("GET / HTTP/1.1\r\n")); // undefined
 * ```
 *
 * @param payload The stream's first bytes (from offset 0).
 * @param final True when no more bytes will come (window full or stream
 * ended).
 * @returns The ClientHello, `"more"`, or undefined when it is not one.
 */
export function parseClientHello(
  payload: Uint8Array,
  final = true,
): TlsClientHelloInfo | "more" | undefined {
  const n = payload.length;
  if (!plausibleRecord(payload, 0)) return undefined;
  if (n >= 6 && payload[5] !== HANDSHAKE_CLIENT_HELLO) return undefined;
  // The handshake length is only where it seems when the first record holds the whole header.
  if (n >= 9 && ((payload[3] << 8) | payload[4]) >= 4) {
    const hsLen = (payload[6] << 16) | (payload[7] << 8) | payload[8];
    if (hsLen < MIN_HELLO) return undefined;
  }
  if (n < HEADERS + 2) return final ? undefined : "more";
  const { hs, complete } = handshakeBytes(payload);
  if (!complete && !final) return "more";
  // A record too short to reach the version (a hello split into tiny records).
  if (hs.length < 4 + 2) return undefined;
  const d: Draft = {
    record_version: u16(payload, 1),
    version: 0,
    ciphers: [],
    extensions: [],
  };
  readHello(d, hs.subarray(4), hs.length - 4);
  const j3 = ja3(d);
  const info: TlsClientHelloInfo = {
    ...d,
    ja3: j3.ja3,
    ja3_hash: j3.hash,
    ja4: ja4(d),
    truncated: !complete,
  };
  return info;
}
