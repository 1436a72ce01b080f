"""Inbox: updates taken from a messenger, recorded before the messenger is told they
arrived, so that a crash loses none.

Life of a row: received (written before acknowledging) → handled (`handled_at`, in the
same transaction as the turn's effects, with the replies the turn gave) → replied
(`replied_at`, once those replies were delivered or handed to the outbox). On start,
replies cut off by the last stop are handed to the outbox, and unhandled rows are
handled first, in order. Rows are keyed by (channel, bot, update_id): a redelivered
update is recorded once.

Handling goes chat by chat, and several processes may share the work: a worker
`claim`s chats with work left (the one waiting longest first) for a lease it `renew`s
while it works and `release`s when the chat has nothing left; `unhandled` with a chat
gives that chat's rows in the order they arrived, as long as the worker holds it. On
PostgreSQL the claim skips the chats another worker is claiming at the same moment
(`FOR UPDATE SKIP LOCKED`); on SQLite every write transaction excludes the others. A
worker that dies leaves its leases to run out; then another takes its chats, first
handing the replies it may not have delivered to the outbox.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.audit import dumps
from storage.backends import Backend, Row, Tx
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
    # When the update of the same sender in the same chat `back` before this one
    # arrived (`Inbox.pending`); None when there is none, or it was not asked.
    back_at: dt.datetime | None = None


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
    back_at = row.get("back_at")
    return InboxUpdate(
        id=row["id"],
        update_id=row["update_id"],
        chat_key=row["chat_key"],
        payload=json.loads(row["payload_json"]),
        received_at=from_db(row["received_at"]),
        sender_key=row["sender_key"],
        back_at=None if back_at is None else from_db(back_at),
    )


def _unreplied(row: Row) -> Unreplied:
    return Unreplied(
        id=row["id"],
        update_id=row["update_id"],
        chat_key=row["chat_key"],
        replies=json.loads(row["replies_json"] or "[]"),
    )


_RECORDED_AT_ONCE = 500  # rows of one INSERT: 3,500 parameters, within both databases' limits


class Inbox:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def record(self, channel: str, bot: str, arrivals: Sequence[Arrival]) -> int:
        """Write the updates, all or none (up to 500, one statement; a getUpdates answer
        holds at most 100); how many were new (a redelivered one is already there)."""
        added = 0
        stamp = self._db.stamp()
        for start in range(0, len(arrivals), _RECORDED_AT_ONCE):
            batch = arrivals[start : start + _RECORDED_AT_ONCE]
            rows = [
                (channel, bot, a.update_id, a.chat_key, a.sender_key, dumps(a.payload), stamp)
                for a in batch
            ]
            added += await self._db.execute(
                "INSERT INTO inbox (channel, bot, update_id, chat_key, sender_key,"
                " payload_json, received_at) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))
                + " ON CONFLICT DO NOTHING",
                [value for row in rows for value in row],
            )
        return added

    async def unhandled(
        self,
        channel: str,
        bot: str,
        limit: int = 100,
        *,
        chat_key: str | None = None,
        held_by: str | None = None,
    ) -> list[InboxUpdate]:
        """The oldest updates not handled yet (of one chat, if given; only while the
        worker `held_by` holds that chat, if given), in the order they arrived."""
        where, params = self._where(channel, bot, chat_key, held_by)
        rows = await self._db.fetch_all(
            "SELECT id, update_id, chat_key, sender_key, payload_json, received_at FROM inbox"
            f" WHERE {where} AND handled_at IS NULL ORDER BY id LIMIT ?",
            (*params, limit),
        )
        return [_update(row) for row in rows]

    @staticmethod
    def _where(
        channel: str, bot: str, chat_key: str | None, held_by: str | None
    ) -> tuple[str, tuple[str, ...]]:
        where = "channel = ? AND bot = ?"
        params: tuple[str, ...] = (channel, bot)
        if chat_key is not None:
            where += " AND chat_key = ?"
            params += (chat_key,)
        if held_by is not None:
            where += (
                " AND EXISTS (SELECT 1 FROM inbox_chats c WHERE c.channel = inbox.channel"
                " AND c.bot = inbox.bot AND c.chat_key = inbox.chat_key AND c.claimed_by = ?)"
            )
            params += (held_by,)
        return where, params

    async def claim(
        self, channel: str, bot: str, worker: str, limit: int, lease: dt.timedelta
    ) -> list[str]:
        """Take up to `limit` chats with work left that no one holds (or whose holder's
        lease ran out) for `worker`, until `lease` from now; the chats, the one waiting
        longest first."""
        # Most looks find nothing to take: a read says so without a write transaction.
        waiting = await self._db.fetch_one(
            "SELECT 1 AS found FROM inbox i LEFT JOIN inbox_chats c"
            " ON c.channel = i.channel AND c.bot = i.bot AND c.chat_key = i.chat_key"
            " WHERE i.channel = ? AND i.bot = ? AND i.replied_at IS NULL"
            " AND (c.lease_until IS NULL OR c.lease_until < ?) LIMIT 1",
            (channel, bot, to_db(self._db.clock.now())),
        )
        if waiting is None:
            return []
        async with self._db.transaction() as tx:
            # A chat's row is made when it is first claimed, so that recording an update
            # (on the receiving path) stays one insert.
            await tx.execute(
                "INSERT INTO inbox_chats (channel, bot, chat_key)"
                " SELECT DISTINCT channel, bot, chat_key FROM inbox"
                " WHERE channel = ? AND bot = ? AND replied_at IS NULL"
                " ON CONFLICT DO NOTHING",
                (channel, bot),
            )
            # More candidates than places: other workers may be taking the first ones.
            candidates = await tx.fetch_all(
                "SELECT i.chat_key, MIN(i.id) AS first_id FROM inbox i JOIN inbox_chats c"
                " ON c.channel = i.channel AND c.bot = i.bot AND c.chat_key = i.chat_key"
                " WHERE i.channel = ? AND i.bot = ? AND i.replied_at IS NULL"
                " AND (c.lease_until IS NULL OR c.lease_until < ?)"
                " GROUP BY i.chat_key ORDER BY first_id LIMIT ?",
                (channel, bot, tx.stamp, limit * 4),
            )
            if not candidates:
                return []
            if self._db.dialect.sole_writer:
                # No other writer since the look, under this transaction's lock: the
                # leases it saw are the leases.
                chats = [str(c["chat_key"]) for c in candidates[:limit]]
            else:
                chats = await self._lock_free(tx, channel, bot, candidates, limit)
            if chats:
                marks = ", ".join("?" * len(chats))
                await tx.execute(
                    "UPDATE inbox_chats SET claimed_by = ?, lease_until = ?"
                    f" WHERE channel = ? AND bot = ? AND chat_key IN ({marks})",
                    (worker, to_db(tx.now + lease), channel, bot, *chats),
                )
        return chats

    async def _lock_free(
        self, tx: Tx, channel: str, bot: str, candidates: Sequence[Row], limit: int
    ) -> list[str]:
        """Up to `limit` of the candidate chats, each locked while its lease is still
        free. One at a time, in order: a lock taken is a chat kept from the others, so
        no more are locked than taken. The lease is read again under the lock: another
        worker may have taken the chat since the look."""
        chats: list[str] = []
        for candidate in candidates:
            locked = await tx.fetch_one(
                "SELECT chat_key FROM inbox_chats WHERE channel = ? AND bot = ?"
                " AND chat_key = ? AND (lease_until IS NULL OR lease_until < ?)"
                + self._db.dialect.skip_locked,
                (channel, bot, candidate["chat_key"], tx.stamp),
            )
            if locked is not None:
                chats.append(str(locked["chat_key"]))
                if len(chats) == limit:
                    break
        return chats

    async def holders(self, channel: str, bot: str, prefix: str) -> list[str]:
        """The workers whose name starts with `prefix` holding chats, lease run out or not."""
        # As many rows as processes holding chats: a few, filtered here rather than with
        # LIKE, where a host name's "_" would be a wildcard.
        rows = await self._db.fetch_all(
            "SELECT DISTINCT claimed_by FROM inbox_chats WHERE channel = ? AND bot = ?"
            " AND claimed_by IS NOT NULL",
            (channel, bot),
        )
        holders = [str(row["claimed_by"]) for row in rows]
        return [holder for holder in holders if holder.startswith(prefix)]

    async def release_all(self, channel: str, bot: str, worker: str) -> int:
        """Give back every chat `worker` holds (it is known to be gone); how many."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE inbox_chats SET claimed_by = NULL, lease_until = NULL"
                " WHERE channel = ? AND bot = ? AND claimed_by = ?",
                (channel, bot, worker),
            )

    async def renew(self, channel: str, bot: str, worker: str, lease: dt.timedelta) -> int:
        """Extend the lease of every chat `worker` holds to `lease` from now; how many."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE inbox_chats SET lease_until = ?"
                " WHERE channel = ? AND bot = ? AND claimed_by = ?",
                (to_db(tx.now + lease), channel, bot, worker),
            )

    async def release(
        self,
        channel: str,
        bot: str,
        worker: str,
        chat_key: str,
        *,
        replied: Sequence[str] = (),
        if_done: bool = False,
    ) -> bool:
        """The worker is done with the chat (if it still held it), the replies of the
        updates `replied` delivered. With `if_done`, only if the chat has no work left:
        an update recorded since the worker's last look keeps it the worker's (False).

        One transaction, not two statements each alone: the second would wait for the
        writer again, behind another chat's turn, and the chat stay held meanwhile; a
        person's next message then came before the release more often and was answered
        at once, unpaced (bench/turns.py: 355 answers of 429 a run instead of 59)."""
        async with self._db.transaction() as tx:
            if replied:
                await self._replied(channel, bot, replied)
            done = (
                " AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.channel = inbox_chats.channel"
                " AND i.bot = inbox_chats.bot AND i.chat_key = inbox_chats.chat_key"
                " AND i.replied_at IS NULL)"
                if if_done
                else ""
            )
            changed = await tx.execute(
                "UPDATE inbox_chats SET claimed_by = NULL, lease_until = NULL"
                " WHERE channel = ? AND bot = ? AND chat_key = ? AND claimed_by = ?" + done,
                (channel, bot, chat_key, worker),
            )
        return changed == 1

    async def handled(
        self,
        channel: str,
        bot: str,
        update_id: str,
        replies: Sequence[dict[str, Any]] = (),
        *,
        skipped: str | None = None,
        replied: Sequence[str] = (),
    ) -> bool:
        """Mark an update handled, with the replies still to deliver (none: nothing to
        deliver), or `skipped` for a reason without a turn; False if it was not in the
        inbox or handled already. Call it in the transaction of the turn's effects.

        The updates `replied` (of the same chat, handled before) had their replies
        delivered meanwhile: marked so by the same statement, which spares each turn
        after a chat's first the statement of its own (undone with the turn if the turn
        is undone: their marks are then still to make)."""
        stamp = self._db.stamp()
        replies_json = json.dumps(list(replies), ensure_ascii=False) if replies else None
        replied = [u for u in replied if u != update_id]  # the statement tells them apart
        if not replied:
            changed = await self._db.execute(
                "UPDATE inbox SET handled_at = ?, replies_json = ?, replied_at = ?, skipped = ?"
                " WHERE channel = ? AND bot = ? AND update_id = ? AND handled_at IS NULL",
                (stamp, replies_json, None if replies else stamp, skipped, channel, bot,
                 update_id),
            )  # fmt: skip
            return changed == 1
        # A row of the update itself is not handled yet; one of `replied` is: in SET, each
        # column's old value tells which of the two a row is.
        marks = ", ".join("?" * len(replied))
        rows = await self._db.execute_returning(
            "UPDATE inbox SET handled_at = CASE WHEN handled_at IS NULL THEN ? ELSE handled_at END,"
            " replies_json = CASE WHEN handled_at IS NULL THEN ? ELSE replies_json END,"
            " replied_at = CASE WHEN handled_at IS NULL THEN ? ELSE ? END,"
            " skipped = CASE WHEN handled_at IS NULL THEN ? ELSE skipped END"
            " WHERE channel = ? AND bot = ? AND ((update_id = ? AND handled_at IS NULL)"
            f" OR (update_id IN ({marks}) AND handled_at IS NOT NULL AND replied_at IS NULL))"
            " RETURNING update_id",
            (stamp, replies_json, None if replies else stamp, stamp, skipped, channel, bot,
             update_id, *replied),
        )  # fmt: skip
        return any(row["update_id"] == update_id for row in rows)

    async def skip_burst(
        self, channel: str, bot: str, update: InboxUpdate, skipped: str
    ) -> list[str]:
        """Mark `update` handled without a turn (`skipped` says why), and with it every
        later update of its sender in its chat recorded at the same moment (one batch
        from the messenger), which is then one too many as well; their update ids."""
        stamp = self._db.stamp()
        rows = await self._db.fetch_all(
            "UPDATE inbox SET handled_at = ?, replied_at = ?, skipped = ?"
            " WHERE channel = ? AND bot = ? AND chat_key = ? AND sender_key = ?"
            " AND received_at = ? AND id >= ? AND handled_at IS NULL RETURNING update_id",
            (stamp, stamp, skipped, channel, bot, update.chat_key, update.sender_key,
             to_db(update.received_at), update.id),
        )  # fmt: skip
        return [str(row["update_id"]) for row in rows]

    async def holds(self, channel: str, bot: str, update_id: str) -> bool:
        """Whether the update was recorded in the inbox (handled or not)."""
        row = await self._db.fetch_one(
            "SELECT 1 AS found FROM inbox WHERE channel = ? AND bot = ? AND update_id = ?",
            (channel, bot, update_id),
        )
        return row is not None

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

    async def replied(self, channel: str, bot: str, *update_ids: str) -> int:
        """The replies of handled updates were delivered (or queued in the outbox); how
        many of them were waiting for that."""
        return await self._replied(channel, bot, update_ids)

    async def _replied(self, channel: str, bot: str, update_ids: Sequence[str]) -> int:
        marks = ", ".join("?" * len(update_ids))
        return await self._db.execute(
            "UPDATE inbox SET replied_at = ? WHERE channel = ? AND bot = ?"
            f" AND update_id IN ({marks}) AND handled_at IS NOT NULL AND replied_at IS NULL",
            (self._db.stamp(), channel, bot, *update_ids),
        )

    async def pending(
        self, channel: str, bot: str, chat_key: str, held_by: str, limit: int, *, back: int
    ) -> tuple[list[Unreplied], list[InboxUpdate]]:
        """The work of a chat the worker `held_by` holds, in the order it arrived (none
        once it does not hold it): updates handled whose replies may not have reached
        the person (a stop or a dead worker cut them off), and updates not handled yet,
        each with when its sender's update `back` before it arrived (`back_at`: how
        fast they are sending, without a read of its own; see `recent`). One read for
        all of it, as a worker asks it at every look."""
        where, params = self._where(channel, bot, chat_key, held_by)
        # In the order of the sender index (arrival, then id): the rows before this one.
        rows = await self._db.fetch_all(
            "SELECT id, update_id, chat_key, sender_key, payload_json, received_at,"
            " handled_at, replies_json, (SELECT b.received_at FROM inbox b"
            " WHERE b.channel = inbox.channel AND b.bot = inbox.bot"
            " AND b.chat_key = inbox.chat_key AND b.sender_key = inbox.sender_key"
            " AND b.id <= inbox.id ORDER BY b.received_at DESC, b.id DESC LIMIT 1 OFFSET ?)"
            f" AS back_at FROM inbox WHERE {where} AND replied_at IS NULL"
            " ORDER BY id LIMIT ?",
            (back, *params, limit),
        )
        cut_off = [_unreplied(row) for row in rows if row["handled_at"] is not None]
        return cut_off, [_update(row) for row in rows if row["handled_at"] is None]

    async def unreplied(
        self, channel: str, bot: str, limit: int = 1000, *, chat_key: str | None = None
    ) -> list[Unreplied]:
        """Handled updates whose replies may not have reached the person (of one chat,
        if given), in the order they arrived."""
        where, params = self._where(channel, bot, chat_key, None)
        rows = await self._db.fetch_all(
            "SELECT id, update_id, chat_key, replies_json FROM inbox"
            f" WHERE {where} AND handled_at IS NOT NULL AND replied_at IS NULL"
            " ORDER BY id LIMIT ?",
            (*params, limit),
        )
        return [_unreplied(row) for row in rows]

    async def prune(self, before: dt.datetime) -> int:
        """Forget updates handled and replied to that arrived before `before`; how many.
        Unhandled or unreplied rows stay, however old: they are work still to do."""
        async with self._db.transaction() as tx:
            pruned = await tx.execute(
                "DELETE FROM inbox WHERE received_at < ? AND handled_at IS NOT NULL"
                " AND replied_at IS NOT NULL",
                (to_db(before),),
            )
            # A chat nobody holds and with nothing left; made again at its next claim.
            await tx.execute(
                "DELETE FROM inbox_chats WHERE claimed_by IS NULL AND NOT EXISTS"
                " (SELECT 1 FROM inbox i WHERE i.channel = inbox_chats.channel"
                " AND i.bot = inbox_chats.bot AND i.chat_key = inbox_chats.chat_key)"
            )
        return pruned
