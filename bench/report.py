#!/usr/bin/env python3
"""Tables for a bench/run.sh results folder: sockscope vs the plain runtime, as ratios.

    python3 bench/report.py [RESULTS_DIR]            # Markdown report (default: newest bench/results/*)
    python3 bench/report.py --check RESULTS_DIR --test connrate
                                                     # count the records in each sockscope sample's log

Python 3 standard library only. The input is what the shared harness writes with `--out DIR`
(`<stamp>-<test>.json`, `<stamp>-<test>-logs/<label>.log`), plus `meta.txt` and `logcheck.json`
written by bench/run.sh / --check.

Ratios are taken inside one harness run (alternating rounds): ratio = median(sockscope) / median(plain)
for the same runtime. "per round" gives the min-max of the ratios of the samples taken in the same
round (ours_i / plain_i), which shows how much of the ratio is noise.
"""
import argparse
import glob
import gzip
import json
import os
import re
import statistics
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))

# (runtime shown, sockscope label, plain label, has a target)
PAIRS = [
    ("Deno", "ours-deno", "deno", True),
    ("Node", "ours-node", "node", True),
    ("Bun", "ours-bun", "bun", True),
    ("Bun, vs node:net on Bun", "ours-bun", "bun-node", False),
    ("Bun, sockscope's node:net adapter vs node:net on Bun", "ours-bun-node", "bun-node", False),
]

IDLE_ABS_LIMIT = 16_000  # "<= 16 KB" per idle connection, read as 16,000 bytes (the stricter reading)

TARGETS = {
    # test: (key, comparison, ratio limit, description)
    "sink": ("gbps", ">=", 0.9, "sockscope >= 0.9x plain Gbit/s"),
    "connrate": ("cps", ">=", 0.7, "sockscope >= 0.7x plain conn/s, every connection in the log"),
    "idle": ("bytes_per_conn", "<=", 2.0, "sockscope <= 2x plain B/conn and <= 16 KB"),
}


# ------------------------------------------------------------------ loading
def latest(d, test):
    files = sorted(glob.glob(os.path.join(d, "*-%s.json" % test)))
    files = [f for f in files if re.search(r"/\d{8}-\d{6}-%s\.json$" % re.escape(test), f)]
    return files[-1] if files else None


def load_run(d, test):
    f = latest(d, test)
    if not f:
        return None
    with open(f) as fh:
        j = json.load(fh)
    j["_path"] = f
    return j


def load_meta(d):
    meta = {}
    try:
        with open(os.path.join(d, "meta.txt")) as fh:
            for line in fh:
                if ": " in line:
                    k, v = line.rstrip("\n").split(": ", 1)
                    meta[k] = v
    except OSError:
        pass
    return meta


def vals(run, label, key):
    if not run or label not in run["samples"]:
        return []
    return [s[key] for s in run["samples"][label] if isinstance(s.get(key), (int, float))]


def med(run, label, key):
    v = vals(run, label, key)
    return statistics.median(v) if v else None


FOREIGN_LIMIT = 0.3  # cores used by other processes during a sample that make it "disturbed"


def load_cpuwatch(d):
    rows = []
    try:
        with open(os.path.join(d, "cpuwatch.log")) as fh:
            for line in fh:
                p = line.split(" ", 4)
                rows.append((float(p[0]), float(p[1].split("=")[1]), float(p[2].split("=")[1]),
                             float(p[3].split("=")[1]), p[4].strip() if len(p) > 4 else ""))
    except (OSError, ValueError, IndexError):
        return []
    return rows


