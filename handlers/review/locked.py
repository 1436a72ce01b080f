"""Saving figures when their period may be locked.

A member's figure for a locked period is held as a proposal and the officials are asked
to approve it: nothing the member typed is lost, and the reviewed figure stays what the
appendix shows until an official says otherwise. An official who covers the lock may
change the figure directly; the change is still recorded as approved after the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from handlers.review.notices import queue_proposals
from handlers.services import Services
from handlers.unit_lookup import may_see
from indicators.people import Person
from indicators.periods import Period
from locales import _
from storage.reviews import Proposal
from storage.values import NewValue


@dataclass
class Saved:
    saved: int = 0  # figures that are now the value
    notes: list[str] = field(default_factory=list)  # what the person must know about the rest


async def record_or_propose(
    services: Services,
    records: Sequence[NewValue],
    person: Person,
    *,
    channel: str,
    update_key: str | None,
) -> Saved:
    if not records:
        return Saved()
    store = services.store
    recorded = await store.reviews.record_or_propose(
        records, person_id=person.id, channel=channel, update_key=update_key
    )
    outcome = Saved(len(recorded.stored))
    if recorded.unchanged:
        outcome.notes.append(_("{codes}: the same as the reviewed figure of the locked period; nothing changes.").format(
            codes=", ".join(dict.fromkeys(v.indicator_code for v in recorded.unchanged))))  # fmt: skip
    own: list[Proposal] = []
    asked: list[Proposal] = []
    for proposal in recorded.proposals:
        lock = await store.reviews.lock_of(proposal.plan_id, proposal.period, proposal.unit_id)
        mine = (
            lock is not None
            and person.is_official
            and await may_see(services, person, lock.unit_id)
        )
        (own if mine else asked).append(proposal)
    for proposal in own:
        await store.reviews.decide(proposal.id, approve=True, by=person.id)
    if own:
        outcome.saved += len(own)
        outcome.notes.append(_("{period} was locked after review: your change of {codes} is recorded as approved by you.").format(
            period=_period_name(own), codes=_codes(own)))  # fmt: skip
    if asked:
        queued = await queue_proposals(services, asked, person)
        outcome.notes.append(_("{period} has been reviewed and locked, so {codes} now waits for an official's approval; until then the reviewed figure stays.").format(
            period=_period_name(asked), codes=_codes(asked)))  # fmt: skip
        if not queued:
            outcome.notes.append(_("No official can be reached by the bot right now: please tell your commune official."))  # fmt: skip
    return outcome


def _codes(proposals: Sequence[Proposal]) -> str:
    return ", ".join(dict.fromkeys(p.indicator_code for p in proposals))


def _period_name(proposals: Sequence[Proposal]) -> str:
    return Period.from_code(proposals[0].period).vietnamese_name()
