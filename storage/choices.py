"""The numbered choices last shown in a chat without buttons, so that a "/2" typed after a
restart of the bot still presses the second of them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from storage.backends import Backend
from storage.clock import to_db


class ShownChoices:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def remember(self, channel: str, chat_id: str, data: Sequence[str]) -> None:
        """Keep `data` (the buttons' payloads, in their numbers' order); none forgets."""
        async with self._db.transaction() as tx:
            if not data:
                await tx.execute(
                    "DELETE FROM shown_choices WHERE channel = ? AND chat_id = ?",
                    (channel, chat_id),
                )
                return
            await tx.execute(
                "INSERT INTO shown_choices (channel, chat_id, data, shown_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (channel, chat_id)"
                " DO UPDATE SET data = excluded.data, shown_at = excluded.shown_at",
                (channel, chat_id, json.dumps(list(data), ensure_ascii=False), tx.stamp),
            )

    async def recall(self, channel: str, chat_id: str) -> tuple[str, ...]:
        row = await self._db.fetch_one(
            "SELECT data FROM shown_choices WHERE channel = ? AND chat_id = ?",
            (channel, chat_id),
        )
        if row is None:
            return ()
        data = json.loads(row["data"])
        return tuple(str(item) for item in data) if isinstance(data, list) else ()

    async def prune(self, before: dt.datetime) -> int:
        """Forget choices shown before `before`: nobody answers a list that old."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM shown_choices WHERE shown_at < ?", (to_db(before),)
            )