def sample_windows(d, meta, test, run):
    """{label: [(start, end) per successful sample]} from the progress log of the test.

    bench/run.sh time-stamps each progress line (the line is printed when the sample ends and carries
    its duration). For older runs without stamps the windows are rebuilt backwards from the test's end."""
    try:
        with open(os.path.join(d, test + ".log")) as fh:
            lines = fh.read().splitlines()
    except OSError:
        return {}
    ents = []
    for line in lines:
        m = re.match(r"^(?:(\d+\.\d+) )?\[(\d+)/(\d+)\] (\S+)\s+(.*)$", line)
        if not m:
            continue
        dur = re.search(r"\((\d+(?:\.\d+)?)s\)$", m.group(5))
        ents.append({"ts": float(m.group(1)) if m.group(1) else None, "label": m.group(4),
                     "dur": float(dur.group(1)) if dur else None, "failed": "FAILED:" in m.group(5)})
    if ents and all(e["ts"] is not None for e in ents):
        prev = None
        for e in ents:
            e["win"] = (e["ts"] - e["dur"], e["ts"]) if e["dur"] else (prev or e["ts"], e["ts"])
            prev = e["ts"]
    elif "t_end_" + test in meta:
        cur = float(meta["t_end_" + test])
        for e in reversed(ents):
            if e["dur"] is None:
                break
            e["win"] = (cur - e["dur"], cur)
            cur -= e["dur"]
    out = {}
    for e in ents:
        if not e["failed"]:
            out.setdefault(e["label"], []).append(e.get("win"))
    return out


def disturbed(d, meta, runs):
    """{test: {label: [max foreign cores during each sample, or None]}}."""
    rows = load_cpuwatch(d)
    out = {}
    if not rows:
        return out
    for t, run in runs.items():
        if not run:
            continue
        wins = sample_windows(d, meta, t, run)
        out[t] = {}
        for label, ws in wins.items():
            vals_ = []
            for w in ws:
                if w is None:
                    vals_.append(None)
                    continue
                sel = [r[1] for r in rows if w[0] < r[0] <= w[1] + 2.0]  # a row covers the 2 s before it
                vals_.append(max(sel) if sel else 0.0)
            out[t][label] = vals_
    return out


def clean_vals(run, label, key, dist):
    """Values of samples not disturbed by other load (all values if unknown)."""
    flags = dist.get(label)
    samples = run["samples"].get(label, []) if run else []
    if not flags or len(flags) != len(samples):
        return [s[key] for s in samples if isinstance(s.get(key), (int, float))]
    return [s[key] for s, fl in zip(samples, flags)
            if isinstance(s.get(key), (int, float)) and (fl is None or fl <= FOREIGN_LIMIT)]


def clean_ratio(run, ours, ref, key, dist):
    a, b = clean_vals(run, ours, key, dist), clean_vals(run, ref, key, dist)
    if not a or not b or not statistics.median(b):
        return None, len(a), len(b)
    return statistics.median(a) / statistics.median(b), len(a), len(b)


def n_disturbed(dist, label):
    return sum(1 for x in dist.get(label, []) if x is not None and x > FOREIGN_LIMIT)


def clean_cell(run, ours, ref, key, dist):
    if not dist:
        return "n/a"
    nd_o, nd_r = n_disturbed(dist, ours), n_disturbed(dist, ref)
    if nd_o + nd_r == 0:
        return "none disturbed"
    r, na, nb = clean_ratio(run, ours, ref, key, dist)
    return "%d+%d disturbed; without them %s (n=%d/%d)" % (nd_o, nd_r, "%.2f" % r if r else "n/a", na, nb)


# ------------------------------------------------------------------ formatting
def f(v, nd=None):
    if v is None:
        return "n/a"
    if nd is None:
        a = abs(v)
        nd = 0 if a >= 999.5 else (1 if a >= 99.95 else (2 if a >= 0.995 else 3))
    return "{:,.{}f}".format(v, nd)


def cell(run, label, key, nd=None):
    v = vals(run, label, key)
    if not v:
        return "n/a"
    return "%s (%s–%s)" % (f(statistics.median(v), nd), f(min(v), nd), f(max(v), nd))


