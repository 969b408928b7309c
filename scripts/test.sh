#!/usr/bin/env bash
# npm test: install what is missing, then run every suite against a throw-away
# stack on the test ports (55321/55322), so it can run while `npm start` is up.
set -euo pipefail
cd "$(dirname "$0")/.."
# TERRAIN_STRICT_LOCK: fail when the install step modifies package-lock.json.
if ! TERRAIN_WITH_BROWSER=1 TERRAIN_STRICT_LOCK=1 bash scripts/ensure-system.sh; then
  echo "total: 0 passed, 1 failed"
  exit 1
fi
exec node_modules/.bin/tsx scripts/stack/test-runner.ts "$@"
