"""Review and lock of a period: an official's decision on each figure, the lock, and the
changes proposed after it.

A lock on (plan, period, unit) covers the unit's subtree. A figure recorded for a locked
cell is not a version yet: it waits as a proposal until an official approves it, and the
approved proposal then becomes a version like any other, whose proposal row says who
approved it. Nothing here updates a report value or deletes a decision.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from indicators.values import AnyValue, value_from_data, value_to_data
from storage.audit import dumps, write_audit
from storage.backends import Backend, Row, StorageError, Tx
from storage.clock import from_db, optional_from_db
from storage.units import ANCESTRY_CTE
from storage.values import NewValue, StoredValue, Values, is_current


class Decision(StrEnum):
    ACCEPTED = "accepted"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class Lock:
    plan_id: str
    period: str
    unit_id: int  # the unit whose subtree is locked
    locked_by: int | None
    locked_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ValueReview:
    """An official's decision on one version of a figure."""

    id: int
    value_id: int
    decision: Decision
    comment: str | None
    person_id: int | None
    at: dt.datetime
    # The cell of the version decided on.
    unit_id: int
    plan_id: str
    indicator_code: str
    period: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A figure for a locked period, waiting for (or given) an official's decision."""

    id: int
    unit_id: int
    plan_id: str
    indicator_code: str
    period: str
    value: AnyValue
    note: str | None
    person_id: int | None
    channel: str | None
    proposed_at: dt.datetime
    approved: bool | None  # None while waiting
    decided_by: int | None
    decided_at: dt.datetime | None
    value_id: int | None  # the version an approval recorded


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a batch of figures became: versions, and proposals for the locked cells."""

    stored: list[StoredValue]
    proposals: list[Proposal]
    unchanged: list[NewValue]  # locked cells typed again as they stand: nothing to approve


_REVIEW_COLUMNS = (
    "r.id, r.value_id, r.decision, r.comment, r.person_id, r.at,"
    " v.unit_id, v.plan_id, v.indicator_code, v.period"
)
_PROPOSAL_COLUMNS = (
    "id, unit_id, plan_id, indicator_code, period, value_json, note, person_id, channel,"
    " proposed_at, decision, decided_by, decided_at, value_id"
)


def _review(row: Row) -> ValueReview:
    return ValueReview(
        id=row["id"],
        value_id=row["value_id"],
        decision=Decision(row["decision"]),
        comment=row["comment"],
        person_id=row["person_id"],
        at=from_db(row["at"]),
        unit_id=row["unit_id"],
        plan_id=row["plan_id"],
        indicator_code=row["indicator_code"],
        period=row["period"],
    )


def _proposal(row: Row) -> Proposal:
    decision = row["decision"]
    return Proposal(
        id=row["id"],
        unit_id=row["unit_id"],
        plan_id=row["plan_id"],
        indicator_code=row["indicator_code"],
        period=row["period"],
        value=value_from_data(json.loads(row["value_json"])),
        note=row["note"],
        person_id=row["person_id"],
        channel=row["channel"],
        proposed_at=from_db(row["proposed_at"]),
        approved=None if decision is None else decision == "approved",
        decided_by=row["decided_by"],
        decided_at=optional_from_db(row["decided_at"]),
        value_id=row["value_id"],
    )


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


class Reviews:
    def __init__(self, db: Backend, values: Values) -> None:
        self._db = db
        self._values = values

    # --- locks -------------------------------------------------------------------------

    async def lock(self, plan_id: str, period: str, unit_id: int, *, by: int | None) -> bool:
        """Lock the period of the plan for the unit's subtree; False if it already was."""
        async with self._db.transaction() as tx:
            added = await tx.execute(
                "INSERT INTO period_locks (plan_id, period, unit_id, locked_by, locked_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (plan_id, period, unit_id, by, tx.stamp),
            )
            if added:
                await write_audit(
                    tx,
                    by,
                    "period.locked",
                    {"plan_id": plan_id, "period": period, "unit_id": unit_id},
                )
        return bool(added)

    async def lock_of(self, plan_id: str, period: str, unit_id: int) -> Lock | None:
        """The lock covering the unit for the period: its own or an ancestor's, earliest."""
        return await self._lock_of(self._db, plan_id, period, unit_id)

    async def _lock_of(
        self, db: Backend | Tx, plan_id: str, period: str, unit_id: int
    ) -> Lock | None:
        row = await db.fetch_one(
            f"WITH RECURSIVE {ANCESTRY_CTE}"
            " SELECT plan_id, period, unit_id, locked_by, locked_at FROM period_locks"
            " WHERE plan_id = ? AND period = ? AND unit_id IN (SELECT id FROM up)"
            " ORDER BY locked_at, unit_id LIMIT 1",
            (unit_id, plan_id, period),
        )
        if row is None:
            return None
        return Lock(
            row["plan_id"],
            row["period"],
            row["unit_id"],
            row["locked_by"],
            from_db(row["locked_at"]),
        )

    # --- decisions on figures ----------------------------------------------------------

    async def accept(self, value_ids: Collection[int], *, by: int | None) -> int:
        """Accept these versions, except those already decided on; how many were accepted."""
        if not value_ids:
            return 0
        decided = await self.decisions(value_ids)
        fresh = sorted(set(value_ids) - decided.keys())
        if not fresh:
            return 0
        async with self._db.transaction() as tx:
            for value_id in fresh:
                await tx.execute(
                    "INSERT INTO value_reviews (value_id, decision, comment, person_id, at)"
                    " VALUES (?, 'accepted', NULL, ?, ?)",
                    (value_id, by, tx.stamp),
                )
            await write_audit(tx, by, "value.accepted", {"value_ids": fresh})
        return len(fresh)

    async def send_back(self, value_id: int, comment: str, *, by: int | None) -> ValueReview:
        """Return the version to its unit, with the official's comment."""
        async with self._db.transaction() as tx:
            exists = await tx.fetch_value("SELECT id FROM report_values WHERE id = ?", (value_id,))
            if exists is None:
                raise StorageError(f"no value {value_id}")
            review_id = await tx.insert(
                "INSERT INTO value_reviews (value_id, decision, comment, person_id, at)"
                " VALUES (?, 'returned', ?, ?, ?) RETURNING id",
                (value_id, comment, by, tx.stamp),
            )
            await write_audit(
                tx, by, "value.returned", {"value_id": value_id, "review_id": review_id}
            )
        review = await self.review(review_id)
        if review is None:
            raise StorageError(f"review {review_id} vanished")
        return review

    async def review(self, review_id: int) -> ValueReview | None:
        row = await self._db.fetch_one(
            f"SELECT {_REVIEW_COLUMNS} FROM value_reviews r"
            " JOIN report_values v ON v.id = r.value_id WHERE r.id = ?",
            (review_id,),
        )
        return None if row is None else _review(row)

    async def decisions(self, value_ids: Collection[int]) -> dict[int, ValueReview]:
        """The latest decision on each of these versions that has one."""
        if not value_ids:
            return {}
        ids = sorted(set(value_ids))
        rows = await self._db.fetch_all(
            f"SELECT {_REVIEW_COLUMNS} FROM value_reviews r"
            " JOIN report_values v ON v.id = r.value_id"
            f" WHERE r.value_id IN ({_placeholders(len(ids))}) ORDER BY r.id",
            ids,
        )
        return {row["value_id"]: _review(row) for row in rows}

    async def of_cell(
        self, unit_id: int, plan_id: str, indicator_code: str, period: str
    ) -> list[ValueReview]:
        """Every decision on any version of one figure, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_REVIEW_COLUMNS} FROM value_reviews r"
            " JOIN report_values v ON v.id = r.value_id"
            " WHERE v.unit_id = ? AND v.plan_id = ? AND v.indicator_code = ? AND v.period = ?"
            " ORDER BY r.id",
            (unit_id, plan_id, indicator_code, period),
        )
        return [_review(row) for row in rows]

    # --- recording, with locks -----------------------------------------------------------

    async def record_or_propose(
        self,
        items: Sequence[NewValue],
        *,
        person_id: int | None,
        channel: str | None,
        update_key: str | None = None,
    ) -> Recorded:
        """Record the figures whose period is open for their unit; hold the others as
        proposals. All in one transaction; a redelivered update proposes nothing twice."""
        async with self._db.joined() as tx:  # a failure ends the save it is part of
            # The locks are read by the very statement that records the open items: no
            # lock comes between the check and the write, and no statement of its own.
            stored, held = await self._values.record_open(
                items, person_id=person_id, channel=channel, update_key=update_key
            )
            unchanged: list[NewValue] = []
            proposal_ids: list[int] = []
            for item in held:
                if await is_current(tx, item):
                    unchanged.append(item)
                else:
                    proposal_ids.append(
                        await self._propose(tx, item, person_id, channel, update_key)
                    )
            if proposal_ids:
                await write_audit(
                    tx,
                    person_id,
                    "value.proposed",
                    {"proposal_ids": proposal_ids, "channel": channel},
                )
        proposals = [p for pid in proposal_ids if (p := await self.proposal(pid)) is not None]
        return Recorded(stored, proposals, unchanged)

    async def _propose(
        self,
        tx: Tx,
        item: NewValue,
        person_id: int | None,
        channel: str | None,
        update_key: str | None,
    ) -> int:
        data = value_to_data(item.value)
        cell = (item.unit_id, item.plan_id, item.indicator_code.strip(), item.period)
        row = await tx.fetch_one(
            "INSERT INTO value_proposals (unit_id, plan_id, indicator_code, period, kind,"
            " value_json, note, person_id, channel, update_key, proposed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (update_key, unit_id, plan_id, indicator_code, period) DO NOTHING"
            " RETURNING id",
            (*cell, str(data["kind"]), dumps(data), item.note, person_id, channel, update_key,
             tx.stamp),
        )  # fmt: skip
        if row is not None:
            return int(row["id"])
        existing = await tx.fetch_value(
            "SELECT id FROM value_proposals WHERE update_key = ? AND unit_id = ? AND plan_id = ?"
            " AND indicator_code = ? AND period = ?",
            (update_key, *cell),
        )
        if not isinstance(existing, int):
            raise StorageError(f"proposal for {cell} neither recorded nor found")
        return existing

    # --- proposals -----------------------------------------------------------------------

    async def proposal(self, proposal_id: int) -> Proposal | None:
        row = await self._db.fetch_one(
            f"SELECT {_PROPOSAL_COLUMNS} FROM value_proposals WHERE id = ?", (proposal_id,)
        )
        return None if row is None else _proposal(row)

    async def waiting(self, unit_ids: Collection[int], plan_id: str, period: str) -> list[Proposal]:
        """Proposals of these units for the period that no official has decided on yet."""
        if not unit_ids:
            return []
        ids = sorted(set(unit_ids))
        rows = await self._db.fetch_all(
            f"SELECT {_PROPOSAL_COLUMNS} FROM value_proposals"
            f" WHERE plan_id = ? AND period = ? AND decision IS NULL"
            f" AND unit_id IN ({_placeholders(len(ids))}) ORDER BY id",
            (plan_id, period, *ids),
        )
        return [_proposal(row) for row in rows]

    async def proposals_of_cell(
        self, unit_id: int, plan_id: str, indicator_code: str, period: str
    ) -> list[Proposal]:
        rows = await self._db.fetch_all(
            f"SELECT {_PROPOSAL_COLUMNS} FROM value_proposals WHERE unit_id = ? AND plan_id = ?"
            " AND indicator_code = ? AND period = ? ORDER BY id",
            (unit_id, plan_id, indicator_code, period),
        )
        return [_proposal(row) for row in rows]

    async def decide(self, proposal_id: int, *, approve: bool, by: int | None) -> Proposal:
        """Approve (the figure becomes the value, recorded as the proposer's, on their
        channel) or refuse a waiting proposal. A proposal decided before stays as it was:
        the result says what was decided, by whom."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                f"SELECT {_PROPOSAL_COLUMNS} FROM value_proposals WHERE id = ?", (proposal_id,)
            )
            if row is None:
                raise StorageError(f"no proposal {proposal_id}")
            proposal = _proposal(row)
            if proposal.approved is not None:
                return proposal
            value_id: int | None = None
            if approve:
                stored = await self._values.record(
                    proposal.unit_id,
                    proposal.plan_id,
                    proposal.indicator_code,
                    proposal.period,
                    proposal.value,
                    note=proposal.note,
                    person_id=proposal.person_id,
                    channel=proposal.channel,
                    update_key=f"proposal:{proposal.id}",
                )
                value_id = stored.id
            await tx.execute(
                "UPDATE value_proposals SET decision = ?, decided_by = ?, decided_at = ?,"
                " value_id = ? WHERE id = ? AND decision IS NULL",
                ("approved" if approve else "refused", by, tx.stamp, value_id, proposal_id),
            )
            await write_audit(
                tx,
                by,
                "value.approved" if approve else "value.refused",
                {"proposal_id": proposal_id, "value_id": value_id},
            )
        decided = await self.proposal(proposal_id)
        if decided is None:
            raise StorageError(f"proposal {proposal_id} vanished")
        return decided
