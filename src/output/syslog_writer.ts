/**
 * Sends alerts, bans and episode ends to a syslog collector
 * (`--syslog udp://HOST:PORT` or `tcp://HOST:PORT`) as RFC 5424 messages.
 *
 * UDP (RFC 5426): one datagram per message, at most 2,048 bytes by default,
 * from a socket bound to an ephemeral port. TCP (RFC 6587): octet-counting
 * framing (`LEN SP MSG`, so messages may hold newlines and nothing needs
 * escaping), one connection kept open, and when the collector goes away it
 * is dialled again with exponential backoff and jitter while the queue
 * holds what comes meanwhile.
 *
 * Like the webhook writer, `handle` only queues (bounded, O(1)) and one
 * loop sends; the sockets come from the runtime adapter, so this file
 * stays runtime-neutral. TCP delivery is "handed to the kernel": messages
 * written just before a collector dies can be lost without any error (the
 * reason RELP exists); what is queued while it is away is not.
 *
 * @module
 */

import type { MonitorEvent } from "../monitor/events.ts";
import type { RuntimeAdapter } from "../net/adapter.ts";
import type { Conn } from "../net/conn.ts";
import type { UdpListener } from "../net/datagram.ts";
import { parseHostPort } from "../net/host_port.ts";
import { ConnectError } from "../net/errors.ts";
import type { OutageEnd } from "./batch_writer.ts";
import { formatSyslog, type SyslogEvent, type SyslogFormatOptions } from "./syslog_format.ts";

/**
 * Where syslog goes.
 *
 * @example
 * ```ts
 * import type { SyslogTarget } from "./syslog_writer.ts";
 * const target: SyslogTarget = { transport: "tcp", host: "127.0.0.1", port: 514 };
 * ```
 */
export interface SyslogTarget {
  /** `udp` (RFC 5426) or `tcp` (RFC 6587 octet counting). */
  readonly transport: "udp" | "tcp";
  /** Collector address or name. */
  readonly host: string;
  /** Collector port. */
  readonly port: number;
}

/**
 * Parses `udp://HOST:PORT` or `tcp://HOST:PORT` (IPv6 in brackets).
 *
 * @example
 * ```ts
 * import { parseSyslogTarget } from "./syslog_writer.ts";
 * parseSyslogTarget("udp://127.0.0.1:514"); // { transport: "udp", host: "127.0.0.1", port: 514 }
 * parseSyslogTarget("tcp://[::1]:6514"); // { transport: "tcp", host: "::1", port: 6514 }
 * ```
 *
 * @throws {TypeError} naming `flag` and the expected form when `text` is malformed.
 * @throws {RangeError} when the port is out of range.
 */
