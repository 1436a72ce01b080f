"""People, their roles and scopes, and the chat identities they write from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from indicators.people import BLOCKED, Identity, Person, Role
from indicators.text import normalize
from storage.audit import write_audit
from storage.backends import Backend, Row, StorageError, Tx
from storage.clock import from_db, optional_from_db, to_db
from storage.conversations import PERSON, ConversationState, conversation_from_row
from storage.units import SUBTREE_CTE

_PERSON_COLUMNS = "p.id, p.name, p.role, p.unit_id, p.created_at"
_IDENTITY_COLUMNS = (
    "channel, external_id, person_id, chat_id, linked_at, unreachable_at, last_seen_at,"
    " unreachable_reason"
)

# How old an identity's last_seen_at may grow while its person keeps writing from it:
# it orders a person's identities (the newest gets the reminders), so it must move only
# when another identity of theirs was seen since, or when it is unreachable.
SEEN_PRECISION = dt.timedelta(hours=1)
# Whether the identity `i` needs marking seen; its one placeholder is the cutoff
# (now − SEEN_PRECISION).
_STALE = (
    "(i.unreachable_at IS NOT NULL OR i.last_seen_at IS NULL OR i.last_seen_at < ?"
    " OR EXISTS (SELECT 1 FROM identities o WHERE o.person_id = i.person_id"
    " AND (o.channel <> i.channel OR o.external_id <> i.external_id)"
    " AND COALESCE(o.last_seen_at, o.linked_at) >= i.last_seen_at))"
)


@dataclass(frozen=True, slots=True)
class Caller:
    """The person writing, and the conversation they are in (None: none)."""

    person: Person
    conversation: ConversationState | None


def _person(row: Row) -> Person:
    return Person(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        unit_id=row["unit_id"],
        created_at=from_db(row["created_at"]),
    )


def _identity(row: Row) -> Identity:
    return Identity(
        channel=row["channel"],
        external_id=row["external_id"],
        person_id=row["person_id"],
        chat_id=row["chat_id"],
        linked_at=from_db(row["linked_at"]),
        unreachable_at=optional_from_db(row["unreachable_at"]),
        last_seen_at=optional_from_db(row["last_seen_at"]),
        unreachable_reason=row["unreachable_reason"],
    )


async def insert_person(tx: Tx, name: str, role: Role, unit_id: int | None) -> int:
    name = normalize(name)
    role = Role(role)
    if not name:
        raise ValueError("a person needs a name")
    if unit_id is None and role is not Role.ADMIN:
        raise StorageError(f"a {role.value} needs a unit")
    return await tx.insert(
        "INSERT INTO people (name, role, unit_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        (name, role.value, unit_id, tx.stamp),
    )


async def insert_identity(
    tx: Tx,
    person_id: int,
    channel: str,
    external_id: str,
    chat_id: str | None,
) -> None:
    owner = await tx.fetch_value(
        "SELECT person_id FROM identities WHERE channel = ? AND external_id = ?",
        (channel, external_id),
    )
    if owner is None:
        await tx.execute(
            "INSERT INTO identities (channel, external_id, person_id, chat_id, linked_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (channel, external_id, person_id, chat_id, tx.stamp),
        )
    elif owner == person_id:
        if chat_id is not None:
            await tx.execute(
                "UPDATE identities SET chat_id = ? WHERE channel = ? AND external_id = ?",
                (chat_id, channel, external_id),
            )
    else:
        raise StorageError(f"{channel} identity {external_id} belongs to person {owner}")


class People:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def add_person(
        self,
        name: str,
        role: Role,
        unit_id: int | None,
        *,
        by: int | None = None,
    ) -> Person:
        async with self._db.transaction() as tx:
            person_id = await insert_person(tx, name, role, unit_id)
            await write_audit(
                tx,
                by,
                "person.added",
                {"person_id": person_id, "role": Role(role).value, "unit_id": unit_id},
            )
        return await self._require(person_id)

    async def get(self, person_id: int) -> Person | None:
        row = await self._db.fetch_one(
            f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.id = ?", (person_id,)
        )
        return None if row is None else _person(row)

    async def all(self) -> list[Person]:
        rows = await self._db.fetch_all(f"SELECT {_PERSON_COLUMNS} FROM people p ORDER BY p.id")
        return [_person(row) for row in rows]

    async def update(
        self,
        person_id: int,
        *,
        name: str | None = None,
        role: Role | None = None,
        unit_id: int | None = None,
        by: int | None = None,
    ) -> Person:
        """Change name, role or unit (None leaves a field as it is)."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.id = ?", (person_id,)
            )
            if row is None:
                raise StorageError(f"no person {person_id}")
            old = _person(row)
            new_name = old.name if name is None else normalize(name)
            new_role = old.role if role is None else Role(role)
            new_unit = old.unit_id if unit_id is None else unit_id
            await tx.execute(
                "UPDATE people SET name = ?, role = ?, unit_id = ? WHERE id = ?",
                (new_name, new_role.value, new_unit, person_id),
            )
            await write_audit(
                tx,
                by,
                "person.updated",
                {
                    "person_id": person_id,
                    "from": {"name": old.name, "role": old.role.value, "unit_id": old.unit_id},
                    "to": {"name": new_name, "role": new_role.value, "unit_id": new_unit},
                },
            )
        return await self._require(person_id)

    async def link_identity(
        self,
        person_id: int,
        channel: str,
        external_id: str,
        *,
        chat_id: str | None = None,
        by: int | None = None,
    ) -> Identity:
        """Let `person_id` write from this chat identity; an identity has one owner, and
        linking it to someone else raises StorageError."""
        async with self._db.transaction() as tx:
            await insert_identity(tx, person_id, channel, external_id, chat_id)
            await write_audit(
                tx,
                by,
                "person.identity_linked",
                {"person_id": person_id, "channel": channel, "external_id": external_id},
            )
        identity = await self.identity(channel, external_id)
        if identity is None:
            raise StorageError(f"{channel} identity {external_id} vanished")
        return identity

    async def identity(self, channel: str, external_id: str) -> Identity | None:
        row = await self._db.fetch_one(
            f"SELECT {_IDENTITY_COLUMNS} FROM identities WHERE channel = ? AND external_id = ?",
            (channel, external_id),
        )
        return None if row is None else _identity(row)

    async def by_identity(self, channel: str, external_id: str) -> Person | None:
        row = await self._db.fetch_one(
            f"SELECT {_PERSON_COLUMNS} FROM identities i JOIN people p ON p.id = i.person_id"
            " WHERE i.channel = ? AND i.external_id = ?",
            (channel, external_id),
        )
        return None if row is None else _person(row)

    async def of_units(self, unit_ids: Collection[int]) -> list[Person]:
        """People of exactly these units."""
        if not unit_ids:
            return []
        ids = sorted(set(unit_ids))
        rows = await self._db.fetch_all(
            f"SELECT {_PERSON_COLUMNS} FROM people p"
            f" WHERE p.unit_id IN ({', '.join('?' * len(ids))}) ORDER BY p.id",
            ids,
        )
        return [_person(row) for row in rows]

    async def in_subtree(self, unit_id: int, *, role: Role | None = None) -> list[Person]:
        """People whose unit lies in the subtree (merged-in units included)."""
        role_condition = "" if role is None else " AND p.role = ?"
        role_params = () if role is None else (Role(role).value,)
        rows = await self._db.fetch_all(
            f"WITH RECURSIVE {SUBTREE_CTE}"
            f" SELECT {_PERSON_COLUMNS} FROM people p WHERE p.unit_id IN (SELECT id FROM subtree)"
            f"{role_condition} ORDER BY p.id",
            (unit_id, *role_params),
        )
        return [_person(row) for row in rows]

    async def set_unreachable(
        self,
        channel: str,
        external_id: str,
        unreachable: bool = True,
        *,
        reason: str = BLOCKED,
    ) -> None:
        """Remember that sending to this identity fails until the person writes from it
        again (`reason`: they blocked the bot, or a reply window closed), or that it
        works again."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE identities SET unreachable_at = ?, unreachable_reason = ?"
                " WHERE channel = ? AND external_id = ?",
                (
                    tx.stamp if unreachable else None,
                    reason if unreachable else None,
                    channel,
                    external_id,
                ),
            )

    async def arrived(self, channel: str, external_id: str) -> Caller | None:
        """Who writes from this identity (None: no one registered) and the conversation
        they are in, in one read; the identity is marked `seen` only when that changes
        something, so that an ordinary turn writes nothing here."""
        row = await self._db.fetch_one(
            f"SELECT {_PERSON_COLUMNS}, CASE WHEN {_STALE} THEN 1 ELSE 0 END AS stale,"
            " c.dialog, c.step, c.data_json, c.updated_at AS state_updated_at"
            " FROM identities i JOIN people p ON p.id = i.person_id"
            " LEFT JOIN conversation_state c"
            " ON c.channel = ? AND c.external_id = CAST(p.id AS TEXT)"
            " WHERE i.channel = ? AND i.external_id = ?",
            (self._seen_cutoff(), PERSON, channel, external_id),
        )
        if row is None:
            return None
        if row["stale"]:
            await self.seen(channel, external_id)
        state = None
        if row["dialog"] is not None:
            state = conversation_from_row(channel, external_id, row, updated_at="state_updated_at")
        return Caller(_person(row), state)

    async def seen(self, channel: str, external_id: str) -> None:
        """The person just wrote from this identity: it can be written to again, and it
        is the one their next reminder goes to (storage/contacts.py). Written only when
        one of those is not so yet, or last_seen_at is older than SEEN_PRECISION."""
        await self._db.execute(
            "UPDATE identities AS i SET unreachable_at = NULL, unreachable_reason = NULL,"
            f" last_seen_at = ? WHERE i.channel = ? AND i.external_id = ? AND {_STALE}",
            (self._db.stamp(), channel, external_id, self._seen_cutoff()),
        )

    def _seen_cutoff(self) -> str:
        return to_db(self._db.clock.now() - SEEN_PRECISION)

    async def _require(self, person_id: int) -> Person:
        person = await self.get(person_id)
        if person is None:
            raise StorageError(f"no person {person_id}")
        return person
