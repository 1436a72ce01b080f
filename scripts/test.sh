#!/usr/bin/env bash
# Install chitieu with its test tools into .venv and run lint, types and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy indicators storage handlers bot locales
.venv/bin/python -m pytest "$@"
