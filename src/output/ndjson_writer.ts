/**
 * Writes the event stream as NDJSON to a {@linkcode Sink}, in batches, off the
 * data path.
 *
 * @module
 */

import type { MonitorEvent } from "../monitor/events.ts";
import type { Sink } from "./sink.ts";
import { jsonLineBound, writeJsonLine } from "./json_line.ts";
import { eventToJson } from "./event_json.ts";
import { BatchWriter, type OutageEnd } from "./batch_writer.ts";
import { EventBacklog } from "./event_backlog.ts";
import { admitEvent, FLUSH_BYTES, FLUSH_DELAY_MS } from "./event_queueing.ts";

/** Options of {@linkcode NdjsonWriter}. */
export interface NdjsonWriterOptions {
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
   * code (`enospc`, `eio`...) or `error`. Called once per outage.
   */
  readonly onOutage?: (error: Error, cause: string) => void;
  /** Writes work again and the events held during the outage are written. */
  readonly onResume?: (end: OutageEnd) => void;
  /**
   * The sink is gone for good (`EPIPE`: the reader of a pipe went away; a
   * closed descriptor): called once; later events are counted as dropped.
   */
  readonly onFatal?: (error: Error, cause: string) => void;
}

/**
 * An NDJSON event log.
 *
 * The log survives its sink: a failed write leaves the file on whole lines
 * (with the runtime's file sinks), is retried until it works, and what
 * could not be kept meanwhile is counted by cause (`droppedByCause`).
 *
 * @example
 * ```ts
 * import { listen, NdjsonWriter, type Sink } from "@sockscope/sockscope";
 * const lines: string[] = [];
 * const sink: Sink = {
 *   write(d) { lines.push(new TextDecoder().decode(d)); return Promise.resolve(); },
 *   sync: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * const monitor = await listen({ ports: [0] });
 * const log = new NdjsonWriter(sink);
 * monitor.subscribe(log.handle);
 * await monitor.close();
 * await log.close();
 * ```
 */
export class NdjsonWriter {
  #out: BatchWriter;
  #maxPendingBytes: number;
  #backlog: EventBacklog<MonitorEvent> = new EventBacklog({
    holds: () => this.#out.steady,
    encode: (event) => this.#encode(event),
    onFirst: () => this.#out.wake(),
    onError: () => this.#out.drop("format-error"),
  });

  /** Creates a writer that owns `sink`. */
  constructor(sink: Sink, options: NdjsonWriterOptions = {}) {
    this.#maxPendingBytes = options.maxPendingBytes ?? 16 * 1024 * 1024;
    this.#out = new BatchWriter(sink, {
      backlog: this.#backlog,
      delayMs: FLUSH_DELAY_MS,
      fullBytes: FLUSH_BYTES,
      outageMaxBytes: this.#maxPendingBytes,
      onOutage: options.onOutage,
      onResume: options.onResume,
      onFatal: options.onFatal,
    });
  }

  /** Events dropped because the sink was too slow or failed. */
  get dropped(): number {
    return this.#out.dropped;
  }

  /**
   * Events dropped, by cause: `queue-full` (the sink was too slow), the
   * lowercased error code of a failing sink (`enospc`, `eio`, `epipe`...,
   * or `error`), `closed` (after close).
   */
  get droppedByCause(): Record<string, number> {
    return this.#out.droppedByCause;
  }

  /** The cause of the write outage under way (`enospc`...), or undefined while writes work. */
  get outageCause(): string | undefined {
    return this.#out.outageCause;
  }

  /** Events written. */
  get written(): number {
    return this.#out.written;
  }

  /** The event listener to subscribe: queues the event and returns at once. */
  readonly handle = (event: MonitorEvent): void => {
    this.#backlog.push(event); // encoded in a batch with the others, within a few ms
  };

  #encode(event: MonitorEvent): void {
    if (!admitEvent(this.#out, event, this.#maxPendingBytes)) return;
    // Connection events straight into the queue as bytes; the rest (and any
    // string that needs escaping) through JSON.stringify.
    const bound = jsonLineBound(event);
    if (bound > 0 && this.#out.pushInPlace(bound, writeJsonLine, event) !== "declined") return;
    this.#out.push(eventToJson(event) + "\n");
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
   * The write under way finishes in the old file; events keep queueing
   * meanwhile and go to the new one. Resolves false when the sink cannot
   * reopen (stdout) or the log is closed; rejects if opening fails, and then
   * keeps writing to the old file.
   */
  reopen(): Promise<boolean> {
    return this.#out.reopen();
  }

  /**
   * Flushes, syncs the sink to stable storage and closes it. During an
   * outage the flush is one last attempt; what is left is counted as
   * dropped under the outage's cause.
   */
  close(): Promise<void> {
    return this.#out.close(true);
  }
}
