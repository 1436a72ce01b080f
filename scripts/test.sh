#!/usr/bin/env bash
# Install chitieu with its test tools into .venv and run lint, types and tests; then the
# date-sensitive tests again with the machine's clock moved (see tests/conftest.py), so
# that a test passing only on today's date fails here rather than on some later day.
#
# The tests start a throwaway PostgreSQL server of their own (tests/postgres_server.py)
# from the machine's PostgreSQL binaries; without them the PostgreSQL tests are skipped.
# In CI (CI=true) they must run: PostgreSQL is installed if missing, and
# CHITIEU_REQUIRE_POSTGRES=1 turns a skip into a failure. SQLite only, on any machine:
#   .venv/bin/python -m pytest -m "not postgresql"
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CI:-}" = "true" ]; then
  export CHITIEU_REQUIRE_POSTGRES=1
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
    echo "== installing PostgreSQL for its tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy indicators storage handlers bot locales tests bench
.venv/bin/python -m pytest "$@"
if [ "$#" -eq 0 ]; then
  dated=(tests/bot tests/storage tests/indicators/test_periods.py
         tests/indicators/test_reminders.py tests/indicators/test_questions.py)
  # New Year's morning in Vietnam (still 31 December in UTC), and a leap day. SQLite
  # only: no query of the PostgreSQL backend reads the server's clock (every timestamp
  # comes from the Clock), so the second backend adds time here but no coverage.
  for moment in 2027-01-01T06:00:00+07:00 2028-02-29T10:00:00+07:00; do
    echo "== the date-sensitive tests with the wall clock at $moment"
    CHITIEU_TEST_WALL_CLOCK="$moment" .venv/bin/python -m pytest -m "not postgresql" "${dated[@]}"
  done
fi
