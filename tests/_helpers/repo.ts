// Locates the repository from a test file, whether it runs from tests/ (Deno,
// sources) or from npm/esm/tests/ (Node and Bun, the build).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "deno.json")) && existsSync(join(dir, "cli", "main.ts"))) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new Error("cannot find the sockscope repository above " + import.meta.url);
    }
    dir = up;
  }
}

/** The repository root (holds deno.json). */
export const repoRoot: string = findRoot();

/** The pinned Deno binary (the running one under Deno). */
export const denoBin: string = "Deno" in globalThis
  ? process.execPath
  : join(repoRoot, "node_modules", ".bin", "deno");
/** The pinned Bun binary (the running one under Bun). */
export const bunBin: string = "Bun" in globalThis
  ? process.execPath
  : join(repoRoot, "node_modules", ".bin", "bun");
