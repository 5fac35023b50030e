#!/usr/bin/env bash
# sockscope vs. the plain runtime doing the same job, in the same run, as ratios.
#
#   bench/run.sh                      # everything: sink connrate idle  x  deno node bun
#   bench/run.sh sink deno            # a subset: any of sink|connrate|idle and deno|node|bun
#   ROUNDS=1 bench/run.sh connrate node
#
# Environment (all optional):
#   SINK_ROUNDS=5 CONNRATE_ROUNDS=5 IDLE_ROUNDS=3   rounds per test (ROUNDS=N sets all three)
#   DENO, BUN       runtime binaries (default: the repo's pinned node_modules/.bin/{deno,bun})
#   SHARED_BENCH    the shared harness (default: <repo>/../shared/bench)
#   OUT             results folder (default: bench/results/<stamp>[-subset])
#   LOG_ROOT        where sockscope's NDJSON logs go (default: /tmp/sockscope-bench-logs)
#   KEEP_LOGS=1     keep the NDJSON logs (they are deleted once checked; connrate writes ~50-100 MB per sample)
#   SNAPSHOT=0      run the repo's cli/main.ts and npm/ in place instead of a snapshot (see below)
#   KEEP_SNAPSHOT=1 keep the source snapshot (/tmp/sockscope-bench-src/<stamp>) after the run
#   SKIP_BUILD=1    do not rebuild npm/ (Node and Bun then measure whatever npm/ holds)
#   BENCH_ARGS      extra options for the harness, e.g. "--secs 3" (applied to every test)
#
# Output: bench/results/<run>/ holds the harness JSON/text per test, server logs, meta.txt,
# logcheck.json and report.md; the report is printed at the end. See bench/README.md.
set -u
set -o pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
shared=${SHARED_BENCH:-$root/../shared/bench}
export DENO=${DENO:-$root/node_modules/.bin/deno}
export BUN=${BUN:-$root/node_modules/.bin/bun}

tests="" runtimes=""
for a in "$@"; do
  case $a in
    sink|connrate|idle) tests="$tests $a" ;;
    deno|node|bun) runtimes="$runtimes $a" ;;
    all) ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$a': expected sink|connrate|idle|deno|node|bun" >&2; exit 2 ;;
  esac
done
subset="${tests# }${runtimes:+ }${runtimes# }"
tests=${tests:-" sink connrate idle"}
runtimes=${runtimes:-" deno node bun"}
SINK_ROUNDS=${SINK_ROUNDS:-${ROUNDS:-5}}
CONNRATE_ROUNDS=${CONNRATE_ROUNDS:-${ROUNDS:-5}}
IDLE_ROUNDS=${IDLE_ROUNDS:-${ROUNDS:-3}}

stamp=$(date +%Y%m%d-%H%M%S)
out=${OUT:-$bench/results/$stamp${subset:+-$(echo "$subset" | tr ' ' '-')}}
logs=${LOG_ROOT:-/tmp/sockscope-bench-logs}/$stamp
mkdir -p "$out" "$logs"
out=$(cd "$out" && pwd)

say() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- setup
[ -x "$DENO" ] || { echo "bench/run.sh: no deno at $DENO (run npm ci, or set DENO)" >&2; exit 1; }
[ -x "$BUN" ] || { echo "bench/run.sh: no bun at $BUN (run npm ci, or set BUN)" >&2; exit 1; }
[ -f "$shared/run.sh" ] || { echo "bench/run.sh: shared harness not found at $shared (set SHARED_BENCH)" >&2; exit 1; }
missing=""
for c in socat iperf3 ss gcc python3 node; do command -v "$c" >/dev/null 2>&1 || missing="$missing $c"; done
if [ -n "$missing" ]; then
  say "missing:$missing -> running $shared/setup.sh"
  sh "$shared/setup.sh" || { echo "bench/run.sh: setup failed" >&2; exit 1; }
fi
# (the harness's run.sh copies itself to /tmp/sockscope-bench and builds loadgen on first use)

