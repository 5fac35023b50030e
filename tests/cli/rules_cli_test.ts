// Rule files from the command line: `sockscope check`, `--rules-strict`, and the load report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startCli } from "../_helpers/cli.ts";
import { within } from "../_helpers/client.ts";
import { etOpenDir } from "../detect/_et_open.ts";

const GOOD =
  `alert http any any -> any any (msg:"LOCAL admin page"; http.uri; content:"/admin"; sid:1000010; rev:1;)
# alert tcp any any -> any any (msg:"disabled"; content:"x"; sid:1000011;)
`;
const BAD = GOOD +
  `alert tcp any any -> any any (msg:"uses xbits"; xbits:set,a,track ip_src; sid:1000012; rev:1;)
alert tcp any any -> any any (msg:"no sid"; content:"x"; rev:1;)
`;

test("sockscope check: a clean file exits 0 with the report", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-rules-"));
  try {
    writeFileSync(join(dir, "good.rules"), GOOD);
    const r = await runCli(["check", "--rules", join(dir, "good.rules")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^rules: 1 loaded, 0 skipped, 1 disabled\n$/);
    assert.equal(r.stderr, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sockscope check: every skipped rule named by file, line and keyword; exit 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-rules-"));
  try {
    const file = join(dir, "bad.rules");
    writeFileSync(file, BAD);
    const r = await runCli(["check", "--rules", file]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^rules: 1 loaded, 2 skipped \(.*xbits 1.*\), 1 disabled\n$/);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], new RegExp(`^${file.replace(/[.\\/]/g, "\\$&")}:3: xbits: `));
    assert.match(lines[1], new RegExp(`^${file.replace(/[.\\/]/g, "\\$&")}:4: `));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sockscope check on the ET Open sample: the report, and one warning per skipped rule", async (t) => {
  const dir = etOpenDir;
  if (dir === undefined) return t.skip("../shared/data/et-open is not beside the repository");
  const r = await runCli([
    "check",
    "--rules",
    join(dir, "emerging-policy.rules"),
    "--rules",
    join(dir, "emerging-exploit.rules"),
  ]);
  assert.equal(r.code, 2, "some ET rules use keywords sockscope does not support");
  const m = /^rules: ([\d,]+) loaded, ([\d,]+) skipped \((.+)\), ([\d,]+) disabled\n$/.exec(
    r.stdout,
  );
  assert.ok(m, r.stdout);
  const skipped = Number(m[2].replace(/,/g, ""));
  assert.ok(Number(m[1].replace(/,/g, "")) > 2000);
  assert.equal(r.stderr.trim().split("\n").length, skipped);
});

test("listen --rules-strict: a skipped rule is fatal (exit 2); without it the run goes on and says so", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-rules-"));
  try {
    const file = join(dir, "bad.rules");
    writeFileSync(file, BAD);
    const strict = await runCli(["listen", "-p", "0", "--rules", file, "--rules-strict"]);
    assert.equal(strict.code, 2);
    assert.match(strict.stderr, /:3: xbits: /);
    assert.match(strict.stderr, /--rules-strict: a rule was skipped\n$/);
    assert.equal(strict.stdout, "");
    const run = startCli(["listen", "-p", "0", "--rules", file]);
    try {
      await run.waitFor(/rules: 1 loaded, 2 skipped/, "the report");
      await run.waitFor(/listening on tcp/, "listening");
      assert.match(run.stdout(), /bad\.rules:3: xbits: /);
      run.signal("SIGTERM");
      assert.equal((await within(run.exited, 10_000, "exit")).code, 0);
    } finally {
      run.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
