#!/usr/bin/env python3
"""Where a connection's cost goes: sockscope layer by layer against the plain runtime, same run.

Under the scanner load of bench/rst (every second connection resets right
after the handshake), each layer runs as its own server, all interleaved for
ROUNDS rounds: the plain sink of the runtime, sockscope's adapter with a
trivial handler, listen() with no subscriber, + NDJSON log, + console lines,
both, and the CLI (`listen --print none --log FILE`). Reported per layer: the
median server CPU (every thread, from /proc) per completed connection, the
median conn/s, and both as ratios to plain. The load client shares the
machine, so CPU per connection is the figure to compare.

usage: python3 bench/layers/layers.py [--rounds 6] [--secs 2] [node|bun]
(needs the npm build: deno run -A scripts/build_npm.ts)
"""
import argparse, os, re, signal, socket, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(here))  # bench/, for bench_util
from bench_util import TCK, cpu_ticks, free_port  # noqa: E402
root = os.path.abspath(os.path.join(here, "..", ".."))
shared = os.environ.get("SHARED_BENCH", os.path.join(root, "..", "shared", "bench"))
BUN = os.environ.get("BUN", os.path.join(root, "node_modules", ".bin", "bun"))






def sample(argv, env, gen, secs):
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in argv]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env={**os.environ, **env})
    try:
        deadline = time.time() + 20
        while True:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{argv} did not start listening")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        subprocess.run([gen, str(port), "0.5", "16"], capture_output=True, timeout=30)  # warm-up
        before = cpu_ticks(proc.pid)
        out = subprocess.run([gen, str(port), str(secs), "16"], capture_output=True, text=True,
                             timeout=secs + 30).stdout
        used = cpu_ticks(proc.pid) - before
        m = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out)}
        conns = m["rst"] + m["fin"]
        return used / TCK * 1e6 / conns, m["cps"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--secs", type=float, default=2)
    ap.add_argument("runtime", nargs="?", default="node", choices=["node", "bun"])
    a = ap.parse_args()
    gen = os.path.join(tempfile.gettempdir(), "sockscope-rstgen")
    subprocess.run(["gcc", "-O2", "-o", gen, os.path.join(root, "bench", "rst", "rstgen.c")], check=True)
    npm = os.path.join(root, "npm")
    log = os.path.join(tempfile.mkdtemp(prefix="sockscope-layers-"), "log.ndjson")
    rt = ["node"] if a.runtime == "node" else [BUN]
    plain = os.path.join(shared, "ref", "node-sink.mjs" if a.runtime == "node" else "bun-sink.ts")
    monitor = rt + [os.path.join(here, "monitor_sink.mjs"), "{port}", npm, log]
    layers = [
        ("plain", rt + [plain, "{port}"], {}),
        ("adapter", rt + [os.path.join(here, "adapter_sink.mjs"), "{port}", npm], {}),
        ("listen()", monitor, {"LAYER": "core"}),
        ("+ log", monitor, {"LAYER": "log"}),
        ("+ console", monitor, {"LAYER": "console"}),
        ("+ log + console", monitor, {"LAYER": "both"}),
        ("CLI", rt + [os.path.join(npm, "esm", "cli", "main.js"), "listen", "-p", "{port}",
                      "--print", "none", "--log", log], {}),
    ]
    res = {name: ([], []) for name, _, _ in layers}
    for r in range(a.rounds):
        for name, argv, env in layers:
            cpu, cps = sample(argv, env, gen, a.secs)
            res[name][0].append(cpu)
            res[name][1].append(cps)
            if os.path.exists(log):
                os.remove(log)
        print(f"[layers] round {r + 1}/{a.rounds} done", file=sys.stderr)
    base_cpu = statistics.median(res["plain"][0])
    base_cps = statistics.median(res["plain"][1])
    print(f"| layer ({a.runtime}) | CPU-µs/conn (median, min-max) | vs plain | conn/s (median) | vs plain |")
    print("|---|---|---|---|---|")
    for name, _, _ in layers:
        c, q = res[name]
        print(f"| {name} | {statistics.median(c):.1f} ({min(c):.1f}-{max(c):.1f}) | {statistics.median(c) / base_cpu:.2f}× "
              f"| {statistics.median(q):,.0f} | {statistics.median(q) / base_cps:.2f}× |")


if __name__ == "__main__":
    main()
