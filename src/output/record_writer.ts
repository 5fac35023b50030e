/**
 * Writes the event stream in any {@linkcode RecordFormat} (Zeek conn.log,
 * Suricata EVE, pcap...) to a {@linkcode Sink}, with the same queue, outage
 * handling and log rotation as the NDJSON log.
 *
 * @module
 */

import { isDroppable, type MonitorEvent } from "../monitor/events.ts";
import type { Sink } from "./sink.ts";
import type { RecordFormat } from "./record_format.ts";
import { BatchWriter, type OutageEnd } from "./batch_writer.ts";
import { EventBacklog } from "./event_backlog.ts";
import { admitEvent, FLUSH_BYTES, FLUSH_DELAY_MS } from "./event_queueing.ts";

/** Options of {@linkcode RecordWriter}. */
export interface RecordWriterOptions {
  /**
   * Encoded bytes that may wait for the sink. While the sink works,
   * payload events (`conn.data`, `udp.datagram`) past it are dropped and
   * counted (cause `queue-full`); lifecycle events are not. While writes
   * fail (an outage), every event past it is dropped, counted under the
   * outage's cause, so that memory stays bounded. Default 16 MiB.
   */
  readonly maxPendingBytes?: number;
  /**
   * A write failed (e.g. `ENOSPC`): events wait, and are retried with a
   * growing delay (100 ms doubling to 5 s); `cause` is the lowercased error
   * code (`enospc`, `eio`...) or `error`. Called once per outage. A format
   * whose header refuses the existing file (a `TypeError`) fails the write
   * the same way, until a reopen gives it a file it can take.
   */
  readonly onOutage?: (error: Error, cause: string) => void;
  /** Writes work again and the events held during the outage are written. */
  readonly onResume?: (end: OutageEnd) => void;
  /**
   * The sink is gone for good (`EPIPE`: the reader of a pipe went away; a
   * closed descriptor): called once; later events are counted as dropped.
   */
  readonly onFatal?: (error: Error, cause: string) => void;
  /**
   * The format threw while encoding an event (a bug in the format): the
   * event is left out and counted as dropped under `format-error`.
   */
  readonly onFormatError?: (error: Error, event: MonitorEvent) => void;
}

const ENCODER = new TextEncoder();
/** The record of an event the format has nothing to write for: it still counts as written. */
const NOTHING = new Uint8Array(0);

/**
 * A log file in one {@linkcode RecordFormat}.
 *
 * Each destination gets the format's header before its first record (at
 * start, and again in the new file after each {@linkcode RecordWriter.reopen}),
 * in the same write as those records, so a failed write never leaves a header
 * without them and the retry writes it once. On close the footer follows the
 * last record (with the header first if the file got none: an empty log is
 * still a well-formed one); before a reopen the old file gets its footer.
 *
 * Everything else is as with the NDJSON log: `handle()` encodes the event
 * at once (once: a failed write is retried with the same bytes, and a
 * stateful format such as pcap's sequence numbers never sees an event
 * twice) and queues its bytes, written in batches; a failed write is
 * retried until it works, with the file left on whole records
 * (with the runtime's file sinks); what cannot be kept meanwhile is counted
 * by cause (`droppedByCause`).
 *
 * @example
 * ```ts
 * import { listen, RecordWriter, type RecordFormat, type Sink } from "@sockscope/sockscope";
 * const text: string[] = [];
 * const sink: Sink = {
 *   write(d) { text.push(new TextDecoder().decode(d)); return Promise.resolve(); },
 *   sync: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * const closes: RecordFormat = {
 *   name: "close lines",
 *   wantsData: false,
 *   header: () => "# closes\n",
 *   encode: (ev) => ev.type === "conn.close" ? `${ev.uid} ${ev.reason}\n` : undefined,
 *   footer: () => "# end\n",
 * };
 * const monitor = await listen({ ports: [0] });
 * const log = new RecordWriter(sink, closes);
 * monitor.subscribe(log.handle, { data: log.wantsData });
 * await monitor.close();
 * await log.close();
 * ```
 */
export class RecordWriter {
  #out: BatchWriter;
  #format: RecordFormat;
  #maxPendingBytes: number;
  /** Events the format could not encode. */
  #formatErrors = 0;
  #onFormatError: RecordWriterOptions["onFormatError"];

