#!/usr/bin/env bash
# Everything `make test` runs: lint, types, the suite on SQLite, the suite on a real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export LANTU_SECRET_KEY=${LANTU_SECRET_KEY:-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz}
export LANTU_VAR_DIR=${LANTU_VAR_DIR:-$PWD/var}

# Debian's Chromium for the browser tests (Playwright's own browser download does not work here),
# and CJK fonts so that pages render as users see them.
if ! command -v chromium >/dev/null; then
    echo "== installing chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

echo "== ruff"
$BIN/ruff check .
echo "== mypy"
$BIN/mypy lantu tests bench
echo "== pytest on SQLite (with the browser tests)"
$BIN/pytest
echo "== pytest on PostgreSQL"
# with-postgres.sh installs PostgreSQL if needed, starts a throwaway cluster, exports
# DATABASE_URL and stops the cluster afterwards, whatever the outcome.
# The browser tests run a server on its own SQLite file, so they are not repeated here.
scripts/with-postgres.sh $BIN/pytest -m "not browser"