def ratio(run, ours, ref, key):
    a, b = med(run, ours, key), med(run, ref, key)
    if a is None or not b:
        return None
    return a / b


def round_ratios(run, ours, ref, key):
    """ours_i / ref_i for samples of the same round (only when neither label lost a sample)."""
    if not run or run["errors"].get(ours) or run["errors"].get(ref):
        return []
    a, b = run["samples"].get(ours, []), run["samples"].get(ref, [])
    out = []
    for x, y in zip(a, b):
        if isinstance(x.get(key), (int, float)) and isinstance(y.get(key), (int, float)) and y[key]:
            out.append(x[key] / y[key])
    return out


def ratio_cell(run, ours, ref, key):
    r = ratio(run, ours, ref, key)
    if r is None:
        return "n/a"
    rr = round_ratios(run, ours, ref, key)
    return "**%.2f**" % r + (" (%.2f–%.2f)" % (min(rr), max(rr)) if len(rr) > 1 else "")


def verdict(r, cmp, limit, rr=()):
    if r is None:
        return "n/a"
    ok = r >= limit if cmp == ">=" else r <= limit
    word = "PASS" if ok else "MISS"
    if rr and min(rr) < limit < max(rr):
        word += " (borderline: per-round ratios straddle %.2g)" % limit
    return word


# ------------------------------------------------------------------ log check
def read_text(path):
    if os.path.exists(path):
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    if os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    return None


def server_segments(text):
    """The server log holds one segment per sample, each starting with the harness's '$ command' line."""
    segs, cur = [], None
    for line in text.splitlines():
        if line.startswith("$ "):
            cur = []
            segs.append(cur)
        elif cur is not None and (line.startswith("sockscope-log=") or line.startswith("summary:") or
                                  line.startswith("  log:") or line.startswith("sockscope:") or
                                  "dropped" in line and not line[:1].isdigit()):
            cur.append(line)
    return segs


def count_log(path):
    out = {"log": path, "exists": os.path.exists(path)}
    if not out["exists"]:
        return out
    with open(path, "rb") as fh:
        data = fh.read()
    out["bytes"] = len(data)
    out["lines"] = data.count(b"\n")
    for name, pat in (("open", b'"type":"conn.open"'), ("close", b'"type":"conn.close"'),
                      ("data", b'"type":"conn.data"'), ("drop", b'"type":"conn.drop"'),
                      ("close_fin", b'"reason":"fin"'), ("close_rst", b'"reason":"rst"'),
                      ("close_shutdown", b'"reason":"shutdown"'), ("close_error", b'"reason":"error"')):
        out[name] = data.count(pat)
    if out["close"] <= 1000:  # sink: a handful of connections; check the byte counts too
        out["orig_bytes"] = sum(int(m) for m in re.findall(rb'"type":"conn\.close".*?"orig_bytes":(\d+)', data))
    return out


