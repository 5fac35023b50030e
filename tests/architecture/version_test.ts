// One version everywhere: deno.json (JSR), the npm package.json, and VERSION.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "sockscope";
import { repoRoot } from "../_helpers/repo.ts";

test("VERSION equals deno.json's version and the built package's", () => {
  const deno = JSON.parse(readFileSync(join(repoRoot, "deno.json"), "utf8"));
  assert.equal(VERSION, deno.version);
  const pkg = join(repoRoot, "npm", "package.json");
  if (existsSync(pkg)) assert.equal(JSON.parse(readFileSync(pkg, "utf8")).version, VERSION);
});
