/**
 * The SSH identification string (RFC 4253 section 4.2):
 * `SSH-protoversion-softwareversion SP comments CR LF`, the first line an
 * SSH client sends.
 *
 * @module
 */

import type { SshBannerInfo } from "../app_info.ts";
import { utf8Text } from "./_bytes.ts";

/** RFC 4253: the identification line is at most 255 characters, CR LF included. */
const MAX_LINE = 255;
const PREFIX = "SSH-";
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const DASH = 0x2d;

/** Whether `b[start, end)` is a protocol version: digits and dots, starting with a digit. */
function isProtoVersion(b: Uint8Array, start: number, end: number): boolean {
  if (end <= start || b[start] < 0x30 || b[start] > 0x39) return false;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== 0x2e && (c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

/**
 * Parses the SSH identification line at the start of a stream. The line
 * ends with CR LF (a bare LF is accepted, as OpenSSH does); the software
 * version runs to the first space, the comments after it.
 *
 * Returns `"more"` while the bytes are a prefix of such a line and `final`
 * is false. With `final` true and no line end within the window the
 * banner's fields cannot be told, and undefined is returned. Returns
 * undefined for anything else. Never throws.
 *
 * @example
 * ```ts
 * import { parseSshBanner } from "./ssh_banner.ts";
 *
 * const ssh = parseSshBanner(new TextEncoder().encode("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
 * if (ssh !== undefined && ssh !== "more") {
 *   ssh.software; // "OpenSSH_9.2p1"
 *   ssh.comments; // "Debian-2+deb12u3"
 * }
 * ```
 *
 * @param payload The stream's first bytes (from offset 0).
 * @param final True when no more bytes will come (window full or stream
 * ended).
 * @returns The identification, `"more"`, or undefined when it is not one.
 */
export function parseSshBanner(
  payload: Uint8Array,
  final = true,
): SshBannerInfo | "more" | undefined {
  const b = payload;
  const n = b.length;
  for (let i = 0; i < PREFIX.length; i++) {
    if (i >= n) return final ? undefined : "more";
    if (b[i] !== PREFIX.charCodeAt(i)) return undefined;
  }
  const limit = Math.min(n, MAX_LINE);
  let lf = -1;
  for (let i = PREFIX.length; i < limit; i++) {
    const c = b[i];
    if (c === LF) {
      lf = i;
      break;
    }
    // Printable US-ASCII only (RFC 4253), CR only right before the LF.
    if ((c < 0x20 && c !== CR) || c > 0x7e || (c === CR && i + 1 < n && b[i + 1] !== LF)) {
      return undefined;
    }
  }
  if (lf === -1) return !final && n < MAX_LINE ? "more" : undefined;
  const stop = b[lf - 1] === CR ? lf - 1 : lf;
  const dash = b.indexOf(DASH, PREFIX.length);
  if (dash === -1 || dash >= stop || !isProtoVersion(b, PREFIX.length, dash)) return undefined;
  let sp = b.indexOf(SP, dash + 1);
  if (sp === -1 || sp > stop) sp = stop;
  if (sp === dash + 1) return undefined;
  const info: { proto_version: string; software: string; comments?: string } = {
    proto_version: utf8Text(b, PREFIX.length, dash),
    software: utf8Text(b, dash + 1, sp),
  };
  if (sp + 1 < stop) info.comments = utf8Text(b, sp + 1, stop);
  return info;
}
