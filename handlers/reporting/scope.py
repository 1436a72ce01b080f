"""The unit and period a request to report names: "báo cáo quý 3 của thôn 6".

An official may enter the figures of a unit under them (when its team cannot), for the
period they name; a member only their own unit's. Every figure is stored with the person
who entered it, so figures entered on a village's behalf say who typed them.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.messages import Reply
from handlers.reporting.assignments import assignments
from handlers.services import Services
from handlers.unit_lookup import NotFound, Refused, find_unit, home_unit, scope_names
from handlers.wording.figures import unit_label
from indicators.people import Person, Role
from indicators.periods import Period
from indicators.questions import Vocabulary, read_question
from indicators.units import Unit
from locales import _, current_locale


@dataclass(frozen=True, slots=True)
class Named:
    """What a request names; None where it names nothing (the person's own, the open one)."""

    unit: Unit | None = None
    period: Period | None = None

    @property
    def empty(self) -> bool:
        return self.unit is None and self.period is None


async def named_scope(services: Services, person: Person, text: str) -> Named | Reply:
    """The unit and period `text` names, checked; a Reply saying why when they cannot be
    reported for."""
    home = await home_unit(services, person)
    duties = await assignments(services, home)
    vocabulary = Vocabulary(
        units=[name for _id, name in await scope_names(services, person)],
        period_kind=duties[0].plan.schedule.period_kind if duties else None,
    )
    question = read_question(
        text, today=services.now().date(), vocabulary=vocabulary, language=current_locale()
    )
    if question.unit is None and question.period is None:
        return Named()
    unit = home
    if question.unit is not None:
        found = await find_unit(services, person, question.unit, question.unit_level)
        if isinstance(found, Refused):
            return _refusal(person, home, found.unit)
        if isinstance(found, NotFound):
            return found.reply()
        unit = found.unit
    if question.period is not None:
        problem = await _period_problem(services, unit, question.period)
        if problem is not None:
            return Reply(problem)
    return Named(unit, question.period)


async def _period_problem(services: Services, unit: Unit, period: Period) -> str | None:
    """Why `unit` cannot report for `period`, or None."""
    if period.start > services.now().date():
        return _("{period} has not begun yet; figures can be reported once it has.").format(
            period=period.vietnamese_name())  # fmt: skip
    duties = await assignments(services, unit, period)
    if not duties:
        return _("{unit} has no indicators to report for {period}.").format(
            unit=unit_label(unit), period=period.vietnamese_name())  # fmt: skip
    schedule = duties[0].plan.schedule
    if period.kind != schedule.period_kind:
        example = schedule.open_period(services.now()).vietnamese_name()
        return _("{unit} reports for periods such as {example}, not for {period}.").format(
            unit=unit_label(unit), example=example, period=period.vietnamese_name())  # fmt: skip
    return None


def _refusal(person: Person, home: Unit, unit: Unit) -> Reply:
    if person.role is Role.MEMBER:
        scope = _("You can report figures for {unit} only.").format(unit=unit_label(home))
    else:
        scope = _("You can report figures for {unit} and the units under it.").format(
            unit=unit_label(home))  # fmt: skip
    return Reply(_("Sorry, {unit} is outside what you can report for.").format(
        unit=unit_label(unit)) + " " + scope)  # fmt: skip
