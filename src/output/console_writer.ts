/**
 * Human-readable console output: a line per listener, connection open and
 * close, and (optionally) the bytes received, always escaped so that remote
 * bytes can never drive the terminal.
 *
 * @module
 */

import type { MonitorEvent } from "../monitor/events.ts";
import { escapeTextLines } from "../format/safe_text.ts";
import { hexdump } from "../format/hexdump.ts";
import { formatBytes } from "../format/size.ts";
import { formatDuration } from "../format/duration.ts";
import { formatHostPort } from "../net/ip.ts";
import type { Sink } from "./sink.ts";
import { BatchWriter } from "./batch_writer.ts";

/** How received bytes are shown: escaped text, a hex dump, or not at all. */
export type PrintMode = "text" | "hex" | "none";

/** Options of {@linkcode ConsoleWriter}. */
export interface ConsoleWriterOptions {
  /** How to show captured bytes (default `text`). */
  readonly print?: PrintMode;
  /** ANSI colour (default false; the CLI enables it on a TTY without NO_COLOR). */
  readonly color?: boolean;
  /**
   * Output (estimated bytes) that may wait before data lines are skipped;
   * while writes to the console fail, every line past it is dropped.
   * Default 1 MiB.
   */
  readonly maxPendingBytes?: number;
  /**
   * The console is gone for good, e.g. `EPIPE` when the reader of a pipe
   * (`sockscope | head`) exited; `cause` is the lowercased error code. Called
   * once; nothing is shown from then on. A CLI stops here as on SIGTERM.
   */
  readonly onFatal?: (error: Error, cause: string) => void;
}

const encoder = new TextEncoder();
/** Console output is written at most this often (ms): quick for a person, cheap at 10k lines/s. */
const WRITE_DELAY_MS = 10;
const ESC = "\x1b[";
const PAINT = {
  green: "32",
  red: "31",
  yellow: "33",
  cyan: "36",
  dim: "2",
  bold: "1",
} as const;

/**
 * Writes monitor events as console lines.
 *
 * @example
 * ```ts
 * import { ConsoleWriter, listen, type Sink } from "@sockscope/sockscope";
 * const out: Sink = {
 *   write(d) { console.log(new TextDecoder().decode(d).trimEnd()); return Promise.resolve(); },
 *   sync: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * const monitor = await listen({ ports: [0] });
 * const view = new ConsoleWriter(out, { print: "hex" });
 * monitor.subscribe(view.handle, { data: view.wantsData });
 * await monitor.close();
 * await view.close();
 * ```
 */
export class ConsoleWriter {
  #print: PrintMode;
  #color: boolean;
  #maxPending: number;
  #labels = new Map<string, string>();
  #out: BatchWriter<string>;
  #skipped = 0;

