/**
 * Human-readable console output: a line per listening address (or tap), connection open and
 * close, alert, ban and episode, and (optionally) the bytes received and
 * what the fingerprints recognised, always escaped so that remote bytes can
 * never drive the terminal.
 *
 * @module
 */

import type {
  AlertEpisode,
  AlertEvent,
  BanEvent,
  ConnAppEvent,
  ConnCloseEvent,
  ConnOpenEvent,
  EpisodeEndEvent,
  ListenerUpEvent,
  MonitorEvent,
} from "../monitor/events.ts";
import { escapeText, escapeTextLines } from "../format/safe_text.ts";
import { hexdump } from "../format/hexdump.ts";
import { formatBytes } from "../format/size.ts";
import { formatDuration } from "../format/duration.ts";
import { bracketHost, formatHostPort } from "../net/ip.ts";
import type { Sink } from "./sink.ts";
import { BatchWriter } from "./batch_writer.ts";
import { EventBacklog } from "./event_backlog.ts";
import {
  type CloseLineInput,
  consoleLineBound,
  consolePeer as peer,
  consoleTime as time,
  writeCloseLine,
  writeOpenLine,
} from "./console_line.ts";

/** How received bytes are shown: escaped text, a hex dump, or not at all. */
export type PrintMode = "text" | "hex" | "none";

