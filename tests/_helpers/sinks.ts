// In-memory sinks for the writer tests.

/** An Error with an errno-style `code`, as runtimes raise them. */
export function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * An all-or-nothing sink (as the runtime's file sinks are) whose writes fail
 * while `failing()` says so; `files` holds what each destination received
 * (a new one per reopen, the first starting as `existing`) and `size()`
 * reports the current one's length.
 */
export function flakySink(failing: (attempt: number) => Error | undefined, existing = "") {
  const files: string[] = [existing];
  const sink = {
    files,
    attempts: 0,
    closed: false,
    write(d: Uint8Array) {
      const error = failing(++sink.attempts);
      if (error) return Promise.reject(error);
      files[files.length - 1] += new TextDecoder().decode(d);
      return Promise.resolve();
    },
    sync: () => Promise.resolve(),
    close() {
      sink.closed = true;
      return Promise.resolve();
    },
    reopen() {
      files.push("");
      return Promise.resolve();
    },
    size: () => Promise.resolve(new TextEncoder().encode(files[files.length - 1]).byteLength),
  };
  return sink;
}
