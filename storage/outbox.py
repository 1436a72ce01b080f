"""Outbox: messages waiting to be sent, so that a reply or a broadcast survives a crash
and a failed send is retried.

Life of a message: pending → sending (claimed by the sender) → sent; or failed (waiting
for `next_attempt_at`, then claimed again) and finally dead when retrying is pointless.
Delivery is at least once: a message being sent when the bot crashed goes back to
pending and may arrive twice. `dedupe_key` makes enqueueing idempotent (a reminder
for "unit 12, 2025-Q3, first notice" is queued once however often the scheduler runs).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from storage.audit import dumps
from storage.backends import Backend, Row, StorageError, Tx
from storage.clock import from_db, optional_from_db, to_db


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class NewMessage:
    channel: str
    recipient: str
    payload: dict[str, Any]
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    channel: str
    recipient: str
    payload: dict[str, Any]
    state: OutboxState
    attempts: int
    next_attempt_at: dt.datetime
    dedupe_key: str | None
    batch_id: str | None
    last_error: str | None
    created_at: dt.datetime
    claimed_at: dt.datetime | None
    sent_at: dt.datetime | None


_COLUMNS = (
    "id, channel, recipient, payload_json, state, attempts, next_attempt_at, dedupe_key,"
    " batch_id, last_error, created_at, claimed_at, sent_at"
)
_WAITING = "state IN ('pending', 'failed')"


def _message(row: Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        channel=row["channel"],
        recipient=row["recipient"],
        payload=json.loads(row["payload_json"]),
        state=OutboxState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=from_db(row["next_attempt_at"]),
        dedupe_key=row["dedupe_key"],
        batch_id=row["batch_id"],
        last_error=row["last_error"],
        created_at=from_db(row["created_at"]),
        claimed_at=optional_from_db(row["claimed_at"]),
        sent_at=optional_from_db(row["sent_at"]),
    )


class Outbox:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def enqueue(
        self,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        *,
        dedupe_key: str | None = None,
        batch_id: str | None = None,
        not_before: dt.datetime | None = None,
    ) -> int:
        """Queue a message; its id. With a `dedupe_key` already queued, nothing is added
        and the id of the message queued before is given."""
        async with self._db.transaction() as tx:
            message_id, _ = await self._insert(
                tx, NewMessage(channel, recipient, payload, dedupe_key), batch_id, not_before
            )
        return message_id

    async def enqueue_many(
        self,
        messages: Sequence[NewMessage],
        *,
        batch_id: str | None = None,
        not_before: dt.datetime | None = None,
    ) -> int:
        """Queue a broadcast in one transaction; how many messages were new."""
        added = 0
        async with self._db.transaction() as tx:
            for message in messages:
                _, created = await self._insert(tx, message, batch_id, not_before)
                added += created
        return added

    async def _insert(
        self,
        tx: Tx,
        message: NewMessage,
        batch_id: str | None,
        not_before: dt.datetime | None,
    ) -> tuple[int, bool]:
        created_at = tx.stamp
        row = await tx.fetch_one(
            "INSERT INTO outbox (channel, recipient, payload_json, state, next_attempt_at,"
            " dedupe_key, batch_id, created_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)"
            " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            (
                message.channel,
                str(message.recipient),
                dumps(message.payload),
                created_at if not_before is None else to_db(not_before),
                message.dedupe_key,
                batch_id,
                created_at,
            ),
        )
        if row is not None:
            return int(row["id"]), True
        existing = await tx.fetch_value(
            "SELECT id FROM outbox WHERE dedupe_key = ?", (message.dedupe_key,)
        )
        if not isinstance(existing, int):
            raise StorageError(f"outbox message {message.dedupe_key!r} neither queued nor found")
        return existing, False

    async def get(self, message_id: int) -> OutboxMessage | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (message_id,))
        return None if row is None else _message(row)

    async def due(self, limit: int = 100) -> list[OutboxMessage]:
        """Messages waiting to be sent whose time has come, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM outbox WHERE {_WAITING} AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (to_db(self._db.clock.now()), limit),
        )
        return [_message(row) for row in rows]

    async def claim(self, message_id: int) -> bool:
        """Take a waiting message for sending; False if someone else took it (or it is not
        waiting). Counts an attempt."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET state = 'sending', claimed_at = ?, attempts = attempts + 1"
                f" WHERE id = ? AND {_WAITING}",
                (tx.stamp, message_id),
            )
        return changed == 1

    async def claim_due(
        self, limit: int = 100, *, channel: str | None = None
    ) -> list[OutboxMessage]:
        """`due` and `claim` in one transaction: the claimed messages (of `channel` only,
        when given, so that each channel's sender takes its own)."""
        channel_condition = "" if channel is None else " AND channel = ?"
        channel_params = () if channel is None else (channel,)
        async with self._db.transaction() as tx:
            at = tx.stamp
            # The UPDATE below trusts this SELECT, so no other claimer may pick the same
            # rows meanwhile: SQLite's single writer already keeps them out; a database
            # with concurrent writers locks the rows (FOR UPDATE SKIP LOCKED), so that
            # two senders take different messages instead of waiting or doubling up.
            rows = await tx.fetch_all(
                f"SELECT id FROM outbox WHERE {_WAITING} AND next_attempt_at <= ?"
                f"{channel_condition} ORDER BY next_attempt_at, id LIMIT ?"
                f"{self._db.dialect.skip_locked}",
                (at, *channel_params, limit),
            )
            return await _claim(tx, [row["id"] for row in rows], "next_attempt_at, id")

    async def claim_for_person(self, channel: str, person_id: int) -> list[OutboxMessage]:
        """Claim every waiting message of `channel` to one of the person's chats there,
        oldest first: the terminal hands a person what was queued for them when they
        open it, since no sender runs for it."""
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(
                f"SELECT id FROM outbox WHERE {_WAITING} AND channel = ? AND recipient IN"
                " (SELECT chat_id FROM identities WHERE person_id = ? AND channel = ?"
                " AND chat_id IS NOT NULL) ORDER BY created_at, id",
                (channel, person_id, channel),
            )
            return await _claim(tx, [row["id"] for row in rows], "created_at, id")

    async def mark_sent(self, message_id: int) -> bool:
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL"
                " WHERE id = ? AND state <> 'sent'",
                (tx.stamp, message_id),
            )
        return changed == 1

    async def mark_failed(self, message_id: int, error: str, *, retry_at: dt.datetime) -> bool:
        """A failed attempt worth retrying at `retry_at`."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET state = 'failed', last_error = ?, next_attempt_at = ?"
                " WHERE id = ? AND state IN ('sending', 'pending', 'failed')",
                (error, to_db(retry_at), message_id),
            )
        return changed == 1

    async def mark_dead(self, message_id: int, error: str) -> bool:
        """Give up on a message (recipient blocked the bot, too many attempts)."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET state = 'dead', last_error = ?"
                " WHERE id = ? AND state IN ('sending', 'pending', 'failed')",
                (error, message_id),
            )
        return changed == 1

    async def reroute(
        self,
        message_id: int,
        *,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        reason: str,
    ) -> bool:
        """Send a claimed message through another channel instead (the person's other
        messenger), keeping its place in its batch; `reason` says why it moved."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET channel = ?, recipient = ?, payload_json = ?,"
                " state = 'pending', attempts = 0, next_attempt_at = ?, last_error = ?"
                " WHERE id = ? AND state = 'sending'",
                (channel, recipient, dumps(payload), tx.stamp, reason, message_id),
            )
        return changed == 1

    async def batch_progress(self, batch_id: str) -> dict[OutboxState, int]:
        """How many messages of a broadcast are in each state (every state present)."""
        rows = await self._db.fetch_all(
            "SELECT state, COUNT(*) AS n FROM outbox WHERE batch_id = ? GROUP BY state",
            (batch_id,),
        )
        counts = dict.fromkeys(OutboxState, 0)
        for row in rows:
            counts[OutboxState(row["state"])] = row["n"]
        return counts

    async def release(self, message_ids: Sequence[int]) -> int:
        """Claimed messages this process will not send after all (it is stopping): back to
        pending for whoever sends next; how many."""
        if not message_ids:
            return 0
        marks = ", ".join("?" * len(message_ids))
        async with self._db.transaction() as tx:
            return await tx.execute(
                f"UPDATE outbox SET state = 'pending' WHERE state = 'sending' AND id IN ({marks})",
                tuple(message_ids),
            )

    async def reset_stale_sending(self, claimed_before: dt.datetime | None = None) -> int:
        """Put messages stuck in 'sending' back to pending; how many. At startup call it
        without a cutoff: whatever was being sent when the process died is stale."""
        async with self._db.transaction() as tx:
            if claimed_before is None:
                return await tx.execute(
                    "UPDATE outbox SET state = 'pending' WHERE state = 'sending'"
                )
            return await tx.execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'sending' AND claimed_at < ?",
                (to_db(claimed_before),),
            )


async def _claim(tx: Tx, ids: list[int], order: str) -> list[OutboxMessage]:
    """Mark the messages as being sent (one more attempt) and read them back in `order`."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    await tx.execute(
        "UPDATE outbox SET state = 'sending', claimed_at = ?, attempts = attempts + 1"
        f" WHERE id IN ({marks})",
        (tx.stamp, *ids),
    )
    claimed = await tx.fetch_all(
        f"SELECT {_COLUMNS} FROM outbox WHERE id IN ({marks}) ORDER BY {order}", ids
    )
    return [_message(row) for row in claimed]
