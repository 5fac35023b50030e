/**
 * Picks a runtime adapter: an explicit choice wins, else the running runtime.
 *
 * Adapters are loaded lazily so that a runtime never evaluates another
 * runtime's module.
 *
 * @module
 */

import type { AdapterName, RuntimeAdapter } from "../net/adapter.ts";

/** The runtime this code is running on. */
export type RuntimeName = "deno" | "node" | "bun";

/**
 * Tells which runtime is executing this code.
 *
 * @example
 * ```ts
 * import { detectRuntime } from "@sockscope/sockscope";
 * console.log(detectRuntime()); // "deno", "node" or "bun"
 * ```
 */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  // Deno also defines `process`, and Bun defines `process` too: test the specific globals first.
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  return "node";
}

/** Adapter names accepted by {@linkcode loadAdapter}. */
export const ADAPTER_NAMES: readonly AdapterName[] = ["deno", "node", "bun"];

/**
 * Loads the adapter `name`, or the best one for the running runtime.
 * Throws a TypeError when the named adapter cannot run here.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "@sockscope/sockscope";
 * const adapter = await loadAdapter();
 * console.log(adapter.name);
 * ```
 */
export async function loadAdapter(name?: AdapterName): Promise<RuntimeAdapter> {
  const runtime = detectRuntime();
  const chosen = name ?? runtime;
  switch (chosen) {
    case "deno": {
      if (runtime !== "deno") {
        throw new TypeError(
          `Invalid adapter "deno": expected one that runs on ${runtime} (node${
            runtime === "bun" ? " or bun" : ""
          })`,
        );
      }
      const { createDenoAdapter } = await import("./deno.ts");
      return createDenoAdapter();
    }
    case "bun": {
      if (runtime !== "bun") {
        throw new TypeError(
          `Invalid adapter "bun": expected one that runs on ${runtime} (${
            runtime === "deno" ? "deno or node" : "node"
          })`,
        );
      }
      const { createBunAdapter } = await import("./bun.ts");
      return createBunAdapter();
    }
    case "node": {
      const { createNodeAdapter } = await import("./node.ts");
      return createNodeAdapter();
    }
    default:
      throw new TypeError(
        `Invalid adapter "${String(chosen)}": expected one of ${ADAPTER_NAMES.join(", ")}`,
      );
  }
}
