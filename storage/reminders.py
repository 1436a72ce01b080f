"""Reminder rounds already queued, so that each goes out once per unit.

A round is recorded in the same transaction that queues its messages: either both
happen or neither, and the primary key (plan, period, unit, kind) turns every later
attempt — the next scheduler tick, a restart, a second process — into a no-op.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from storage.backends import Backend
from storage.clock import from_db
from storage.outbox import NewMessage, Outbox


@dataclass(frozen=True, slots=True)
class SentRound:
    plan_id: str
    period: str
    unit_id: int
    kind: str
    recipients: int
    person_id: int | None
    queued_at: dt.datetime


class ReminderRounds:
    def __init__(self, db: Backend, outbox: Outbox) -> None:
        self._db = db
        self._outbox = outbox

    async def queue(
        self,
        plan_id: str,
        period: str,
        unit_id: int,
        kind: str,
        messages: Sequence[NewMessage],
        *,
        by: int | None = None,
    ) -> bool:
        """Record the round for the unit and queue its messages, atomically; False (and
        nothing queued) if this round was already recorded for the unit."""
        async with self._db.transaction() as tx:
            added = await tx.execute(
                "INSERT INTO reminder_rounds"
                " (plan_id, period, unit_id, kind, recipients, person_id, queued_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (plan_id, period, unit_id, kind, len(messages), by, tx.stamp),
            )
            if not added:
                return False
            if messages:
                await self._outbox.enqueue_many(
                    messages, batch_id=f"reminder:{plan_id}:{period}:{kind}"
                )
        return True

    async def sent(self, plan_id: str, period: str) -> dict[int, set[str]]:
        """The kinds of round each unit got for the period."""
        rows = await self._db.fetch_all(
            "SELECT unit_id, kind FROM reminder_rounds WHERE plan_id = ? AND period = ?",
            (plan_id, period),
        )
        found: dict[int, set[str]] = {}
        for row in rows:
            found.setdefault(row["unit_id"], set()).add(row["kind"])
        return found

    async def history(self, plan_id: str, period: str) -> list[SentRound]:
        rows = await self._db.fetch_all(
            "SELECT plan_id, period, unit_id, kind, recipients, person_id, queued_at"
            " FROM reminder_rounds WHERE plan_id = ? AND period = ? ORDER BY queued_at, unit_id",
            (plan_id, period),
        )
        return [
            SentRound(
                r["plan_id"],
                r["period"],
                r["unit_id"],
                r["kind"],
                r["recipients"],
                r["person_id"],
                from_db(r["queued_at"]),
            )
            for r in rows
        ]
