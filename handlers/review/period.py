"""One plan's period under review at an official's unit: every reporting unit's figures,
what looks wrong, what is missing, what was decided, and the changes waiting."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.services import Services
from handlers.unit_figures import period_values, standings
from handlers.wording.figures import node_label
from indicators.periods import Period
from indicators.plan import Indicator, Plan
from indicators.review import SUSPICIOUS, Flag, figure_flags
from indicators.units import Unit
from storage.reviews import Decision, Lock, Proposal, ValueReview
from storage.values import StoredValue


@dataclass(frozen=True)
class Item:
    """One figure a unit owes for the period."""

    unit_id: int
    unit: str  # "Thôn 2", "xã Đồng Lạc"
    indicator: Indicator
    stored: StoredValue | None
    previous: StoredValue | None
    flags: tuple[Flag, ...]
    decision: ValueReview | None  # on the current version

    @property
    def suspicious(self) -> bool:
        return any(f in SUSPICIOUS for f in self.flags) or Flag.NO_NOTE in self.flags

    @property
    def returned(self) -> bool:
        return self.decision is not None and self.decision.decision is Decision.RETURNED

    @property
    def accepted(self) -> bool:
        return self.decision is not None and self.decision.decision is Decision.ACCEPTED


@dataclass(frozen=True)
class UnitFigures:
    unit_id: int
    name: str
    items: tuple[Item, ...]

    @property
    def missing(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.stored is None)

    @property
    def reported(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.stored is not None)


@dataclass(frozen=True)
class PeriodReview:
    unit: Unit  # the official's unit whose subtree is reviewed
    plan: Plan
    period: Period
    units: tuple[UnitFigures, ...]
    waiting: tuple[Proposal, ...]  # changes proposed after the lock, not decided yet
    lock: Lock | None

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for u in self.units for i in u.items)

    @property
    def to_check(self) -> tuple[Item, ...]:
        """Reported figures that look wrong and are neither accepted nor returned yet."""
        return tuple(i for i in self.items if i.stored and i.suspicious and i.decision is None)

    @property
    def open_returns(self) -> tuple[Item, ...]:
        """Figures sent back whose team has not sent a new version yet."""
        return tuple(i for i in self.items if i.returned)

    @property
    def undecided(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.stored and i.decision is None)


async def review_period(
    services: Services, unit: Unit, plan: Plan, period: Period
) -> PeriodReview | None:
    """The review of `plan` at `unit` for `period`; None if the unit has no figures to
    review in that plan."""
    found = await standings(services, unit, period, plan_id=plan.id, fallback=False)
    if not found:
        return None
    standing = found[0]
    previous = await _previous_values(services, unit, plan, period)
    names = {node.id: node_label(node.name, node.level) for node in standing.node.walk()}
    levels = {node.id: node.level for node in standing.node.walk()}
    current_ids = [row.id for row in standing.stored.values()]
    decisions = await services.store.reviews.decisions(current_ids)
    units: list[UnitFigures] = []
    # Villages first, in the tree's order; the official's own unit last.
    reports = sorted(standing.status.units, key=lambda r: r.unit_id == unit.id)
    for report in reports:
        items = []
        for code in report.expected:
            indicator = plan.indicator(code)
            stored = standing.stored.get((report.unit_id, code))
            before = previous.get((report.unit_id, code))
            flags = figure_flags(
                stored.value if stored else None,
                previous=before.value if before else None,
                note=stored.note if stored else None,
                level=levels.get(report.unit_id, ""),
            )
            decision = decisions.get(stored.id) if stored else None
            items.append(
                Item(report.unit_id, names.get(report.unit_id, report.name), indicator, stored,
                     before, flags, decision)
            )  # fmt: skip
        units.append(
            UnitFigures(report.unit_id, names.get(report.unit_id, report.name), tuple(items))
        )
    waiting = await services.store.reviews.waiting(list(names), plan.id, period.code)
    lock = await services.store.reviews.lock_of(plan.id, period.code, unit.id)
    return PeriodReview(unit, plan, period, tuple(units), tuple(waiting), lock)


async def _previous_values(
    services: Services, unit: Unit, plan: Plan, period: Period
) -> dict[tuple[int, str], StoredValue]:
    """The values of the period before, in this plan or, across a new year, in the plan
    this one was carried over from."""
    before = period.previous()
    plan_before: Plan | None = plan
    if before.year != plan.year:
        plan_before = (
            await services.store.plans.get(plan.derived_from) if plan.derived_from else None
        )
    if plan_before is None:
        return {}
    return await period_values(services, unit, plan_before, before)


async def plans_to_review(services: Services, unit: Unit, period: Period) -> list[Plan]:
    """The unit's plans reported every period of `period`'s kind, for its year."""
    return [
        plan
        for plan in await services.store.plans.of_unit(unit.id)
        if plan.year == period.year and plan.schedule.period_kind == period.kind
    ]