def check(d, test):
    run = load_run(d, test)
    if not run:
        print("check %s: no results JSON in %s" % (test, d))
        return 1
    logdir = run["_path"][:-len(".json")] + "-logs"
    secs = run["args"]["secs"]
    result = {}
    bad = 0
    for label in run["commands"]:
        if not label.startswith("ours"):
            continue
        text = read_text(os.path.join(logdir, label + ".log")) or ""
        segs = server_segments(text)
        samples = run["samples"].get(label, [])
        mapped = len(segs) == len(samples) and not run["errors"].get(label)
        rows = []
        for i, seg in enumerate(segs):
            path = next((l.split("=", 1)[1] for l in seg if l.startswith("sockscope-log=")), None)
            row = count_log(path) if path else {"log": None, "exists": False}
            row["sample"] = i + 1
            m = next((re.search(r"log: ([\d,]+) events written", l) for l in seg if "events written" in l), None)
            row["summary_written"] = int(m.group(1).replace(",", "")) if m else None
            m = next((re.search(r"([\d,]+) events dropped", l) for l in seg if "events dropped" in l), None)
            row["summary_dropped"] = int(m.group(1).replace(",", "")) if m else 0
            s = samples[i] if mapped else None
            if test == "connrate":
                row["expected"] = int(round(s["cps"] * secs)) if s else None
                row["expected_what"] = "completed lifecycles in the %gs window (cps x secs)" % secs
                got = row.get("close_fin")
            elif test == "idle":
                row["expected"] = int(s["opened"]) if s else None
                row["expected_what"] = "connections the client held open"
                got = row.get("open")
            else:
                row["expected"] = int(run["args"]["conns"]) if s else None
                row["expected_what"] = "connections of the measured run"
                got = row.get("open")
                if s and row.get("orig_bytes") is not None:
                    row["bytes_ok"] = s["bytes_ok"]
            ok = bool(row.get("exists")) and row.get("open", 0) == row.get("close", -1) and \
                not row["summary_dropped"] and (row["expected"] is None or (got or 0) >= row["expected"])
            if row.get("bytes_ok") is not None and row.get("orig_bytes", 0) < row["bytes_ok"]:
                ok = False
            row["ok"] = ok
            bad += not ok
            rows.append(row)
        result[label] = {"mapped_to_samples": mapped, "samples": rows}
        for r in rows:
            if not r.get("exists"):
                print("check %s %s #%d: log file missing (%s)  FAIL" % (test, label, r["sample"], r.get("log")))
                continue
            extra = ""
            if r.get("bytes_ok") is not None:
                extra = "  orig_bytes=%s >= bytes_ok=%s" % (f(r["orig_bytes"], 0), f(r["bytes_ok"], 0))
            print("check %s %s #%d: conn.open=%s conn.close=%s (fin %s) conn.data=%s; harness %s=%s; "
                  "log written=%s dropped=%s%s  %s" % (
                      test, label, r["sample"], f(r["open"], 0), f(r["close"], 0), f(r["close_fin"], 0),
                      f(r["data"], 0), r["expected_what"], f(r["expected"], 0) if r["expected"] is not None else "?",
                      f(r["summary_written"], 0) if r["summary_written"] is not None else "?", r["summary_dropped"],
                      extra, "OK" if r["ok"] else "FAIL"))
        if not mapped:
            print("check %s %s: %d server segments vs %d samples (failed samples?): counts shown unmatched" % (
                test, label, len(segs), len(samples)))
    path = os.path.join(d, "logcheck.json")
    allc = {}
    if os.path.exists(path):
        with open(path) as fh:
            allc = json.load(fh)
    allc[test] = result
    with open(path, "w") as fh:
        json.dump(allc, fh, indent=1)
    return 1 if bad else 0


def logcheck_cell(lc, test, label):
    rows = (lc.get(test) or {}).get(label, {}).get("samples", [])
    if not rows:
        return "not checked"
    ok = sum(1 for r in rows if r.get("ok"))
    parts = []
    for r in rows:
        if r.get("exists"):
            parts.append("%s/%s" % (f(r.get("close_fin" if test == "connrate" else "open"), 0),
                                    f(r["expected"], 0) if r.get("expected") is not None else "?"))
    what = "fin closes / completed" if test == "connrate" else "opens / held"
    return "%d/%d OK (%s: %s)" % (ok, len(rows), what, ", ".join(parts))


