/**
 * What the protocol fingerprints read from the first bytes of a direction:
 * the shared vocabulary of the fingerprint parsers, the rule engine (sticky
 * buffers such as `http.uri` or `tls.sni` match these fields) and the
 * writers (`service` in Zeek, `app_proto` in EVE, `conn.app` in NDJSON).
 *
 * Every field is what the bytes said, never a guess: a field the window did
 * not contain is absent, and `truncated` says when the window ended inside
 * the structure that was being read.
 *
 * @module
 */

/**
 * The application protocol recognised on a connection or UDP flow. `text`
 * and `binary` are the generic guess when no parser recognised the bytes
 * (printable ASCII / UTF-8 against anything else).
 */
export type ServiceName = "http" | "tls" | "ssh" | "redis" | "dns" | "text" | "binary";

/**
 * An HTTP/1.x request head, as sent by the client.
 *
 * @example
 * ```ts
 * import type { HttpRequestInfo } from "@sockscope/sockscope";
 * function where(h: HttpRequestInfo): string { return `${h.method} ${h.host ?? "-"}${h.uri}`; }
 * ```
 */
export interface HttpRequestInfo {
  /** Request method as sent (`GET`, `POST`, ...). */
  readonly method: string;
  /** Request target as sent (`/path?query`), not normalised. */
  readonly uri: string;
  /** Protocol version (`HTTP/1.1`). */
  readonly version: string;
  /** The first line without its CRLF. */
  readonly request_line: string;
  /** `Host` header value, if present. */
  readonly host?: string;
  /** `User-Agent` header value, if present. */
  readonly user_agent?: string;
  /** Header fields in order, names as sent, values trimmed. */
  readonly headers: readonly (readonly [name: string, value: string])[];
  /**
   * Byte offset of the body in the direction's stream (just past the blank
   * line); absent when the head was not complete in the window.
   */
  readonly body_offset?: number;
  /** True when the window ended before the blank line that ends the head. */
  readonly truncated: boolean;
}

/**
 * A TLS ClientHello, with its JA3 and JA4 fingerprints.
 *
 * @example
 * ```ts
 * import type { TlsClientHelloInfo } from "@sockscope/sockscope";
 * function label(t: TlsClientHelloInfo): string { return `${t.sni ?? "-"} ${t.ja4}`; }
 * ```
 */
export interface TlsClientHelloInfo {
  /** Record layer version (e.g. 0x0301). */
  readonly record_version: number;
  /** ClientHello legacy_version (e.g. 0x0303). */
  readonly version: number;
  /** Versions of the supported_versions extension, GREASE removed, in order. */
  readonly supported_versions?: readonly number[];
  /** server_name (SNI) host name, if sent. */
  readonly sni?: string;
  /** ALPN protocol names in order, if sent. */
  readonly alpn?: readonly string[];
  /** Cipher suites in order, as sent (GREASE included). */
  readonly ciphers: readonly number[];
  /** Extension types in order, as sent (GREASE included). */
  readonly extensions: readonly number[];
  /** supported_groups, as sent. */
  readonly groups?: readonly number[];
  /** ec_point_formats, as sent. */
  readonly ec_point_formats?: readonly number[];
  /** signature_algorithms, as sent. */
  readonly signature_algorithms?: readonly number[];
  /** The JA3 string (`771,4865-...,0-23-...,29-23,0`), GREASE removed. */
  readonly ja3: string;
  /** MD5 of the JA3 string, 32 lower-case hex digits. */
  readonly ja3_hash: string;
  /** The JA4 fingerprint (`t13d1516h2_8daaf6152771_e5627efa2ab1`). */
  readonly ja4: string;
  /** True when the window ended inside the ClientHello (fields then come from what was read). */
  readonly truncated: boolean;
}

/**
 * An SSH identification string (RFC 4253 section 4.2).
 *
 * @example
 * ```ts
 * import type { SshBannerInfo } from "@sockscope/sockscope";
 * function who(s: SshBannerInfo): string { return s.software; }
 * ```
 */
export interface SshBannerInfo {
  /** Protocol version (`2.0`, or `1.99`). */
  readonly proto_version: string;
  /** softwareversion (`OpenSSH_9.2p1`). */
  readonly software: string;
  /** The comments after the software version, if any. */
  readonly comments?: string;
}

/**
 * The first Redis (RESP) command of a connection.
 *
 * @example
 * ```ts
 * import type { RespInfo } from "@sockscope/sockscope";
 * function cmd(r: RespInfo): string { return r.command; }
 * ```
 */
export interface RespInfo {
  /** The command name, upper-cased (`PING`, `SET`). */
  readonly command: string;
  /** Number of arguments after the command name. */
  readonly args: number;
  /** True for an inline command (`PING\r\n`) rather than a RESP array. */
  readonly inline: boolean;
}

/**
 * The question of a DNS query (UDP).
 *
 * @example
 * ```ts
 * import type { DnsQueryInfo } from "@sockscope/sockscope";
 * function q(d: DnsQueryInfo): string { return `${d.rrname} ${d.rrtype}`; }
 * ```
 */
export interface DnsQueryInfo {
  /** Transaction id. */
  readonly id: number;
  /** Queried name, without the trailing dot (`example.com`). */
  readonly rrname: string;
  /** Record type mnemonic (`A`, `AAAA`, `TXT`, ...) or `TYPE<n>`. */
  readonly rrtype: string;
  /** Record type number. */
  readonly rrtype_code: number;
}

/**
 * What the fingerprints recognised in one direction's first bytes.
 *
 * @example
 * ```ts
 * import type { AppInfo } from "@sockscope/sockscope";
 * function describe(app: AppInfo): string {
 *   return app.http ? `http ${app.http.method} ${app.http.uri}` : app.service;
 * }
 * ```
 */
export interface AppInfo {
  /** The protocol recognised, or the generic `text` / `binary` guess. */
  readonly service: ServiceName;
  /** HTTP request head, when `service` is `http`. */
  readonly http?: HttpRequestInfo;
  /** TLS ClientHello, when `service` is `tls`. */
  readonly tls?: TlsClientHelloInfo;
  /** SSH identification, when `service` is `ssh`. */
  readonly ssh?: SshBannerInfo;
  /** First Redis command, when `service` is `redis`. */
  readonly redis?: RespInfo;
  /** DNS question, when `service` is `dns`. */
  readonly dns?: DnsQueryInfo;
}
