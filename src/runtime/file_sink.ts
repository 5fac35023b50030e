/**
 * A {@linkcode Sink} over an append-only file that never leaves a torn
 * record behind and can reopen its path for log rotation. The runtime
 * platforms supply the few file operations it needs.
 *
 * @module
 */

import type { Sink } from "../output/sink.ts";

/** The operations a {@linkcode FileSink} needs of an open file. */
export interface FileOps {
  /** Writes at the end of the file; resolves with the bytes taken (maybe fewer than given). */
  write(data: Uint8Array): Promise<number>;
  /** The file's size now, and an identity (device and inode) to tell two opens of one file. */
  stat(): Promise<{ readonly size: number; readonly id: string }>;
  /** Cuts the file to `length` bytes. */
  truncate(length: number): Promise<void>;
  /** fsync (data). */
  sync(): Promise<void>;
  /** Releases the descriptor. */
  close(): Promise<void>;
}

/**
 * An append-only file as a {@linkcode Sink}: all-or-nothing writes, and
 * `reopen()` for log rotation. Operations run one after the other, so a
 * reopen never swaps the file under a write.
 */
export class FileSink implements Sink {
  #open: () => Promise<FileOps>;
  #file: FileOps;
  /** Bytes of a failed write still at the end of the file (its truncate failed too). */
  #torn = 0;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(open: () => Promise<FileOps>, file: FileOps) {
    this.#open = open;
    this.#file = file;
  }

  /** Opens a file sink; `open` opens the path for appending (creating it) and is called again on reopen. */
  static async open(open: () => Promise<FileOps>): Promise<FileSink> {
    return new FileSink(open, await open());
  }

  /**
   * Appends all of `data`. If the file takes only part of it and then fails
   * (a disk that fills up mid-write), the part is cut off again before the
   * original error is thrown, so the file still ends on a whole record.
   */
  write(data: Uint8Array): Promise<void> {
    return this.#serial(async () => {
      if (this.#torn > 0) await this.#repair();
      let done = 0;
      try {
        while (done < data.byteLength) {
          const n = await this.#file.write(done === 0 ? data : data.subarray(done));
          if (n <= 0) throw Object.assign(new Error("the file took no bytes"), { code: "EIO" });
          done += n;
        }
      } catch (err) {
        if (done > 0) await this.#unwrite(done);
        throw err;
      }
    });
  }

  sync(): Promise<void> {
    return this.#serial(() => this.#file.sync());
  }

  /**
   * The file's size now (fstat), less the torn tail of a failed write that
   * is cut off before the next write: where the next record will start.
   */
  size(): Promise<number> {
    return this.#serial(async () => Math.max(0, (await this.#file.stat()).size - this.#torn));
  }

  close(): Promise<void> {
    return this.#serial(() => this.#file.close());
  }

  /**
   * Opens the path again (after logrotate renamed the file away) and closes
   * the old descriptor; if opening fails, the old file stays in use.
   */
  reopen(): Promise<void> {
    return this.#serial(async () => {
      const next = await this.#open();
      const old = this.#file;
      if (this.#torn > 0) {
        try {
          await this.#repair();
        } catch {
          // The torn tail can only still be cut if the path leads to the same file.
          const [a, b] = await Promise.all([old.stat(), next.stat()]).catch(() => [null, null]);
          if (!a || !b || a.id !== b.id) this.#torn = 0;
        }
      }
      this.#file = next;
      try {
        await old.close();
      } catch { /* the old file is done with either way */ }
    });
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Cuts the `n` bytes this write appended. The length comes from the size
   * the file has now, not from an offset kept here: if logrotate's
   * copytruncate emptied the file meanwhile, a kept offset would cut wrong.
   */
  async #unwrite(n: number): Promise<void> {
    try {
      const { size } = await this.#file.stat();
      await this.#file.truncate(Math.max(0, size - n));
    } catch {
      this.#torn = n; // cut before the next write, which fails until it can be
    }
  }

  async #repair(): Promise<void> {
    const { size } = await this.#file.stat();
    // Smaller than the torn tail: the file was emptied meanwhile, the tail with it.
    if (size >= this.#torn) await this.#file.truncate(size - this.#torn);
    this.#torn = 0;
  }
}
