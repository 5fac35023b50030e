/**
 * The Bun adapter. For now Bun runs the node:net adapter, which Bun implements
 * natively; a `Bun.listen` adapter replaces it where it measures faster.
 *
 * @module
 */

import type { RuntimeAdapter } from "../net/adapter.ts";
import { createNodeAdapter } from "./node.ts";

/**
 * Creates the adapter used on Bun.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "@sockscope/sockscope";
 * if ("Bun" in globalThis) console.log((await loadAdapter("bun")).name); // "bun"
 * ```
 */
export function createBunAdapter(): RuntimeAdapter {
  return createNodeAdapter("bun");
}
