"""Invites: how people join. A code is bound to a unit and a role, has a number of uses
and an expiry, and redeeming it creates the person atomically.

Only a code's hash is stored (`code_hash`): a copy of the database, a backup or the audit
log gives nobody a code that works. The code itself exists once, when it is created, to
be handed out. The hash is scrypt with a fixed salt, since a typed code must find its row:
slow enough that trying all 8.5e11 codes against a stolen database takes years of
computing, fast enough (tens of ms, off the event loop) for one attempt to join.

Wrong codes are recorded per chat identity (`invite_attempts`, without the code typed),
so that guessing can be slowed down (handlers.joining.invites says how much).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from indicators.people import Person, Role
from storage.audit import write_audit
from storage.backends import Backend, Row, StorageError
from storage.clock import from_db, to_db
from storage.people import People, insert_person

# No 0/O, 1/I/L: codes are read off paper and typed on phones; with 31 symbols, 8 of
# them give about 8.5e11 codes, far beyond guessing within an invite's lifetime.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_SALT = b"chitieu invite code v1"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # 16 MiB of memory per attempt
LABEL = 12  # hex digits of the hash that name an invite in the audit log
ATTEMPTS_KEPT = dt.timedelta(days=1)


class RedeemError(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    ALREADY_JOINED = "already_joined"  # this chat identity already belongs to a person


@dataclass(frozen=True, slots=True)
class Invite:
    code_hash: str
    unit_id: int
    role: Role
    uses_left: int
    expires_at: dt.datetime
    created_by: int | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class InviteUse:
    person_id: int
    channel: str
    external_id: str
    used_at: dt.datetime


_COLUMNS = "code_hash, unit_id, role, uses_left, expires_at, created_by, created_at"


def _invite(row: Row) -> Invite:
    return Invite(
        code_hash=row["code_hash"],
        unit_id=row["unit_id"],
        role=Role(row["role"]),
        uses_left=row["uses_left"],
        expires_at=from_db(row["expires_at"]),
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
    )


def normalize_code(text: str) -> str:
    """The code as stored, from what someone typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in text.upper() if not ch.isspace() and ch != "-")


def looks_like_invite_code(text: str) -> bool:
    """Whether `text` alone could be an invite code (as `normalize_code` reads it)."""
    code = normalize_code(text)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def hash_code(code: str) -> str:
    """The stored form of a code (normalised first: "abcd 2345" finds "ABCD2345")."""
    digest = hashlib.scrypt(normalize_code(code).encode(), salt=_SALT, **_SCRYPT)
    return digest.hex()


async def hashed(code: str) -> str:
    # scrypt releases the GIL: in a thread, other chats' turns go on meanwhile.
    return await asyncio.to_thread(hash_code, code)


def label(code_hash: str) -> str:
    """How the audit log names an invite: enough of the hash to tell invites apart."""
    return code_hash[:LABEL]


class _AlreadyJoined(Exception):
    """The chat identity joined meanwhile, through a concurrent redemption: undo this one."""


