"""How to reach people and units: each person's chat to write to, and units' group chats.

A person can write from several identities (Telegram, Zalo); a message meant for them
goes to one: the identity they wrote from last (or, if they never wrote, the most
recently linked) whose chat is not unreachable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from indicators.people import Role
from storage.audit import write_audit
from storage.backends import Backend, Params, Row
from storage.clock import from_db, optional_from_db
from storage.units import SUBTREE_CTE


@dataclass(frozen=True, slots=True)
class Contact:
    person_id: int
    name: str
    role: Role
    unit_id: int | None
    channel: str
    external_id: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class Unreachable:
    """Someone no message can reach: every identity failed for good, or none has a chat."""

    person_id: int
    name: str
    unit_id: int | None
    since: dt.datetime | None  # when the last identity failed; None if never reachable
    reason: str | None = None  # why that identity fails (storage.people BLOCKED, NOT_ALLOWED)


@dataclass(frozen=True, slots=True)
class UnitChat:
    unit_id: int
    channel: str
    chat_id: str
    linked_at: dt.datetime


# One row per person: their best identity. ROW_NUMBER keeps this portable to PostgreSQL.
_BEST_IDENTITY = """
    best AS (
        SELECT person_id, channel, external_id, chat_id FROM (
            SELECT i.person_id, i.channel, i.external_id, i.chat_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY i.person_id
                       ORDER BY COALESCE(i.last_seen_at, i.linked_at) DESC, i.channel
                   ) AS rank
            FROM identities i
            WHERE i.chat_id IS NOT NULL AND i.unreachable_at IS NULL
        ) ranked WHERE rank = 1
    )