  /** Creates a writer that owns `sink`. */
  constructor(sink: Sink, options: ConsoleWriterOptions = {}) {
    this.#print = options.print ?? "text";
    this.#color = options.color ?? false;
    this.#maxPending = options.maxPendingBytes ?? 1024 * 1024;
    let buffer = new Uint8Array(64 * 1024);
    this.#out = new BatchWriter<string>(sink, {
      delayMs: WRITE_DELAY_MS,
      encode(lines) {
        // Line by line into one reused buffer: concatenating a batch first
        // would make a large string and a copy of it per batch.
        let used = 0;
        for (const line of lines) {
          if (buffer.byteLength - used < line.length * 3) {
            const bigger = new Uint8Array(Math.max(buffer.byteLength * 2, used + line.length * 3));
            bigger.set(buffer.subarray(0, used));
            buffer = bigger;
          }
          used += encoder.encodeInto(line, buffer.subarray(used)).written;
        }
        return buffer.subarray(0, used);
      },
      // A console that fails for a while (a full disk behind a redirect) is retried,
      // holding at most maxPendingBytes; a closed pipe stops it and tells onFatal.
      outageMaxBytes: this.#maxPending,
      onFatal: options.onFatal,
    });
  }

  /** Whether this writer shows captured bytes (subscribe with `{ data: wantsData }`). */
  get wantsData(): boolean {
    return this.#print !== "none";
  }

  /** Data events not shown because the console could not keep up. */
  get skipped(): number {
    return this.#skipped;
  }

  /** The event listener to subscribe. */
  readonly handle = (event: MonitorEvent): void => {
    if (this.#out.stopped) return;
    const text = this.#format(event);
    if (text === "") return;
    this.#enqueue(text);
  };

  /** Queues a line of the caller's own (already safe) text. */
  line(text: string): void {
    this.#enqueue(text + "\n");
  }

  #enqueue(text: string): void {
    this.#out.push(text, text.length);
  }

  /** Writes everything queued. */
  flush(): Promise<void> {
    return this.#out.flush();
  }

  /** Flushes and closes the sink. */
  close(): Promise<void> {
    return this.#out.close(false);
  }

  #paint(code: string, text: string): string {
    return this.#color ? `${ESC}${code}m${text}${ESC}0m` : text;
  }

  #format(ev: MonitorEvent): string {
    switch (ev.type) {
      case "listener.up":
        return `${this.#paint(PAINT.bold, "listening")} on ${ev.proto} ${
          formatHostPort(ev.host, ev.port)
        }${
          ev.upstream_addr === undefined
            ? ""
            : `, relaying to ${formatHostPort(ev.upstream_addr, ev.upstream_port ?? 0)}`
        }\n`;
      case "conn.open": {
        const label = `${peer(ev.src, ev.sport)} -> ${formatHostPort(ev.dst, ev.dport)}`;
        // Data lines carry only the uid; remember the peer for them (and only then).
        if (this.#print !== "none") this.#labels.set(ev.uid, label);
        return `${time(ev.ts)} ${this.#paint(PAINT.green, "open ")}  ${label}  ${
          this.#paint(PAINT.dim, ev.uid)
        }\n`;
      }
      case "conn.drop":
        return `${time(ev.ts)} ${this.#paint(PAINT.yellow, "drop ")}  ${
          peer(ev.src, ev.sport)
        } -> ${formatHostPort(ev.dst, ev.dport)}  ${ev.reason} (limit ${ev.limit})\n`;
      case "conn.close": {
        const label = this.#labels.get(ev.uid) ??
          `${peer(ev.src, ev.sport)} -> ${formatHostPort(ev.dst, ev.dport)}`;
        this.#labels.delete(ev.uid);
        const color = ev.reason === "fin"
          ? PAINT.dim
          : ev.reason === "rst" || ev.reason === "error"
          ? PAINT.red
          : PAINT.yellow;
        const error = ev.error ? ` (${escapeTextLines(encoder.encode(ev.error)).join("")})` : "";
        const via = ev.upstream_addr === undefined
          ? ""
          : `  upstream ${ev.upstream_error ?? (ev.resp_end === "rst" ? "reset" : "ok")}`;
        return `${time(ev.ts)} ${
          this.#paint(color, "close")
        }  ${label}  ${ev.reason}${error}${via}  in ${formatBytes(ev.orig_bytes)}  out ${
          formatBytes(ev.resp_bytes)
        }  ${formatDuration(ev.duration * 1000)}\n`;
      }
      case "conn.data": {
        if (this.#print === "none") return "";
        if (this.#tooFar()) return "";
        const label = this.#labels.get(ev.uid) ?? ev.uid;
        const head = `${time(ev.ts)} ${this.#paint(PAINT.cyan, "data ")}  ${label}  ${
          ev.dir === "orig" ? "in" : "out"
        } ${formatBytes(ev.len)} @${ev.offset}\n`;
        return head + this.#body(ev.data, ev.offset);
      }
      case "udp.datagram": {
        const head = `${time(ev.ts)} ${this.#paint(PAINT.cyan, "udp  ")}  ${
          formatHostPort(ev.src, ev.sport)
        } -> ${formatHostPort(ev.dst, ev.dport)}  ${formatBytes(ev.len)}\n`;
        if (this.#print === "none") return head;
        if (this.#tooFar()) return "";
        return head + this.#body(ev.data, 0);
      }
      case "monitor.warning":
        return `${time(ev.ts)} ${this.#paint(PAINT.red, "warn ")}  ${ev.kind}: ${
          escapeTextLines(encoder.encode(ev.message)).join("")
        } (kept serving; later ones are counted in the summary)\n`;
      default:
        // conn.app, alert and episode.end lines come with detection's console view.
        return "";
    }
  }

  #tooFar(): boolean {
    if (this.#out.pendingBytes > this.#maxPending) {
      this.#skipped++;
      return true;
    }
    if (this.#skipped > 0 && this.#out.pendingCount === 0) {
      this.#enqueue(`[${this.#skipped} data events not shown: the console could not keep up]\n`);
      this.#skipped = 0;
    }
    return false;
  }

  #body(data: Uint8Array, offset: number): string {
    const gutter = this.#paint(PAINT.dim, "    | ");
    const lines = this.#print === "hex" ? hexdump(data, offset) : escapeTextLines(data);
    let out = "";
    for (const l of lines) out += gutter + l + "\n";
    return out;
  }
}

/** `host:port` of a peer, or a plain statement that the runtime could not read it. */
function peer(address: string | null, port: number | null): string {
  return address === null || port === null ? "(unknown peer)" : formatHostPort(address, port);
}

function pad(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

let cachedSecond = "";
let cachedLocal = "";

/**
 * Local time of day with milliseconds, from an ISO timestamp. The local
 * `HH:MM:SS` is computed once per second: a console line per connection
 * at thousands of connections per second must stay cheap.
 */
function time(ts: string): string {
  const second = ts.slice(0, 19);
  if (second !== cachedSecond) {
    const d = new Date(second + "Z");
    cachedSecond = second;
    cachedLocal = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.`;
  }
  return cachedLocal + ts.slice(20, 23);
}
