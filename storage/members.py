"""Who belongs to a unit's team, and removing someone from it.

A removed person keeps their row, so every value they recorded still names them; their
chat identities are unlinked (they can no longer write as that person, nor be written
to), and their open conversations are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from indicators.people import Person, Role
from storage.audit import write_audit
from storage.backends import Backend, StorageError
from storage.clock import from_db
from storage.units import SUBTREE_CTE


@dataclass(frozen=True, slots=True)
class Member:
    person: Person
    unit_name: str
    unit_level: str
    channels: tuple[str, ...]  # the messengers they write from, none if never linked


class Members:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def in_subtree(self, root_id: int) -> list[Member]:
        """People of the subtree who have not been removed, by unit then name."""
        rows = await self._db.fetch_all(
            f"WITH RECURSIVE {SUBTREE_CTE}"
            " SELECT p.id, p.name, p.role, p.unit_id, p.created_at,"
            " u.name AS unit_name, u.level AS unit_level, i.channel"
            " FROM people p JOIN units u ON u.id = p.unit_id"
            " LEFT JOIN identities i ON i.person_id = p.id"
            " WHERE p.unit_id IN (SELECT id FROM subtree) AND p.removed_at IS NULL"
            " ORDER BY u.id, p.id, i.channel",
            (root_id,),
        )
        found: dict[int, Member] = {}
        for row in rows:
            member = found.get(row["id"])
            if member is None:
                person = Person(
                    row["id"], row["name"], Role(row["role"]), row["unit_id"],
                    from_db(row["created_at"]),
                )  # fmt: skip
                member = Member(person, row["unit_name"], row["unit_level"], ())
            if row["channel"] is not None and row["channel"] not in member.channels:
                member = Member(
                    member.person, member.unit_name, member.unit_level,
                    (*member.channels, row["channel"]),
                )  # fmt: skip
            found[row["id"]] = member
        return list(found.values())

    async def removed_at(self, person_id: int) -> dt.datetime | None:
        text = await self._db.fetch_value(
            "SELECT removed_at FROM people WHERE id = ?", (person_id,)
        )
        return from_db(text) if isinstance(text, str) else None

    async def remove(self, person_id: int, *, by: int | None) -> bool:
        """Remove the person from their team; False if they already were."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                "SELECT name, unit_id, removed_at FROM people WHERE id = ?", (person_id,)
            )
            if row is None:
                raise StorageError(f"no person {person_id}")
            if row["removed_at"] is not None:
                return False
            identities = await tx.fetch_all(
                "SELECT channel, external_id FROM identities WHERE person_id = ?", (person_id,)
            )
            for identity in identities:
                await tx.execute(
                    "DELETE FROM conversation_state WHERE channel = ? AND external_id = ?",
                    (identity["channel"], identity["external_id"]),
                )
            await tx.execute("DELETE FROM identities WHERE person_id = ?", (person_id,))
            await tx.execute("UPDATE people SET removed_at = ? WHERE id = ?", (tx.stamp, person_id))
            await write_audit(
                tx,
                by,
                "person.removed",
                {
                    "person_id": person_id,
                    "unit_id": row["unit_id"],
                    "identities": [[i["channel"], i["external_id"]] for i in identities],
                },
            )
        return True