"""
_CONTACT_COLUMNS = (
    "p.id AS person_id, p.name, p.role, p.unit_id, b.channel, b.external_id, b.chat_id"
)


def _contact(row: Row) -> Contact:
    return Contact(
        person_id=row["person_id"],
        name=row["name"],
        role=Role(row["role"]),
        unit_id=row["unit_id"],
        channel=row["channel"],
        external_id=row["external_id"],
        chat_id=row["chat_id"],
    )


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _roles_filter(roles: Collection[Role] | None) -> tuple[str, Params]:
    if roles is None:
        return "", ()
    values = sorted(Role(role).value for role in roles)
    if not values:
        return " AND 1 = 0", ()
    return f" AND p.role IN ({_marks(len(values))})", tuple(values)


class Contacts:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def of_units(
        self, unit_ids: Sequence[int], *, roles: Collection[Role] | None = None
    ) -> list[Contact]:
        """Reachable people whose own unit is one of `unit_ids` (not their subtrees)."""
        if not unit_ids:
            return []
        role_condition, role_params = _roles_filter(roles)
        rows = await self._db.fetch_all(
            f"WITH {_BEST_IDENTITY} SELECT {_CONTACT_COLUMNS} FROM people p"
            " JOIN best b ON b.person_id = p.id"
            f" WHERE p.unit_id IN ({_marks(len(unit_ids))}){role_condition} ORDER BY p.id",
            (*unit_ids, *role_params),
        )
        return [_contact(row) for row in rows]

    async def in_subtree(
        self, root_id: int, *, roles: Collection[Role] | None = None
    ) -> list[Contact]:
        """Reachable people anywhere in the subtree (merged-in units included)."""
        role_condition, role_params = _roles_filter(roles)
        rows = await self._db.fetch_all(
            f"WITH RECURSIVE {SUBTREE_CTE}, {_BEST_IDENTITY}"
            f" SELECT {_CONTACT_COLUMNS} FROM people p JOIN best b ON b.person_id = p.id"
            f" WHERE p.unit_id IN (SELECT id FROM subtree){role_condition} ORDER BY p.id",
            (root_id, *role_params),
        )
        return [_contact(row) for row in rows]

    async def everyone(self, *, roles: Collection[Role] | None = None) -> list[Contact]:
        """Every reachable person, administrators without a unit included."""
        role_condition, role_params = _roles_filter(roles)
        rows = await self._db.fetch_all(
            f"WITH {_BEST_IDENTITY} SELECT {_CONTACT_COLUMNS} FROM people p"
            f" JOIN best b ON b.person_id = p.id WHERE 1 = 1{role_condition} ORDER BY p.id",
            role_params,
        )
        return [_contact(row) for row in rows]

    async def of_person(self, person_id: int) -> Contact | None:
        """Where a message for this person goes now; None when nothing reaches them."""
        row = await self._db.fetch_one(
            f"WITH {_BEST_IDENTITY} SELECT {_CONTACT_COLUMNS} FROM people p"
            " JOIN best b ON b.person_id = p.id WHERE p.id = ?",
            (person_id,),
        )
        return None if row is None else _contact(row)

    async def unreachable_in_units(self, unit_ids: Sequence[int]) -> list[Unreachable]:
        """People of these units no message can reach, for their officials to follow up,
        with why their identity that failed last fails."""
        if not unit_ids:
            return []
        rows = await self._db.fetch_all(
            f"WITH {_BEST_IDENTITY}"
            " SELECT p.id, p.name, p.unit_id,"
            " (SELECT MAX(i.unreachable_at) FROM identities i WHERE i.person_id = p.id) AS since,"
            " (SELECT i.unreachable_reason FROM identities i WHERE i.person_id = p.id"
            "  AND i.unreachable_at IS NOT NULL"
            "  ORDER BY i.unreachable_at DESC, i.channel LIMIT 1) AS reason"
            f" FROM people p WHERE p.unit_id IN ({_marks(len(unit_ids))})"
            " AND p.id NOT IN (SELECT person_id FROM best) ORDER BY p.unit_id, p.id",
            tuple(unit_ids),
        )
        return [
            Unreachable(
                row["id"],
                row["name"],
                row["unit_id"],
                optional_from_db(row["since"]),
                row["reason"],
            )
            for row in rows
        ]

    # --- group chats of units ------------------------------------------------------------

    async def link_chat(
        self,
        unit_id: int,
        channel: str,
        chat_id: str,
        *,
        by: int | None = None,
    ) -> bool:
        """Make the group chat the unit's (moving it from another unit if it was linked
        there); False if it already was this unit's."""
        async with self._db.transaction() as tx:
            current = await tx.fetch_value(
                "SELECT unit_id FROM unit_chats WHERE channel = ? AND chat_id = ?",
                (channel, chat_id),
            )
            if current == unit_id:
                return False
            await tx.execute(
                "INSERT INTO unit_chats (channel, chat_id, unit_id, linked_by, linked_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, chat_id) DO UPDATE SET"
                " unit_id = excluded.unit_id, linked_by = excluded.linked_by,"
                " linked_at = excluded.linked_at",
                (channel, chat_id, unit_id, by, tx.stamp),
            )
            await write_audit(
                tx,
                by,
                "unit.chat_linked",
                {"unit_id": unit_id, "channel": channel, "chat_id": chat_id},
            )
        return True

    async def unlink_chat(self, channel: str, chat_id: str, *, by: int | None = None) -> int | None:
        """Forget the group chat; the unit it belonged to, None if it was not linked."""
        async with self._db.transaction() as tx:
            unit_id = await tx.fetch_value(
                "SELECT unit_id FROM unit_chats WHERE channel = ? AND chat_id = ?",
                (channel, chat_id),
            )
            if not isinstance(unit_id, int):
                return None
            await tx.execute(
                "DELETE FROM unit_chats WHERE channel = ? AND chat_id = ?", (channel, chat_id)
            )
            await write_audit(
                tx,
                by,
                "unit.chat_unlinked",
                {"unit_id": unit_id, "channel": channel, "chat_id": chat_id},
            )
        return unit_id

    async def chats_of(self, unit_ids: Sequence[int]) -> list[UnitChat]:
        if not unit_ids:
            return []
        rows = await self._db.fetch_all(
            "SELECT unit_id, channel, chat_id, linked_at FROM unit_chats"
            f" WHERE unit_id IN ({_marks(len(unit_ids))}) ORDER BY unit_id, linked_at, chat_id",
            tuple(unit_ids),
        )
        return [
            UnitChat(row["unit_id"], row["channel"], row["chat_id"], from_db(row["linked_at"]))
            for row in rows
        ]
