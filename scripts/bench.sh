#!/usr/bin/env bash
# npm run bench: figures for the hot paths on a throw-away stack (prints, asserts nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
exec node_modules/.bin/tsx scripts/bench/run.ts "$@"
