"""One messenger account's sending rate, shared by every process that sends for it.

Telegram counts about 30 messages a second per bot, not per process: two bot processes
each pacing themselves at the full rate would together draw 429s. When several
processes send (a receiver and its workers, see the README), each send first takes a
slot here: time is cut into short windows, and a window grants at most its share of the
rate to all processes together. The row of a window is taken under its lock, so two
processes never both take its last slot.
"""

from __future__ import annotations

from storage.backends import Backend


class SendBudget:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def take(self, channel: str, window: int, limit: int) -> bool:
        """One send in `window` if all processes together took fewer than `limit`."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                "INSERT INTO send_budget (channel, window_id, used) VALUES (?, ?, 1)"
                " ON CONFLICT (channel, window_id) DO UPDATE SET used = send_budget.used + 1"
                " WHERE send_budget.used < ? RETURNING used",
                (channel, window, limit),
            )
        return row is not None

    async def used(self, channel: str, window: int) -> int:
        value = await self._db.fetch_value(
            "SELECT used FROM send_budget WHERE channel = ? AND window_id = ?", (channel, window)
        )
        return 0 if value is None else int(str(value))

    async def prune(self, channel: str, before: int) -> int:
        """Forget windows that are over; their counts matter no more."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM send_budget WHERE channel = ? AND window_id < ?", (channel, before)
            )
