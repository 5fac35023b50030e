/**
 * The buffers rules inspect: the payload window (`pkt`) and the sticky
 * buffers made from what the fingerprints parsed of the client's request
 * (`http.uri`, `tls.sni`, `dns.query`, ...), with Suricata's normalisations,
 * plus the transforms (`dotprefix`, `to_lowercase`, ...).
 *
 * @module
 */

import type { AppInfo, HttpRequestInfo, ServiceName } from "../app_info.ts";
import { textBytes } from "./content_bytes.ts";

/** Sticky buffer keywords sockscope supports, by keyword (aliases included), to canonical name. */
export const STICKY_BUFFERS: ReadonlyMap<string, string> = new Map([
  ["pkt_data", "pkt"],
  ["http.method", "http.method"],
  ["http.uri", "http.uri"],
  ["http.uri.raw", "http.uri.raw"],
  ["http.host", "http.host"],
  ["http.host.raw", "http.host.raw"],
  ["http.user_agent", "http.user_agent"],
  ["http.header", "http.header"],
  ["http.header.raw", "http.header.raw"],
  ["http.cookie", "http.cookie"],
  ["http.request_line", "http.request_line"],
  ["http.request_body", "http.request_body"],
  ["http.client_body", "http.request_body"],
  ["http.content_type", "http.content_type"],
  ["http.content_len", "http.content_len"],
  ["http.referer", "http.referer"],
  ["http.accept", "http.accept"],
  ["http.accept_enc", "http.accept_enc"],
  ["http.accept_lang", "http.accept_lang"],
  ["http.connection", "http.connection"],
  ["http.header_names", "http.header_names"],
  ["http.start", "http.start"],
  ["http.protocol", "http.protocol"],
  ["tls.sni", "tls.sni"],
  ["tls_sni", "tls.sni"],
  ["ja3.hash", "ja3.hash"],
  ["ja3_hash", "ja3.hash"],
  ["ja3.string", "ja3.string"],
  ["ja3_string", "ja3.string"],
  ["ja4.hash", "ja4.hash"],
  ["ssh.software", "ssh.software"],
  ["ssh_software", "ssh.software"],
  ["ssh.proto", "ssh.proto"],
  ["ssh_proto", "ssh.proto"],
  ["dns.query", "dns.query"],
  ["dns_query", "dns.query"],
]);

/** Old-style content modifiers (`content:"x"; http_uri;`) to the buffer they move the content to. */
export const CONTENT_MODIFIERS: ReadonlyMap<string, string> = new Map([
  ["http_method", "http.method"],
  ["http_uri", "http.uri"],
  ["http_raw_uri", "http.uri.raw"],
  ["http_host", "http.host"],
  ["http_raw_host", "http.host.raw"],
  ["http_user_agent", "http.user_agent"],
  ["http_header", "http.header"],
  ["http_raw_header", "http.header.raw"],
  ["http_cookie", "http.cookie"],
  ["http_client_body", "http.request_body"],
  ["http_header_names", "http.header_names"],
  ["http_content_type", "http.content_type"],
  ["http_content_len", "http.content_len"],
  ["http_referer", "http.referer"],
  ["http_accept", "http.accept"],
  ["http_accept_enc", "http.accept_enc"],
  ["http_accept_lang", "http.accept_lang"],
  ["http_connection", "http.connection"],
  ["http_request_line", "http.request_line"],
  ["http_start", "http.start"],
  ["http_protocol", "http.protocol"],
]);

/**
 * Response-side buffers (sticky keywords and old modifiers): they need a
 * response or certificate parser sockscope does not have yet, so rules
 * using them are skipped, naming the keyword.
 */
export const RESPONSE_BUFFERS: ReadonlySet<string> = new Set([
  "file.data",
  "file_data",
  "http.stat_code",
  "http_stat_code",
  "http.stat_msg",
  "http_stat_msg",
  "http.response_line",
  "http.response_body",
  "http_server_body",
  "http.server",
  "http.location",
  "http.response_header",
  "tls.cert_subject",
  "tls_cert_subject",
  "tls.cert_issuer",
  "tls_cert_issuer",
  "tls.cert_serial",
  "tls_cert_serial",
  "tls.cert_fingerprint",
  "tls_cert_fingerprint",
  "tls.certs",
  "tls.subjectaltname",
  "ja3s.hash",
  "ja3s.string",
  "ja4s.hash",
]);

/** Transforms sockscope applies to a sticky buffer. */
export const TRANSFORMS: ReadonlySet<string> = new Set([
  "dotprefix",
  "to_lowercase",
  "to_uppercase",
  "strip_whitespace",
  "compress_whitespace",
  "url_decode",
]);

