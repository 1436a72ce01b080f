#!/usr/bin/env bash
# Install chitieu with its test tools into .venv and run lint, types and tests; then the
# date-sensitive tests again with the machine's clock moved (see tests/conftest.py), so
# that a test passing only on today's date fails here rather than on some later day.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy indicators storage handlers bot locales tests
.venv/bin/python -m pytest "$@"
if [ "$#" -eq 0 ]; then
  dated=(tests/bot tests/storage tests/indicators/test_periods.py
         tests/indicators/test_reminders.py tests/indicators/test_questions.py)
  # New Year's morning in Vietnam (still 31 December in UTC), and a leap day.
  for moment in 2027-01-01T06:00:00+07:00 2028-02-29T10:00:00+07:00; do
    echo "== the date-sensitive tests with the wall clock at $moment"
    CHITIEU_TEST_WALL_CLOCK="$moment" .venv/bin/python -m pytest "${dated[@]}"
  done
fi
