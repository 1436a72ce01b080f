"""Storage: everything the bot knows, in one database, nothing silently lost.

`Store` bundles the repositories over one `Backend` (storage.backends: the database
port; SQLite today). Every write method runs in a transaction of its own; wrap several in
`async with store.transaction():` to make them one atomic step (inner ones become
savepoints).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from indicators.plan import Plan
from indicators.plans import load_plan_text
from storage.audit import Audit, AuditEntry
from storage.backends import (
    Backend,
    ConflictError,
    IntegrityError,
    StorageError,
    StorageUnavailable,
    Tx,
    open_backend,
)
from storage.broadcasts import Broadcast, Broadcasts
from storage.bulk import Bulk
from storage.choices import ShownChoices
from storage.clock import Clock, FixedClock, SystemClock
from storage.contacts import Contact, Contacts, UnitChat, Unreachable
from storage.conversations import Conversations, ConversationState
from storage.inbox import Arrival, Inbox, InboxUpdate, Unreplied
from storage.invites import Invite, Invites, InviteUse, RedeemError, normalize_code
from storage.kept import KeptView, Rollups
from storage.linking import LinkCode, LinkCodes, LinkError
from storage.members import Member, Members
from storage.migrations import migrate
from storage.outbox import NewMessage, Outbox, OutboxMessage, OutboxState
from storage.people import People
from storage.plans import Plans, PlanVersion, bundled_text
from storage.reminders import ReminderRounds, SentRound
from storage.reviews import Lock, Proposal, Recorded, Reviews, ValueReview
from storage.send_budget import SendBudget
from storage.units import Units
from storage.updates import Updates
from storage.values import NewValue, StoredValue, Values
from storage.zalo_tokens import StoredTokens, ZaloTokens


@dataclass(frozen=True, slots=True)
class InstalledPlan:
    version: PlanVersion
    unit_ids: dict[tuple[str, ...], int]  # the plan's tree, by path of names
    issuer_id: int


class Store:
    def __init__(self, db: Backend) -> None:
        self.db = db
        self.units = Units(db)
        self.plans = Plans(db)
        self.people = People(db)
        self.invites = Invites(db)
        self.values = Values(db)
        self.conversations = Conversations(db)
        self.updates = Updates(db)
        self.choices = ShownChoices(db)
        self.inbox = Inbox(db)
        self.outbox = Outbox(db)
        self.audit = Audit(db)
        self.contacts = Contacts(db)
        self.reminders = ReminderRounds(db, self.outbox)
        self.broadcasts = Broadcasts(db, self.outbox)
        self.reviews = Reviews(db, self.values)
        self.members = Members(db)
        self.link_codes = LinkCodes(db)
        self.zalo_tokens = ZaloTokens(db)
        self.send_budget = SendBudget(db)
        self.bulk = Bulk(db)
        self.rollups = Rollups(db)

    @classmethod
    async def open(cls, database: str | Path, *, clock: Clock) -> Store:
        """Open the database a URL (`sqlite:///chitieu.sqlite3`) or a plain SQLite path
        names, creating it if needed, and bring its schema up to date."""
        db = await open_backend(database, clock)
        try:
            await migrate(db)
            # After an upgrade or a bulk load: kept roll-ups rebuilt from the values.
            await Rollups(db).rebuild_stale()
            await Rollups(db).settle()  # saves the last run had no time to settle
        except BaseException:
            await db.close()
            raise
        return cls(db)

    @property
    def clock(self) -> Clock:
        return self.db.clock

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self.db.transaction() as tx:
            yield tx

    async def backup(self, target_path: str | Path) -> Path:
        """A consistent copy of the database, also while the bot writes; the target."""
        return await self.db.backup(target_path)

    async def install_plan(
        self,
        plan: Plan,
        yaml_text: str,
        *,
        source: str,
        by: int | None = None,
    ) -> InstalledPlan:
        """Load a plan, add the units of its tree and assign it to its issuer, atomically."""
        async with self.db.transaction():
            version = await self.plans.load(plan, yaml_text, source=source, by=by)
            unit_ids = await self.units.import_tree(plan.units, by=by)
            issuer_id = unit_ids[plan.issuer_path]
            await self.plans.assign(issuer_id, plan.id, by=by)
        return InstalledPlan(version, unit_ids, issuer_id)

    async def install_bundled(self, plan_id: str, *, by: int | None = None) -> InstalledPlan:
        text = bundled_text(plan_id)
        plan = load_plan_text(text, source=f"{plan_id}.yaml")
        return await self.install_plan(plan, text, source=f"bundled:{plan_id}.yaml", by=by)


__all__ = [
    "Arrival",
    "Audit",
    "AuditEntry",
    "Backend",
    "Broadcast",
    "Broadcasts",
    "Bulk",
    "Clock",
    "ConflictError",
    "Contact",
    "Contacts",
    "ConversationState",
    "Conversations",
    "FixedClock",
    "Inbox",
    "InboxUpdate",
    "InstalledPlan",
    "IntegrityError",
    "Invite",
    "InviteUse",
    "Invites",
    "KeptView",
    "LinkCode",
    "LinkCodes",
    "LinkError",
    "Lock",
    "Member",
    "Members",
    "NewMessage",
    "NewValue",
    "Outbox",
    "OutboxMessage",
    "OutboxState",
    "People",
    "PlanVersion",
    "Plans",
    "Proposal",
    "Recorded",
    "RedeemError",
    "ReminderRounds",
    "Reviews",
    "Rollups",
    "SentRound",
    "ShownChoices",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "StoredTokens",
    "StoredValue",
    "SystemClock",
    "Tx",
    "UnitChat",
    "Units",
    "Unreachable",
    "Unreplied",
    "Updates",
    "ValueReview",
    "Values",
    "ZaloTokens",
    "normalize_code",
    "open_backend",
]
