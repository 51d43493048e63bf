#!/usr/bin/env bash
# The whole test suite: lint and migration checks, then pytest on SQLite and on
# PostgreSQL. `make test` runs this; .ci/run runs `make test`.
#   TEST_POSTGRES_URL   PostgreSQL server to test against
#                       (default postgres://postgres@127.0.0.1:5432/minsheng_test)
#   REQUIRE_POSTGRES=1  fail instead of skipping when that server is unreachable (CI sets it)
#   PYTEST_ARGS         extra pytest arguments
#   PYTEST_WORKERS      parallel pytest processes (pytest-xdist; default 2, 0 = none)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/minsheng_test}
export MINSHENG_VAR_DIR=${MINSHENG_VAR_DIR:-$(mktemp -d)}
status=0

step() { printf '\n== %s\n' "$*"; }

step "ruff"
$BIN/ruff check . || status=1

step "migrations are up to date"
$BIN/minsheng makemigrations --check --dry-run >/dev/null || { echo "missing migrations: run 'minsheng makemigrations'"; status=1; }

run_pytest() {  # $1 = label; pytest exit 5 (no tests ran) is a failure
    local label=$1; shift
    step "pytest on $label"
    local workers=${PYTEST_WORKERS:-2} parallel=()
    [ "$workers" != 0 ] && parallel=(-n "$workers")
    $BIN/pytest -q -p no:cacheprovider "${parallel[@]}" ${PYTEST_ARGS:-} "$@"
    local rc=$?
    if [ $rc -eq 5 ]; then echo "pytest ran no tests on $label"; rc=1; fi
    [ $rc -eq 0 ] || status=1
}

run_pytest "SQLite" 

if $BIN/python -c "import psycopg,sys; psycopg.connect('${PG_URL%/*}/postgres', connect_timeout=3).close()" 2>/dev/null; then
    DATABASE_URL=$PG_URL run_pytest "PostgreSQL ($PG_URL)"
elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "PostgreSQL at $PG_URL is unreachable"; status=1
else
    step "PostgreSQL unreachable at $PG_URL: skipped (set REQUIRE_POSTGRES=1 to fail instead)"
fi

step "result: $([ $status -eq 0 ] && echo PASSED || echo FAILED)"
exit $status
