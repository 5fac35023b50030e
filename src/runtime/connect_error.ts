/**
 * Runtime connect failures, told apart the same way on every runtime.
 *
 * @module
 */

import { ConnectError, type ConnectFailure } from "../net/errors.ts";

const REFUSED = new Set(["ECONNREFUSED", "ConnectionRefused"]);
const UNREACHABLE = new Set([
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTDOWN",
  "HostUnreachable",
  "NetworkUnreachable",
]);
const TIMEOUT = new Set(["ETIMEDOUT", "TimedOut"]);

/** Which {@linkcode ConnectFailure} a runtime error (errno code or Deno error name) means. */
export function connectFailure(err: unknown): ConnectFailure {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const name = typeof e?.name === "string" ? e.name : "";
  const message = typeof e?.message === "string" ? e.message : "";
  if (REFUSED.has(code) || REFUSED.has(name) || /connection refused/i.test(message)) {
    return "refused";
  }
  if (
    UNREACHABLE.has(code) || UNREACHABLE.has(name) || /unreachable/i.test(message)
  ) return "unreachable";
  if (TIMEOUT.has(code) || TIMEOUT.has(name) || /timed out/i.test(message)) return "timeout";
  return "error";
}

/** Wraps a runtime connect failure as a {@linkcode ConnectError}. */
export function connectError(err: unknown, hostname: string, port: number): ConnectError {
  if (err instanceof ConnectError) return err;
  return new ConnectError(connectFailure(err), hostname, port, { cause: err });
}
