"""The messages review sends later, through the outbox: a figure returned to its team, a
change proposed for a locked period to the officials, and their decision back to the
proposer. Each is one message per person, with the button that acts on it."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.messages import Button, Reply
from handlers.queued_replies import fit, to_person
from handlers.services import Services
from handlers.wording.figures import unit_label
from handlers.wording.values import format_value
from indicators.people import OFFICIAL_ROLES, Person, Role
from indicators.periods import Period
from indicators.plan import Plan
from indicators.units import Unit
from locales import _
from storage.outbox import NewMessage
from storage.reviews import Proposal, ValueReview

FIX_BUTTON = "rv:fix:"  # "rv:fix:<review id>": open the returned figure in the report dialog
APPROVE_BUTTON = "rv:ok:"  # "rv:ok:<proposal id>"
REFUSE_BUTTON = "rv:no:"  # "rv:no:<proposal id>"


async def _plan(services: Services, plan_id: str) -> Plan:
    plan = await services.store.plans.get(plan_id)
    if plan is None:
        raise LookupError(f"plan {plan_id} is gone")
    return plan


async def queue_return(
    services: Services, review: ValueReview, official: Person
) -> tuple[Unit, int]:
    """Tell the unit's team that one of their figures came back; the unit and how many
    people the message is queued to."""
    unit = await services.unit(review.unit_id)
    plan = await _plan(services, review.plan_id)
    indicator = plan.indicator(review.indicator_code)
    value = await services.store.values.get(review.value_id)
    period = Period.from_code(review.period)
    lines = [
        _("{official} asks {unit} to check figure {code} for {period} again.").format(
            official=official.name,
            unit=unit_label(unit),
            code=indicator.code,
            period=period.vietnamese_name(),
        ),
        f"{indicator.code}. {indicator.name}",
    ]
    if value is not None:
        lines.append(_("Reported: {value}").format(value=format_value(value.value, indicator)))
    lines.append(_("Comment: {comment}").format(comment=review.comment or ""))
    lines.append(_("Press Correct the figure to type it again (or the same figure, with an explanation)."))  # fmt: skip
    reply = Reply(
        fit("\n".join(lines)), ((Button(_("Correct the figure"), f"{FIX_BUTTON}{review.id}"),),)
    )
    contacts = await services.store.contacts.of_units(
        [unit.id], roles=(Role.MEMBER, *OFFICIAL_ROLES)
    )
    messages = [
        to_person(c, reply, f"return:{review.id}:{c.person_id}:{c.channel}")
        for c in contacts
        if c.person_id != official.id
    ]
    await services.store.outbox.enqueue_many(messages)
    return unit, len(messages)


async def queue_proposals(
    services: Services, proposals: Sequence[Proposal], proposer: Person
) -> int:
    """Ask the officials of each locked unit to approve or refuse each proposed change;
    how many messages were queued."""
    messages: list[NewMessage] = []
    for proposal in proposals:
        lock = await services.store.reviews.lock_of(
            proposal.plan_id, proposal.period, proposal.unit_id
        )
        if lock is None:
            continue
        plan = await _plan(services, proposal.plan_id)
        indicator = plan.indicator(proposal.indicator_code)
        unit = await services.unit(proposal.unit_id)
        current = await services.store.values.latest(
            [unit.id], plan.id, proposal.period, indicator_codes=[indicator.code]
        )
        old = format_value(current[0].value, indicator) if current else _("no figure")
        period = Period.from_code(proposal.period)
        lines = [
            _("{person} ({unit}) proposes to change {code} for {period}, which is locked:").format(
                person=proposer.name,
                unit=unit_label(unit),
                code=indicator.code,
                period=period.vietnamese_name(),
            ),
            f"{indicator.code}. {indicator.name}",
            _("{old} → {new}").format(old=old, new=format_value(proposal.value, indicator)),
        ]
        if proposal.note:
            lines.append(_("Note: {note}").format(note=proposal.note))
        reply = Reply(fit("\n".join(lines)), ((
            Button(_("Approve"), f"{APPROVE_BUTTON}{proposal.id}"),
            Button(_("Refuse"), f"{REFUSE_BUTTON}{proposal.id}"),
        ),))  # fmt: skip
        officials = await services.store.contacts.of_units([lock.unit_id], roles=OFFICIAL_ROLES)
        messages += [
            to_person(c, reply, f"proposal:{proposal.id}:{c.person_id}:{c.channel}")
            for c in officials
            if c.person_id != proposer.id
        ]
    await services.store.outbox.enqueue_many(messages)
    return len(messages)


async def queue_decision(services: Services, proposal: Proposal, official: Person) -> int:
    """Tell the proposer what became of their change."""
    if proposal.person_id is None or proposal.person_id == official.id:
        return 0
    plan = await _plan(services, proposal.plan_id)
    indicator = plan.indicator(proposal.indicator_code)
    period = Period.from_code(proposal.period)
    names = {
        "official": official.name,
        "code": indicator.code,
        "period": period.vietnamese_name(),
        "value": format_value(proposal.value, indicator),
    }
    if proposal.approved:
        text = _("{official} approved your change of {code} for {period}: {value} is now the figure.").format(**names)  # fmt: skip
    else:
        text = _("{official} did not approve your change of {code} for {period} ({value}); the figure stays as it was. Please contact them if it should change.").format(**names)  # fmt: skip
    reachable = await services.store.contacts.of_units([proposal.unit_id])
    contacts = [c for c in reachable if c.person_id == proposal.person_id]
    messages = [
        to_person(c, Reply(fit(text)), f"decision:{proposal.id}:{c.channel}") for c in contacts
    ]
    await services.store.outbox.enqueue_many(messages)
    return len(messages)
