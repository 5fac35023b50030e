// The npm package as its users meet it: `npm pack`, install the tarball in a
// scratch folder, run `npx sockscope`, and embed it from examples/node_embed.mjs.
// Runs once, on Node (the other runtimes test the same build in place).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { bunBin, repoRoot } from "../_helpers/repo.ts";
import { runtime } from "../_helpers/runtimes.ts";
import { connect, eventually, within } from "../_helpers/client.ts";
import { runEmbedExample } from "../examples/examples_test.ts";

const onNode = runtime === "node";
const npmDir = join(repoRoot, "npm");
let scratch = "";
let files: string[] = [];

before(() => {
  if (!onNode) return;
  assert.ok(existsSync(join(npmDir, "package.json")), "npm/ is built (scripts/build_npm.ts)");
  scratch = mkdtempSync(join(tmpdir(), "sockscope-pkg-"));
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", scratch], {
      cwd: npmDir,
      encoding: "utf8",
    }),
  );
  files = packed[0].files.map((f: { path: string }) => f.path);
  const tarball = join(scratch, packed[0].filename);
  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], {
    cwd: scratch,
    stdio: "pipe",
  });
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("the tarball holds the library, types, CLI and docs, and no tests", {
  skip: !onNode && "runs once, on Node",
}, () => {
  for (
    const f of [
      "package.json",
      "README.md",
      "LICENSE",
      "esm/mod.js",
      "esm/mod.d.ts",
      "esm/cli/main.js",
      "docs/events.md",
    ]
  ) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.ok(!files.some((f) => f.includes("tests/")), "no test files are packed");
  const pkg = JSON.parse(
    readFileSync(join(scratch, "node_modules", "sockscope", "package.json"), "utf8"),
  );
  assert.equal(pkg.dependencies, undefined, "no runtime dependencies");
  assert.equal(pkg.bin.sockscope, "esm/cli/main.js");
  assert.equal(pkg.exports["."].types, "./esm/mod.d.ts");
  const dts = readFileSync(join(scratch, "node_modules", "sockscope", "esm", "mod.d.ts"), "utf8");
  assert.ok(!/\.ts["']/.test(dts.replace(/\.d\.ts/g, "")), "declarations import .js, not .ts");
});

test("npx sockscope --version works from the installed tarball", {
  skip: !onNode && "runs once, on Node",
}, () => {
  const out = execFileSync("npx", ["--no-install", "sockscope", "--version"], {
    cwd: scratch,
    encoding: "utf8",
  });
  const version = JSON.parse(readFileSync(join(npmDir, "package.json"), "utf8")).version;
  assert.equal(out, `sockscope ${version} (node ${process.versions.node})\n`);
});

for (const via of ["npx", "bin"] as const) {
  test(
    `${
      via === "npx" ? "npx sockscope" : "node_modules/.bin/sockscope"
    } listen records a connection and stops cleanly on SIGINT`,
    { skip: !onNode && "runs once, on Node" },
    async () => {
      const log = `events-${via}.ndjson`;
      const [cmd, args] = via === "npx"
        ? ["npx", ["--no-install", "sockscope", "listen", "-p", "0", "--log", log]]
        : [join(scratch, "node_modules", ".bin", "sockscope"), ["listen", "-p", "0", "--log", log]];
      const child = spawn(cmd, args, {
        cwd: scratch,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1" },
        detached: true, // its own process group, like a job in a terminal
      });
      let out = "";
      child.stdout!.on("data", (c: Uint8Array) => (out += new TextDecoder().decode(c)));
      const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
      try {
        const port = await within(
          new Promise<number>((resolve) => {
            const poll = () => {
              const m = out.match(/listening on tcp 127\.0\.0\.1:(\d+)/);
              if (m) resolve(Number(m[1]));
              else setTimeout(poll, 20);
            };
            poll();
          }),
          30000,
          "listening line",
        );
        const c = await connect(port);
        await c.write("hello from npm\n");
        c.end();
        await within(c.ended, 5000, "server close");
        await eventually(() => out.includes(" close "), 5000, "close line");
        // npx runs the bin as a child: signal the whole group, as a terminal's Ctrl-C does.
        process.kill(-child.pid!, "SIGINT");
        const code = await within(exited, 15000, "exit");
        // npm itself dies of the SIGINT it receives alongside sockscope; sockscope's own code shows on the bin.
        if (via === "bin") assert.equal(code, 0);
        assert.match(out, /hello from npm\\n/);
        assert.match(out, /summary: 1 connection \(0 dropped\)/);
        const types = readFileSync(join(scratch, log), "utf8").trim().split("\n").map((l) =>
          JSON.parse(l).type
        );
        assert.deepEqual(types, ["listener.up", "conn.open", "conn.data", "conn.close"]);
      } finally {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch { /* the group has exited */ }
      }
    },
  );
}

test("examples/node_embed.mjs runs against the installed package on Node and Bun", {
  skip: !onNode && "runs once, on Node",
}, async () => {
  copyFileSync(join(repoRoot, "examples", "node_embed.mjs"), join(scratch, "node_embed.mjs"));
  for (const cmd of [process.execPath, bunBin]) {
    const lines = await runEmbedExample(cmd, ["node_embed.mjs"], scratch);
    const closes = lines.filter((l) => "reason" in l);
    assert.deepEqual(closes.map((l) => l.orig_bytes).sort(), [1, 2, 3], cmd);
    assert.deepEqual(lines.at(-1), { stats: 3 });
  }
});
