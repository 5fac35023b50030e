/**
 * The few libc socket calls sockscope makes itself on Bun, through
 * `bun:ffi`, where Bun's own API falls short (see peer_name.ts and
 * half_close.ts). Loaded synchronously on first need (socket callbacks cannot
 * wait) and only on Bun on Linux with glibc; elsewhere `null`.
 *
 * @module
 */

/** `getsockopt(2)`. */
export type GetSockOpt = (
  fd: number,
  level: number,
  name: number,
  value: unknown,
  len: unknown,
) => number;
/** `shutdown(2)`. */
export type Shutdown = (fd: number, how: number) => number;

/** The loaded calls, and `ptr` to pass typed arrays to them. */
export interface BunLibc {
  readonly getsockopt: GetSockOpt;
  readonly shutdown: Shutdown;
  readonly ptr: (view: ArrayBufferView) => unknown;
}

interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: { getsockopt: GetSockOpt; shutdown: Shutdown } };
  ptr(view: ArrayBufferView): unknown;
}

/** undefined: not tried yet; null: not available on this runtime or platform. */
let libc: BunLibc | null | undefined;

/**
 * libc's socket calls through `bun:ffi`, or `null` where they cannot be had.
 *
 * @example
 * ```ts
 * import { bunLibc } from "./bun_libc.ts";
 * console.log(bunLibc() === null); // true except on Bun on Linux
 * ```
 */
export function bunLibc(): BunLibc | null {
  if (libc !== undefined) return libc;
  libc = null;
  try {
    const g = globalThis as { Bun?: unknown; process?: { platform?: string } };
    if (g.Bun === undefined || g.process?.platform !== "linux") return libc;
    const req = (import.meta as ImportMeta & { require?: (id: string) => unknown }).require;
    if (typeof req !== "function") return libc;
    const ffi = req("bun:ffi") as BunFfi;
    const { symbols } = ffi.dlopen("libc.so.6", {
      getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], returns: "i32" },
      shutdown: { args: ["i32", "i32"], returns: "i32" },
    });
    libc = { getsockopt: symbols.getsockopt, shutdown: symbols.shutdown, ptr: ffi.ptr };
  } catch {
    // not glibc, or FFI unavailable: callers fall back to what the runtime offers
  }
  return libc;
}