/**
 * The service a buffer needs the flow to be (`http.uri` needs `http`).
 *
 * @example
 * ```ts
 * import { bufferService } from "./buffers.ts";
 * bufferService("tls.sni"); // "tls"
 * bufferService("pkt"); // undefined
 * ```
 */
export function bufferService(name: string): ServiceName | undefined {
  if (name.startsWith("http.")) return "http";
  if (name.startsWith("tls.") || name.startsWith("ja3") || name.startsWith("ja4")) return "tls";
  if (name.startsWith("ssh.")) return "ssh";
  if (name.startsWith("dns.")) return "dns";
  return undefined;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** `%XX` decoding (invalid escapes stay as they are), as libhtp and `url_decode` do. */
function percentDecode(bytes: Uint8Array, plus: boolean): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < bytes.length) {
      const h = hexValue(bytes[i + 1]);
      const l = hexValue(bytes[i + 2]);
      if (h >= 0 && l >= 0) {
        out[n++] = h * 16 + l;
        i += 2;
        continue;
      }
    }
    out[n++] = plus && b === 0x2b ? 0x20 : b;
  }
  return out.slice(0, n);
}

/**
 * Suricata's normalised `http.uri` (libhtp's IDS defaults): in the path,
 * `\` becomes `/`, `%XX` is decoded, repeated `/` are compressed and `.` /
 * `..` segments removed; the query stays as sent.
 *
 * @example
 * ```ts
 * import { normalizeUri } from "./buffers.ts";
 * new TextDecoder().decode(normalizeUri("//a/./b/../c%2Ed?x=%41")); // "/a/c.d?x=%41"
 * ```
 */
export function normalizeUri(uri: string): Uint8Array {
  const q = uri.indexOf("?");
  const path = q === -1 ? uri : uri.slice(0, q);
  const query = q === -1 ? "" : uri.slice(q);
  const decoded = percentDecode(textBytes(path), false);
  let text = "";
  for (const b of decoded) text += String.fromCharCode(b === 0x5c ? 0x2f : b);
  const absolute = text.startsWith("/");
  const segments = text.split("/");
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === "." || s === "..") {
      if (s === ".." && out.length > 0) out.pop();
      if (last) out.push("");
      continue;
    }
    if (s === "" && !last) continue; // compress "//"
    out.push(s);
  }
  const joined = (absolute ? "/" : "") + out.join("/");
  return textBytes(joined + query);
}

function headerValue(http: HttpRequestInfo, name: string): string | undefined {
  let value: string | undefined;
  for (const [n, v] of http.headers) {
    if (n.toLowerCase() !== name) continue;
    value = value === undefined ? v : `${value}, ${v}`;
  }
  return value;
}

const ENCODER = /* @__PURE__ */ new TextEncoder();

