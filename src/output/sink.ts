/**
 * Where writers put their bytes. The runtime layer provides files, stdout and
 * stderr behind this interface, so writers stay runtime-neutral.
 *
 * @module
 */

/**
 * A byte destination owned by one writer.
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
   */
  write(data: Uint8Array): Promise<void>;
  /** Flushes to stable storage where that means something (fsync for files). */
  sync(): Promise<void>;
  /** Releases the destination; later writes fail. */
  close(): Promise<void>;
}
