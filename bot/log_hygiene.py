"""Libraries that would write tokens or message texts to the log, held to what is safe.

python-telegram-bot logs every Bot API call's parameters and every update at DEBUG
(message texts, names, invite codes in "/start CODE"); httpx and httpcore log each
request's URL at INFO and DEBUG, and Telegram's and Zalo's URLs carry the bot token;
aiosqlite logs each SQL statement's parameters (the SQLite backend quiets it as well).
Raising their levels here holds even when an operator turns the root logger to DEBUG.
"""

from __future__ import annotations

import logging

SAFE_LEVELS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "hpack": logging.WARNING,
    "aiosqlite": logging.INFO,  # every statement with its parameters at DEBUG
}


def quiet_libraries() -> None:
    for name, level in SAFE_LEVELS.items():
        logger = logging.getLogger(name)
        if logger.level < level:
            logger.setLevel(level)