/** Builds the untransformed buffer `name` for one input; undefined when absent. */
function buildBase(
  name: string,
  payload: Uint8Array,
  app: AppInfo | undefined,
  request: boolean,
): Uint8Array | undefined {
  if (name === "pkt") return payload;
  // Request-side buffers describe the client's bytes: inspected with them only,
  // so that a rule without a flow direction alerts once per connection.
  if (!request || app === undefined) return undefined;
  const http = app.http;
  if (http !== undefined && name.startsWith("http.")) {
    switch (name) {
      case "http.method":
        return textBytes(http.method);
      case "http.uri":
        return normalizeUri(http.uri);
      case "http.uri.raw":
        return textBytes(http.uri);
      case "http.host": {
        const h = headerValue(http, "host") ?? http.host;
        if (h === undefined) return undefined;
        return textBytes(h.replace(/:\d*$/, "").toLowerCase());
      }
      case "http.host.raw": {
        const h = headerValue(http, "host") ?? http.host;
        return h === undefined ? undefined : textBytes(h);
      }
      case "http.user_agent": {
        const v = headerValue(http, "user-agent") ?? http.user_agent;
        return v === undefined ? undefined : textBytes(v);
      }
      case "http.header": {
        const merged = new Map<string, [string, string]>();
        for (const [n, v] of http.headers) {
          const k = n.toLowerCase();
          if (k === "cookie") continue;
          const prev = merged.get(k);
          merged.set(k, prev === undefined ? [n, v] : [prev[0], `${prev[1]}, ${v}`]);
        }
        if (merged.size === 0) return undefined;
        let s = "";
        for (const [n, v] of merged.values()) s += `${n}: ${v}\r\n`;
        return textBytes(s);
      }
      case "http.header.raw": {
        const start = findCrlf(payload, 0);
        if (start === -1) return undefined;
        const end = http.body_offset ?? payload.length;
        return end > start + 2
          ? payload.subarray(start + 2, Math.min(end, payload.length))
          : undefined;
      }
      case "http.cookie": {
        const v = headerValue(http, "cookie");
        return v === undefined ? undefined : textBytes(v);
      }
      case "http.request_line":
        return textBytes(http.request_line);
      case "http.request_body": {
        const at = http.body_offset;
        if (at === undefined || at >= payload.length) return undefined;
        return payload.subarray(at);
      }
      case "http.content_type":
        return optional(headerValue(http, "content-type"));
      case "http.content_len":
        return optional(headerValue(http, "content-length"));
      case "http.referer":
        return optional(headerValue(http, "referer"));
      case "http.accept":
        return optional(headerValue(http, "accept"));
      case "http.accept_enc":
        return optional(headerValue(http, "accept-encoding"));
      case "http.accept_lang":
        return optional(headerValue(http, "accept-language"));
      case "http.connection":
        return optional(headerValue(http, "connection"));
      case "http.header_names": {
        if (http.headers.length === 0) return undefined;
        return textBytes(`\r\n${http.headers.map(([n]) => n).join("\r\n")}\r\n\r\n`);
      }
      case "http.start": {
        let s = `${http.request_line}\r\n`;
        for (const [n, v] of http.headers) s += `${n}: ${v}\r\n`;
        return textBytes(s + "\r\n");
      }
      case "http.protocol":
        return textBytes(http.version);
    }
    return undefined;
  }
  const tls = app.tls;
  if (tls !== undefined) {
    if (name === "tls.sni") return optional(tls.sni);
    if (name === "ja3.hash") return ENCODER.encode(tls.ja3_hash);
    if (name === "ja3.string") return ENCODER.encode(tls.ja3);
    if (name === "ja4.hash") return ENCODER.encode(tls.ja4);
  }
  const ssh = app.ssh;
  if (ssh !== undefined) {
    if (name === "ssh.software") return textBytes(ssh.software);
    if (name === "ssh.proto") return textBytes(ssh.proto_version);
  }
  if (app.dns !== undefined && name === "dns.query") return textBytes(app.dns.rrname);
  return undefined;
}

function optional(v: string | undefined): Uint8Array | undefined {
  return v === undefined ? undefined : textBytes(v);
}

function findCrlf(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) return i;
  }
  return -1;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0b || b === 0x0c || b === 0x0d;
}

/**
 * Applies one transform.
 *
 * @example
 * ```ts
 * import { applyTransform } from "./buffers.ts";
 * new TextDecoder().decode(applyTransform("dotprefix", new TextEncoder().encode("a.com"))); // ".a.com"
 * ```
 */
export function applyTransform(name: string, b: Uint8Array): Uint8Array {
  switch (name) {
    case "dotprefix": {
      const out = new Uint8Array(b.length + 1);
      out[0] = 0x2e;
      out.set(b, 1);
      return out;
    }
    case "to_lowercase":
      return b.map((c) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c));
    case "to_uppercase":
      return b.map((c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c));
    case "strip_whitespace":
      return b.filter((c) => !isSpace(c));
    case "compress_whitespace": {
      const out: number[] = [];
      for (const c of b) {
        if (isSpace(c)) {
          if (out.length > 0 && isSpace(out[out.length - 1])) continue;
        }
        out.push(c);
      }
      return Uint8Array.from(out);
    }
    case "url_decode":
      return percentDecode(b, true);
  }
  return b;
}

/**
 * Builds buffer `name` with `transforms` for one input; undefined when the
 * input does not have it (no such header, not that protocol, `resp` bytes
 * for a request buffer).
 *
 * @example
 * ```ts
 * import { buildBuffer } from "./buffers.ts";
 * const app = { service: "dns" as const, dns: { id: 1, rrname: "a.example", rrtype: "A", rrtype_code: 1 } };
 * buildBuffer("dns.query", ["dotprefix"], new Uint8Array(0), app, true)?.length; // 10
 * ```
 */
export function buildBuffer(
  name: string,
  transforms: readonly string[],
  payload: Uint8Array,
  app: AppInfo | undefined,
  request: boolean,
): Uint8Array | undefined {
  let b = buildBase(name, payload, app, request);
  if (b === undefined) return undefined;
  for (const t of transforms) b = applyTransform(t, b);
  return b;
}