# The sources under test. By default they are snapshotted first (src/ cli/ mod.ts and the build files
# copied to $SNAP_ROOT/<stamp>, npm/ built there): the repo is edited and npm/ rebuilt (rm -rf) while
# the benchmark runs, which would otherwise kill Node/Bun samples or mix versions. SNAPSHOT=0 runs
# /work/main/cli/main.ts and /work/main/npm/esm/cli/main.js in place (npm/ rebuilt first).
if [ "${SNAPSHOT:-1}" = 1 ]; then
  srcdir=${SNAP_ROOT:-/tmp/sockscope-bench-src}/$stamp
  mkdir -p "$srcdir"
  (cd "$root" && cp -R src cli mod.ts deno.json package.json scripts README.md LICENSE docs "$srcdir"/) ||
    { echo "bench/run.sh: snapshot failed" >&2; exit 1; }
  ln -s "$root/node_modules" "$srcdir/node_modules"
  (cd "$root" && git diff HEAD -- src cli mod.ts) >"$out/src.diff"
else
  srcdir=$root
fi
case $runtimes in
  *node*|*bun*)
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
      say "building npm/ in $srcdir"
      (cd "$srcdir" && "$DENO" run -A scripts/build_npm.ts) >"$out/build_npm.log" 2>&1 ||
        { echo "bench/run.sh: npm build failed, see $out/build_npm.log" >&2; exit 1; }
    fi
    [ -f "$srcdir/npm/esm/cli/main.js" ] || { echo "bench/run.sh: $srcdir/npm/esm/cli/main.js missing" >&2; exit 1; }
    ;;
esac
case $runtimes in
  *deno*) "$DENO" cache "$srcdir/cli/main.ts" >/dev/null 2>&1 ;;  # first start must not include compiling
esac

# ---------------------------------------------------------------- provenance
src_hash() { (cd "${1:-$root}" && find src cli mod.ts -type f -name '*.ts' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16); }
npm_hash() { (cd "$srcdir" && [ -d npm/esm ] && find npm/esm/src npm/esm/cli -type f -name '*.js' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16 || echo none); }
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ) ($(date +%Z))"
  echo "subset: ${subset:-all}"
  echo "rounds: sink=$SINK_ROUNDS connrate=$CONNRATE_ROUNDS idle=$IDLE_ROUNDS"
  echo "bench_args: ${BENCH_ARGS:-}"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') MHz)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "os: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "ulimit_n: $(ulimit -n)"
  echo "node: $(node --version)"
  echo "deno: $("$DENO" --version | head -1) [$DENO]"
  echo "bun: $("$BUN" --version) [$BUN]"
  echo "gcc: $(gcc --version | head -1)"
  echo "python3: $(python3 --version 2>&1)"
  echo "git: $(cd "$root" && git rev-parse --short HEAD) dirty=[$(cd "$root" && git status --porcelain -- src cli mod.ts | tr '\n' ';')]"
  echo "sources: $srcdir (snapshot=${SNAPSHOT:-1})"
  echo "src_hash_measured: $(src_hash "$srcdir")"
  echo "src_hash_start: $(src_hash)"
  echo "npm_hash: $(npm_hash)"
} >"$out/meta.txt"

# ---------------------------------------------------------------- commands
# Each sockscope sample writes a log of its own: the path holds the port and a nanosecond stamp, and
# is echoed into the server log so that bench/report.py can find it and count the records.
ours() { # ours LABEL RUNTIME-COMMAND...
  local label=$1; shift
  printf '%s=L=%s/%s-{port}-$(date +%%s%%N).ndjson; echo "sockscope-log=$L"; exec %s listen -p {port} --print none --log "$L"' \
    "$label" "$logs" "$label" "$*"
}
cmds=()
for rt in $runtimes; do
  case $rt in
    deno) cmds+=("ref:deno" "$(ours ours-deno "$DENO" run -A "$srcdir/cli/main.ts")") ;;
    node) cmds+=("ref:node" "$(ours ours-node node "$srcdir/npm/esm/cli/main.js")") ;;
    # ours-bun-node: sockscope on Bun with its node:net adapter, to show why Bun gets Bun.listen.
    bun)  cmds+=("ref:bun" "$(ours ours-bun "$BUN" "$srcdir/npm/esm/cli/main.js")" "ref:bun-node"
                "$(ours ours-bun-node "$BUN" "$srcdir/npm/esm/cli/main.js" --adapter node)") ;;
  esac
