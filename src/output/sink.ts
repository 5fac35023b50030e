/**
 * Where writers put their bytes. The runtime layer provides files, stdout and
 * stderr behind this interface, so writers stay runtime-neutral.
 *
 * @module
 */

/**
 * A byte destination owned by one writer.
 *
 * Failures: a sink rejects with the runtime's error, keeping its `code`
 * (`ENOSPC`, `EIO`, `EPIPE`...), which writers use to tell an outage they
 * wait out (a full disk) from a destination that is gone for good (a closed
 * pipe). Where it can, a failed `write` leaves nothing of `data` behind, so
 * that a retry cannot duplicate or tear a record.
 *
 * @example
 * ```ts
 * import type { Sink } from "@sockscope/sockscope";
 * const chunks: Uint8Array[] = [];
 * const memory: Sink = {
 *   write(data) { chunks.push(data.slice()); return Promise.resolve(); },
 *   sync() { return Promise.resolve(); },
 *   close() { return Promise.resolve(); },
 * };
 * ```
 */
export interface Sink {
  /**
   * Writes all of `data`; resolves once the runtime has taken it. The caller
   * may reuse `data`'s buffer after that, so a sink must not keep it.
   *
   * All or nothing where the sink can manage it: a file sink whose write
   * fails part-way removes the part it wrote before it rejects.
   */
  write(data: Uint8Array): Promise<void>;
  /** Flushes to stable storage where that means something (fsync for files). */
  sync(): Promise<void>;
  /** Releases the destination; later writes fail. */
  close(): Promise<void>;
  /**
   * Opens the destination again by its name, for log rotation: writes after
   * this resolves go to whatever is at the path now (created if missing), and
   * none go to the file that was renamed away. Absent where there is nothing
   * to reopen (stdout, a socket, memory).
   */
  reopen?(): Promise<void>;
  /**
   * Bytes in the destination now: what a writer appends after, so that a
   * file format knows whether it starts a file or continues one. Bytes of a
   * failed write that are still to be cut off do not count. Absent where
   * there is no size (stdout, a pipe, a socket).
   */
  size?(): Promise<number>;
}
