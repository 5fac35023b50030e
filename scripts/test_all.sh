#!/bin/sh
# Every check and test, on all three runtimes: `npm test` from a fresh clone.
#   1. static checks: deno check / lint / fmt --check / doc --lint / publish --dry-run
#   2. build npm/ (scripts/build_npm.ts)
#   3. Deno runs the test suite on the sources
#   4. Bun, then Node, run the same suite compiled, against the npm build
# Node runs last so that its summary (# pass / # fail) closes the output.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/deno ] || [ ! -x node_modules/.bin/bun ] || [ ! -x node_modules/.bin/tsc ]; then
  echo "== installing the pinned toolchain (npm ci)"
  npm ci --no-audit --no-fund
fi
PATH="$PWD/node_modules/.bin:$PATH"
export PATH

echo "== static checks"
# (not `deno task check`: deno task runs node_modules/.bin entries as JS, and the pinned deno there is a binary)
deno check -q mod.ts cli/main.ts tests/runtime/deno_api_check.ts examples/deno_embed.ts
deno check -q --doc mod.ts $(find src cli -name '*.ts' | sort) # every @example block type-checks
deno lint
deno fmt --check
deno doc --lint mod.ts cli/main.ts
deno publish --dry-run --allow-dirty

echo "== build npm/"
deno run -A scripts/build_npm.ts

echo "== Deno $(deno --version | head -n 1 | cut -d' ' -f2): tests on the sources"
deno test -A tests/

echo "== Bun $(bun --version): tests on the npm build"
# Bun prints a failure's error where the test ran and only its name at the end;
# a CI log that keeps only its tail would lose the why, so it is repeated last.
bun_out=$(mktemp)
bun_rc=0
{ (cd npm && bun test --timeout 60000 ./esm/tests/) 2>&1 || echo "$?" >"$bun_out.rc"; } | tee "$bun_out"
[ -f "$bun_out.rc" ] && bun_rc=$(cat "$bun_out.rc") && rm -f "$bun_out.rc"
if [ "$bun_rc" -ne 0 ]; then
  echo "== Bun: the failures again, each with what Bun printed before it"
  awk '/^\((pass|skip|todo)\) |^[^ ]+_test\.js:$/ { n = 0; next }
       /^\(fail\) / { for (i = 0; i < n; i++) print buf[i]; print; print ""; n = 0; next }
       { if (n < 200) buf[n++] = $0 }' "$bun_out"
  rm -f "$bun_out"
  exit "$bun_rc"
fi
rm -f "$bun_out"

echo "== Node $(node --version): tests on the npm build"
node --test $(find npm/esm/tests -name '*_test.js' | sort)
