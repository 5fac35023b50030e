#!/usr/bin/env python3
"""Two relays at once under the same load: CPU-us per connection of each, and their ratio.

On a VM whose speed changes in phases of seconds (this one: the same relay measures 95 or
165 us per connection from one harness round to the next), relays measured one after the
other differ by the phase they ran in. Run side by side, both live through the same phases:
their ratio holds where the harness's medians do not. Each round runs both relays under a
connrate load of its own (loadgen from ../shared/bench, the same concurrency for each, so
neither saturates a core) and swaps which port and load each relay gets every round.

It measures CPU per connection at a moderate rate, not the rate at saturation that
bench/tap/tap.sh measures: use it to tell whether a change makes the tap cheaper, and
tap.sh for the figure the issue names.

usage: bench/tap/side_by_side.py [--rounds N] [--secs S] [--concurrency C] 'a=CMD' 'b=CMD'
  CMD: a shell command with {port} and {upstream} (HOST:PORT), e.g.
    'plain=node ../shared/bench/ref/node-relay.mjs {port} 127.0.0.1 {upstream_port}'
    'tap=node npm/esm/cli/main.js tap {port} {upstream} --print none --log /tmp/x-{port}.ndjson'
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SHARED_BENCH", os.path.join(HERE, "..", "..", "..", "shared", "bench"))
TICK = os.sysconf("SC_CLK_TCK")


def loadgen_path():
    """The shared harness's load generator, built into its work copy as run.sh does."""
    work = os.environ.get("SOCKSCOPE_BENCH_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "sockscope-bench"))
    path = os.path.join(work, "loadgen")
    if not os.access(path, os.X_OK):
        os.makedirs(work, exist_ok=True)
        subprocess.run(["gcc", "-O2", "-Wall", "-pthread", "-o", path, os.path.join(SHARED, "loadgen.c")], check=True)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, secs=20):
    deadline = time.time() + secs
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"side_by_side: a command ended before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"side_by_side: nothing listens on {port} after {secs} s")


def tree_cpu_s(pid):
    """utime + stime of pid and its descendants, in seconds."""
    total = 0
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    except OSError:
        kids = []
    for p in [str(pid)] + kids:
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / TICK


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--secs", type=float, default=5)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--payload", type=int, default=64)
    ap.add_argument("commands", nargs=2)
    a = ap.parse_args()
    labels, cmds = [], []
    for c in a.commands:
        m = re.match(r"^([a-z][\w-]*)=(.*)$", c, re.S)
        if not m:
            sys.exit(f"side_by_side: expected LABEL=COMMAND, got {c!r}")
        labels.append(m.group(1))
        cmds.append(m.group(2))
    lg = loadgen_path()
    up_port = free_port()
    upstream = subprocess.Popen([lg, "serve", "-p", str(up_port)], stdout=subprocess.DEVNULL, start_new_session=True)
    procs, ports = [], []
    try:
        for cmd in cmds:
            port = free_port()
            line = cmd.replace("{port}", str(port)).replace("{upstream}", f"127.0.0.1:{up_port}")
            line = line.replace("{upstream_port}", str(up_port))
            procs.append(subprocess.Popen(["bash", "-c", "exec " + line], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True))
            ports.append(port)
        for port, proc in zip(ports, procs):
            wait_listening(port, proc)

        def load(port, secs):
            return subprocess.Popen([lg, "connrate", "-p", str(port), "-h", "127.0.0.1", "-c", str(a.concurrency),
                                     "-t", str(secs), "-s", str(a.payload), "-T", "5"],
                                    stdout=subprocess.PIPE, text=True)

        for p in [load(port, 2) for port in ports]:  # warm-up: JIT, caches, file growth
            p.communicate()
        print(f"# side by side: {a.rounds} rounds of {a.secs:g} s, concurrency {a.concurrency} each, "
              f"payload {a.payload} B; nproc {os.cpu_count()}")
        for label, cmd in zip(labels, cmds):
            print(f"#   {label}: {cmd}")
        ratios = []
        for r in range(a.rounds):
            order = [0, 1] if r % 2 == 0 else [1, 0]  # who starts its load first
            cpu0 = [tree_cpu_s(p.pid) for p in procs]
            gens = {i: load(ports[i], a.secs) for i in order}
            out = {i: gens[i].communicate()[0] for i in order}
            cpu1 = [tree_cpu_s(p.pid) for p in procs]
            us, rate = [], []
            for i in range(2):
                ok = int(re.search(r"\bok=(\d+)", out[i]).group(1))
                us.append((cpu1[i] - cpu0[i]) * 1e6 / ok if ok else float("nan"))
                rate.append(ok / a.secs)
            ratios.append(us[1] / us[0])
            print(f"round {r + 1}: {labels[0]} {us[0]:6.1f} us/conn ({rate[0]:5.0f}/s)   "
                  f"{labels[1]} {us[1]:6.1f} us/conn ({rate[1]:5.0f}/s)   {labels[1]}/{labels[0]} {ratios[-1]:.3f}")
        print(f"median {labels[1]}/{labels[0]} CPU per connection: {statistics.median(ratios):.3f} "
              f"(min {min(ratios):.3f}, max {max(ratios):.3f}, {sum(x < 1 for x in ratios)} of {len(ratios)} below 1)")
    finally:
        for p in procs + [upstream]:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs + [upstream]:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
