#!/usr/bin/env bash
# sockscope tap vs the plain relay of the same runtime (and socat), in the same harness run.
#
#   bench/tap/tap.sh                 # relay, connrate-relay, idle-relay  x  deno node bun
#   bench/tap/tap.sh relay node      # a subset
#   ROUNDS=1 bench/tap/tap.sh ...    # rounds per test (default 3; idle-relay 2)
#   SECS=30 bench/tap/tap.sh connrate-relay   # a longer measured window (default 5 s): the
#                                    # sustained rate, with the JIT's warm-up spread over it
#
# What runs (the shared harness, ../shared/bench, README "relay tests"):
#   relay           iperf3 through the relay, forward then reverse (Gbit/s each way):
#                   socat, the plain relay of each runtime, `tap` with --log --zeek --eve --metrics
#                   ("ours-RT") and the same plus --pcap ("ours-RT-pcap")
#   connrate-relay  connections/s through the relay (64 B each), plain vs `tap` with every output
#                   (quiet console), and the same with a console line per open and close
#                   ("ours-RT-console")
#   idle-relay      memory per idle relayed connection (8,000 held), plain vs `tap` with every output
# Results: bench/results/<stamp>-tap/ (harness JSON and tables); bench/tap/report.py turns them
# into the ratio tables of bench/RESULTS.md.
set -u
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHARED_BENCH:-$root/../shared/bench}
export DENO=${DENO:-$root/node_modules/.bin/deno}
export BUN=${BUN:-$root/node_modules/.bin/bun}

tests="" runtimes=""
for a in "$@"; do
  case $a in
    relay|connrate-relay|idle-relay) tests="$tests $a" ;;
    deno|node|bun) runtimes="$runtimes $a" ;;
    *) echo "bench/tap/tap.sh: unknown argument '$a': expected relay|connrate-relay|idle-relay|deno|node|bun" >&2; exit 2 ;;
  esac
done
tests=${tests:-" relay connrate-relay idle-relay"}
runtimes=${runtimes:-" deno node bun"}
stamp=$(date +%Y%m%d-%H%M%S)
out=$root/bench/results/$stamp-tap
outs=/tmp/sockscope-tapbench-out/$stamp
mkdir -p "$out" "$outs"

# A snapshot of the sources, so that edits during the run cannot mix versions.
src=/tmp/sockscope-tapbench-src/$stamp
mkdir -p "$src"
(cd "$root" && cp -R src cli mod.ts deno.json package.json scripts README.md LICENSE docs "$src"/)
ln -s "$root/node_modules" "$src/node_modules"
(cd "$src" && "$DENO" run -A scripts/build_npm.ts) >"$out/build_npm.log" 2>&1 ||
  { echo "bench/tap/tap.sh: npm build failed, see $out/build_npm.log" >&2; exit 1; }
"$DENO" cache "$src/cli/main.ts" >/dev/null 2>&1
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(cd "$root" && git rev-parse --short HEAD)"
  echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "node: $(node --version); deno: $("$DENO" --version | head -1); bun: $("$BUN" --version)"
  echo "socat: $(socat -V 2>/dev/null | sed -n 2p); iperf3: $(iperf3 --version 2>/dev/null | head -1)"
} >"$out/meta.txt"

# Every output at once; each sample writes files of its own (the port is in the name).
# The console runs quiet (-q), as a tap whose records go to files would; with CONSOLE=1 it
# prints its open and close line per connection (--print none) into the harness's log.
tap() { # tap LABEL PCAP(0|1) CONSOLE(0|1) RUNTIME-COMMAND...
  local label=$1 pcap=$2 console=$3; shift 3
  local o="$outs/$label-{port}"
  local extra="" view="-q"
  [ "$pcap" = 1 ] && extra="--pcap $o.pcap"
  [ "$console" = 1 ] && view="--print none"
  printf '%s=exec %s tap {port} {upstream} %s --log %s.ndjson --zeek %s.conn.log --eve %s.eve.json --metrics 127.0.0.1:0 %s' \
    "$label" "$*" "$view" "$o" "$o" "$o" "$extra"
}
rt_cmd() {
  case $1 in
    deno) echo "$DENO run -A $src/cli/main.ts" ;;
    node) echo "node $src/npm/esm/cli/main.js" ;;
    bun) echo "$BUN $src/npm/esm/cli/main.js" ;;
  esac
}

for t in $tests; do
  cmds=()
  [ "$t" = relay ] && cmds+=("ref:socat")
  for rt in $runtimes; do
    cmds+=("ref:$rt" "$(tap "ours-$rt" 0 0 "$(rt_cmd "$rt")")")
    [ "$t" = relay ] && cmds+=("$(tap "ours-$rt-pcap" 1 0 "$(rt_cmd "$rt")")")
    [ "$t" = connrate-relay ] && cmds+=("$(tap "ours-$rt-console" 0 1 "$(rt_cmd "$rt")")")
  done
  case $t in
    relay) opts=(-r "${ROUNDS:-3}") ;;
    connrate-relay) opts=(-r "${ROUNDS:-3}" --payload 64 --secs "${SECS:-5}") ;;
    idle-relay) opts=(-r "${IDLE_ROUNDS:-${ROUNDS:-2}}" --payload 64) ;;
  esac
  echo "[tap-bench $(date +%H:%M:%S)] == $t (${#cmds[@]} commands, loadavg $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  (cd "$root" && sh "$shared/run.sh" "$t" "${cmds[@]}" "${opts[@]}" --out "$out") >"$out/$t.txt" 2>"$out/$t.log"
  echo "[tap-bench $(date +%H:%M:%S)] $t rc=$?" >&2
  rm -f "$outs"/*  # the output files are only load; their formats are checked by the tests
done
rmdir "$outs" 2>/dev/null
python3 "$here/report.py" "$out" | tee "$out/report.md"
