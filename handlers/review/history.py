"""A figure's history ("lịch sử 3.1 thôn 2"): every version, who recorded it, when, on
which channel and what changed, with the decisions taken on it, oldest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handlers.messages import Reply
from handlers.queued_replies import fit
from handlers.services import Services
from handlers.unit_lookup import Found, NotFound, Refused, find_unit, home_unit
from handlers.wording.figures import unit_label
from handlers.wording.values import format_value
from indicators.people import Person, Role
from indicators.periods import Period
from indicators.plan import Indicator, Plan
from indicators.questions import Vocabulary, read_question
from indicators.units import Unit
from locales import _, format_day
from storage.reviews import Decision

MAX_EVENTS = 30


def channel_label(channel: str | None) -> str:
    return {
        "telegram": "Telegram",
        "zalo": "Zalo",
        "console": _("the terminal"),
        "demo": _("demo data"),
        "document": _("the printed report"),
    }.get(channel or "", channel or _("unknown channel"))


@dataclass(frozen=True)
class _Event:
    at: dt.datetime
    order: int  # keeps a version before the decision taken in the same instant
    text: str


def _when(services: Services, moment: dt.datetime) -> str:
    local = moment.astimezone(services.tz)
    return f"{format_day(local.date())} {local:%H:%M}"


async def _name(services: Services, person_id: int | None, names: dict[int, str]) -> str:
    if person_id is None:
        return _("the system")
    if person_id not in names:
        person = await services.store.people.get(person_id)
        names[person_id] = person.name if person else _("unknown person")
    return names[person_id]


async def history_replies(services: Services, person: Person, text: str) -> list[Reply]:
    home = await home_unit(services, person)
    plans = await services.store.plans.of_unit(home.id)
    if person.role is Role.MEMBER:
        unit_names = [home.name]
    else:
        unit_names = [name for _id, name in await services.store.units.name_index(home.id)]
    vocabulary = Vocabulary(
        units=unit_names,
        codes=[i.code for p in plans for i in p.indicators],
        period_kind=plans[0].schedule.period_kind if plans else None,
    )
    question = read_question(text, today=services.now().date(), vocabulary=vocabulary)
    if question.code is None:
        return [Reply(_("Which figure? Type the indicator code and the unit, e.g. “lịch sử 3.1 thôn 2”."))]  # fmt: skip
    unit = home
    if question.unit is not None:
        found = await find_unit(services, person, question.unit, question.unit_level)
        if isinstance(found, Refused):
            return [Reply(_("Sorry, {unit} is outside what you can see.").format(unit=unit_label(found.unit)))]  # fmt: skip
        if not isinstance(found, Found):
            return [NotFound(question.unit).reply()]
        unit = found.unit
    chosen = _plan_with(plans, question.code, question.period, services.now().year)
    if chosen is None:
        return [Reply(_("No plan of yours has an indicator {code}.").format(code=question.code))]
    plan, indicator = chosen
    period = question.period
    if period is None:
        series = await services.store.values.series([unit.id], plan.id, indicator.code)
        if not series:
            return [Reply(_("{unit} has no figure {code} yet.").format(unit=unit_label(unit), code=indicator.code))]  # fmt: skip
        period = Period.from_code(series[-1].period)
    return [Reply(fit("\n".join(await _lines(services, unit, plan, indicator, period))))]


def _plan_with(
    plans: list[Plan], code: str, period: Period | None, year: int
) -> tuple[Plan, Indicator] | None:
    wanted = period.year if period is not None else year
    ordered = sorted(plans, key=lambda p: (p.year != wanted, -p.year))
    for plan in ordered:
        for indicator in plan.indicators:
            if indicator.code == code:
                return plan, indicator
    return None


async def _lines(
    services: Services, unit: Unit, plan: Plan, indicator: Indicator, period: Period
) -> list[str]:
    store = services.store
    versions = await store.values.history(unit.id, plan.id, indicator.code, period.code)
    head = _("History of {code} — {unit}, {period}:").format(
        code=indicator.code, unit=unit_label(unit), period=period.vietnamese_name())  # fmt: skip
    if not versions:
        return [head, _("No figure has been recorded.")]
    reviews = await store.reviews.of_cell(unit.id, plan.id, indicator.code, period.code)
    proposals = await store.reviews.proposals_of_cell(unit.id, plan.id, indicator.code, period.code)
    approved = {p.value_id: p for p in proposals if p.value_id is not None}
    names: dict[int, str] = {}
    events: list[_Event] = []
    before = None
    for number, version in enumerate(versions, start=1):
        shown = format_value(version.value, indicator)
        what = shown if before is None else _("{old} → {new}").format(
            old=format_value(before.value, indicator), new=shown)  # fmt: skip
        if before is not None and before.value == version.value:
            what = _("{value} (unchanged)").format(value=shown)
        text = _("{n}. {when} — {who}, via {channel}: {what}").format(
            n=number, when=_when(services, version.recorded_at),
            who=await _name(services, version.person_id, names),
            channel=channel_label(version.channel), what=what)  # fmt: skip
        if version.note and (before is None or version.note != before.note):
            text += "\n   " + _("note: {note}").format(note=version.note)
        proposal = approved.get(version.id)
        if proposal is not None and proposal.decided_by is not None:
            text += "\n   " + _("changed after the lock; approved by {official}").format(
                official=await _name(services, proposal.decided_by, names))  # fmt: skip
        events.append(_Event(version.recorded_at, 0, text))
        before = version
    numbers = {v.id: n for n, v in enumerate(versions, start=1)}
    for review in reviews:
        who = await _name(services, review.person_id, names)
        when = _when(services, review.at)
        if review.decision is Decision.RETURNED:
            text = "   ↩ " + _("{when} — {who} sent version {n} back: “{comment}”").format(
                when=when, who=who, n=numbers.get(review.value_id, "?"), comment=review.comment or "")  # fmt: skip
        else:
            text = "   ✓ " + _("{when} — {who} accepted version {n}").format(
                when=when, who=who, n=numbers.get(review.value_id, "?"))  # fmt: skip
        events.append(_Event(review.at, 1, text))
    for proposal in proposals:
        if proposal.value_id is not None:
            continue
        who = await _name(services, proposal.person_id, names)
        shown = format_value(proposal.value, indicator)
        if proposal.approved is None:
            text = "   … " + _("{when} — {who} proposed {value}; waiting for approval").format(
                when=_when(services, proposal.proposed_at), who=who, value=shown)  # fmt: skip
        else:
            text = "   ✗ " + _("{when} — {who} proposed {value}; refused by {official}").format(
                when=_when(services, proposal.proposed_at), who=who, value=shown,
                official=await _name(services, proposal.decided_by, names))  # fmt: skip
        events.append(_Event(proposal.proposed_at, 2, text))
    events.sort(key=lambda e: (e.at, e.order))
    lines = [head, f"{indicator.code}. {indicator.name}"]
    lines += [e.text for e in events[-MAX_EVENTS:]]
    lock = await store.reviews.lock_of(plan.id, period.code, unit.id)
    if lock is not None:
        lines.append(_("The period was locked on {day}.").format(
            day=format_day(lock.locked_at.astimezone(services.tz).date())))  # fmt: skip
    return lines