done

# ---------------------------------------------------------------- run
# Foreign CPU load (anything outside this script's process tree) is sampled for the report.
python3 "$bench/cpuwatch.py" $$ "$out/cpuwatch.log" 2 &
watch_pid=$!
trap 'kill $watch_pid 2>/dev/null' EXIT
t_all=$(date +%s)
for t in $tests; do
  case $t in
    sink)     opts=(-r "$SINK_ROUNDS") ;;
    connrate) opts=(-r "$CONNRATE_ROUNDS" --payload 64) ;;
    idle)     opts=(-r "$IDLE_ROUNDS" --payload 64) ;;
  esac
  # shellcheck disable=SC2206
  extra=(${BENCH_ARGS:-})
  say "== $t ${opts[*]} ${extra[*]}: ${#cmds[@]} commands (loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "loadavg_before_$t: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/meta.txt"
  t0=$(date +%s)
  echo "t_start_$t: $t0" >>"$out/meta.txt"
  (cd "$root" && sh "$shared/run.sh" "$t" "${cmds[@]}" "${opts[@]}" "${extra[@]}" --out "$out") \
    >"$out/$t.txt" 2> >(while IFS= read -r l; do  # progress to the terminal, and time-stamped to $t.log
      printf '%s\n' "$l" >&2; printf '%s %s\n' "$(date +%s.%N)" "$l" >>"$out/$t.log"; done)
  rc=$?
  echo "t_end_$t: $(date +%s)" >>"$out/meta.txt"
  echo "elapsed_$t: $(( $(date +%s) - t0 ))s rc=$rc" >>"$out/meta.txt"
  [ $rc = 0 ] || say "harness exited with rc=$rc for $t (see $out/$t.log)"
  # Every connection in the log? Count the records of each sockscope sample, then drop the logs.
  python3 "$bench/report.py" --check "$out" --test "$t"
  [ "${KEEP_LOGS:-0}" = 1 ] || rm -f "$logs"/*.ndjson
  # The server logs hold sockscope's console lines (one per open/close): compress the big ones.
  find "$out" -name '*.log' -size +5M -exec gzip -f {} + 2>/dev/null
done
[ "${KEEP_LOGS:-0}" = 1 ] || rmdir "$logs" 2>/dev/null
kill $watch_pid 2>/dev/null
{
  echo "src_hash_end: $(src_hash)"
  echo "npm_hash_end: $(npm_hash)"
  echo "elapsed_total: $(( $(date +%s) - t_all ))s"
} >>"$out/meta.txt"
start_h=$(sed -n 's/^src_hash_start: //p' "$out/meta.txt"); end_h=$(sed -n 's/^src_hash_end: //p' "$out/meta.txt")
if [ "$start_h" != "$end_h" ]; then
  if [ "${SNAPSHOT:-1}" = 1 ]; then
    say "note: src/ or cli/ changed in the repo during the run; the measured code is the snapshot taken at the start"
  else
    say "warning: src/ or cli/ changed during the run (Deno ran the sources live; Node/Bun ran the npm/ build)"
  fi
fi
if [ "${SNAPSHOT:-1}" = 1 ] && [ "${KEEP_SNAPSHOT:-0}" != 1 ]; then rm -rf "$srcdir"; fi

python3 "$bench/report.py" "$out" | tee "$out/report.md"
say "done in $(( $(date +%s) - t_all ))s: $out"
