#!/usr/bin/env python3
"""Records CPU used by processes that are NOT part of the benchmark while it runs.

    python3 bench/cpuwatch.py BENCH_PID OUTFILE [INTERVAL_S]

bench/run.sh starts it in the background. Every INTERVAL_S (default 2 s) it reads /proc and writes
one line: the CPU (in cores) of processes outside BENCH_PID's process tree ("foreign": an editor,
a test run, ...), the machine's total busy cores, and the busiest foreign process. The machine has
2 cores; foreign load skews both the load client and the server, so bench/report.py summarises it.
Processes that start and exit within one interval are missed. Stdlib only; exits when BENCH_PID does.
"""
import os
import sys
import time

CLK = os.sysconf("SC_CLK_TCK")


def procs():
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                s = fh.read()
        except OSError:
            continue
        r = s[s.rfind(")") + 2:].split()
        out[int(d)] = (int(r[1]), int(r[11]) + int(r[12]), s[s.find("(") + 1:s.rfind(")")])
    return out


def busy():
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def name(pid, comm):
    """The process name, plus the script for interpreters (no full command lines, no environment)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            argv = fh.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return comm
    if comm in ("node", "deno", "bun", "python3", "python", "sh", "bash", "tsc"):
        script = next((a for a in argv[1:] if a and not a.startswith("-") and a not in ("run", "test")), "")
        return ("%s %s" % (comm, os.path.basename(script))).strip()[:60]
    return comm


def main():
    root, path = int(sys.argv[1]), sys.argv[2]
    every = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    me = os.getpid()
    prev, (b0, t0), w0 = procs(), busy(), time.time()
    with open(path, "a") as fh:
        while True:
            time.sleep(every)
            try:
                os.kill(root, 0)
            except ProcessLookupError:
                return
            cur, (b1, t1), w1 = procs(), busy(), time.time()
            wall = w1 - w0

            def ours(pid):
                seen = 0
                while pid > 1 and seen < 64:
                    if pid in (root, me):
                        return True
                    pid = cur.get(pid, (0,))[0]
                    seen += 1
                return False

            foreign, top = 0.0, (0.0, "")
            for pid, (ppid, cpu, comm) in cur.items():
                d = (cpu - prev[pid][1]) if pid in prev else 0
                if d <= 0 or ours(pid) or ppid == 2 or pid == 2:  # ours, or a kernel thread (softirq work)
                    continue
                cores = d / CLK / wall
                foreign += cores
                if cores > top[0]:
                    top = (cores, name(pid, comm))
            total = (b1 - b0) / max(t1 - t0, 1) * os.cpu_count()
            fh.write("%.0f foreign_cores=%.2f total_busy_cores=%.2f top_foreign=%.2f %s\n" % (
                w1, foreign, total, top[0], top[1]))
            fh.flush()
            prev, b0, t0, w0 = cur, b1, t1, w1


if __name__ == "__main__":
    main()
