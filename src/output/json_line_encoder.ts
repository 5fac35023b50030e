/**
 * Encodes events as NDJSON straight into one reusable byte buffer.
 *
 * Building a string per event, joining a batch and UTF-8 encoding it makes a
 * few kilobytes of garbage per connection; on a busy monitor that garbage,
 * not the live state, is what the heap grows by. Writing bytes directly
 * makes none. Field order and text are exactly those of
 * {@linkcode eventToJson} (a test holds them equal).
 *
 * @module
 */

import type {
  ConnCloseEvent,
  ConnDataEvent,
  ConnOpenEvent,
  MonitorEvent,
} from "../monitor/events.ts";
import { encodeBase64 } from "../format/base64.ts";
import { eventToJson } from "./event_json.ts";

const encoder = new TextEncoder();

/** Appends NDJSON lines to a growable byte buffer. */
export class JsonLineEncoder {
  #buf: Uint8Array;
  #len = 0;

  /** Creates an encoder with `initial` bytes of room. */
  constructor(initial = 64 * 1024) {
    this.#buf = new Uint8Array(initial);
  }

  /** The encoded bytes so far (a view, valid until the next `reset` or append). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Bytes encoded so far. */
  get length(): number {
    return this.#len;
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.#len = 0;
  }

  /** Appends one event and a newline. */
  append(event: MonitorEvent): void {
    switch (event.type) {
      case "conn.open":
        this.#flow(event, "conn.open");
        this.#raw("}\n");
        return;
      case "conn.close":
        this.#close(event);
        return;
      case "conn.data":
        this.#data(event);
        return;
      default:
        this.#text(eventToJson(event));
        this.#byte(10);
    }
  }

  #flow(e: ConnOpenEvent | ConnCloseEvent, type: string): void {
    this.#raw('{"ts":');
    this.#str(e.ts);
    this.#raw(`,"type":"${type}","uid":`);
    this.#str(e.uid);
    if (e.community_id !== undefined) {
      this.#raw(',"community_id":');
      this.#str(e.community_id);
    }
    this.#raw(',"proto":');
    this.#str(e.proto);
    this.#raw(',"src":');
    if (e.src === null) this.#raw("null");
    else this.#str(e.src);
    this.#raw(',"sport":');
    if (e.sport === null) this.#raw("null");
    else this.#num(e.sport);
    this.#raw(',"dst":');
    this.#str(e.dst);
    this.#raw(',"dport":');
    this.#num(e.dport);
  }

  #close(e: ConnCloseEvent): void {
    this.#flow(e, "conn.close");
    this.#raw(',"reason":');
    this.#str(e.reason);
    this.#raw(',"duration":');
    this.#num(e.duration);
    this.#raw(',"orig_bytes":');
    this.#num(e.orig_bytes);
    this.#raw(',"resp_bytes":');
    this.#num(e.resp_bytes);
    if (e.error !== undefined) {
      this.#raw(',"error":');
      this.#str(e.error);
    }
    this.#raw(',"start":');
    this.#str(e.start);
    this.#raw(',"orig_end":');
    this.#nullable(e.orig_end);
    this.#raw(',"resp_end":');
    this.#nullable(e.resp_end);
    this.#raw(',"first_end":');
    this.#nullable(e.first_end);
    // Optional fields, in the order the monitor builds them, which is the
    // interface's order (the same text as JSON.stringify).
    if (e.orig_first_ms !== undefined) this.#field("orig_first_ms", e.orig_first_ms);
    if (e.resp_first_ms !== undefined) this.#field("resp_first_ms", e.resp_first_ms);
    if (e.orig_pkts !== undefined) this.#field("orig_pkts", e.orig_pkts);
    if (e.resp_pkts !== undefined) this.#field("resp_pkts", e.resp_pkts);
    if (e.service !== undefined) this.#field("service", e.service);
    if (e.upstream_addr !== undefined) this.#field("upstream_addr", e.upstream_addr);
    if (e.upstream_port !== undefined) this.#field("upstream_port", e.upstream_port);
    if (e.upstream_sport !== undefined) this.#field("upstream_sport", e.upstream_sport);
    if (e.upstream_connect_ms !== undefined) {
      this.#field("upstream_connect_ms", e.upstream_connect_ms);
    }
    if (e.upstream_error !== undefined) this.#field("upstream_error", e.upstream_error);
    this.#raw("}\n");
  }

  #nullable(value: string | null): void {
    if (value === null) this.#raw("null");
    else this.#str(value);
  }

  #field(name: string, value: string | number): void {
    this.#raw(',"');
    this.#raw(name);
    this.#raw('":');
    if (typeof value === "number") this.#num(value);
    else this.#str(value);
  }

  #data(e: ConnDataEvent): void {
    this.#raw('{"ts":');
    this.#str(e.ts);
    this.#raw(',"type":"conn.data","uid":');
    this.#str(e.uid);
    this.#raw(',"dir":');
    this.#str(e.dir);
    this.#raw(',"offset":');
    this.#num(e.offset);
    this.#raw(',"len":');
    this.#num(e.len);
    this.#raw(',"data":"');
    this.#raw(encodeBase64(e.data));
    this.#raw('"}\n');
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.byteLength) return;
    let size = this.#buf.byteLength * 2;
    while (size < this.#len + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.#buf.subarray(0, this.#len));
    this.#buf = bigger;
  }

  #byte(b: number): void {
    this.#room(1);
    this.#buf[this.#len++] = b;
  }

  /** Text known to be ASCII (our own field names, base64, digits). */
  #raw(s: string): void {
    const n = s.length;
    this.#room(n);
    const buf = this.#buf;
    let o = this.#len;
    for (let i = 0; i < n; i++) buf[o++] = s.charCodeAt(i);
    this.#len = o;
  }

  /** A JSON string: printable ASCII copied as is, anything else through JSON.stringify. */
  #str(s: string): void {
    const n = s.length;
    this.#room(n + 2);
    const buf = this.#buf;
    const start = this.#len;
    let o = start;
    buf[o++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) {
        this.#len = start;
        this.#text(JSON.stringify(s));
        return;
      }
      buf[o++] = c;
    }
    buf[o++] = 34;
    this.#len = o;
  }

  #num(n: number): void {
    if (Number.isInteger(n) && n >= 0 && n < 2 ** 31) {
      if (n < 10) return this.#byte(48 + n);
      this.#raw(String(n));
      return;
    }
    this.#raw(Number.isFinite(n) ? String(n) : "null");
  }

  /** Any text, UTF-8 encoded. */
  #text(s: string): void {
    this.#room(s.length * 3);
    const { written } = encoder.encodeInto(s, this.#buf.subarray(this.#len));
    this.#len += written;
  }
}