/** Options of {@linkcode ConsoleWriter}. */
export interface ConsoleWriterOptions {
  /** How to show captured bytes (default `text`). */
  readonly print?: PrintMode;
  /**
   * A line per connection: its open and close, its data, datagrams and what
   * the fingerprints recognised (default true). False (the CLI's `--quiet`)
   * leaves listeners, drops, alerts, bans, episodes and warnings: a monitor
   * whose records go to files does not format every connection twice.
   */
  readonly connections?: boolean;
  /** ANSI colour (default false; the CLI enables it on a TTY without NO_COLOR). */
  readonly color?: boolean;
  /**
   * Output bytes that may wait before data lines are skipped;
   * while writes to the console fail, every line past it is dropped, and
   * while a write hangs (a reader that stopped reading) every line past 16
   * times it. Default 1 MiB.
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
/**
 * Pending output, in multiples of `maxPendingBytes`, past which every line is
 * dropped (and counted) rather than queued: a console whose reader stopped
 * reading would otherwise hold every open and close line in memory.
 */
const HARD_LIMIT_FACTOR = 16;
const ESC = "\x1b[";
const PAINT = {
  green: "32",
  red: "31",
  yellow: "33",
  cyan: "36",
  dim: "2",
  bold: "1",
  boldRed: "1;31",
} as const;
/** The close-line input's event between lines. */
const NO_EVENT = undefined as unknown as ConnCloseEvent;
/** The events of `connections: false` that get no line. */
const CONNECTION_LINES: ReadonlySet<string> = new Set<MonitorEvent["type"]>([
  "conn.open",
  "conn.close",
  "conn.data",
  "conn.app",
  "udp.datagram",
]);
/** Port runs and addresses listed on one line at most: the line must stay short. */
const MAX_RUNS = 8;
const MAX_ADDRESSES = 4;

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
  #connections: boolean;
  #color: boolean;
  #maxPending: number;
  /** Pending bytes past which every line is dropped (see HARD_LIMIT_FACTOR). */
  #hardMax: number;
  /** Lines dropped since the last notice, and in all. */
  #dropped = 0;
  #droppedTotal = 0;
  #labels = new Map<string, string>();
  /** `listener.up` events held until the end of the current task (see `handle`). */
  #listeners: ListenerUpEvent[] = [];
  #out: BatchWriter;
  #skipped = 0;
  /** Reused for every close line (no object per connection). */
  #closeInput: CloseLineInput = { event: NO_EVENT, label: undefined };
  #backlog: EventBacklog<MonitorEvent> = new EventBacklog({
    holds: () => this.#out.steady,
    encode: (event) => this.#show(event),
    onFirst: () => this.#out.wake(),
    onError: () => this.#droppedTotal++,
  });

  /** Creates a writer that owns `sink`. */
  constructor(sink: Sink, options: ConsoleWriterOptions = {}) {
    this.#print = options.print ?? "text";
    this.#connections = options.connections ?? true;
    this.#color = options.color ?? false;
    this.#maxPending = options.maxPendingBytes ?? 1024 * 1024;
    this.#hardMax = HARD_LIMIT_FACTOR * this.#maxPending;
    this.#out = new BatchWriter(sink, {
      backlog: this.#backlog,
      delayMs: WRITE_DELAY_MS,
      // A console that fails for a while (a full disk behind a redirect) is retried,
      // holding at most maxPendingBytes; a closed pipe stops it and tells onFatal.
      outageMaxBytes: this.#maxPending,
      onFatal: options.onFatal,
    });
  }

  /** Whether this writer shows captured bytes (subscribe with `{ data: wantsData }`). */
  get wantsData(): boolean {
    return this.#connections && this.#print !== "none";
  }

  /** Data events not shown because the console could not keep up. */
  get skipped(): number {
    return this.#skipped;
  }

  /**
   * Lines of any kind not shown because the console stopped taking them
   * (more than 16 times `maxPendingBytes` were waiting); a notice line gives
   * the count once the console has caught up.
   */
  get dropped(): number {
    return this.#droppedTotal;
  }

  /** Bytes waiting for the console. */
  get pendingBytes(): number {
    return this.#out.pendingBytes;
  }

  /** The event listener to subscribe. */
  readonly handle = (event: MonitorEvent): void => {
    if (this.#out.stopped) return;
    if (event.type === "listener.up") {
      // Subscribing replays every listener at once: `listen -p 1-1024` gets one line, not 1,024.
      if (this.#listeners.push(event) === 1) queueMicrotask(this.#showListeners);
      return;
    }
    if (this.#listeners.length > 0) this.#showListeners();
    if (!this.#connections && CONNECTION_LINES.has(event.type)) return;
    this.#backlog.push(event); // formatted in a batch with the others, within a few ms
  };

  #show(event: MonitorEvent): void {
    if (this.#full(event)) return;
    // Every connection's open and close lines go straight into the queue as bytes.
    if ((event.type === "conn.open" || event.type === "conn.close") && this.#inPlace(event)) return;
    const text = this.#format(event);
    if (text === "") return;
    this.#enqueue(text);
  }

  /** The open or close line written in place; false when it needs the string path. */
  #inPlace(ev: ConnOpenEvent | ConnCloseEvent): boolean {
    if (this.#color) return false;
    if (ev.type === "conn.open") {
      // Data lines carry only the uid; remember the peer for them (and only then).
      if (this.#print !== "none") {
        this.#labels.set(
          ev.uid,
          `${peer(ev.src, ev.sport)} -> ${formatHostPort(ev.dst, ev.dport)}`,
        );
      }
      return this.#out.pushInPlace(consoleLineBound(ev, undefined), writeOpenLine, ev) !==
        "declined";
    }
    const input = this.#closeInput;
    input.event = ev;
    input.label = this.#labels.get(ev.uid);
    const done = this.#out.pushInPlace(consoleLineBound(ev, input.label), writeCloseLine, input) !==
      "declined";
    // Nothing of the connection stays reachable from the (long-lived) writer.
    input.event = NO_EVENT;
    input.label = undefined;
    if (done) this.#labels.delete(ev.uid);
    return done;
  }

  /**
   * The listeners held (see `handle`): a line per protocol and address, the
   * ports as runs (`listening on tcp 127.0.0.1:21-23,80 (4 ports)`). Tap
   * listeners keep a line each, since each names its own upstream.
   */
  #showListeners = (): void => {
    const held = this.#listeners;
    if (held.length === 0) return;
    this.#listeners = [];
    this.#backlog.drain(); // after the events shown so far
    const lines = new Map<string, { first: ListenerUpEvent; ports: number[] }>();
    for (const ev of held) {
      const key = ev.upstream_addr === undefined
        ? `${ev.proto} ${ev.host}`
        : `${ev.proto} ${ev.host} ${ev.port}`; // a tap: a line of its own
      const line = lines.get(key);
      if (line === undefined) lines.set(key, { first: ev, ports: [ev.port] });
      else line.ports.push(ev.port);
    }
    for (const { first, ports } of lines.values()) {
      ports.sort((a, b) => a - b);
      const where = ports.length === 1
        ? formatHostPort(first.host, ports[0])
        : `${bracketHost(first.host)}:${
          portRuns(ports, ports.length, Infinity)
        } (${ports.length} ports)`;
      const upstream = first.upstream_addr === undefined
        ? ""
        : `, relaying to ${formatHostPort(first.upstream_addr, first.upstream_port ?? 0)}`;
      this.#enqueue(
        `${this.#paint(PAINT.bold, "listening")} on ${first.proto} ${where}${upstream}\n`,
      );
    }
  };

  /** Queues a line of the caller's own (already safe) text. */
  line(text: string): void {
    this.#showListeners();
    this.#backlog.drain(); // after the events shown so far
    this.#enqueue(text + "\n");
  }

  #enqueue(text: string): void {
    this.#out.push(text);
  }

  /** Writes everything queued. */
  flush(): Promise<void> {
    this.#showListeners();
    return this.#out.flush();
  }

  /** Flushes and closes the sink. */
  close(): Promise<void> {
    this.#showListeners();
    return this.#out.close(false);
  }

  #paint(code: string, text: string): string {
    return this.#color ? `${ESC}${code}m${text}${ESC}0m` : text;
  }

  #format(ev: MonitorEvent): string {
    switch (ev.type) {
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
        } -> ${formatHostPort(ev.dst, ev.dport)}  ${ev.reason}${
          ev.limit === undefined ? "" : ` (limit ${ev.limit})`
        }\n`;
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
        // The flow's orientation either way, as TCP data lines: "out" is the answer (UDP taps).
        const head = `${time(ev.ts)} ${this.#paint(PAINT.cyan, "udp  ")}  ${
          formatHostPort(ev.src, ev.sport)
        } -> ${formatHostPort(ev.dst, ev.dport)}  ${ev.dir === "orig" ? "in" : "out"} ${
          formatBytes(ev.len)
        }\n`;
        if (this.#print === "none") return head;
        if (this.#tooFar()) return "";
        return head + this.#body(ev.data, 0);
      }
      case "monitor.warning":
        return `${time(ev.ts)} ${this.#paint(PAINT.red, "warn ")}  ${ev.kind}: ${
          escapeTextLines(encoder.encode(ev.message)).join("")
        } (kept serving; later ones are counted in the summary)\n`;
      case "alert":
        return this.#alert(ev);
      case "ban":
        return this.#ban(ev);
      case "episode.end":
        return this.#episodeEnd(ev);
      case "conn.app":
        return this.#print === "none" ? "" : this.#app(ev);
      default:
        // An event type this writer does not know (a newer monitor): no line, no crash.
        return "";
    }
  }

  /**
   * `ALERT  [1:sid:rev] signature (category, sev N)  src -> dst  action`,
   * bold red for severity 1-2, yellow for 3 and below; behaviour alerts
   * add their episode.
   */
  #alert(ev: AlertEvent): string {
    const color = ev.severity <= 2 ? PAINT.boldRed : PAINT.yellow;
    const head = `ALERT  [1:${ev.signature_id}:${ev.rev}] ${safe(ev.signature)} (${
      safe(ev.category)
    }, sev ${ev.severity})`;
    const episode = ev.episode === undefined ? "" : `  ${episodeText(ev.episode)}`;
    const suppressed = ev.suppressed ? `  (+${ev.suppressed} suppressed)` : "";
    return `${time(ev.ts)} ${this.#paint(color, head)}  ${peer(ev.src, ev.sport)} -> ${
      formatHostPort(ev.dst, ev.dport)
    }  ${ev.action}${episode}${suppressed}\n`;
  }

  /** `ban    addr  20m00s (offense 2, until HH:MM:SS)  [sid N] reason`, or its `unban`. */
  #ban(ev: BanEvent): string {
    const length = seconds(ev.duration);
    if (ev.action === "unban") {
      return `${time(ev.ts)} ${this.#paint(PAINT.green, "unban")}  ${
        safe(ev.src)
      }  (offense ${ev.offense}, banned for ${length})\n`;
    }
    const until = Number.isNaN(Date.parse(ev.until)) ? "?" : time(ev.until).slice(0, 8);
    return `${time(ev.ts)} ${this.#paint(PAINT.boldRed, "ban  ")}  ${
      safe(ev.src)
    }  ${length} (offense ${ev.offense}, until ${until})  [sid ${ev.signature_id}] ${
      safe(ev.reason)
    }\n`;
  }

  /** `end    scan from addr: N connections, M ports (runs), over 12.3s`. */
  #episodeEnd(ev: EpisodeEndEvent): string {
    const from = ev.src === null ? "unknown source" : safe(ev.src);
    const ports = ev.port_count === 1 ? "1 port" : `${ev.port_count} ports`;
    const runs = ev.ports.length > 0 ? ` (${portRuns(ev.ports, ev.port_count)})` : "";
    const addresses = ev.addresses.length > 1
      ? `, ${ev.addresses.length} addresses (${addressList(ev.addresses, ev.addresses.length)})`
      : "";
    const span = Date.parse(ev.last) - Date.parse(ev.first);
    return `${time(ev.ts)} ${this.#paint(PAINT.dim, "end  ")}  ${ev.kind} from ${from}: ${
      ev.connections === 1 ? "1 connection" : `${ev.connections} connections`
    }, ${ports}${runs}${addresses}, over ${millis(span)}\n`;
  }

  /** `app    label  http GET host/uri "agent"` and the like. */
  #app(ev: ConnAppEvent): string {
    const label = this.#labels.get(ev.uid) ??
      `${peer(ev.src, ev.sport)} -> ${formatHostPort(ev.dst, ev.dport)}`;
    return `${time(ev.ts)} ${this.#paint(PAINT.cyan, "app  ")}  ${label}  ${
      ev.dir === "resp" ? "out " : ""
    }${appText(ev)}\n`;
  }

  /** True (and the line counted) while the console is that far behind; the notice once it caught up. */
  #full(event: MonitorEvent): boolean {
    const out = this.#out;
    if (out.pendingBytes > this.#hardMax) {
      // A connection whose open line was shown keeps no label once it closes.
      if (event.type === "conn.close") this.#labels.delete(event.uid);
      this.#dropped++;
      this.#droppedTotal++;
      return true;
    }
    if (this.#dropped > 0 && out.pendingCount === 0) {
      this.#enqueue(`[${this.#dropped} console lines not shown: the console could not keep up]\n`);
      this.#dropped = 0;
    }
    return false;
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

/** Remote-controlled text, escaped for the terminal and kept on one line. */
function safe(text: string): string {
  return escapeText(encoder.encode(text));
}

/** What the fingerprints read, in a few words (every remote string escaped). */
function appText(ev: ConnAppEvent): string {
  const cut = (truncated: boolean) => (truncated ? " (truncated)" : "");
  if (ev.http !== undefined) {
    const h = ev.http;
    const agent = h.user_agent === undefined ? "" : ` "${safe(h.user_agent)}"`;
    return `http ${safe(h.method)} ${safe((h.host ?? "") + h.uri)}${agent}${cut(h.truncated)}`;
  }
  if (ev.tls !== undefined) {
    const t = ev.tls;
    const sni = t.sni === undefined ? "" : ` sni=${safe(t.sni)}`;
    const alpn = t.alpn === undefined || t.alpn.length === 0
      ? ""
      : ` alpn=${safe(t.alpn.join(","))}`;
    return `tls${sni}${alpn} ja4=${safe(t.ja4)}${cut(t.truncated)}`;
  }
  if (ev.ssh !== undefined) {
    const x = ev.ssh;
    const comments = x.comments === undefined ? "" : ` ${x.comments}`;
    return `ssh ${safe(`SSH-${x.proto_version}-${x.software}${comments}`)}`;
  }
  if (ev.redis !== undefined) {
    const r = ev.redis;
    return `redis ${safe(r.command)}${r.args === 1 ? " (1 arg)" : ` (${r.args} args)`}${
      r.inline ? " inline" : ""
    }`;
  }
  if (ev.dns !== undefined) {
    const d = ev.dns;
    return `dns ${safe(d.rrtype)} ${safe(d.rrname)} id=${d.id}`;
  }
  return safe(ev.service);
}

/** A behaviour alert's episode: `scan: 21 ports in 5s: 18190-18210`. */
function episodeText(e: AlertEpisode): string {
  const window = `${e.window}s`;
  switch (e.kind) {
    case "scan":
      return `scan: ${e.count} ports in ${window}${
        e.ports.length > 0 ? `: ${portRuns(e.ports, e.count)}` : ""
      }`;
    case "sweep":
      return `sweep: ${e.count} addresses in ${window}${
        e.addresses.length > 0 ? `: ${addressList(e.addresses, e.count)}` : ""
      }`;
    case "flood":
      return `flood: ${e.count} connections in ${window}`;
    case "concurrency":
      return `concurrency: ${e.count} connections open at once`;
    case "empty-sessions":
      return `empty-sessions: ${e.count} connections without a byte in ${window}`;
    default:
      return `${safe(String(e.kind))}: ${e.count} in ${window}`;
  }
}

/**
 * Sorted ports as runs (`18190-18210,18300`), at most `maxRuns` of them,
 * then how many ports were not listed (`total` counts those past the listed
 * ones too).
 */
function portRuns(ports: readonly number[], total: number, maxRuns = MAX_RUNS): string {
  let out = "";
  let runs = 0;
  let shown = 0;
  for (let i = 0; i < ports.length && runs < maxRuns;) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j] + 1) j++;
    out += (runs > 0 ? "," : "") + (j > i ? `${ports[i]}-${ports[j]}` : `${ports[i]}`);
    shown += j - i + 1;
    runs++;
    i = j + 1;
  }
  const rest = Math.max(total, ports.length) - shown;
  return rest > 0 ? `${out},... (+${rest})` : out;
}

/** The first few addresses, then how many more. */
function addressList(addresses: readonly string[], total: number): string {
  const shown = addresses.slice(0, MAX_ADDRESSES).map(safe).join(",");
  const rest = Math.max(total, addresses.length) - Math.min(addresses.length, MAX_ADDRESSES);
  return rest > 0 ? `${shown},... (+${rest})` : shown;
}

/** A length in seconds, as the close lines show durations; `?` for a value that is not one. */
function seconds(s: number): string {
  return millis(s * 1000);
}

function millis(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : "?";
}
