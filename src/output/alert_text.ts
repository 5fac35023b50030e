/**
 * Alert text for people: the one-line summary that chat webhooks, the
 * Alertmanager summary and syslog MSG share, built only from the alert's
 * fields (never from payload bytes) and safe to show: rule authors can put
 * anything in a signature, so control, format and separator characters
 * are escaped and long fields are cut.
 *
 * @module
 */

import type { AlertEvent } from "../monitor/events.ts";

/** Code points that could break a line, reorder or hide text. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/gu;

/** Longest signature, category or metadata value shown (code points). */
const MAX_FIELD_CHARS = 256;

/**
 * `text` on one visible line: controls (newlines included), bidi and other
 * format characters, separators, lone surrogates and private-use code
 * points become `\u{XXXX}`; past `maxChars` code points the rest is cut and
 * `…` marks the cut. Backslashes stay as they are.
 *
 * @example
 * ```ts
 * import { visibleText } from "./alert_text.ts";
 * visibleText("ET SCAN\nfake\u202e"); // "ET SCAN\\u{000A}fake\\u{202E}"
 * ```
 */
export function visibleText(text: string, maxChars: number = MAX_FIELD_CHARS): string {
  let out = text.replace(
    INVISIBLE,
    (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}}`,
  );
  if (out.length > maxChars) {
    const points = Array.from(out);
    if (points.length > maxChars) out = points.slice(0, maxChars - 1).join("") + "…";
  }
  return out;
}

/**
 * `address:port`, IPv6 in brackets; `unknown` for a peer the runtime could
 * not read.
 *
 * @example
 * ```ts
 * import { formatEndpoint } from "./alert_text.ts";
 * formatEndpoint("::1", 8080); // "[::1]:8080"
 * formatEndpoint(null, null); // "unknown"
 * ```
 */
export function formatEndpoint(address: string | null, port: number | null): string {
  if (address === null) return "unknown";
  const host = address.includes(":") ? `[${address}]` : address;
  return port === null ? host : `${host}:${port}`;
}

/**
 * One line with what an operator needs first: severity, signature, who to
 * whom, sid and counts. The signature is cut to `maxSignatureChars` code
 * points (default 256).
 *
 * @example
 * ```ts
 * import type { AlertEvent } from "../monitor/events.ts";
 * import { alertSummary } from "./alert_text.ts";
 * declare const alert: AlertEvent;
 * console.log(alertSummary(alert));
 * // severity 2: ET SCAN Nmap (sid 2000537 rev 3) 192.0.2.7:40000 -> 127.0.0.1:22/tcp allowed
 * ```
 */
export function alertSummary(alert: AlertEvent, maxSignatureChars?: number): string {
  let line =
    `severity ${alert.severity}: ${
      visibleText(alert.signature, maxSignatureChars)
    } (sid ${alert.signature_id}` +
    ` rev ${alert.rev}) ${formatEndpoint(alert.src, alert.sport)} -> ${
      formatEndpoint(alert.dst, alert.dport)
    }/${alert.proto} ${alert.action}`;
  const ep = alert.episode;
  if (ep !== undefined) {
    line += `; ${ep.kind} ${ep.count} in ${ep.window}s (threshold ${ep.threshold})`;
  }
  if (alert.suppressed !== undefined && alert.suppressed > 0) {
    line += `; ${alert.suppressed} similar suppressed`;
  }
  return line;
}
