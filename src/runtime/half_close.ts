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

type Shutdown = (fd: number, how: number) => number;

interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: { shutdown: Shutdown } };
}

const SHUT_WR = 1;

/** undefined: not tried yet; null: not available here. */
let shutdown: Shutdown | null | undefined;

function load(): Shutdown | null {
  try {
    const g = globalThis as { Bun?: unknown; process?: { platform?: string } };
    if (g.Bun === undefined || g.process?.platform !== "linux") return null;
    const req = (import.meta as ImportMeta & { require?: (id: string) => unknown }).require;
    if (typeof req !== "function") return null;
    const ffi = req("bun:ffi") as BunFfi;
    return ffi.dlopen("libc.so.6", {
      shutdown: { args: ["i32", "i32"], returns: "i32" },
    }).symbols.shutdown;
  } catch {
    return null;
  }
}

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
  if (shutdown === undefined) shutdown = load();
  if (shutdown === null || fd === undefined || !(fd >= 0)) return false;
  return shutdown(fd, SHUT_WR) === 0;
}
