/**
 * The protocol fingerprint of one direction's first bytes: which parser
 * recognises them (TLS, SSH, HTTP, Redis, DNS), else a text/binary guess.
 *
 * @module
 */

import type { AppInfo } from "../app_info.ts";
import { parseDnsQuery } from "./dns_query.ts";
import { guessText } from "./guess.ts";
import { parseHttpRequest } from "./http_request.ts";
import { parseResp } from "./resp.ts";
import { parseSshBanner } from "./ssh_banner.ts";
import { parseClientHello } from "./tls_client_hello.ts";

/**
 * What one direction's first bytes are: what was recognised, or `"more"`
 * when they are a plausible but incomplete prefix of a structure.
 */
export type FingerprintResult = AppInfo | "more";

function tcp(payload: Uint8Array, final: boolean): FingerprintResult {
  // The parsers look at disjoint first bytes (0x16, "SSH-", a method, "*" or a command name), so
  // at most one of them can claim a prefix: the order only decides who looks first.
  const tls = parseClientHello(payload, final);
  if (tls === "more") return "more";
  if (tls !== undefined) return { service: "tls", tls };
  const ssh = parseSshBanner(payload, final);
  if (ssh === "more") return "more";
  if (ssh !== undefined) return { service: "ssh", ssh };
  const http = parseHttpRequest(payload, final);
  if (http === "more") return "more";
  if (http !== undefined) return { service: "http", http };
  const redis = parseResp(payload, final);
  if (redis === "more") return "more";
  if (redis !== undefined) return { service: "redis", redis };
  return { service: guessText(payload) };
}

/**
 * Recognises `payload`: the direction's stream from offset 0 (proto
 * `"tcp"`), or one datagram (proto `"udp"`).
 *
 * TCP bytes are tried as a TLS ClientHello (record type 0x16, handshake
 * type 1), an SSH identification (`SSH-`), an HTTP/1.x request head, and a
 * Redis command (RESP array or inline); a UDP datagram as a DNS query.
 * Bytes nothing recognises are guessed `text` (printable ASCII / UTF-8,
 * tabs, CR, LF) or `binary`.
 *
 * Returns `"more"` when the bytes are a plausible but incomplete prefix of
 * a structure (an HTTP head without its blank line, a TLS record not yet
 * complete) and `final` is false; with `final` true (window full, direction
 * ended) it returns what it can, with `truncated: true` where applicable.
 * A datagram is always whole: UDP never gives `"more"`. Never throws,
 * never reads outside `payload`. An empty payload gives undefined with
 * `final` true or for UDP (an empty datagram), else `"more"`.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./fingerprint.ts";
 *
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: example.test\r\n\r\n");
 * const app = fingerprint(bytes, "tcp", false);
 * if (app !== undefined && app !== "more") {
 *   app.service; // "http"
 *   app.http?.host; // "example.test"
 * }
 * fingerprint(bytes.subarray(0, 20), "tcp", false); // "more"
 * fingerprint(new Uint8Array(0), "tcp", true); // undefined
 * ```
 *
 * @param payload The direction's first bytes (the capture window).
 * @param proto `"tcp"` for a stream, `"udp"` for one datagram.
 * @param final True when no more bytes will come (window full, direction
 * ended).
 * @returns What the bytes are, `"more"`, or undefined for no bytes at all.
 */
export function fingerprint(
  payload: Uint8Array,
  proto: "tcp" | "udp",
  final: boolean,
): FingerprintResult | undefined {
  if (payload.length === 0) return final ? undefined : proto === "udp" ? undefined : "more";
  try {
    if (proto === "udp") {
      const dns = parseDnsQuery(payload);
      return dns !== undefined ? { service: "dns", dns } : { service: guessText(payload) };
    }
    return tcp(payload, final);
  } catch {
    // The parsers are bounds-checked and fuzzed; this guard only keeps a bug of theirs from
    // reaching the connection that runs them (hostile peers send any bytes).
    return { service: "binary" };
  }
}
