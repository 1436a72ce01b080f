"""One-time codes that let a registered person add a second messenger to themselves.

The person asks for a code on the messenger they are registered on and types it on the
other one; the identity it is typed from becomes theirs. A code is six digits (typed on
a phone, and never confused with an invite code: those are eight symbols without 0 or
1), works once, expires after `LIFETIME`, and only its SHA-256 is stored, so a database
copy does not show live codes at a glance. Six digits are guessable, so an identity
that types `MAX_FAILURES` wrong codes within `FAILURE_WINDOW` is refused until the
window has passed; with one live code per person that keeps the odds of a guess far
below one in a thousand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from indicators.people import Person
from storage.audit import write_audit
from storage.backends import Backend
from storage.clock import to_db
from storage.people import People, insert_identity

CODE_DIGITS = 6
LIFETIME = dt.timedelta(minutes=10)
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(hours=1)


class LinkError(StrEnum):
    UNKNOWN = "unknown"  # no such live code (wrong, expired or used)
    TOO_MANY_TRIES = "too_many_tries"
    REGISTERED_ELSEWHERE = "registered_elsewhere"  # the identity belongs to another person


@dataclass(frozen=True, slots=True)
class LinkCode:
    code: str
    expires_at: dt.datetime


def looks_like_link_code(text: str) -> bool:
    """Six digits, spaces allowed ("482 913")."""
    digits = "".join(text.split())
    return len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit()


def _hash(code: str) -> str:
    return hashlib.sha256("".join(code.split()).encode()).hexdigest()


class LinkCodes:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def create(self, person_id: int, channel: str) -> LinkCode:
        """A new code for the person, replacing any code they had."""
        async with self._db.transaction() as tx:
            now = tx.now
            expires_at = now + LIFETIME
            await tx.execute(
                "DELETE FROM link_codes WHERE person_id = ? OR expires_at <= ?",
                (person_id, tx.stamp),
            )
            while True:
                code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
                inserted = await tx.execute(
                    "INSERT INTO link_codes (code_hash, person_id, channel, expires_at,"
                    " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (_hash(code), person_id, channel, to_db(expires_at), tx.stamp),
                )
                if inserted:  # another person's live code has these digits: draw again
                    break
            await write_audit(tx, person_id, "link.code_created", {"channel": channel})
        return LinkCode(code, expires_at)

    async def redeem(
        self, code: str, *, channel: str, external_id: str, chat_id: str | None
    ) -> Person | LinkError:
        """Make (channel, external_id) an identity of the code's person and spend the
        code, all or nothing. A wrong code counts against the identity typing it."""
        async with self._db.transaction() as tx:
            since = to_db(tx.now - FAILURE_WINDOW)
            failures = await tx.fetch_value(
                "SELECT COUNT(*) FROM link_failures"
                " WHERE channel = ? AND external_id = ? AND at > ?",
                (channel, external_id, since),
            )
            if isinstance(failures, int) and failures >= MAX_FAILURES:
                return LinkError.TOO_MANY_TRIES
            person_id = await tx.fetch_value(
                "SELECT person_id FROM link_codes WHERE code_hash = ? AND expires_at > ?",
                (_hash(code), tx.stamp),
            )
            if not isinstance(person_id, int):
                await tx.execute(
                    "INSERT INTO link_failures (channel, external_id, at) VALUES (?, ?, ?)",
                    (channel, external_id, tx.stamp),
                )
                await tx.execute("DELETE FROM link_failures WHERE at <= ?", (since,))
                return LinkError.UNKNOWN
            owner = await tx.fetch_value(
                "SELECT person_id FROM identities WHERE channel = ? AND external_id = ?",
                (channel, external_id),
            )
            if owner is not None and owner != person_id:
                return LinkError.REGISTERED_ELSEWHERE
            await tx.execute("DELETE FROM link_codes WHERE code_hash = ?", (_hash(code),))
            if owner is None:  # otherwise typed from an account of theirs: nothing to add
                await insert_identity(tx, person_id, channel, external_id, chat_id)
                await write_audit(
                    tx,
                    person_id,
                    "person.identity_linked",
                    {"person_id": person_id, "channel": channel, "external_id": external_id},
                )
        person = await People(self._db).get(person_id)
        if person is None:
            raise LookupError(f"person {person_id} vanished while linking")
        return person
