/**
 * The NDJSON form of an event: the event object itself, with captured bytes
 * as base64.
 *
 * The frequent event types are written by hand: at thousands of connections
 * per second `JSON.stringify` of each event is a measurable share of the
 * monitor's CPU. The output is the same text `JSON.stringify` gives for the
 * events the monitor makes (a test holds them equal).
 *
 * @module
 */

import type { MonitorEvent } from "../monitor/events.ts";
import { encodeBase64 } from "../format/base64.ts";

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A JSON string literal; the common case (printable ASCII, no quote or backslash) skips JSON.stringify. */
function str(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : "null";
}

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
  switch (event.type) {
    case "conn.open":
      return `{"ts":${str(event.ts)},"type":"conn.open","uid":${str(event.uid)},"community_id":${
        str(event.community_id)
      },"proto":${str(event.proto)},"src":${str(event.src)},"sport":${num(event.sport)},"dst":${
        str(event.dst)
      },"dport":${num(event.dport)}}`;
    case "conn.close":
      return `{"ts":${str(event.ts)},"type":"conn.close","uid":${str(event.uid)},"community_id":${
        str(event.community_id)
      },"proto":${str(event.proto)},"src":${str(event.src)},"sport":${num(event.sport)},"dst":${
        str(event.dst)
      },"dport":${num(event.dport)},"reason":${str(event.reason)},"duration":${
        num(event.duration)
      },"orig_bytes":${num(event.orig_bytes)},"resp_bytes":${num(event.resp_bytes)}${
        event.error === undefined ? "" : `,"error":${str(event.error)}`
      }}`;
    case "conn.data":
      return `{"ts":${str(event.ts)},"type":"conn.data","uid":${str(event.uid)},"dir":${
        str(event.dir)
      },"offset":${num(event.offset)},"len":${num(event.len)},"data":"${
        encodeBase64(event.data)
      }"}`;
    case "udp.datagram":
      return JSON.stringify({ ...event, data: encodeBase64(event.data) });
    default:
      return JSON.stringify(event);
  }
}
