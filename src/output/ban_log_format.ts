/**
 * The ban log (`--ban-log FILE`): one line per `ban` event, in a fixed,
 * documented format that fail2ban reads, so that fail2ban (with
 * `examples/fail2ban/`) can take over blocking banned sources in the
 * firewall. `docs/formats.md` ("Ban log") documents the line.
 *
 * @module
 */

import type { BanEvent, MonitorEvent } from "../monitor/events.ts";
import { escapeText } from "../format/safe_text.ts";
import type { RecordFormat } from "./record_format.ts";

/** Options of {@linkcode BanLogFormat}. */
export interface BanLogFormatOptions {
  /**
   * The process id written after the tag (`sockscope[PID]:`), as syslog
   * writes it; left out when not given (the core does not know it).
   */
  readonly pid?: number;
  /**
   * The tag (the "program name") starting each message; default
   * `sockscope`. The fail2ban filter's `_daemon` must match it.
   */
  readonly tag?: string;
}

const ENCODER = new TextEncoder();

/**
 * The ban log as a {@linkcode RecordFormat}: a line per `ban` event (both
 * `ban` and `unban`), nothing for other events, no header or footer:
 *
 * ```text
 * 2026-12-01T10:00:00.123+0000 sockscope[4242]: ban 203.0.113.5 offense=2 duration=1200 until=2026-12-01T10:20:00.123+0000 sid=9000001 reason="connect scan"
 * 2026-12-01T10:20:00.123+0000 sockscope[4242]: unban 203.0.113.5 offense=2 duration=1200 until=2026-12-01T10:20:00.123+0000 sid=9000001 reason="connect scan"
 * ```
 *
 * The time is the event's, in UTC with a numeric offset (an ISO 8601 form
 * fail2ban's default date detection reads); the address is written as the
 * event has it (IPv4 or IPv6, no brackets, no port); `reason` is the alert's
 * signature, quoted, with `\` and `"` escaped and anything that is not
 * printable as `\xNN` / `\u{XXXX}` (the line stays one line whatever the
 * text). The address comes right after `ban `, before any text from a rule,
 * so a filter anchored there never reads an address out of the reason.
 *
 * @example
 * ```ts
 * import { BanLogFormat } from "./ban_log_format.ts";
 * const format = new BanLogFormat({ pid: 4242 });
 * format.encode({
 *   ts: "2026-12-01T10:00:00.123Z", type: "ban", action: "ban", src: "203.0.113.5",
 *   reason: "connect scan", signature_id: 9000001, offense: 2, duration: 1200,
 *   until: "2026-12-01T10:20:00.123Z",
 * });
 * // '2026-12-01T10:00:00.123+0000 sockscope[4242]: ban 203.0.113.5 offense=2 duration=1200 ...\n'
 * ```
 */
export class BanLogFormat implements RecordFormat {
  /** `ban log`. */
  readonly name = "ban log";
  /** False: only `ban` events are written. */
  readonly wantsData = false;
  #prefix: string;

  /**
   * Creates the format.
   *
   * @throws {RangeError} When `pid` is not a positive integer.
   * @throws {TypeError} When `tag` is empty or holds anything but letters, digits, `.`, `_`, `-`, `/`.
   */
  constructor(options: BanLogFormatOptions = {}) {
    const tag = options.tag ?? "sockscope";
    if (!/^[A-Za-z0-9._\/-]+$/.test(tag)) {
      throw new TypeError(
        `Invalid tag "${tag}": expected letters, digits, ".", "_", "-" or "/" (no spaces)`,
      );
    }
    const pid = options.pid;
    if (pid !== undefined && !(Number.isSafeInteger(pid) && pid > 0)) {
      throw new RangeError(`Invalid pid "${pid}": expected a positive integer`);
    }
    this.#prefix = pid === undefined ? `${tag}:` : `${tag}[${pid}]:`;
  }

  /** Nothing: the log is plain lines. */
  header(_nowMs: number, _existingBytes: number): string {
    return "";
  }

  /** The line of a `ban` event; `undefined` for every other event. */
  encode(event: MonitorEvent): string | undefined {
    return event.type === "ban" ? banLine(event, this.#prefix) : undefined;
  }

  /** Nothing. */
  footer(_nowMs: number): string {
    return "";
  }
}

function banLine(ev: BanEvent, prefix: string): string {
  const action = ev.action === "unban" ? "unban" : "ban";
  return `${offsetTime(ev.ts)} ${prefix} ${action} ${word(ev.src)} offense=${
    int(ev.offense)
  } duration=${int(ev.duration)} until=${offsetTime(ev.until)} sid=${
    int(ev.signature_id)
  } reason="${quoted(ev.reason)}"\n`;
}

/**
 * `2026-12-01T10:00:00.123Z` -> `2026-12-01T10:00:00.123+0000`: the same
 * instant, with the numeric offset fail2ban's `%z` reads. A time that is not
 * one is written as `-` (the line is still written: a ban must not be lost).
 */
function offsetTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "-";
  return new Date(ms).toISOString().slice(0, 23) + "+0000";
}

/** A whole number for `key=value` (durations are whole seconds; anything else is rounded). */
function int(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n)) : "0";
}

/** A single word: escaped, spaces included, so that the fields after it stay where they are. */
function word(text: string): string {
  const s = escapeText(ENCODER.encode(text));
  return s === "" ? "-" : s.replace(/ /g, "\\x20");
}

/** Text inside double quotes: escaped for one line, `"` as `\"`. */
function quoted(text: string): string {
  return escapeText(ENCODER.encode(text)).replace(/"/g, '\\"');
}
