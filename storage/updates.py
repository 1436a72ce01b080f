"""Processed chat updates, so that a redelivered update is handled once.

Call `mark_processed` inside the same transaction as the update's effects: then either
both the effects and the mark are stored, or neither is and the redelivery is handled
as the first delivery. An update id is unique for one bot on one server only, so the
mark carries the bot (`bot`: the channel's account, e.g. a Telegram bot's id and its
API server); a channel with one account may leave it empty.
"""

from __future__ import annotations

import datetime as dt

from storage.backends import Backend
from storage.clock import to_db


class Updates:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def mark_processed(self, channel: str, update_id: str | int, *, bot: str = "") -> bool:
        """True the first time an update is seen, False on every redelivery."""
        inserted = await self._db.execute(
            "INSERT INTO processed_updates (channel, bot, update_id, processed_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (channel, bot, str(update_id), self._db.stamp()),
        )
        return inserted == 1

    async def is_processed(self, channel: str, update_id: str | int, *, bot: str = "") -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM processed_updates WHERE channel = ? AND bot = ? AND update_id = ?",
            (channel, bot, str(update_id)),
        )
        return row is not None

    async def prune(self, before: dt.datetime) -> int:
        """Forget updates processed before `before` (platforms stop redelivering after a
        day or so); how many were forgotten."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(before),)
            )
