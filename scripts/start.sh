#!/usr/bin/env bash
# npm start: install what is missing, then run the local stack in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
exec node_modules/.bin/tsx scripts/stack/cli.ts start "$@"
