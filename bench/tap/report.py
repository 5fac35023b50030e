#!/usr/bin/env python3
"""Ratio tables for bench/tap/tap.sh: sockscope tap vs the plain relay of the same runtime (and socat).

usage: python3 bench/tap/report.py bench/results/<stamp>-tap [more result dirs...]

With several result directories (runs of the same code, say), the rounds of each test are
pooled per measured window (the harness's --secs): the table gives the medians over every
round of every run, the ratio each run had on its own and in how many runs the target held,
and the ratio round by round (each round's sample against the plain relay's of the same round,
measured seconds apart: the statistic least moved by the VM's slow and fast phases), with its
quartiles and in how many rounds the target held. On a VM whose speed moves in phases, one run's verdict near a target is a coin
toss; the pooled median over many rounds is the figure to quote.
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


def plain_of(label):
    """The plain relay a sockscope row is measured against: ours-node(-console) -> node."""
    return label.split("-")[1]


def ratio_to_plain(samples, label, metric):
    """median(label) / median(its runtime's plain relay) over the given samples, or None."""
    rt = plain_of(label)
    ours = [s[metric] for s in samples.get(label, []) if metric in s]
    plain = [s[metric] for s in samples.get(rt, []) if metric in s]
    if not ours or not plain or not statistics.median(plain):
        return None
    return statistics.median(ours) / statistics.median(plain)


def paired_ratios(runs, label, metric):
    """ours/plain of each round, paired by round within each run (the harness alternates the
    commands round by round, so a round's two samples were measured seconds apart)."""
    rt = plain_of(label)
    out = []
    for _, samples in runs:
        for a, b in zip(samples.get(rt, []), samples.get(label, [])):
            if metric in a and metric in b and a[metric]:
                out.append(b[metric] / a[metric])
    return sorted(out)


def load_runs(dirs):
    """[(test, secs, pooled samples, [(run, samples)...])] in the order first seen."""
    groups = {}
    for out in dirs:
        for path in sorted(glob.glob(os.path.join(out, "*.json"))):
            d = json.load(open(path))
            if d["test"] not in TARGETS:
                continue
            key = (d["test"], float(d.get("args", {}).get("secs", 5)))
            g = groups.setdefault(key, {"pooled": {}, "runs": [], "errors": {}})
            for label, v in d["samples"].items():
                g["pooled"].setdefault(label, []).extend(v)
            g["runs"].append((os.path.basename(os.path.normpath(out)), d["samples"]))
            for k, v in (d.get("errors") or {}).items():
                if v:
                    g["errors"][f"{os.path.basename(path)}: {k}"] = v
    return [(t, secs, g["pooled"], g["runs"], g["errors"]) for (t, secs), g in groups.items()]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: report.py RESULT_DIR [RESULT_DIR...]")
    pooling = len(sys.argv) > 2
    for test, secs, samples, runs, errs in load_runs(sys.argv[1:]):
        for metric, unit, _ in TARGETS[test]:
            med = {k: statistics.median([s[metric] for s in v if metric in s]) for k, v in samples.items() if any(metric in s for s in v)}
            rng = {k: (min(s[metric] for s in v), max(s[metric] for s in v)) for k, v in samples.items() if any(metric in s for s in v)}
            rounds = max(len(v) for v in samples.values())
            where = f", {len(runs)} runs pooled (up to {rounds} rounds of {secs:g} s per command)" if pooling else ""
            print(f"\n### {test}: {metric} [{unit}]{where}\n")
            extra = " each run | runs at target | round by round: median (quartiles) | rounds at target |" if pooling else ""
            print("| command | median (min–max) | ratio to plain relay | ratio to socat | target | |" + extra)
            print("|---|---|---|---|---|---|" + ("---|---|---|---|" if pooling else ""))
            for label in samples:
                if label not in med:
                    continue
                m = med[label]
                lo, hi = rng[label]
                if not label.startswith("ours-"):
                    print(f"| {label} | {m:,.2f} ({lo:,.2f}–{hi:,.2f}) | | | | |" + (" | | | |" if pooling else ""))
                    continue
                rt = plain_of(label)
                r_plain = m / med[rt] if rt in med and med[rt] else float("nan")
                r_socat = m / med["socat"] if "socat" in med and med["socat"] else None
                ok = verdict(test, label, r_plain, r_socat)
                socat = f"{r_socat:.2f}×" if r_socat is not None else ""
                row = f"| {label} | {m:,.2f} ({lo:,.2f}–{hi:,.2f}) | **{r_plain:.2f}×** | {socat} | {target(test, label)} | {'' if ok is None else 'PASS' if ok else 'MISS'} |"
                if pooling:
                    each = [ratio_to_plain(s, label, metric) for _, s in runs]
                    each = [r for r in each if r is not None]
                    held = sum(bool(verdict(test, label, r, None)) for r in each)
                    row += " " + ", ".join(f"{r:.2f}" for r in each) + " | " + ("" if ok is None else f"{held} of {len(each)}") + " |"
                    paired = paired_ratios(runs, label, metric)
                    if paired:
                        q1, q3 = paired[len(paired) // 4], paired[(3 * len(paired)) // 4]
                        at = sum(bool(verdict(test, label, r, None)) for r in paired)
                        row += f" {statistics.median(paired):.2f}× ({q1:.2f}–{q3:.2f}) | " + ("" if ok is None else f"{at} of {len(paired)}") + " |"
                    else:
                        row += " | |"
                print(row)
        if errs:
            print(f"\nharness errors: {errs}")


if __name__ == "__main__":
    main()
