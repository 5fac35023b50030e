// The platform's file sink on a real full disk: a write that fails part-way
// leaves nothing behind (the file keeps ending on a whole record) and rejects
// with the errno code; it works again once space is freed; reopen() follows
// the path after a rename (log rotation).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPlatform } from "../../src/runtime/platform.ts";
import { mountTmpfs } from "../_helpers/tmpfs.ts";

const line = (c: string, n: number) => new TextEncoder().encode(c.repeat(n - 1) + "\n");

test("openAppend on a full tmpfs: a torn write is cut off, the error keeps ENOSPC, writing resumes once space is freed", async (t) => {
  const fs = mountTmpfs(64);
  if (typeof fs === "string") return t.skip(fs);
  try {
    const filler = join(fs.dir, "filler");
    writeFileSync(filler, new Uint8Array(40 * 1024));
    const path = join(fs.dir, "log.ndjson");
    const platform = await loadPlatform();
    const sink = await platform.openAppend(path);
    await sink.write(line("a", 10 * 1024));
    // About 14 KiB are left: the kernel takes part of 20 KiB, then says ENOSPC.
    await assert.rejects(sink.write(line("b", 20 * 1024)), { code: "ENOSPC" });
    assert.equal(statSync(path).size, 10 * 1024, "what the failed write took is cut off");
    rmSync(filler);
    await sink.write(line("c", 20 * 1024));
    await sink.sync();
    await sink.close();
    const text = readFileSync(path, "utf8");
    assert.deepEqual(text.split("\n").map((l) => l[0] ?? ""), ["a", "c", ""]);
    assert.equal(text.length, 30 * 1024);
  } finally {
    fs.unmount();
  }
});

test("openAppend's reopen(): after a rename, writes go to a new file at the path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockscope-sink-"));
  try {
    const path = join(dir, "a.ndjson");
    const platform = await loadPlatform();
    const sink = await platform.openAppend(path);
    assert.ok(sink.reopen, "file sinks can reopen");
    await sink.write(line("1", 8));
    renameSync(path, path + ".1");
    await sink.write(line("2", 8)); // before the reopen: still the renamed file
    await sink.reopen();
    await sink.write(line("3", 8));
    await sink.close();
    assert.equal(readFileSync(path + ".1", "utf8"), "1111111\n2222222\n");
    assert.equal(readFileSync(path, "utf8"), "3333333\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
