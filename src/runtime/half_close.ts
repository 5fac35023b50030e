/**
 * Half-closing a Bun socket without losing what the peer still sends.
 *
 * Bun 1.4's native sockets stop delivering incoming data once
 * `socket.shutdown(true)` (or `end()`) was called, although the peer may go
 * on sending after our FIN: a tap whose upstream finished first would drop
 * the client's remaining bytes. shutdown(2) on the descriptor sends the same
 * FIN and leaves Bun's read side alone. Used through `bun:ffi`, on Linux.
 *
 * @module
 */

import { bunLibc } from "./bun_libc.ts";

const SHUT_WR = 1;

/**
 * Sends FIN on socket `fd` with shutdown(2), keeping the read side open.
 * Returns false where that cannot be done (not Bun on Linux, no descriptor,
 * or the call failed); the caller then falls back to the runtime's own.
 *
 * @example
 * ```ts
 * import { shutdownWrite } from "./half_close.ts";
 * console.log(shutdownWrite(-1)); // false
 * ```
 */
export function shutdownWrite(fd: number | undefined): boolean {
  const libc = bunLibc();
  if (libc === null || fd === undefined || !(fd >= 0)) return false;
  return libc.shutdown(fd, SHUT_WR) === 0;
}
