/**
 * Builds the npm package into `npm/` without dnt: pinned TypeScript 5.9 `tsc`
 * compiles the same sources Deno runs (`rewriteRelativeImportExtensions`
 * turns `./x.ts` into `./x.js`), then this script writes `package.json` from
 * `deno.json`, fixes `.d.ts` specifiers, marks the bin executable and copies
 * README and LICENSE.
 *
 * Usage: deno run -A scripts/build_npm.ts
 *
 * The compiled tests land in `npm/esm/tests/` (not published) so that
 * `node --test` and `bun test` exercise exactly what npm users get: they
 * import `sockscope` by name through package self-reference.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// SOCKSCOPE_NPM_OUT builds elsewhere (a scratch build that leaves npm/ alone).
const out = Deno.env.get("SOCKSCOPE_NPM_OUT") ?? join(root, "npm");
const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const tsc = join(root, "node_modules", ".bin", "tsc");
if (!existsSync(tsc)) {
  console.error(
    "build_npm: node_modules/.bin/tsc is missing: run `npm ci` first (it installs the pinned TypeScript 5.9)",
  );
  Deno.exit(1);
}
execFileSync(
  tsc,
  ["-p", join(root, "scripts", "tsconfig.npm.json"), "--outDir", join(out, "esm")],
  {
    stdio: "inherit",
    cwd: root,
  },
);

// Declaration files keep the `.ts` specifiers of the sources; consumers need `.js`.
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
for (const file of walk(join(out, "esm"))) {
  if (!file.endsWith(".d.ts")) continue;
  const text = readFileSync(file, "utf8");
  const fixed = text.replace(
    /(from\s+["']|import\(\s*["'])(\.{1,2}\/[^"']+?)\.ts(["'])/g,
    "$1$2.js$3",
  );
  if (fixed !== text) writeFileSync(file, fixed);
}

const pkg = {
  name: "sockscope",
  version: deno.version,
  description:
    "Socket-level network monitor for Deno, Node.js and Bun: listen on many TCP/UDP ports, record every connection as NDJSON events with Community ID, show remote bytes safely.",
  license: deno.license,
  type: "module",
  keywords: [
    "network",
    "monitor",
    "socket",
    "tcp",
    "udp",
    "honeypot",
    "community-id",
    "ndjson",
    "security",
  ],
  exports: {
    ".": { types: "./esm/mod.d.ts", default: "./esm/mod.js" },
    "./cli": { types: "./esm/cli/main.d.ts", default: "./esm/cli/main.js" },
    "./package.json": "./package.json",
  },
  bin: { sockscope: "esm/cli/main.js" },
  files: [
    "esm/mod.js",
    "esm/mod.d.ts",
    "esm/src/",
    "esm/cli/",
    "README.md",
    "LICENSE",
    "docs/events.md",
    "docs/formats.md",
  ],
  engines: { node: ">=20" },
  sideEffects: false,
};
writeFileSync(join(out, "package.json"), JSON.stringify(pkg, null, 2) + "\n");

const main = join(out, "esm", "cli", "main.js");
const mainText = readFileSync(main, "utf8");
if (!mainText.startsWith("#!")) writeFileSync(main, "#!/usr/bin/env node\n" + mainText);
chmodSync(main, 0o755);
copyFileSync(join(root, "README.md"), join(out, "README.md"));
copyFileSync(join(root, "LICENSE"), join(out, "LICENSE"));
mkdirSync(join(out, "docs"), { recursive: true });
for (const doc of ["events.md", "formats.md"]) {
  copyFileSync(join(root, "docs", doc), join(out, "docs", doc));
}
console.log(`build_npm: npm/ holds sockscope@${deno.version}`);
