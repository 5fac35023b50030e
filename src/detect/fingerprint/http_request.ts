/**
 * The HTTP/1.x request head (RFC 9112) from the first bytes a client sent:
 * request line, header fields in order, and where the body starts.
 *
 * @module
 */

import type { HttpRequestInfo } from "../app_info.ts";
import { utf8Text } from "./_bytes.ts";

/** Request methods recognised (RFC 9110, PATCH, and the WebDAV ones scanners send). */
const METHODS: readonly string[] = [
  "GET",
  "POST",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "PATCH",
  "CONNECT",
  "TRACE",
  "PROPFIND",
  "PROPPATCH",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "UNLOCK",
  "SEARCH",
  "REPORT",
];
const LONGEST_METHOD = 9;
/** ` HTTP/1.x` at the end of the request line. */
const VERSION_TAIL = 9;

const SP = 0x20;
const HT = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

/** The method that `b` starts with (followed by a space), if any; "" while `b` is a prefix of one. */
function method(b: Uint8Array): string | undefined {
  const n = Math.min(b.length, LONGEST_METHOD + 1);
  let sp = -1;
  for (let i = 0; i < n; i++) {
    if (b[i] === SP) {
      sp = i;
      break;
    }
    if (b[i] < 0x41 || b[i] > 0x5a) return undefined;
  }
  for (const m of METHODS) {
    if (sp === -1) {
      if (b.length <= m.length && startsWith(b, m, b.length)) return "";
    } else if (sp === m.length && startsWith(b, m, sp)) return m;
  }
  return undefined;
}

function startsWith(b: Uint8Array, text: string, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Whether `b[start, end)` is a target: visible characters (spaces tolerated inside), no controls. */
function plausibleTarget(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] < 0x20 || b[i] === 0x7f) return false;
  return true;
}

/** Whether `b[at, at + 9)` is ` HTTP/1.x`. */
function isVersionTail(b: Uint8Array, at: number): boolean {
  return b[at] === SP && b[at + 1] === 0x48 && b[at + 2] === 0x54 && b[at + 3] === 0x54 &&
    b[at + 4] === 0x50 && b[at + 5] === 0x2f && b[at + 6] === 0x31 && b[at + 7] === 0x2e &&
    b[at + 8] >= 0x30 && b[at + 8] <= 0x39;
}

