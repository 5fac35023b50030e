/**
 * How writers read a sink's error: the cause they count drops under, and
 * whether the sink can come back (a full disk) or is gone for good (a closed
 * pipe).
 *
 * @module
 */

/**
 * Causes after which a sink never works again: the reader of a pipe or
 * socket went away, or the descriptor or stream is closed. Anything else (a
 * full disk, an I/O error, a quota) may pass, so writers retry it.
 */
const PERMANENT_CAUSES: ReadonlySet<string> = new Set([
  "epipe",
  "econnreset",
  "ebadf",
  "err_stream_destroyed",
  "err_stream_write_after_end",
]);

/** Deno's error classes for the same conditions, for sinks that do not set `code`. */
const CAUSE_BY_NAME: Readonly<Record<string, string>> = {
  BrokenPipe: "epipe",
  ConnectionReset: "econnreset",
  BadResource: "ebadf",
};

/**
 * The cause a write error is counted under: its lowercased errno code
 * (`enospc`, `eio`, `edquot`, `epipe`...), or `error` when it has none.
 */
export function sinkErrorCause(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === "string" && code !== "") return code.toLowerCase();
  if (typeof name === "string" && Object.hasOwn(CAUSE_BY_NAME, name)) return CAUSE_BY_NAME[name];
  return "error";
}

/**
 * True when a sink that failed with `error` will never work again, so that
 * retrying is pointless.
 */
export function isPermanentSinkError(error: unknown): boolean {
  return PERMANENT_CAUSES.has(sinkErrorCause(error));
}