  #encodeInto = (buf: Uint8Array, at: number, event: MonitorEvent): number =>
    this.#format.encodeInto!(buf, at, event);
  #backlog: EventBacklog<MonitorEvent> = new EventBacklog({
    holds: () => this.#out.steady,
    encode: (event) => this.#encode(event),
    onFirst: () => this.#out.wake(),
    onError: (err, event) => this.#formatFailed(err, event),
  });

  /** Creates a writer of `format` that owns `sink`. */
  constructor(sink: Sink, format: RecordFormat, options: RecordWriterOptions = {}) {
    this.#format = format;
    this.#maxPendingBytes = options.maxPendingBytes ?? 16 * 1024 * 1024;
    this.#onFormatError = options.onFormatError;
    this.#out = new BatchWriter(sink, {
      backlog: this.#backlog,
      delayMs: FLUSH_DELAY_MS,
      fullBytes: FLUSH_BYTES,
      header: async () => {
        const existing = sink.size ? await sink.size() : 0;
        return bytes(format.header(Date.now(), existing));
      },
      footer: () => bytes(format.footer(Date.now())),
      outageMaxBytes: this.#maxPendingBytes,
      onOutage: options.onOutage,
      onResume: options.onResume,
      onFatal: options.onFatal,
    });
  }

  /**
   * Whether the format needs payload events: subscribe with
   * `{ data: writer.wantsData }`. A writer whose format does not want them
   * ignores any it is given.
   */
  get wantsData(): boolean {
    return this.#format.wantsData;
  }

  /** The format's name, e.g. `zeek conn.log`. */
  get formatName(): string {
    return this.#format.name;
  }

  /** Events dropped because the sink was too slow or failed, or the format could not encode them. */
  get dropped(): number {
    return this.#out.dropped + this.#formatErrors;
  }

  /**
   * Events dropped, by cause: `queue-full` (the sink was too slow), the
   * lowercased error code of a failing sink (`enospc`, `eio`, `epipe`...,
   * or `error`), `closed` (after close), `format-error` (the format threw).
   */
  get droppedByCause(): Record<string, number> {
    const causes = this.#out.droppedByCause;
    if (this.#formatErrors > 0) causes["format-error"] = this.#formatErrors;
    return causes;
  }

  /** The cause of the write outage under way (`enospc`...), or undefined while writes work. */
  get outageCause(): string | undefined {
    return this.#out.outageCause;
  }

  /**
   * Events written: handed to the format and its output (often nothing:
   * conn.log makes a record of `conn.close` only) written to the sink.
   */
  get written(): number {
    return this.#out.written;
  }

  /**
   * Records written: lines of the format in the sink (for conn.log one per
   * closed connection), the header and footer not counted. Fewer than
   * {@linkcode RecordWriter.written} when the format has nothing to write
   * for some events.
   *
   * @example
   * ```ts
   * import { RecordWriter, ZeekConnFormat } from "@sockscope/sockscope";
   * const sink = { write: () => Promise.resolve(), sync: () => Promise.resolve(), close: () => Promise.resolve() };
   * const log = new RecordWriter(sink, new ZeekConnFormat());
   * await log.close();
   * console.log(log.records); // 0
   * ```
   */
  get records(): number {
    return this.#out.recordsWritten;
  }

  /** The event listener to subscribe: queues the event and returns at once. */
  readonly handle = (event: MonitorEvent): void => {
    if (!this.#format.wantsData && isDroppable(event)) return;
    this.#backlog.push(event); // encoded in a batch with the others, within a few ms
  };

  #encode(event: MonitorEvent): void {
    if (!admitEvent(this.#out, event, this.#maxPendingBytes)) return;
    const format = this.#format;
    let record: string | Uint8Array | undefined;
    try {
      // The format's own bytes straight into the queue where it can; else its string.
      const bound = format.bound?.(event) ?? 0;
      if (bound > 0 && this.#out.pushInPlace(bound, this.#encodeInto, event) !== "declined") return;
      record = format.encode(event);
    } catch (err) {
      this.#formatFailed(err, event);
      return;
    }
    this.#out.push(record ?? NOTHING);
  }

  #formatFailed(err: unknown, event: MonitorEvent): void {
    this.#formatErrors++;
    this.#onFormatError?.(err instanceof Error ? err : new Error(String(err)), event);
  }

  /**
   * Writes everything queued so far. During an outage it makes one attempt
   * and returns; the events left wait for the retries.
   */
  flush(): Promise<void> {
    return this.#out.flush();
  }

  /**
   * Reopens the sink at its path (log rotation: after a rename, on SIGHUP).
   * The write under way finishes in the old file, which then gets the
   * format's footer; events keep queueing meanwhile and go to the new file,
   * after a new header. Resolves false when the sink cannot reopen (stdout)
   * or the log is closed; rejects if opening fails, and then keeps writing
   * to the old file (starting a new header block after the footer).
   */
  reopen(): Promise<boolean> {
    return this.#out.reopen();
  }

  /**
   * Flushes, writes the footer, syncs the sink to stable storage and closes
   * it. During an outage the flush is one last attempt; what is left is
   * counted as dropped under the outage's cause, and the footer is left out.
   */
  close(): Promise<void> {
    return this.#out.close(true);
  }
}

function bytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? ENCODER.encode(data) : data;
}
