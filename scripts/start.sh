#!/usr/bin/env bash
# Install chitieu into .venv and start it: the Telegram bot when CHITIEU_TELEGRAM_TOKEN is
# set (in the environment or .env), otherwise the terminal chat on a demo database.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
token="${CHITIEU_TELEGRAM_TOKEN:-}"
if [ -z "$token" ] && [ -f .env ]; then
  token=$(sed -n 's/^CHITIEU_TELEGRAM_TOKEN=//p' .env | tail -n 1)
fi
if [ -n "$token" ]; then
  .venv/bin/chitieu init
  exec .venv/bin/chitieu run
fi
export CHITIEU_DB="${CHITIEU_DB:-demo.sqlite3}"
.venv/bin/chitieu init --demo
exec .venv/bin/chitieu chat