class Invites:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def create(
        self,
        unit_id: int,
        role: Role,
        *,
        expires_at: dt.datetime,
        uses: int = 1,
        created_by: int | None = None,
    ) -> str:
        if uses < 1:
            raise ValueError("an invite needs at least one use")
        async with self._db.transaction() as tx:
            # to_db first: it refuses a naive datetime with a clear message.
            if to_db(expires_at) <= tx.stamp:
                raise ValueError("an invite must expire in the future")
            while True:
                code = new_code()
                code_hash = await hashed(code)
                # A collision is astronomically rare, but retrying costs nothing.
                inserted = await tx.execute(
                    f"INSERT INTO invites ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (
                        code_hash,
                        unit_id,
                        Role(role).value,
                        uses,
                        to_db(expires_at),
                        created_by,
                        tx.stamp,
                    ),
                )
                if inserted:
                    break
            await write_audit(
                tx,
                created_by,
                "invite.created",
                {
                    "invite": label(code_hash),
                    "unit_id": unit_id,
                    "role": Role(role).value,
                    "uses": uses,
                },
            )
        return code

    async def get(self, code: str) -> Invite | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM invites WHERE code_hash = ?", (await hashed(code),)
        )
        return None if row is None else _invite(row)

    async def of_unit(self, unit_id: int) -> list[Invite]:
        """Invites of a unit that can still be used, soonest to expire first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM invites WHERE unit_id = ? AND uses_left > 0"
            " AND expires_at > ? ORDER BY expires_at, code_hash",
            (unit_id, to_db(self._db.clock.now())),
        )
        return [_invite(row) for row in rows]

    async def uses(self, code: str) -> list[InviteUse]:
        rows = await self._db.fetch_all(
            "SELECT person_id, channel, external_id, used_at FROM invite_uses"
            " WHERE code_hash = ? ORDER BY used_at, id",
            (await hashed(code),),
        )
        return [
            InviteUse(row["person_id"], row["channel"], row["external_id"], from_db(row["used_at"]))
            for row in rows
        ]

    async def revoke(self, code: str, *, by: int | None = None) -> bool:
        """Use up the invite's remaining uses; False if it had none left or does not exist."""
        code_hash = await hashed(code)
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE invites SET uses_left = 0 WHERE code_hash = ? AND uses_left > 0",
                (code_hash,),
            )
            if changed:
                await write_audit(tx, by, "invite.revoked", {"invite": label(code_hash)})
        return bool(changed)

    async def redeem(
        self,
        code: str,
        *,
        channel: str,
        external_id: str,
        name: str,
        chat_id: str | None = None,
    ) -> Person | RedeemError:
        """Join the person writing from (channel, external_id) with the invite's unit and
        role. Either everything happens (person, identity, one use taken, who used it)
        or, on an error result or exception, nothing does."""
        code_hash = await hashed(code)
        try:
            async with self._db.transaction() as tx:
                at = tx.stamp
                row = await tx.fetch_one(
                    f"SELECT {_COLUMNS} FROM invites WHERE code_hash = ?", (code_hash,)
                )
                if row is None:
                    return RedeemError.UNKNOWN
                invite = _invite(row)
                if await People(self._db).by_identity(channel, external_id) is not None:
                    return RedeemError.ALREADY_JOINED
                if invite.expires_at <= from_db(at):
                    return RedeemError.EXPIRED
                # Conditional: of two people redeeming the last use at once, the second
                # UPDATE waits for the first and then finds no use left.
                taken = await tx.execute(
                    "UPDATE invites SET uses_left = uses_left - 1"
                    " WHERE code_hash = ? AND uses_left > 0",
                    (code_hash,),
                )
                if not taken:
                    return RedeemError.USED_UP
                person_id = await insert_person(tx, name, invite.role, invite.unit_id)
                # Nobody else may own the identity; if the same chat redeemed a code at
                # the same moment and won, this INSERT finds its row and adds nothing.
                linked = await tx.execute(
                    "INSERT INTO identities (channel, external_id, person_id, chat_id, linked_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (channel, external_id, person_id, chat_id, at),
                )
                if not linked:
                    raise _AlreadyJoined
                await tx.execute(
                    "INSERT INTO invite_uses (code_hash, person_id, channel, external_id, used_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (code_hash, person_id, channel, external_id, at),
                )
                await write_audit(
                    tx,
                    person_id,
                    "invite.redeemed",
                    {
                        "invite": label(code_hash),
                        "unit_id": invite.unit_id,
                        "role": invite.role.value,
                    },
                )
        except _AlreadyJoined:
            return RedeemError.ALREADY_JOINED
        person = await People(self._db).get(person_id)
        if person is None:
            raise StorageError(f"person {person_id} vanished after joining")
        return person

    async def record_refusal(self, channel: str, external_id: str, outcome: str) -> None:
        """A code that did not let this chat identity join (never the code typed). Rows
        older than a day are dropped on the way: only the last minutes matter."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM invite_attempts WHERE at < ?",
                (to_db(tx.now - ATTEMPTS_KEPT),),
            )
            await tx.execute(
                "INSERT INTO invite_attempts (channel, external_id, outcome, at)"
                " VALUES (?, ?, ?, ?)",
                (channel, external_id, outcome, tx.stamp),
            )

    async def refusals_since(
        self, channel: str, external_id: str, since: dt.datetime
    ) -> tuple[int, int]:
        """(this identity's, everyone's) refused codes from `since` on."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS everyone,"
            " COALESCE(SUM(CASE WHEN channel = ? AND external_id = ? THEN 1 ELSE 0 END), 0)"
            " AS theirs FROM invite_attempts WHERE at >= ?",
            (channel, external_id, to_db(since)),
        )
        if row is None:
            return 0, 0
        return int(row["theirs"]), int(row["everyone"])