/** Whether the bytes after the method could still become `target SP HTTP/1.x`. */
function plausibleUnfinishedLine(b: Uint8Array, start: number): boolean {
  const n = b.length;
  for (let i = start; i < n; i++) {
    const c = b[i];
    if (c === CR && i === n - 1) return true; // the LF may follow
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** End of the line starting at `at` (the index of its LF), or -1. */
function lineEnd(b: Uint8Array, at: number): number {
  return b.indexOf(LF, at);
}

/** `lf` minus a CR before it: where the line's content ends. */
function contentEnd(b: Uint8Array, start: number, lf: number): number {
  return lf > start && b[lf - 1] === CR ? lf - 1 : lf;
}

function trimStart(b: Uint8Array, i: number, end: number): number {
  while (i < end && (b[i] === SP || b[i] === HT)) i++;
  return i;
}

function trimEnd(b: Uint8Array, start: number, i: number): number {
  while (i > start && (b[i - 1] === SP || b[i - 1] === HT)) i--;
  return i;
}

/**
 * Parses an HTTP/1.x request head from the start of a client's stream:
 * a known method, a space, a target and ` HTTP/1.x` on the first line,
 * then header lines up to the blank line (CRLF or bare LF line ends;
 * continuation lines are joined to the field before them; lines without a
 * colon are skipped).
 *
 * Returns `"more"` while the bytes could still become a request head and
 * `final` is false. With `final` true and no blank line yet, it returns the
 * complete lines read (`truncated: true`, no `body_offset`): a last line
 * cut short is left out rather than reported cut. Returns undefined for
 * anything else, including a request line the window cut before its
 * version. Never throws.
 *
 * @example
 * ```ts
 * import { parseHttpRequest } from "./http_request.ts";
 *
 * const head = new TextEncoder().encode("GET /a?b HTTP/1.1\r\nHost: example.test\r\n\r\n");
 * const req = parseHttpRequest(head);
 * if (req !== undefined && req !== "more") {
 *   req.uri; // "/a?b"
 *   req.host; // "example.test"
 *   req.body_offset; // 41
 * }
 * parseHttpRequest(head.subarray(0, 10), false); // "more"
 * ```
 *
 * @param payload The stream's first bytes (from offset 0).
 * @param final True when no more bytes will come (window full or stream
 * ended).
 * @returns The request head, `"more"`, or undefined when it is not one.
 */
export function parseHttpRequest(
  payload: Uint8Array,
  final = true,
): HttpRequestInfo | "more" | undefined {
  const b = payload;
  const m = method(b);
  if (m === undefined) return undefined;
  if (m === "") return final ? undefined : "more";
  const lf = lineEnd(b, 0);
  const lineStop = lf === -1 ? b.length : contentEnd(b, 0, lf);
  const tail = lineStop - VERSION_TAIL;
  const complete = tail > m.length + 1 && isVersionTail(b, tail) &&
    (lf !== -1 || final) && plausibleTarget(b, m.length + 1, tail);
  if (!complete) {
    if (lf === -1 && !final && plausibleUnfinishedLine(b, m.length + 1)) return "more";
    return undefined;
  }
  const uri = utf8Text(b, m.length + 1, tail);
  const version = utf8Text(b, tail + 1, lineStop);
  const request_line = utf8Text(b, 0, lineStop);
  const headers: (readonly [string, string])[] = [];
  let host: string | undefined;
  let userAgent: string | undefined;
  let bodyOffset = -1;
  let at = lf === -1 ? b.length : lf + 1;
  // A field whose continuation lines are still to be joined: [name, value] pending.
  let pendingName: string | undefined;
  let pendingValue = "";
  const flush = (): void => {
    if (pendingName === undefined) return;
    headers.push([pendingName, pendingValue]);
    const lower = pendingName.toLowerCase();
    if (lower === "host" && host === undefined) host = pendingValue;
    else if (lower === "user-agent" && userAgent === undefined) userAgent = pendingValue;
    pendingName = undefined;
  };
  while (at < b.length) {
    const end = lineEnd(b, at);
    if (end === -1) break;
    const stop = contentEnd(b, at, end);
    if (stop === at) {
      bodyOffset = end + 1;
      break;
    }
    if ((b[at] === SP || b[at] === HT) && pendingName !== undefined) {
      const s = trimStart(b, at, stop);
      const e = trimEnd(b, s, stop);
      if (e > s) pendingValue += (pendingValue === "" ? "" : " ") + utf8Text(b, s, e);
    } else {
      flush();
      // Searched within the line only: a search to the window's end per line would make many
      // colon-less lines quadratic.
      let colon = at;
      while (colon < stop && b[colon] !== COLON) colon++;
      if (colon < stop && colon > at) {
        pendingName = utf8Text(b, at, trimEnd(b, at, colon));
        const s = trimStart(b, colon + 1, stop);
        pendingValue = utf8Text(b, s, trimEnd(b, s, stop));
      }
    }
    at = end + 1;
  }
  if (bodyOffset === -1 && !final) return "more";
  // Without the blank line the field last read may still have continuation lines: it is complete
  // as far as the window shows, which is what `truncated` tells the reader.
  flush();
  const info: {
    method: string;
    uri: string;
    version: string;
    request_line: string;
    host?: string;
    user_agent?: string;
    headers: readonly (readonly [string, string])[];
    body_offset?: number;
    truncated: boolean;
  } = { method: m, uri, version, request_line, headers, truncated: bodyOffset === -1 };
  if (host !== undefined) info.host = host;
  if (userAgent !== undefined) info.user_agent = userAgent;
  if (bodyOffset !== -1) info.body_offset = bodyOffset;
  return info;
}
