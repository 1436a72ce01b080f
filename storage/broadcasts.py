"""Broadcasts: an announcement's messages are outbox rows sharing its batch id; the row
here remembers who sent it and where to report the final count."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from storage.audit import write_audit
from storage.backends import Backend, Row
from storage.clock import from_db, optional_from_db
from storage.outbox import NewMessage, Outbox, OutboxState

_COLUMNS = (
    "batch_id, person_id, unit_id, audience, text, reply_channel, reply_to, recipients,"
    " created_at, finished_at"
)


@dataclass(frozen=True, slots=True)
class Broadcast:
    batch_id: str
    person_id: int
    unit_id: int | None
    audience: str
    text: str
    reply_channel: str
    reply_to: str
    recipients: int
    created_at: dt.datetime
    finished_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Undelivered:
    recipient: str
    person_id: int | None
    error: str | None


def _broadcast(row: Row) -> Broadcast:
    return Broadcast(
        batch_id=row["batch_id"],
        person_id=row["person_id"],
        unit_id=row["unit_id"],
        audience=row["audience"],
        text=row["text"],
        reply_channel=row["reply_channel"],
        reply_to=row["reply_to"],
        recipients=row["recipients"],
        created_at=from_db(row["created_at"]),
        finished_at=optional_from_db(row["finished_at"]),
    )


class Broadcasts:
    def __init__(self, db: Backend, outbox: Outbox) -> None:
        self._db = db
        self._outbox = outbox

    async def create(
        self,
        batch_id: str,
        *,
        person_id: int,
        unit_id: int | None,
        audience: str,
        text: str,
        reply_channel: str,
        reply_to: str,
        messages: Sequence[NewMessage],
    ) -> int:
        """Record the broadcast and queue its messages in one transaction; how many."""
        async with self._db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO broadcasts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    batch_id,
                    person_id,
                    unit_id,
                    audience,
                    text,
                    reply_channel,
                    reply_to,
                    len(messages),
                    tx.stamp,
                ),
            )
            added = await self._outbox.enqueue_many(messages, batch_id=batch_id)
            await write_audit(
                tx,
                person_id,
                "broadcast.queued",
                {"batch_id": batch_id, "audience": audience, "recipients": added},
            )
        return added

    async def get(self, batch_id: str) -> Broadcast | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE batch_id = ?", (batch_id,)
        )
        return None if row is None else _broadcast(row)

    async def progress(self, batch_id: str) -> dict[OutboxState, int]:
        return await self._outbox.batch_progress(batch_id)

    async def ready_to_finish(self) -> list[Broadcast]:
        """Unfinished broadcasts none of whose messages is waiting or being sent."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM broadcasts b WHERE b.finished_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.batch_id = b.batch_id"
            " AND o.state IN ('pending', 'sending', 'failed')) ORDER BY b.created_at"
        )
        return [_broadcast(row) for row in rows]

    async def finish(self, batch_id: str, report: NewMessage | None) -> bool:
        """Mark the broadcast finished and queue its final report, atomically; False if it
        was already finished (the report then is not queued again)."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE broadcasts SET finished_at = ? WHERE batch_id = ? AND finished_at IS NULL",
                (tx.stamp, batch_id),
            )
            if not changed:
                return False
            if report is not None:
                await self._outbox.enqueue_many([report])
        return True

    async def undelivered(self, batch_id: str) -> list[Undelivered]:
        """The messages of the broadcast given up on, with why."""
        rows = await self._db.fetch_all(
            "SELECT recipient, payload_json, last_error FROM outbox"
            " WHERE batch_id = ? AND state = 'dead' ORDER BY id",
            (batch_id,),
        )
        found = []
        for row in rows:
            person = json.loads(row["payload_json"]).get("person_id")
            found.append(
                Undelivered(
                    row["recipient"], person if isinstance(person, int) else None, row["last_error"]
                )
            )
        return found
