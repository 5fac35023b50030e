// The core knows no runtime: src/net, src/monitor, src/output and src/format
// import no runtime module and touch neither Deno.* nor Bun.*. Checked on the
// sources (Deno run) and on the compiled package (Node and Bun runs) alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "..", "..", "src");
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const CORE = ["net", "monitor", "detect", "output", "format"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory()
      ? files(p)
      : p.endsWith(ext) && !p.endsWith(".d.ts")
      ? [p]
      : [];
  });
}

/** Every import/export specifier in a module's text (static and dynamic). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']/g)) {
    out.push(m[1]);
  }
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) out.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  return out;
}

test("the core layers import no runtime module and use no runtime global", () => {
  const core = CORE.flatMap((d) => files(join(src, d)));
  assert.ok(core.length >= 20, `found the core modules (${core.length})`);
  const offences: string[] = [];
  for (const file of core) {
    const text = readFileSync(file, "utf8");
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    for (const spec of specifiers(code)) {
      if (/^(node|npm|jsr|bun):/.test(spec) || !spec.startsWith(".")) {
        offences.push(`${relative(src, file)} imports ${spec}`);
      } else if (spec.includes("/runtime/") && !/\/runtime\/detect\.[jt]s$/.test(spec)) {
        offences.push(`${relative(src, file)} imports the runtime layer's ${spec}`);
      }
    }
    if (/\bDeno\.|\bBun\.|\bprocess\.|\bBuffer\b/.test(code)) {
      offences.push(`${relative(src, file)} touches a runtime global`);
    }
  }
  assert.deepEqual(offences, []);
});

test("the scan would catch an offending module", () => {
  assert.deepEqual(
    specifiers(
      `import net from "node:net";\nexport { x } from "./y.ts";\nconst m = await import("bun:ffi");`,
    ),
    [
      "node:net",
      "./y.ts",
      "bun:ffi",
    ],
  );
});

test("only src/runtime touches Deno, node: or Bun", () => {
  const runtimeDir = join(src, "runtime");
  assert.ok(existsSync(runtimeDir));
  const outside = files(src).filter((f) =>
    !f.startsWith(runtimeDir) && !f.endsWith(`version${ext}`)
  );
  for (const file of outside) {
    const code = readFileSync(file, "utf8");
    assert.ok(
      !/from\s*["'](node|bun|npm|jsr):/.test(code),
      `${relative(src, file)} imports a runtime module`,
    );
  }
});
