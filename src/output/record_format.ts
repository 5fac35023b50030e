/**
 * The contract between a file format (Zeek conn.log, Suricata EVE, pcap...)
 * and the writer that puts it in a file. A format only turns events into
 * bytes; the writer owns the queue, the sink, outages, drops and log
 * rotation, the same for every format.
 *
 * @module
 */

import type { MonitorEvent } from "../monitor/events.ts";

/**
 * A stateful encoder of monitor events into one file format. The writer
 * feeds it every lifecycle event (`listener.up`, `conn.open`, `conn.close`,
 * ...) in order; payload events (`conn.data`, `udp.datagram`) may be missing
 * when the writer had to drop them, so a format must not assume it saw every
 * byte (pcap shows the gap as missing data).
 *
 * @example
 * ```ts
 * import type { MonitorEvent, RecordFormat } from "@sockscope/sockscope";
 * const closes: RecordFormat = {
 *   name: "close lines",
 *   wantsData: false,
 *   header: () => "",
 *   encode: (ev: MonitorEvent) => ev.type === "conn.close" ? `${ev.uid}\n` : undefined,
 *   footer: () => "",
 * };
 * ```
 */
export interface RecordFormat {
  /** Short name for messages, e.g. `zeek conn.log`. */
  readonly name: string;
  /** Whether the format needs payload events (`conn.data`, `udp.datagram`). */
  readonly wantsData: boolean;
  /**
   * What starts a file: called when the writer opens its sink and again
   * after each reopen (log rotation). `existingBytes` is the size of the file
   * being appended to (0 when new or empty), so that a binary format does
   * not write a second header into the middle of a file; it may throw a
   * `TypeError` saying what was expected when the existing file cannot be
   * appended to.
   */
  header(nowMs: number, existingBytes: number): string | Uint8Array;
  /** The records for one event, or `undefined` for events the format ignores. */
  encode(event: MonitorEvent): string | Uint8Array | undefined;
  /**
   * Optional fast path for the records made at every connection: an upper
   * bound of the bytes {@linkcode RecordFormat.encodeInto} writes for
   * `event`, or 0 to leave `event` to `encode`.
   */
  bound?(event: MonitorEvent): number;
  /**
   * Optional fast path: writes `event`'s records as bytes into `buf` at `at`
   * (with `bound(event)` bytes of room) and returns where they end, or -1 to
   * leave `event` to `encode` (nothing it wrote is kept). It must write what
   * `encode` would have returned.
   */
  encodeInto?(buf: Uint8Array, at: number, event: MonitorEvent): number;
  /** What ends a file on a clean close (Zeek's `#close` line); may be empty. */
  footer(nowMs: number): string | Uint8Array;
}
