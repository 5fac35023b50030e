#!/bin/sh
# Installs the pinned toolchain (Deno, Bun, TypeScript from npm) when it is missing,
# and puts it first on PATH for the command that follows in `npm start` / `npm test`.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/deno ] || [ ! -x node_modules/.bin/bun ] || [ ! -x node_modules/.bin/tsc ]; then
  npm ci --no-audit --no-fund >&2
fi
