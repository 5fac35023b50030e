/**
 * Maps the runtimes' bind failures onto sockscope's error classes.
 *
 * @module
 */

import {
  AddressInUseError,
  AddressNotAvailableError,
  PermissionDeniedError,
} from "../net/errors.ts";

/** Turns a runtime bind error into the matching sockscope error, or returns it unchanged. */
export function bindError(err: unknown, hostname: string, port: number): Error {
  const e = err as { code?: string; name?: string; message?: string };
  const code = e?.code ?? "";
  const name = e?.name ?? "";
  const message = e?.message ?? "";
  if (code === "EADDRINUSE" || name === "AddrInUse" || /address already in use/i.test(message)) {
    return new AddressInUseError(hostname, port, { cause: err });
  }
  if (
    code === "EACCES" || code === "EPERM" || name === "PermissionDenied" || name === "NotCapable"
  ) {
    return new PermissionDeniedError(hostname, port, { cause: err });
  }
  if (
    code === "EADDRNOTAVAIL" || code === "EINVAL" || code === "ENOTFOUND" || code === "EAI_AGAIN" ||
    code === "EAFNOSUPPORT" || name === "AddrNotAvailable" ||
    /not available|lookup|resolve|invalid ip/i.test(message)
  ) {
    return new AddressNotAvailableError(hostname, port, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
