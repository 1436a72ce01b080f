"""Who still owes which figures, for reminders and the officials' summaries: the plan's
reporting status (indicators/reporting_status.py) over every unit the plan is assigned
to, read with the same query and the same period rule as every answer."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from handlers.services import Services
from handlers.unit_figures import period_values, tree
from indicators.periods import Period
from indicators.plan import Indicator, Plan
from indicators.reporting_status import Coverage, ReportingStatus, UnitReport, reporting_status
from indicators.units import Unit


@dataclass(frozen=True)
class UnitStatus:
    unit: Unit
    report: UnitReport
    plan: Plan

    @property
    def expected(self) -> tuple[Indicator, ...]:
        return tuple(self.plan.indicator(code) for code in self.report.expected)

    @property
    def missing(self) -> tuple[Indicator, ...]:
        return tuple(self.plan.indicator(code) for code in self.report.missing)

    @property
    def complete(self) -> bool:
        return self.report.complete

    @property
    def coverage(self) -> Coverage:
        return self.report.coverage


async def plan_scope(services: Services, plan_id: str) -> list[Unit]:
    """The units that report on the plan: the subtrees of the units it is assigned to,
    without units merged away (their successors report instead)."""
    found: dict[int, Unit] = {}
    for root_id in await services.store.plans.units_of(plan_id):
        for unit in await services.store.units.subtree(root_id, active_only=True):
            found.setdefault(unit.id, unit)
    return sorted(found.values(), key=lambda u: u.id)


async def within(services: Services, units: Sequence[Unit], root_id: int) -> list[Unit]:
    """Those of `units` that lie in `root_id`'s subtree."""
    inside = {u.id for u in await services.store.units.subtree(root_id)}
    return [u for u in units if u.id in inside]


async def plan_status(services: Services, plan: Plan, period: Period) -> ReportingStatus:
    """The reporting status of every unit the plan is assigned to, for the period."""
    reports: dict[int, UnitReport] = {}
    for root_id in await services.store.plans.units_of(plan.id):
        root = await services.store.units.get(root_id)
        if root is None:
            continue
        node = await tree(services, root)
        stored = await period_values(services, root, plan, period)
        for report in reporting_status(node, plan.indicators, stored.keys()).units:
            reports.setdefault(report.unit_id, report)
    return ReportingStatus(tuple(reports.values()))


async def unit_statuses(
    services: Services, plan: Plan, period: Period, units: Collection[Unit]
) -> list[UnitStatus]:
    """For every one of `units` that reports some indicator of the plan: what it lacks."""
    status = await plan_status(services, plan, period)
    return [
        UnitStatus(unit, report, plan)
        for unit in sorted(units, key=lambda u: u.id)
        if (report := status.unit(unit.id)) is not None
    ]