# ------------------------------------------------------------------ report
def render(d):
    meta = load_meta(d)
    lc = {}
    if os.path.exists(os.path.join(d, "logcheck.json")):
        with open(os.path.join(d, "logcheck.json")) as fh:
            lc = json.load(fh)
    runs = {t: load_run(d, t) for t in ("sink", "connrate", "idle")}
    dist_all = disturbed(d, meta, runs)
    out = ["# sockscope vs plain runtime: %s" % os.path.basename(os.path.normpath(d)), ""]
    if meta:
        out.append("Date %s · %s · %s CPUs (%s) · %s · Node %s · %s · Bun %s · rounds %s" % (
            meta.get("date", "?"), meta.get("kernel", "?"), meta.get("nproc", "?"), meta.get("cpu", "?"),
            meta.get("memory", "?"), meta.get("node", "?"), (meta.get("deno", "?").split(" [")[0]),
            meta.get("bun", "?").split(" [")[0], meta.get("rounds", "?")))
        out.append("")
        snap = "snapshot=1" in meta.get("sources", "")
        out.append("Sources measured: %s (hash %s)%s; %s." % (
            "a snapshot of src/ cli/ mod.ts taken at the start" if snap else "the repo in place",
            meta.get("src_hash_measured", "?"), (", diff vs HEAD in `src.diff`" if snap else ""),
            meta.get("git", "?").split(" dirty")[0] and "git " + meta.get("git", "?")))
        changed = meta.get("src_hash_start") and meta.get("src_hash_end") and \
            meta["src_hash_start"] != meta["src_hash_end"]
        if changed and not snap:
            out.append("")
            out.append("**Warning:** src/ or cli/ changed during this run (hash %s → %s)." % (
                meta["src_hash_start"], meta["src_hash_end"]))
        elif changed:
            out.append("The repo's sources changed during the run; the snapshot did not.")
        out.append("")
    out.append("Cells are median (min–max) over alternating rounds; a fresh server per sample. "
               "ratio = median(sockscope) / median(plain) in the same run; in brackets the min–max of the "
               "per-round ratios.")
    out.append("")

    # summary
    summ = ["| target | " + " | ".join(p[0] for p in PAIRS if p[3]) + " |", "|---" * (1 + sum(p[3] for p in PAIRS)) + "|"]
    for test in ("sink", "connrate", "idle"):
        run = runs[test]
        if not run:
            continue
        key, cmp, limit, desc = TARGETS[test]
        cells = []
        for name, ours, ref, tgt in PAIRS:
            if not tgt:
                continue
            if ours not in run["commands"] or ref not in run["commands"]:
                cells.append("not run")
                continue
            r = ratio(run, ours, ref, key)
            v = verdict(r, cmp, limit, round_ratios(run, ours, ref, key)).split(" (")[0]
            if test == "idle":
                b = med(run, ours, key)
                ok_abs = b is not None and b <= IDLE_ABS_LIMIT
                v2 = "PASS" if (v == "PASS" and ok_abs) else "MISS"
                cells.append("%s: %.2f×, %s B" % (v2, r, f(b, 0)) if r is not None else "n/a")
            elif test == "connrate":
                rows = (lc.get("connrate") or {}).get(ours, {}).get("samples", [])
                logok = bool(rows) and all(x.get("ok") for x in rows)
                v2 = "PASS" if (v == "PASS" and logok) else "MISS"
                cells.append("%s: %.2f×%s" % (v2, r, "" if logok else " (log check failed/missing)")
                             if r is not None else "n/a")
            else:
                cells.append("%s: %.2f×" % (v, r) if r is not None else "n/a")
        summ.append("| %s | %s |" % (desc, " | ".join(cells)))
    out.append("## Summary")
    out.append("")
    out += summ
    out.append("")

    shown = set()  # sockscope labels whose log check is already in an earlier row

    def rows_for(run):
        shown.clear()
        for name, ours, ref, tgt in PAIRS:
            if ours in run["commands"] and ref in run["commands"]:
                yield name, ours, ref, tgt
                shown.add(ours)

    run = runs["sink"]
    if run:
        a = run["args"]
        out.append("## Sink throughput (`sink`, %d connections, %gs; target ≥ 0.9× plain)" % (a["conns"], a["secs"]))
        out.append("")
        dist = dist_all.get("sink", {})
        out.append("| runtime | plain | plain Gbit/s | sockscope Gbit/s | ratio | target | result | plain CPU-s/GB | "
                   "sockscope CPU-s/GB | CPU/GB ratio | plain cores | sockscope cores | samples under other load "
                   "(ours+plain) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, ours, ref, tgt in rows_for(run):
            r = ratio(run, ours, ref, "gbps")
            out.append("| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, ref, cell(run, ref, "gbps"), cell(run, ours, "gbps"), ratio_cell(run, ours, ref, "gbps"),
                "≥ 0.9×" if tgt else "(context)",
                verdict(r, ">=", 0.9, round_ratios(run, ours, ref, "gbps")) if tgt else "—",
                f(med(run, ref, "cpu_s_per_gb"), 3), f(med(run, ours, "cpu_s_per_gb"), 3),
                ratio_cell(run, ours, ref, "cpu_s_per_gb"),
                f(med(run, ref, "srv_cpu"), 2), f(med(run, ours, "srv_cpu"), 2),
                clean_cell(run, ours, ref, "gbps", dist)))
        out += errors_note(run)
        out.append("")

    run = runs["connrate"]
    if run:
        a = run["args"]
        out.append("## Connection rate (`connrate --payload %d`, %d concurrent, %gs; target ≥ 0.7× plain, "
                   "every connection in the log)" % (a["payload"], a["concurrency"], a["secs"]))
        out.append("")
        out.append("| runtime | plain | plain conn/s | sockscope conn/s | ratio | target | result | plain CPU-µs/conn | "
                   "sockscope CPU-µs/conn | CPU/conn ratio | plain cores | sockscope cores | p99 ms plain / sockscope | "
                   "errors plain / sockscope | log check | samples under other load (ours+plain) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        dist = dist_all.get("connrate", {})
        for name, ours, ref, tgt in rows_for(run):
            r = ratio(run, ours, ref, "cps")
            out.append("| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s | %s |" % (
                name, ref, cell(run, ref, "cps", 0), cell(run, ours, "cps", 0), ratio_cell(run, ours, ref, "cps"),
                "≥ 0.7×" if tgt else "(context)",
                verdict(r, ">=", 0.7, round_ratios(run, ours, ref, "cps")) if tgt else "—",
                f(med(run, ref, "srv_us_per_conn"), 1), f(med(run, ours, "srv_us_per_conn"), 1),
                ratio_cell(run, ours, ref, "srv_us_per_conn"),
                f(med(run, ref, "srv_cpu"), 2), f(med(run, ours, "srv_cpu"), 2),
                f(med(run, ref, "p99_ms"), 2), f(med(run, ours, "p99_ms"), 2),
                f(sum(vals(run, ref, "errors")), 0), f(sum(vals(run, ours, "errors")), 0),
                logcheck_cell(lc, "connrate", ours) if ours not in shown else "(as above)",
                clean_cell(run, ours, ref, "cps", dist)))
        out += errors_note(run)
        out.append("")

    run = runs["idle"]
    if run:
        a = run["args"]
        k = a["idle_conns"] or 10000
        out.append("## Memory per idle connection (`idle --payload %d`, %s connections held; target ≤ 2× plain "
                   "and ≤ 16 KB)" % (a["payload"], f(k, 0)))
        out.append("")
        out.append("| runtime | plain | plain B/conn (PSS) | sockscope B/conn (PSS) | ratio | target | result | "
                   "sockscope ≤ 16 KB | plain RSS MiB before → held → closed | sockscope RSS MiB before → held → closed | "
                   "log check | B/conn by RSS delta plain / sockscope (ratio) | samples under other load (ours+plain) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        dist = dist_all.get("idle", {})
        for name, ours, ref, tgt in rows_for(run):
            r = ratio(run, ours, ref, "bytes_per_conn")
            b = med(run, ours, "bytes_per_conn")

            def mem(label):
                return "%s → %s → %s" % (f(med(run, label, "rss_before_mb"), 1), f(med(run, label, "rss_after_mb"), 1),
                                         f(med(run, label, "rss_closed_mb"), 1))
            rr = ratio(run, ours, ref, "bytes_per_conn_rss")
            out.append("| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, ref, cell(run, ref, "bytes_per_conn", 0), cell(run, ours, "bytes_per_conn", 0),
                ratio_cell(run, ours, ref, "bytes_per_conn"), "≤ 2×" if tgt else "(context)",
                verdict(r, "<=", 2.0, round_ratios(run, ours, ref, "bytes_per_conn")) if tgt else "—",
                ("PASS" if b is not None and b <= IDLE_ABS_LIMIT else "MISS") + " (%s B)" % f(b, 0),
                mem(ref), mem(ours), logcheck_cell(lc, "idle", ours) if ours not in shown else "(as above)",
                "%s / %s (%s)" % (f(med(run, ref, "bytes_per_conn_rss"), 0), f(med(run, ours, "bytes_per_conn_rss"), 0),
                                  "%.2f" % rr if rr else "n/a"),
                clean_cell(run, ours, ref, "bytes_per_conn", dist)))
        out += errors_note(run)
        out.append("")

    out += foreign_load(d, meta, runs)
    out.append("Raw: " + ", ".join("`%s`" % os.path.relpath(r["_path"], d) for r in runs.values() if r))
    return "\n".join(out)


def foreign_load(d, meta, runs):
    """Summary of cpuwatch.log: CPU used outside the benchmark while each test ran."""
    rows = load_cpuwatch(d)
    if not rows:
        return []
    out = ["## Other load on the machine during the run", "",
           "CPU of processes outside the benchmark's process tree (kernel threads excluded), sampled every 2 s "
           "by `bench/cpuwatch.py`. On 2 cores, anything above ~0.1 core skews the load client and the server. "
           "A sample is counted as *disturbed* in the tables above when another process used more than %.1f "
           "core in any 2 s interval overlapping it; the verdicts use all samples, the \"without them\" ratios are "
           "a cross-check." % FOREIGN_LIMIT, "",
           "| test | samples | foreign cores mean | max | intervals > 0.25 core | busiest foreign process (at max) |",
           "|---|---|---|---|---|---|"]
    for t in ("sink", "connrate", "idle"):
        if not runs.get(t) or "t_start_" + t not in meta:
            continue
        a, b = float(meta["t_start_" + t]), float(meta.get("t_end_" + t, 1e12))
        sel = [r for r in rows if a < r[0] <= b + 1]
        if not sel:
            continue
        mx = max(sel, key=lambda r: r[1])
        out.append("| %s | %d | %.2f | %.2f | %d | %s |" % (
            t, len(sel), statistics.mean(r[1] for r in sel), mx[1], sum(1 for r in sel if r[1] > 0.25),
            ("%.2f `%s`" % (mx[3], mx[4].replace("|", "/")[:80])) if mx[3] > 0 else "—"))
    out.append("")
    return out


def errors_note(run):
    notes = []
    for label, errs in run["errors"].items():
        if errs:
            notes.append("")
            notes.append("`%s`: %d failed sample(s), e.g. %s" % (label, len(errs), errs[0]))
    return notes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", help="a bench/run.sh results folder (default: the newest)")
    ap.add_argument("--check", metavar="DIR", help="count the records in the sockscope logs of DIR's TEST run")
    ap.add_argument("--test", default="connrate", choices=["sink", "connrate", "idle"])
    a = ap.parse_args()
    if a.check:
        return check(a.check, a.test)
    d = a.dir
    if not d:
        dirs = sorted(x for x in glob.glob(os.path.join(BENCH, "results", "*")) if os.path.isdir(x))
        if not dirs:
            sys.exit("no results in %s" % os.path.join(BENCH, "results"))
        d = dirs[-1]
    print(render(d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