export function parseSyslogTarget(text: string, flag = "--syslog"): SyslogTarget {
  const expected = `Invalid ${flag} "${text}": expected udp://HOST:PORT or tcp://HOST:PORT`;
  const m = /^(udp|tcp):\/\/([^/?#@]+)$/i.exec(text);
  if (!m) throw new TypeError(expected);
  let hp;
  try {
    hp = parseHostPort(m[2], flag, { requireHost: true });
  } catch (err) {
    if (err instanceof RangeError) throw err;
    throw new TypeError(`${expected} (IPv6 in brackets: tcp://[::1]:514)`);
  }
  return { transport: m[1].toLowerCase() as "udp" | "tcp", host: hp.host!, port: hp.port };
}

/** Options of {@linkcode SyslogWriter}: the message format's, and the delivery's. */
export interface SyslogWriterOptions extends SyslogFormatOptions {
  /** Which events to send (default all three: `alert`, `ban`, `episode.end`). */
  readonly types?: readonly SyslogEvent["type"][];
  /** Messages waiting at most (default 1,000); past it they are dropped. */
  readonly maxQueue?: number;
  /** First retry delay (ms, default 200), doubling after each failure in a row. */
  readonly backoffMinMs?: number;
  /** Longest retry delay (ms, default 30,000). */
  readonly backoffMaxMs?: number;
  /** TCP: time to wait for the handshake (ms, default 5,000). */
  readonly connectTimeoutMs?: number;
  /** How long `close()` keeps trying to send what is queued (ms, default 5,000). */
  readonly closeTimeoutMs?: number;
  /** Sending failed and will be retried: an outage starts (once per outage). */
  readonly onOutage?: (error: Error, cause: string) => void;
  /** A message went out after an outage. */
  readonly onResume?: (end: OutageEnd) => void;
}

interface Outage {
  readonly error: Error;
  readonly cause: string;
  readonly since: number;
  dropped: number;
}

/** UDP: attempts at one datagram before it is given up (a send error is rarely passing). */
const UDP_ATTEMPTS = 3;

const ENCODER = new TextEncoder();

/** The cause an outage is reported under: a connect failure's reason (`refused`...) or the errno code. */
function errorCause(err: unknown): string {
  if (err instanceof ConnectError) return err.reason;
  const { code } = (err ?? {}) as { code?: unknown };
  if (typeof code === "string" && code !== "") return code.toLowerCase();
  return "error";
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Writes syslog messages to a collector, off the monitor's path.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "../runtime/detect.ts";
 * import { SyslogWriter } from "./syslog_writer.ts";
 * const syslog = new SyslogWriter("udp://127.0.0.1:514", await loadAdapter(), { hostname: "sensor1" });
 * // monitor.subscribe(syslog.handle);
 * await syslog.close();
 * ```
 */
export class SyslogWriter {
  /** Where messages go. */
  readonly target: SyslogTarget;
  readonly #adapter: RuntimeAdapter;
  readonly #options: SyslogWriterOptions;
  readonly #types: ReadonlySet<string>;
  readonly #maxQueue: number;
  readonly #maxBytes: number;

  #queue: SyslogEvent[] = [];
  #head = 0;
  #attempts = 0;
  #pump: Promise<void> | undefined;
  #failures = 0;
  #outage: Outage | undefined;
  #udp: UdpListener | undefined;
  #conn: Conn | undefined;
  /** Resolves when the connection may take more (drained) or is gone. */
  #writable: (() => void) | undefined;
  #connClosed: Promise<void> | undefined;
  #everConnected = false;
  #sleepTimer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;
  #closing = false;
  #givenUp = false;
  #closed: Promise<void> | undefined;

  #sent = 0;
  #failed = 0;
  #failedByCause: Record<string, number> = {};
  #dropped = 0;
  #droppedByCause: Record<string, number> = {};
  #reconnects = 0;

  /**
   * Creates a writer; nothing is opened until a message is queued.
   *
   * @param target `udp://HOST:PORT`, `tcp://HOST:PORT`, or a parsed target.
   * @param adapter The runtime's sockets (`await loadAdapter()`).
   * @throws {TypeError} when `target` is malformed.
   * @throws {RangeError} when a number option is out of range.
   */
  constructor(
    target: string | SyslogTarget,
    adapter: RuntimeAdapter,
    options: SyslogWriterOptions = {},
  ) {
    this.target = typeof target === "string" ? parseSyslogTarget(target) : target;
    this.#adapter = adapter;
    this.#maxBytes = options.maxBytes ?? (this.target.transport === "udp" ? 2048 : 8192);
    this.#options = { ...options, maxBytes: this.#maxBytes };
    this.#types = new Set(options.types ?? ["alert", "ban", "episode.end"]);
    this.#maxQueue = options.maxQueue ?? 1000;
    if (!Number.isInteger(this.#maxQueue) || this.#maxQueue < 1) {
      throw new RangeError(`Invalid maxQueue "${this.#maxQueue}": expected an integer >= 1`);
    }
    for (const name of ["backoffMinMs", "backoffMaxMs", "connectTimeoutMs", "closeTimeoutMs"]) {
      const v = (options as Record<string, unknown>)[name];
      if (v !== undefined && !(typeof v === "number" && v >= 0 && Number.isFinite(v))) {
        throw new RangeError(`Invalid ${name} "${v}": expected a finite number >= 0`);
      }
    }
    // Fails now, not per message, on a bad facility or size.
    formatSyslog({
      ts: "1970-01-01T00:00:00.000Z",
      type: "episode.end",
      kind: "scan",
      src: null,
      first: "",
      last: "",
      connections: 0,
      ports: [],
      port_count: 0,
      addresses: [],
    }, this.#options);
  }

  /**
   * Takes an event from the monitor: queues the syslog ones (see
   * `types`), or drops and counts one past `maxQueue` (`queue-full`) or
   * after `close()` (`closed`). Never blocks, never throws.
   */
  readonly handle = (event: MonitorEvent): void => {
    if (!this.#types.has(event.type)) return;
    if (this.#closing) {
      this.#drop(1, "closed");
      return;
    }
    if (this.#queue.length - this.#head >= this.#maxQueue) {
      this.#drop(1, "queue-full");
      return;
    }
    this.#queue.push(event as SyslogEvent);
    this.#pump ??= Promise.resolve().then(() => this.#run()).finally(() => {
      this.#pump = undefined;
    });
  };

  /** Messages handed to the socket. */
  get sent(): number {
    return this.#sent;
  }

  /** Messages given up after being tried (UDP send errors), by `failedByCause`. */
  get failed(): number {
    return this.#failed;
  }

  /** Failed messages by cause (the send error's code). */
  get failedByCause(): Record<string, number> {
    return { ...this.#failedByCause };
  }

  /** Messages never sent: past the queue bound, after close, or when close ran out of time. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Dropped messages by cause: `queue-full`, `closed`, `close-timeout`. */
  get droppedByCause(): Record<string, number> {
    return { ...this.#droppedByCause };
  }

  /** Messages waiting. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** TCP: connections made after the first one (the collector went away and came back). */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** TCP: whether a connection to the collector is open now (UDP: whether the socket is bound). */
  get connected(): boolean {
    return this.target.transport === "tcp" ? this.#conn !== undefined : this.#udp !== undefined;
  }

  /**
   * Why sending fails now (TCP: `refused`, `unreachable`, `timeout`, `closed`; UDP: the send
   * error's code), else undefined.
   */
  get outageCause(): string | undefined {
    return this.#outage?.cause;
  }

  #drop(n: number, cause: string): void {
    if (n === 0) return;
    this.#dropped += n;
    this.#droppedByCause[cause] = (this.#droppedByCause[cause] ?? 0) + n;
    if (this.#outage) this.#outage.dropped += n;
  }

  #shift(): void {
    this.#head++;
    this.#attempts = 0;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #message(event: SyslogEvent): Uint8Array {
    const text = ENCODER.encode(formatSyslog(event, this.#options));
    if (this.target.transport === "udp") return text;
    // RFC 6587 section 3.4.1: MSG-LEN SP SYSLOG-MSG.
    const prefix = ENCODER.encode(`${text.byteLength} `);
    const frame = new Uint8Array(prefix.byteLength + text.byteLength);
    frame.set(prefix);
    frame.set(text, prefix.byteLength);
    return frame;
  }

  async #run(): Promise<void> {
    try {
      while (!this.#givenUp && this.#queue.length > this.#head) {
        const error = this.target.transport === "udp"
          ? await this.#sendUdp()
          : await this.#sendTcp();
        if (this.#givenUp) break;
        if (error === undefined) {
          this.#failures = 0;
          this.#endOutage();
          continue;
        }
        this.#failures++;
        const cause = errorCause(error);
        if (!this.#outage) {
          this.#outage = { error: asError(error), cause, since: Date.now(), dropped: 0 };
          safely(this.#options.onOutage, asError(error), cause);
        }
        await this.#sleep(this.#delay());
      }
    } catch {
      // Only a bug gets here (callbacks included): the loop stops, close() counts what is left.
    }
  }

  /** Sends the next datagram; the error if it failed. */
  async #sendUdp(): Promise<unknown> {
    try {
      this.#udp ??= await this.#adapter.listenUdp(
        { hostname: bindAddressFor(this.target.host), port: 0 },
        () => {}, // collectors do not answer; anything that arrives is ignored
      );
    } catch (err) {
      return err;
    }
    const data = this.#message(this.#queue[this.#head]);
    try {
      await this.#udp.send(data, this.target.host, this.target.port);
      this.#sent++;
      this.#shift();
      return undefined;
    } catch (err) {
      if (++this.#attempts >= UDP_ATTEMPTS) {
        const cause = errorCause(err);
        this.#failed++;
        this.#failedByCause[cause] = (this.#failedByCause[cause] ?? 0) + 1;
        if (this.#outage) this.#outage.dropped++;
        this.#shift();
      }
      return err;
    }
  }

  /** Writes what is queued while the connection takes it; the error if connecting failed. */
  async #sendTcp(): Promise<unknown> {
    if (this.#conn === undefined) {
      try {
        await this.#connect();
      } catch (err) {
        return err;
      }
    }
    const conn = this.#conn!;
    while (this.#conn === conn && this.#queue.length > this.#head && !this.#givenUp) {
      let more: boolean;
      try {
        more = conn.write(this.#message(this.#queue[this.#head]));
      } catch (err) {
        conn.close();
        return err;
      }
      this.#sent++;
      this.#shift();
      if (!more) {
        // Above the high-water mark: wait for the drain (or the end of the connection).
        await new Promise<void>((resolve) => (this.#writable = resolve));
      }
    }
    // Closed under us with more to send: back off before dialling again, so that a collector
    // that accepts and hangs up at once is not hammered.
    if (this.#conn !== conn && this.#queue.length > this.#head && !this.#givenUp) {
      return Object.assign(new Error("the collector closed the connection"), { code: "closed" });
    }
    return undefined;
  }

  async #connect(): Promise<void> {
    const conn = await this.#adapter.connectTcp({
      hostname: this.target.host,
      port: this.target.port,
      timeoutMs: this.#options.connectTimeoutMs,
    });
    if (this.#everConnected) this.#reconnects++;
    this.#everConnected = true;
    this.#conn = conn;
    let closed!: () => void;
    this.#connClosed = new Promise((resolve) => (closed = resolve));
    conn.start({
      data: () => {}, // a collector has nothing to say
      end: () => conn.close(), // it closed its side: it takes no more; dial again when needed
      close: () => {
        if (this.#conn === conn) this.#conn = undefined;
        this.#wakeWriter();
        closed();
      },
      drain: () => this.#wakeWriter(),
    });
  }

  #wakeWriter(): void {
    const w = this.#writable;
    this.#writable = undefined;
    w?.();
  }

  #delay(): number {
    const min = this.#options.backoffMinMs ?? 200;
    const max = this.#options.backoffMaxMs ?? 30_000;
    const base = Math.min(max, min * 2 ** (this.#failures - 1));
    return base / 2 + Math.random() * (base / 2);
  }

  #sleep(ms: number): Promise<void> {
    if (this.#givenUp) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = () => {
        clearTimeout(this.#sleepTimer);
        this.#sleepTimer = undefined;
        this.#wake = undefined;
        resolve();
      };
      this.#sleepTimer = setTimeout(this.#wake, ms);
      // Node and Bun: a retry alone does not keep a finished program alive; close() clears it.
      (this.#sleepTimer as { unref?: () => void }).unref?.();
    });
  }

  #endOutage(): void {
    const outage = this.#outage;
    if (!outage) return;
    this.#outage = undefined;
    safely(this.#options.onResume, {
      cause: outage.cause,
      error: outage.error,
      durationMs: Date.now() - outage.since,
      dropped: outage.dropped,
    });
  }

  /**
   * Stops taking events, tries to send what is queued for at most
   * `closeTimeoutMs`, counts what is left as dropped (`close-timeout`),
   * then closes the socket (TCP: after a FIN, once the collector closed or
   * the time is up). Safe to call more than once.
   *
   * @example
   * ```ts
   * import { loadAdapter } from "../runtime/detect.ts";
   * import { SyslogWriter } from "./syslog_writer.ts";
   * const syslog = new SyslogWriter("tcp://127.0.0.1:514", await loadAdapter());
   * await syslog.close();
   * ```
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        this.#givenUp = true;
        this.#wake?.();
        this.#wakeWriter();
        resolve();
      }, this.#options.closeTimeoutMs ?? 5000);
    });
    if (this.#pump !== undefined) await Promise.race([this.#pump, timedOut]);
    this.#givenUp = true;
    this.#wake?.();
    this.#drop(this.#queue.length - this.#head, "close-timeout");
    this.#queue = [];
    this.#head = 0;
    const conn = this.#conn;
    if (conn !== undefined) {
      // FIN after what is written, so the collector reads it all; then wait for its close.
      conn.closeWrite();
      await Promise.race([this.#connClosed, timedOut]);
      conn.close();
    }
    clearTimeout(deadline);
    this.#udp?.close();
    this.#udp = undefined;
  }
}

/** The local address to send from: loopback for a loopback collector, else any of the family. */
function bindAddressFor(host: string): string {
  if (host.includes(":")) return host === "::1" ? "::1" : "::";
  return /^127\./.test(host) || host === "localhost" ? "127.0.0.1" : "0.0.0.0";
}

/** Calls an operator's callback; one that throws must not stop delivery. */
function safely<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    fn?.(...args);
  } catch { /* the callback's own bug; delivery goes on */ }
}
