#!/usr/bin/env python3
"""Connection rate under a scanner: sockscope vs the plain runtime, same run, as ratios.

Every second connection of the load resets right after the handshake, as
`nmap -sT` does (bench/rst/rstgen.c); the others send 64 bytes, half-close and
wait for the server's FIN. Per runtime, the plain sink and `sockscope listen
--print none --log FILE` alternate for ROUNDS rounds; the result is the median
completed connections/s and the ratio ours/plain. Every sockscope log is
checked: one conn.open and one conn.close per connection, at least one per
connection the client completed.

usage: python3 bench/rst/rstrate.py [--rounds 3] [--secs 5] [--conc 16] [--warmup 1] [--src DIR] [deno node bun]
(--src: a checkout whose cli/main.ts and npm/esm/cli/main.js are measured; default the repo)
"""
import argparse, json, os, re, signal, socket, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(here))  # bench/, for bench_util
from bench_util import free_port  # noqa: E402
root = os.path.abspath(os.path.join(here, "..", ".."))
shared = os.environ.get("SHARED_BENCH", os.path.join(root, "..", "shared", "bench"))
DENO = os.environ.get("DENO", os.path.join(root, "node_modules", ".bin", "deno"))
BUN = os.environ.get("BUN", os.path.join(root, "node_modules", ".bin", "bun"))




def wait_listening(port, proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early ({proc.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start listening")


def passive_opens():
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Tcp:")]
    return int(rows[1][rows[0].index("PassiveOpens")])


def run_one(argv, port, gen, secs, conc, warmup):
    before = passive_opens()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_listening(port, proc)
        time.sleep(0.3)
        if warmup > 0:
            # As the shared harness does before every sample: the JITs compile the hot paths.
            subprocess.run([gen, str(port), str(warmup), str(conc)], capture_output=True, timeout=warmup + 30)
        out = subprocess.run([gen, str(port), str(secs), str(conc)], capture_output=True, text=True, timeout=secs + 30).stdout
        m = dict(re.findall(r"(\w+)=([\d.]+)", out))
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        res = {k: float(v) for k, v in m.items()}
        res["kernel_accepted"] = passive_opens() - before
        return res
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def check_log(path, sample):
    opens = closes = unknown = 0
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if e["type"] == "conn.open":
                opens += 1
                unknown += e["src"] is None
            elif e["type"] == "conn.close":
                closes += 1
    kernel = int(sample["kernel_accepted"])
    return {"opens": opens, "closes": closes, "unknown_src": unknown, "kernel_accepted": kernel,
            "client_completed": int(sample["rst"] + sample["fin"]),
            "ok": opens == closes == kernel}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--secs", type=float, default=5)
    ap.add_argument("--conc", type=int, default=16)
    ap.add_argument("--warmup", type=float, default=1, help="seconds of the same load before each sample (0: none)")
    ap.add_argument("--src", default=root)
    ap.add_argument("runtimes", nargs="*", default=["deno", "node", "bun"])
    a = ap.parse_args()
    gen = os.path.join(tempfile.gettempdir(), "sockscope-rstgen")
    subprocess.run(["gcc", "-O2", "-o", gen, os.path.join(here, "rstgen.c")], check=True)
    logs = tempfile.mkdtemp(prefix="sockscope-rst-")
    cli_ts = os.path.join(a.src, "cli", "main.ts")
    cli_js = os.path.join(a.src, "npm", "esm", "cli", "main.js")
    pairs = {
        "deno": ([DENO, "run", "--allow-net", os.path.join(here, "deno_plain_sink.ts")], [DENO, "run", "-A", cli_ts]),
        "node": (["node", os.path.join(shared, "ref", "node-sink.mjs")], ["node", cli_js]),
        "bun": ([BUN, os.path.join(shared, "ref", "bun-sink.ts")], [BUN, cli_js]),
    }
    results = {}
    for rt in a.runtimes:
        plain, ours = pairs[rt]
        res = {"plain": [], "ours": [], "checks": []}
        for r in range(a.rounds):
            port = free_port()
            res["plain"].append(run_one(plain + [str(port)], port, gen, a.secs, a.conc, a.warmup))
            port = free_port()
            log = os.path.join(logs, f"{rt}-{r}.ndjson")
            s = run_one(ours + ["listen", "-p", str(port), "--print", "none", "--log", log], port, gen, a.secs, a.conc, a.warmup)
            res["ours"].append(s)
            res["checks"].append(check_log(log, s))
            os.remove(log)
            print(f"[rst] {rt} round {r + 1}: plain {res['plain'][-1]['cps']:.0f}/s, ours {s['cps']:.0f}/s, log {res['checks'][-1]}", file=sys.stderr)
        results[rt] = res
    os.rmdir(logs)
    print("| runtime | plain conn/s (median, min-max) | sockscope conn/s | ratio (target >= 0.7) | logs complete | unknown source (share of opens) |")
    print("|---|---|---|---|---|---|")
    for rt, res in results.items():
        p = [x["cps"] for x in res["plain"]]
        o = [x["cps"] for x in res["ours"]]
        ratio = statistics.median(o) / statistics.median(p)
        opens = sum(c["opens"] for c in res["checks"])
        unk = sum(c["unknown_src"] for c in res["checks"])
        ok = all(c["ok"] for c in res["checks"])
        print(f"| {rt} | {statistics.median(p):,.0f} ({min(p):,.0f}-{max(p):,.0f}) | {statistics.median(o):,.0f} ({min(o):,.0f}-{max(o):,.0f}) "
              f"| **{ratio:.2f}x** {'PASS' if ratio >= 0.7 else 'MISS'} | {'yes' if ok else 'NO'} ({opens:,} opens) | {unk:,} ({unk / max(opens, 1):.0%}) |")
    json.dump(results, open(os.path.join(tempfile.gettempdir(), "sockscope-rst-results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
