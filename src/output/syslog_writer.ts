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
import { nonNegativeNumber } from "./option_checks.ts";
import { type Retry, RetryPump } from "./retry_pump.ts";
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

/** UDP: attempts at one datagram before it is given up (a send error is rarely passing). */
const UDP_ATTEMPTS = 3;

const ENCODER = new TextEncoder();

/** A failure as the pump retries it, under a connect failure's reason (`refused`...) or the errno code. */
function retry(err: unknown): Retry {
  const error = err instanceof Error ? err : new Error(String(err));
  if (err instanceof ConnectError) return { error, cause: err.reason };
  const { code } = (err ?? {}) as { code?: unknown };
  return { error, cause: typeof code === "string" && code !== "" ? code.toLowerCase() : "error" };
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
  readonly #maxBytes: number;
  readonly #pump: RetryPump<SyslogEvent>;
  /** UDP: failed sends of the message at the head. */
  #udpFailures = 0;
  #udp: UdpListener | undefined;
  #conn: Conn | undefined;
  /** Resolves when the connection may take more (drained) or is gone. */
  #writable: (() => void) | undefined;
  #connClosed: Promise<void> | undefined;
  #everConnected = false;
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
    this.#pump = new RetryPump({
      ...options,
      deliver: () => this.target.transport === "udp" ? this.#sendUdp() : this.#sendTcp(),
      interrupt: () => this.#wakeWriter(),
    });
    if (options.connectTimeoutMs !== undefined) {
      nonNegativeNumber("connectTimeoutMs", options.connectTimeoutMs);
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
    if (this.#types.has(event.type)) this.#pump.push(event as SyslogEvent);
  };

  /** Messages handed to the socket. */
  get sent(): number {
    return this.#pump.sent;
  }

  /** Messages given up after being tried (UDP send errors), by `failedByCause`. */
  get failed(): number {
    return this.#pump.failed;
  }

  /** Failed messages by cause (the send error's code). */
  get failedByCause(): Record<string, number> {
    return this.#pump.failedByCause;
  }

  /** Messages never sent: past the queue bound, after close, or when close ran out of time. */
  get dropped(): number {
    return this.#pump.dropped;
  }

  /** Dropped messages by cause: `queue-full`, `closed`, `close-timeout`. */
  get droppedByCause(): Record<string, number> {
    return this.#pump.droppedByCause;
  }

  /** Messages waiting. */
  get pending(): number {
    return this.#pump.pending;
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
    return this.#pump.outageCause;
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

  /** Sends the next datagram; a retry if it failed. */
  async #sendUdp(): Promise<Retry | undefined> {
    try {
      this.#udp ??= await this.#adapter.listenUdp(
        { hostname: bindAddressFor(this.target.host), port: 0 },
        () => {}, // collectors do not answer; anything that arrives is ignored
      );
    } catch (err) {
      return retry(err);
    }
    const data = this.#message(this.#pump.peek(1)[0]);
    try {
      await this.#udp.send(data, this.target.host, this.target.port);
      this.#udpFailures = 0;
      this.#pump.markSent(1);
      return undefined;
    } catch (err) {
      const r = retry(err);
      if (++this.#udpFailures < UDP_ATTEMPTS) return r;
      this.#udpFailures = 0;
      return { ...r, fail: { count: 1, cause: r.cause } };
    }
  }

  /** Writes what is queued while the connection takes it; a retry if connecting failed. */
  async #sendTcp(): Promise<Retry | undefined> {
    let conn: Conn;
    try {
      conn = this.#conn ?? await this.#connect();
    } catch (err) {
      return retry(err);
    }
    const pump = this.#pump;
    while (this.#conn === conn && pump.pending > 0 && !pump.givenUp) {
      let more: boolean;
      try {
        more = conn.write(this.#message(pump.peek(1)[0]));
      } catch (err) {
        conn.close();
        return retry(err);
      }
      pump.markSent(1);
      if (!more) {
        // Above the high-water mark: wait for the drain (or the end of the connection).
        await new Promise<void>((resolve) => (this.#writable = resolve));
      }
    }
    // Closed under us with more to send: back off before dialling again, so that a collector
    // that accepts and hangs up at once is not hammered.
    if (this.#conn !== conn && pump.pending > 0 && !pump.givenUp) {
      return retry(
        Object.assign(new Error("the collector closed the connection"), { code: "closed" }),
      );
    }
    return undefined;
  }

  async #connect(): Promise<Conn> {
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
    return conn;
  }

  #wakeWriter(): void {
    const w = this.#writable;
    this.#writable = undefined;
    w?.();
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
    return this.#pump.close(async (timedOut) => {
      const conn = this.#conn;
      if (conn !== undefined) {
        // FIN after what is written, so the collector reads it all; then wait for its close.
        conn.closeWrite();
        await Promise.race([this.#connClosed, timedOut]);
        conn.close();
      }
      this.#udp?.close();
      this.#udp = undefined;
    });
  }
}

/** The local address to send from: loopback for a loopback collector, else any of the family. */
function bindAddressFor(host: string): string {
  if (host.includes(":")) return host === "::1" ? "::1" : "::";
  return /^127\./.test(host) || host === "localhost" ? "127.0.0.1" : "0.0.0.0";
}
