/**
 * Is this module the program's entry point? For Node.js before 24.2, which
 * has no `import.meta.main`. A module of its own so that Bun, which has
 * `import.meta.main`, never loads node:fs and node:url for it.
 *
 * @module
 */

import process from "node:process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** True when `url` is the script node was started with (through npm's bin symlinks too). */
export function isEntryModule(url: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}
