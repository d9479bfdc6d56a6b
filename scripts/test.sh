#!/usr/bin/env bash
# Everything `make test` runs: lint, types, the suite on SQLite, the suite on a real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export LANTU_SECRET_KEY=${LANTU_SECRET_KEY:-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz}
export LANTU_VAR_DIR=${LANTU_VAR_DIR:-$PWD/var}

echo "== ruff"
$BIN/ruff check .
echo "== mypy"
$BIN/mypy lantu tests bench
echo "== pytest on SQLite"
$BIN/pytest
echo "== pytest on PostgreSQL"
# with-postgres.sh installs PostgreSQL if needed, starts a throwaway cluster, exports
# DATABASE_URL and stops the cluster afterwards, whatever the outcome.
scripts/with-postgres.sh $BIN/pytest
