/**
 * The NDJSON form of an event: the event object itself, with captured bytes
 * as base64. Detection's events (`conn.app`, `alert`, `episode.end`, `ban`)
 * are plain data (strings, numbers, arrays, objects) and are written as
 * they are, nested objects included. (The log's hot path writes the
 * connection events by template with `jsonLine`, which gives this same text.)
 *
 * @module
 */

import type { MonitorEvent } from "../monitor/events.ts";
import { encodeBase64 } from "../format/base64.ts";

/**
 * Serialises one event as a single JSON line (without the newline).
 *
 * @example
 * ```ts
 * import { eventToJson } from "@sockscope/sockscope";
 * const line = eventToJson({ ts: "2026-01-01T00:00:00.000Z", type: "listener.up", proto: "tcp", host: "127.0.0.1", port: 8000 });
 * console.log(line);
 * ```
 */
export function eventToJson(event: MonitorEvent): string {
  return event.type === "conn.data" || event.type === "udp.datagram"
    ? JSON.stringify({ ...event, data: encodeBase64(event.data) })
    : JSON.stringify(event);
}
