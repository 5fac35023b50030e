#!/usr/bin/env python3
"""UDP tap vs the plain runtime doing the same job, interleaved in one run.

    python3 bench/udp/udp_tap.py [--rounds 3] [--secs 4] [--flows 16] [deno node bun]

Behind each relay runs a C echo service (udpgen echo); a C client (udpgen client) keeps FLOWS
flows (sockets) asking and waiting for the answer. Compared, per runtime: the plain relay
(plain_udp_relay.mjs: node:dgram, a socket per flow, as the tap does) and `sockscope tap
udp:PORT` with --log --zeek --eve --metrics (every output, as bench/tap). Reported: answered
requests/s (median of rounds) and its ratio to the plain relay of the same runtime, and the
relay's CPU per request (all threads).
"""
import argparse, os, re, shlex, signal, socket, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(here))  # bench/, for bench_util
from bench_util import TCK, cpu_ticks, free_port  # noqa: E402
root = os.path.dirname(os.path.dirname(here))
bin_dir = os.path.join(root, "node_modules", ".bin")






def wait_answering(port):
    """Ready when a datagram through the relay comes back (the service answers)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.1)
    try:
        for _ in range(200):
            s.sendto(b"ready?", ("127.0.0.1", port))
            try:
                s.recvfrom(100)
                return
            except socket.timeout:
                pass
        raise SystemExit(f"udp_tap.py: nothing answers on {port}")
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--secs", type=float, default=4)
    ap.add_argument("--flows", type=int, default=16)
    ap.add_argument("runtimes", nargs="*", default=["deno", "node", "bun"])
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sockscope-udpbench-")
    gen = os.path.join(work, "udpgen")
    subprocess.run(["gcc", "-O2", "-o", gen, os.path.join(here, "udpgen.c")], check=True)
    npm = os.path.join(work, "npm")
    subprocess.run([os.path.join(bin_dir, "deno"), "run", "-A", "scripts/build_npm.ts"], cwd=root,
                   env={**os.environ, "SOCKSCOPE_NPM_OUT": npm}, check=True, stdout=subprocess.DEVNULL)
    run = {"deno": f"{bin_dir}/deno run -A", "node": "node", "bun": f"{bin_dir}/bun"}
    cli = {"deno": f"{root}/cli/main.ts", "node": f"{npm}/esm/cli/main.js", "bun": f"{npm}/esm/cli/main.js"}
    outs = os.path.join(work, "out")
    variants = []
    for rt in a.runtimes:
        variants.append((rt, "plain", f"{run[rt]} {here}/plain_udp_relay.mjs {{port}} {{up}}"))
        variants.append((rt, "sockscope", f"{run[rt]} {cli[rt]} tap udp:{{port}} 127.0.0.1:{{up}} --print none "
                         f"--log {outs}-{{port}}.ndjson --zeek {outs}-{{port}}.log --eve {outs}-{{port}}.eve "
                         f"--metrics 127.0.0.1:0"))
    up = free_port(socket.SOCK_DGRAM)
    echo = subprocess.Popen([gen, "echo", str(up)])
    res = {(rt, v): ([], []) for rt, v, _ in variants}
    try:
        for r in range(a.rounds):
            for rt, v, cmd in variants:
                port = free_port(socket.SOCK_DGRAM)
                argv = shlex.split(cmd.format(port=port, up=up))
                p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
                wait_answering(port)
                subprocess.run([gen, "client", str(port), "0.5", str(a.flows)], capture_output=True)
                c0 = cpu_ticks(p.pid)
                out = subprocess.run([gen, "client", str(port), str(a.secs), str(a.flows)],
                                     capture_output=True, text=True).stdout
                c1 = cpu_ticks(p.pid)
                m = dict(re.findall(r"(\w+)=([\d.]+)", out))
                ok = float(m["ok"])
                res[(rt, v)][0].append(float(m["rps"]))
                res[(rt, v)][1].append((c1 - c0) / TCK * 1e6 / max(ok, 1))
                os.killpg(p.pid, signal.SIGTERM)
                p.wait()
                for f in os.listdir(work):
                    if f.startswith("out-"):
                        os.remove(os.path.join(work, f))
                print(f"[udp-bench] round {r + 1} {rt} {v}: {out.strip()}", file=sys.stderr)
    finally:
        echo.terminate()
        echo.wait()
    print(f"| runtime | plain relay req/s | sockscope tap req/s | ratio | CPU µs/req plain | CPU µs/req sockscope |")
    print(f"| ------- | ----------------: | ------------------: | ----: | ---------------: | -------------------: |")
    for rt in a.runtimes:
        (pr, pc), (sr, sc) = res[(rt, "plain")], res[(rt, "sockscope")]
        ratio = statistics.median([s / p for s, p in zip(sr, pr)])
        print(f"| {rt} | {statistics.median(pr):,.0f} | {statistics.median(sr):,.0f} | {ratio:.2f}x | "
              f"{statistics.median(pc):.1f} | {statistics.median(sc):.1f} |")


main()
