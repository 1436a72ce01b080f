"""Inbox: updates taken from a messenger, recorded before the messenger is told they
arrived, so that a crash loses none.

Life of a row: received (written before acknowledging) → handled (`handled_at`, in the
same transaction as the turn's effects, with the replies the turn gave) → replied
(`replied_at`, once those replies were delivered or handed to the outbox). On start,
replies cut off by the last stop are handed to the outbox, and unhandled rows are
handled first, in order. Rows are keyed by (channel, bot, update_id): a redelivered
update is recorded once.

Handling goes chat by chat: `waiting_chats` says which chats have rows to handle (the
one waiting longest first), and `unhandled` with a chat gives that chat's rows in the
order they arrived, so that chats are handled side by side and each in order.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.audit import dumps
from storage.backends import Backend, Row
from storage.clock import from_db, to_db


@dataclass(frozen=True, slots=True)
class Arrival:
    """An update as it came in, before it is recorded."""

    update_id: str
    chat_key: str  # the chat it belongs to ("" when it belongs to none)
    payload: dict[str, Any]
    sender_key: str = ""  # the person who sent it, within the chat ("" when no one)


@dataclass(frozen=True, slots=True)
class InboxUpdate:
    id: int
    update_id: str
    chat_key: str
    payload: dict[str, Any]
    received_at: dt.datetime
    sender_key: str = ""


@dataclass(frozen=True, slots=True)
class Recent:
    """A sender's updates within a window, up to and including one update."""

    arrived: int  # how many of theirs arrived in the window
    skipped: int  # how many of those, before the update, were skipped for flooding


@dataclass(frozen=True, slots=True)
class Unreplied:
    """A handled update whose replies may not have reached the person."""

    id: int
    update_id: str
    chat_key: str
    replies: list[dict[str, Any]]  # outbox payloads (handlers.queued_replies.to_payload)


def _update(row: Row) -> InboxUpdate:
    return InboxUpdate(
        id=row["id"],
        update_id=row["update_id"],
        chat_key=row["chat_key"],
        payload=json.loads(row["payload_json"]),
        received_at=from_db(row["received_at"]),
        sender_key=row["sender_key"],
    )


class Inbox:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def record(self, channel: str, bot: str, arrivals: Sequence[Arrival]) -> int:
        """Write the updates in one transaction; how many were new (a redelivered one
        is already there)."""
        added = 0
        async with self._db.transaction() as tx:
            for arrival in arrivals:
                added += await tx.execute(
                    "INSERT INTO inbox (channel, bot, update_id, chat_key, sender_key,"
                    " payload_json, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (
                        channel,
                        bot,
                        arrival.update_id,
                        arrival.chat_key,
                        arrival.sender_key,
                        dumps(arrival.payload),
                        tx.stamp,
                    ),
                )
        return added

    async def unhandled(
        self, channel: str, bot: str, limit: int = 100, *, chat_key: str | None = None
    ) -> list[InboxUpdate]:
        """The oldest updates not handled yet (of one chat, if given), in the order they
        arrived."""
        chat = "" if chat_key is None else " AND chat_key = ?"
        rows = await self._db.fetch_all(
            "SELECT id, update_id, chat_key, sender_key, payload_json, received_at FROM inbox"
            f" WHERE channel = ? AND bot = ? AND handled_at IS NULL{chat} ORDER BY id LIMIT ?",
            (channel, bot, limit) if chat_key is None else (channel, bot, chat_key, limit),
        )
        return [_update(row) for row in rows]

    async def waiting_chats(self, channel: str, bot: str, limit: int) -> list[str]:
        """The chats with updates not handled yet, the one whose oldest waited longest
        first."""
        rows = await self._db.fetch_all(
            "SELECT chat_key, MIN(id) AS first_id FROM inbox"
            " WHERE channel = ? AND bot = ? AND handled_at IS NULL"
            " GROUP BY chat_key ORDER BY first_id LIMIT ?",
            (channel, bot, limit),
        )
        return [str(row["chat_key"]) for row in rows]

    async def handled(
        self,
        channel: str,
        bot: str,
        update_id: str,
        replies: Sequence[dict[str, Any]] = (),
        *,
        skipped: str | None = None,
    ) -> bool:
        """Mark an update handled, with the replies still to deliver (none: nothing to
        deliver), or `skipped` for a reason without a turn; False if it was not in the
        inbox or handled already. Call it in the transaction of the turn's effects."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE inbox SET handled_at = ?, replies_json = ?, replied_at = ?, skipped = ?"
                " WHERE channel = ? AND bot = ? AND update_id = ? AND handled_at IS NULL",
                (
                    tx.stamp,
                    json.dumps(list(replies), ensure_ascii=False) if replies else None,
                    None if replies else tx.stamp,
                    skipped,
                    channel,
                    bot,
                    update_id,
                ),
            )
        return changed == 1

    async def recent(
        self, channel: str, bot: str, update: InboxUpdate, since: dt.datetime
    ) -> Recent:
        """How many updates the sender of `update` sent in its chat from `since` up to
        it, and how many of those before it were skipped for flooding."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS arrived,"
            " COALESCE(SUM(CASE WHEN skipped IS NOT NULL AND id < ? THEN 1 ELSE 0 END), 0)"
            " AS skipped FROM inbox WHERE channel = ? AND bot = ? AND chat_key = ?"
            " AND sender_key = ? AND received_at >= ? AND id <= ?",
            (update.id, channel, bot, update.chat_key, update.sender_key, to_db(since),
             update.id),
        )  # fmt: skip
        assert row is not None  # an aggregate always has its row
        return Recent(arrived=int(row["arrived"]), skipped=int(row["skipped"]))

    async def replied(self, channel: str, bot: str, update_id: str) -> bool:
        """The replies of a handled update were delivered (or queued in the outbox)."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE inbox SET replied_at = ? WHERE channel = ? AND bot = ?"
                " AND update_id = ? AND handled_at IS NOT NULL AND replied_at IS NULL",
                (tx.stamp, channel, bot, update_id),
            )
        return changed == 1

    async def unreplied(self, channel: str, bot: str, limit: int = 1000) -> list[Unreplied]:
        rows = await self._db.fetch_all(
            "SELECT id, update_id, chat_key, replies_json FROM inbox"
            " WHERE channel = ? AND bot = ? AND handled_at IS NOT NULL AND replied_at IS NULL"
            " ORDER BY id LIMIT ?",
            (channel, bot, limit),
        )
        return [
            Unreplied(
                id=row["id"],
                update_id=row["update_id"],
                chat_key=row["chat_key"],
                replies=json.loads(row["replies_json"] or "[]"),
            )
            for row in rows
        ]

    async def prune(self, before: dt.datetime) -> int:
        """Forget updates handled and replied to that arrived before `before`; how many.
        Unhandled or unreplied rows stay, however old: they are work still to do."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM inbox WHERE received_at < ? AND handled_at IS NOT NULL"
                " AND replied_at IS NOT NULL",
                (to_db(before),),
            )
