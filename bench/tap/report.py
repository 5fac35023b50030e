#!/usr/bin/env python3
"""Ratio tables for bench/tap/tap.sh: sockscope tap vs the plain relay of the same runtime (and socat).

usage: python3 bench/tap/report.py bench/results/<stamp>-tap
"""
import glob, json, os, statistics, sys

TARGETS = {
    # test: [(metric, unit, higher_is_better, target vs plain, target vs socat)]
    "relay": [("fwd_gbps", "Gbit/s", True), ("rev_gbps", "Gbit/s", True)],
    "connrate-relay": [("cps", "conn/s", True)],
    "idle-relay": [("bytes_per_conn", "B/conn", False)],
}


def target(test, label):
    if test == "relay":
        return ("≥ 0.5× plain" if label.endswith("-pcap") else "≥ 0.9× plain, ≥ 1.0× socat")
    if test == "connrate-relay":
        # -console: the same tap printing a console line per open and close; the target is the quiet one's.
        return "(console lines; no target)" if label.endswith("-console") else "≥ 0.7× plain"
    return "≤ 2× plain"


def verdict(test, label, r_plain, r_socat):
    if test == "relay":
        if label.endswith("-pcap"):
            return r_plain >= 0.5
        return r_plain >= 0.9 and (r_socat is None or r_socat >= 1.0)
    if test == "connrate-relay":
        return None if label.endswith("-console") else r_plain >= 0.7
    return r_plain <= 2.0


def main():
    out = sys.argv[1]
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        d = json.load(open(path))
        test = d["test"]
        if test not in TARGETS:
            continue
        samples = d["samples"]
        for metric, unit, _ in TARGETS[test]:
            med = {k: statistics.median([s[metric] for s in v if metric in s]) for k, v in samples.items() if any(metric in s for s in v)}
            rng = {k: (min(s[metric] for s in v), max(s[metric] for s in v)) for k, v in samples.items() if any(metric in s for s in v)}
            print(f"\n### {test}: {metric} [{unit}]\n")
            print("| command | median (min–max) | ratio to plain relay | ratio to socat | target | |")
            print("|---|---|---|---|---|---|")
            for label in samples:
                if label not in med:
                    continue
                m = med[label]
                lo, hi = rng[label]
                if not label.startswith("ours-"):
                    print(f"| {label} | {m:,.2f} ({lo:,.2f}–{hi:,.2f}) | | | | |")
                    continue
                rt = label.split("-")[1]
                r_plain = m / med[rt] if rt in med and med[rt] else float("nan")
                r_socat = m / med["socat"] if "socat" in med and med["socat"] else None
                ok = verdict(test, label, r_plain, r_socat)
                socat = f"{r_socat:.2f}×" if r_socat is not None else ""
                print(f"| {label} | {m:,.2f} ({lo:,.2f}–{hi:,.2f}) | **{r_plain:.2f}×** | {socat} | {target(test, label)} | {'' if ok is None else 'PASS' if ok else 'MISS'} |")
        errs = {k: v for k, v in (d.get("errors") or {}).items() if v}
        if errs:
            print(f"\nharness errors in {os.path.basename(path)}: {errs}")


if __name__ == "__main__":
    main()
