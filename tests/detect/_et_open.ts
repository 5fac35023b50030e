// Finds the ET Open sample (../shared/data/et-open beside the repository)
// from the test file or the working directory, so the suites run from the
// sources and from a compiled copy elsewhere (a scratch npm build).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { RuleSource } from "../../src/detect/rules/load_rules.ts";

function find(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = join(dir, "shared", "data", "et-open");
    if (existsSync(join(candidate, "emerging-exploit.rules"))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The directory, or undefined when neither ancestry has it. */
export const etOpenDir: string | undefined = find(dirname(fileURLToPath(import.meta.url))) ??
  find(process.cwd());

/** The two ET Open files as rule sources (throws when the sample is missing). */
export function etOpenSources(): RuleSource[] {
  if (etOpenDir === undefined) throw new Error("ET Open sample not found");
  return ["emerging-exploit.rules", "emerging-policy.rules"].map((name) => ({
    name,
    text: readFileSync(join(etOpenDir!, name), "utf8"),
  }));
}
