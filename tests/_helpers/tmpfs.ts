// A small real filesystem that fills up: a tmpfs mount (needs root, as in CI).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

export interface Tmpfs {
  dir: string;
  /** Unmounts and removes the mount point; safe to call twice. */
  unmount(): void;
}

/** Mounts a tmpfs of `kib` KiB, or returns why it cannot (for `t.skip`). */
export function mountTmpfs(kib: number): Tmpfs | string {
  if (process.platform !== "linux") return "tmpfs mounts need Linux";
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root (CI runs the tests as root)";
  const dir = mkdtempSync(join(tmpdir(), "sockscope-tmpfs-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", dir], {
    encoding: "utf8",
  });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${(r.stderr || r.error?.message || "").trim()}`;
  }
  let mounted = true;
  return {
    dir,
    unmount() {
      if (!mounted) return;
      mounted = false;
      // Lazy (-l) if a process still holds a file there: the mount goes once it exits.
      if (spawnSync("umount", [dir]).status !== 0) spawnSync("umount", ["-l", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the rest of the filesystem with a file at `path`; returns its size. */
export function fillUp(path: string): number {
  // dd stops at ENOSPC and exits non-zero; what it wrote stays.
  spawnSync("dd", ["if=/dev/zero", `of=${path}`, "bs=1024"], { stdio: "ignore" });
  return Number(spawnSync("stat", ["-c", "%s", path], { encoding: "utf8" }).stdout.trim());
}
