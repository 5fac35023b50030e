// examples/deno_embed.ts runs as a Deno user would run it (the Node example is
// run from an installed tarball in tests/package/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { denoBin, repoRoot } from "../_helpers/repo.ts";
import { connect, within } from "../_helpers/client.ts";

/** Runs an embedding example on an ephemeral port, makes `n` connections, returns its JSON lines. */
export async function runEmbedExample(
  cmd: string,
  args: string[],
  cwd: string,
  n = 3,
): Promise<Record<string, unknown>[]> {
  const child = spawn(cmd, [...args, "0", String(n)], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Uint8Array) => (out += new TextDecoder().decode(c)));
  child.stderr!.on("data", (c: Uint8Array) => (err += new TextDecoder().decode(c)));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  try {
    const port = await within(
      new Promise<number>((resolve, reject) => {
        const poll = () => {
          const m = out.match(/"port":(\d+)/);
          if (m) resolve(Number(m[1]));
          else if (child.exitCode !== null) reject(new Error(`example exited: ${err}`));
          else setTimeout(poll, 10);
        };
        poll();
      }),
      30000,
      "example to listen",
    );
    for (let i = 0; i < n; i++) {
      const c = await connect(port);
      await c.write("x".repeat(i + 1));
      c.end();
      await within(c.ended, 5000, "close");
    }
    assert.equal(await within(exited, 10000, "example exit"), 0, err);
    return out.trim().split("\n").map((l) => JSON.parse(l));
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

test("examples/deno_embed.ts reports each connection and stops after N", async () => {
  const lines = await runEmbedExample(
    denoBin,
    ["run", "--allow-net", "examples/deno_embed.ts"],
    repoRoot,
  );
  const closes = lines.filter((l) => "reason" in l);
  assert.equal(closes.length, 3);
  assert.deepEqual(closes.map((l) => l.orig_bytes).sort(), [1, 2, 3]);
  assert.ok(closes.every((l) => l.reason === "fin" && String(l.community_id).startsWith("1:")));
  assert.deepEqual(lines.at(-1), { stats: 3 });
});
