"""People as the domain knows them: a role, a unit, and the messenger identities they use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"  # reports for one unit
    OFFICIAL = "official"  # reports for and sees a subtree, invites, broadcasts
    ADMIN = "admin"  # everything; may have no unit, meaning the whole tree


# Who may ask for the commune's appendix, send announcements and invite: one definition.
OFFICIAL_ROLES = frozenset({Role.OFFICIAL, Role.ADMIN})


class Channel(StrEnum):
    """Known channels; the database takes any name, so a new channel needs no migration."""

    TELEGRAM = "telegram"
    ZALO = "zalo"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: Role
    unit_id: int | None
    created_at: dt.datetime

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES


@dataclass(frozen=True, slots=True)
class Identity:
    channel: str
    external_id: str
    person_id: int
    chat_id: str | None
    linked_at: dt.datetime
    unreachable_at: dt.datetime | None
    # When the person last wrote from it, to within storage.people.SEEN_PRECISION.
    last_seen_at: dt.datetime | None = None
    unreachable_reason: str | None = None  # BLOCKED or NOT_ALLOWED, with unreachable_at


# Why sending to an identity fails until the person writes from it again.
BLOCKED = "blocked"  # they blocked the bot or unfollowed the account
NOT_ALLOWED = "not allowed"  # the platform's reply window closed (Zalo OA: 7 days)
