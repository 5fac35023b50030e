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
(cd npm && bun test --timeout 60000 ./esm/tests/)

echo "== Node $(node --version): tests on the npm build"
node --test $(find npm/esm/tests -name '*_test.js' | sort)
