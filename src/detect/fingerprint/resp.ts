/**
 * The first Redis command of a connection (RESP, the Redis serialization
 * protocol): a RESP array of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
 * as clients send it, or an inline command (`PING\r\n`) as typed into
 * telnet or sent by scanners.
 *
 * @module
 */

import type { RespInfo } from "../app_info.ts";
import { latin1Text } from "./_bytes.ts";

/**
 * Command names an inline command is recognised by: Redis commands that
 * are rarely the first line of another text protocol (no QUIT, HELP, USER).
 */
const INLINE_COMMANDS: ReadonlySet<string> = new Set([
  "PING",
  "ECHO",
  "INFO",
  "AUTH",
  "HELLO",
  "SELECT",
  "GET",
  "SET",
  "SETEX",
  "SETNX",
  "MGET",
  "MSET",
  "DEL",
  "EXISTS",
  "KEYS",
  "SCAN",
  "TYPE",
  "TTL",
  "EXPIRE",
  "INCR",
  "DECR",
  "APPEND",
  "LPUSH",
  "RPUSH",
  "LRANGE",
  "HGET",
  "HSET",
  "HGETALL",
  "SADD",
  "SMEMBERS",
  "ZADD",
  "ZRANGE",
  "DBSIZE",
  "FLUSHALL",
  "FLUSHDB",
  "CONFIG",
  "CLIENT",
  "CLUSTER",
  "COMMAND",
  "MODULE",
  "SLAVEOF",
  "REPLICAOF",
  "SYNC",
  "PSYNC",
  "SAVE",
  "BGSAVE",
  "LASTSAVE",
  "SHUTDOWN",
  "MONITOR",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "PUBLISH",
  "EVAL",
  "EVALSHA",
  "SCRIPT",
  "MULTI",
  "EXEC",
  "ROLE",
  "SLOWLOG",
  "DEBUG",
]);
const LONGEST_INLINE = 10;
/** Longest command name read from an array (Redis's own are at most about 20 bytes). */
const MAX_NAME = 64;
/** Largest element count believed (a client sends far fewer for a first command). */
const MAX_ELEMENTS = 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

/**
 * Reads `<digits>\r\n` at `at`. Returns the number and the index after the
 * LF; -1 for the index when the bytes end first (still plausible), or
 * undefined when they are not such a line.
 */
function readCount(b: Uint8Array, at: number, max: number): [number, number] | undefined {
  let v = 0;
  let i = at;
  for (; i < b.length; i++) {
    const c = b[i];
    if (c === CR) break;
    if (c < 0x30 || c > 0x39 || i - at >= 8) return undefined;
    v = v * 10 + (c - 0x30);
  }
  if (i >= b.length) return [v, -1];
  if (i === at || v > max) return undefined;
  if (i + 1 >= b.length) return [v, -1];
  if (b[i + 1] !== LF) return undefined;
  return [v, i + 2];
}

function upper(b: Uint8Array, start: number, end: number): string {
  return latin1Text(b, start, end).toUpperCase();
}

function array(b: Uint8Array, final: boolean): RespInfo | "more" | undefined {
  const more = final ? undefined : "more";
  const count = readCount(b, 1, MAX_ELEMENTS);
  if (count === undefined) return undefined;
  if (count[1] === -1) return more;
  if (count[0] === 0) return undefined;
  let at = count[1];
  if (at >= b.length) return more;
  if (b[at] !== 0x24) return undefined; // `$`
  const len = readCount(b, at + 1, MAX_NAME);
  if (len === undefined) return undefined;
  if (len[1] === -1) return more;
  if (len[0] === 0) return undefined;
  at = len[1];
  const end = at + len[0];
  for (let i = at; i < Math.min(end, b.length); i++) {
    if (b[i] <= SP || b[i] >= 0x7f) return undefined;
  }
  if (end > b.length) return more;
  return { command: upper(b, at, end), args: count[0] - 1, inline: false };
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isUpperWord(b: Uint8Array, end: number): boolean {
  for (let i = 0; i < end; i++) if (b[i] < 0x41 || b[i] > 0x5a) return false;
  return true;
}

function inline(b: Uint8Array, final: boolean): RespInfo | "more" | undefined {
  let w = 0;
  while (w < b.length && isLetter(b[w])) w++;
  if (w === 0 || w > LONGEST_INLINE) return undefined;
  const name = upper(b, 0, w);
  if (w === b.length) {
    if (final) return undefined;
    for (const c of INLINE_COMMANDS) if (c.startsWith(name)) return "more";
    return undefined;
  }
  if (!INLINE_COMMANDS.has(name)) return undefined;
  const next = b[w];
  if (next !== SP && next !== HT && next !== CR && next !== LF) return undefined;
  const lf = b.indexOf(LF, w);
  if (lf === -1) {
    for (let i = w; i < b.length; i++) {
      if (b[i] < 0x20 && b[i] !== HT && b[i] !== CR) return undefined;
    }
    return final ? undefined : "more";
  }
  // A plain text line that starts with a common word ("hello from npm\n", "get ready\n") is
  // not Redis: an inline command must be typed in capitals or end in CRLF (telnet, scanners).
  if (!(lf > 0 && b[lf - 1] === CR) && !isUpperWord(b, w)) return undefined;
  let args = 0;
  let inWord = false;
  for (let i = w; i < lf; i++) {
    const c = b[i];
    if (c < 0x20 && c !== HT && c !== CR) return undefined;
    const space = c === SP || c === HT || c === CR;
    if (!space && !inWord) args++;
    inWord = !space;
  }
  return { command: name, args, inline: true };
}

/**
 * Parses the first Redis command at the start of a client's stream: a RESP
 * array (`*<n>\r\n$<len>\r\n<name>\r\n...`, any command name of printable
 * bytes; `args` is `n - 1`) or an inline command line whose first word is a
 * known Redis command, typed in capitals or ended by CRLF (`args` counts the
 * words after it; quoting is not interpreted). The name is upper-cased.
 *
 * Returns `"more"` while the bytes are a prefix of either and `final` is
 * false; with `final` true a command whose name the window cut is not
 * recognised. Returns undefined for anything else. Never throws.
 *
 * @example
 * ```ts
 * import { parseResp } from "./resp.ts";
 *
 * const enc = new TextEncoder();
 * parseResp(enc.encode("*1\r\n$4\r\nPING\r\n")); // { command: "PING", args: 0, inline: false }
 * parseResp(enc.encode("config get *\r\n")); // { command: "CONFIG", args: 2, inline: true }
 * ```
 *
 * @param payload The stream's first bytes (from offset 0).
 * @param final True when no more bytes will come (window full or stream
 * ended).
 * @returns The command, `"more"`, or undefined when it is not one.
 */
export function parseResp(payload: Uint8Array, final = true): RespInfo | "more" | undefined {
  if (payload.length === 0) return final ? undefined : "more";
  return payload[0] === 0x2a ? array(payload, final) : inline(payload, final);
}
