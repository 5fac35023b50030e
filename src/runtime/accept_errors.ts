/**
 * How adapters tell accept failures apart: resource exhaustion (back off a
 * little, the connections wait in the kernel's queue) versus one connection
 * that died before it could be read (record it, accept the next at once).
 *
 * @module
 */

/** errno codes that mean "out of descriptors or buffers", not "this connection failed". */
const EXHAUSTION = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);

/** errno codes (and Deno error names) that mean one connection died during accept. */
const DEAD_CONNECTION = new Set([
  "ENOTCONN",
  "ECONNABORTED",
  "ECONNRESET",
  "NotConnected",
  "ConnectionAborted",
  "ConnectionReset",
]);

/** Shortest and longest wait after an exhausted accept (ms): short, so accepting resumes quickly. */
const FIRST_RETRY_MS = 10;
const LAST_RETRY_MS = 250;

/** Coerces anything thrown into an Error. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null;
  return typeof e?.code === "string" ? e.code : typeof e?.name === "string" ? e.name : "";
}

/** True when accepting failed for lack of resources rather than because of one connection. */
export function isExhaustion(err: unknown): boolean {
  return EXHAUSTION.has(codeOf(err)) || /too many open files/i.test(asError(err).message);
}

/** True when the failure belongs to one connection that the kernel had accepted. */
export function isDeadConnection(err: unknown): boolean {
  return DEAD_CONNECTION.has(codeOf(err));
}

/** Doubling delays between retries of a failing accept, reset by the next success. */
export class AcceptBackoff {
  #next = FIRST_RETRY_MS;

  /** The delay to wait now (ms). */
  delay(): number {
    const ms = this.#next;
    this.#next = Math.min(ms * 2, LAST_RETRY_MS);
    return ms;
  }

  /** Accepting works again. */
  reset(): void {
    this.#next = FIRST_RETRY_MS;
  }
}
