#!/usr/bin/env bash
# Install chitieu into .venv and start it: every configured channel when a Telegram or Zalo
# setting is present (in the environment or .env), otherwise the terminal chat on a demo
# database.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
# Any configured channel (Telegram, the Zalo Bot, the Zalo Official Account) means run.
configured() {
  local value="${!1:-}"
  if [ -z "$value" ] && [ -f .env ]; then
    value=$(sed -n "s/^$1=//p" .env | tail -n 1)
  fi
  [ -n "$value" ]
}
if configured CHITIEU_TELEGRAM_TOKEN || configured CHITIEU_ZALO_BOT_TOKEN \
  || configured CHITIEU_ZALO_APP_ID; then
  .venv/bin/chitieu init
  exec .venv/bin/chitieu run
fi
export CHITIEU_DB="${CHITIEU_DB:-demo.sqlite3}"
.venv/bin/chitieu init --demo
exec .venv/bin/chitieu chat
