#!/usr/bin/env bash
# The whole test suite: lint and migration checks, then pytest on SQLite and on
# PostgreSQL. `make test` runs this; .ci/run runs `make test`.
#   TEST_POSTGRES_URL   PostgreSQL server to test against
#                       (default postgres://postgres@127.0.0.1:5432/minsheng_test)
#   REQUIRE_POSTGRES=1  fail instead of skipping when that server is unreachable (CI sets it)
#   PYTEST_ARGS         extra pytest arguments
#   PYTEST_WORKERS      parallel pytest processes of each pass (pytest-xdist; default 2, 0 = none)
#   TEST_PASSES_APART=1 run the PostgreSQL pass after the SQLite one, not beside it
#
# The PostgreSQL pass runs beside the SQLite pass (each with its own MINSHENG_VAR_DIR and Redis database): one pass
# alone kept the 2 cores 61 % busy (the rest: browsers, servers and subprocesses waited on, the last slow tests),
# docs/decisions.md. It runs the tests that use the database (--db-tests-only, tests/conftest.py): pytest-django
# refuses the others' queries, so they run the same on both and are read once, in the SQLite pass.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/minsheng_test}
export MINSHENG_VAR_DIR=${MINSHENG_VAR_DIR:-$(mktemp -d)}
# each pytest process (4 in a run) rewrote and compiled every test module again where the machine sets
# PYTHONDONTWRITEBYTECODE: 22 CPU-seconds to collect, 8.6 with the cache (docs/decisions.md, 2026-12-07)
unset PYTHONDONTWRITEBYTECODE
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

pg_reachable() {
    $BIN/python -c "import psycopg,sys; psycopg.connect('${PG_URL%/*}/postgres', connect_timeout=3).close()" 2>/dev/null
}

pg_pass() {  # in a subshell: its exit status is the pass's
    export DATABASE_URL=$PG_URL MINSHENG_VAR_DIR MINSHENG_TEST_REDIS_DB=13
    MINSHENG_VAR_DIR=$(mktemp -d)
    status=0
    run_pytest "PostgreSQL ($PG_URL): the tests that use the database" --db-tests-only
    exit $status
}

pg_pid= pg_after=
if ! pg_reachable; then
    if [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
        echo "PostgreSQL at $PG_URL is unreachable"; status=1
    else
        step "PostgreSQL unreachable at $PG_URL: skipped (set REQUIRE_POSTGRES=1 to fail instead)"
    fi
elif [ "${TEST_PASSES_APART:-0}" = 1 ]; then
    pg_after=1
else
    pg_log=$(mktemp)
    step "pytest on PostgreSQL: runs beside the SQLite pass; its output follows that pass's"
    (pg_pass) >"$pg_log" 2>&1 &
    pg_pid=$!
    trap 'pkill -TERM -P "$pg_pid"; exit 130' INT TERM  # interrupted: the pass beside stops too
fi

run_pytest "SQLite"

if [ -n "$pg_pid" ]; then
    wait "$pg_pid" || status=1
    cat "$pg_log"
    rm -f "$pg_log"
elif [ -n "$pg_after" ]; then
    (pg_pass) || status=1
fi

step "result: $([ $status -eq 0 ] && echo PASSED || echo FAILED)"
exit $status
