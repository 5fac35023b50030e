/**
 * The package version (kept equal to `deno.json`'s by a test).
 *
 * @module
 */

/**
 * sockscope's version.
 *
 * @example
 * ```ts
 * import { VERSION } from "@sockscope/sockscope";
 * console.log(VERSION);
 * ```
 */
export const VERSION: string = "0.1.0";
