"""Where a unit stands: its plans for a period, the tree below it and the values, rolled up.

Which period: the one named, or by default each plan's open period. Nobody may have
reported for the open period yet (it has just begun); the figures then come from the
latest earlier period of the plan's year that has values, and the answer says so.
A year or half asked about a quarterly plan is read from its quarters, latest first:
most indicators are a situation at a moment, and the latest one stands for the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property

from handlers.services import Services
from indicators.kept import KeptRollup, duties, level_counts, main_levels
from indicators.periods import VIETNAM_TZ, Period
from indicators.plan import Group, Indicator, Plan, Tier, plans_for_period
from indicators.reporting_status import (
    LevelCount,
    ReportingStatus,
    covering_periods,
    reporting_status,
)
from indicators.rollup import Figure, Node, Rollup
from indicators.units import Unit, name_at, unit_tree
from storage.kept import KeptView
from storage.values import StoredValue

# How far back the default period may fall when the open one has no values yet.
FALLBACK_PERIODS = 4


@dataclass(frozen=True)
class Standing:
    """One plan at one unit for one period."""

    unit: Unit
    plan: Plan
    period: Period  # the period the figures are for
    asked: Period  # the period asked about, or the open one
    node: Node
    rollup: Rollup | KeptRollup
    stored: dict[tuple[int, str], StoredValue] = field(repr=False)
    # From the kept roll-ups (a province's, the country's question): then `node` holds
    # the unit and its direct children only, and `stored` nothing.
    kept: KeptView | None = field(default=None, repr=False)

    @cached_property
    def levels(self) -> dict[Tier, str]:
        """The level word units of each tier have at and below the unit ("thôn", "xã")."""
        if self.kept is not None:
            return main_levels(self.kept.shape)
        found: dict[Tier, str] = {}
        for node in self.node.walk():
            if node.tier is not None and node.tier not in found:
                found[node.tier] = node.level
        return found

    @property
    def fell_back(self) -> bool:
        return self.period != self.asked

    def indicators(self, group: str | None = None) -> list[Indicator]:
        """The plan's indicators that concern the unit, of one group if given."""
        return [
            i
            for g in self.groups(group)
            for i in g.indicators
            if self.rollup.concerns(self.node, i)
        ]

    def groups(self, group: str | None = None) -> list[Group]:
        return [g for g in self.plan.groups if group is None or g.is_named(group)]

    def figures(self, group: str | None = None) -> list[tuple[Group, list[Figure]]]:
        found = []
        for plan_group in self.groups(group):
            figures = self.rollup.figures(self.node, plan_group.indicators)
            if figures:
                found.append((plan_group, figures))
        return found

    @cached_property
    def status(self) -> ReportingStatus:
        """Who in the unit's tree has reported what of the plan for the period; not known
        unit by unit from kept roll-ups (ask `standings` without `summary`)."""
        if self.kept is not None:
            raise ValueError("a standing from kept roll-ups has no unit-by-unit status")
        return reporting_status(self.node, self.plan.indicators, self.stored.keys())

    def counts(self, *, below: Tier | None = None) -> list[LevelCount]:
        """How the reporting units of each tier stand (ReportingStatus.counts)."""
        if self.kept is not None:
            return level_counts(self.kept.shape, self.kept.coverage, duties(self.plan), below=below)
        return self.status.counts(below=below)


async def tree(services: Services, unit: Unit) -> Node:
    """The unit and everything below it, as stored now."""
    return unit_tree(unit, await services.store.units.subtree(unit.id))


async def _tree_then(
    services: Services, unit: Unit, units: list[Unit], period: Period
) -> Node | None:
    """The tree as it stood at the end of `period`, when a rename or a merge came after
    it (the names of then, the merged units on their own, so that an answer about an
    earlier period names the units as they were); None when nothing changed since."""
    moment = period_end(period)
    former = await services.store.units.former_names_since(unit.id, moment)
    merged_since = any(u.merged_at is not None and u.merged_at > moment for u in units)
    if not former and not merged_since:
        return None
    names = {u.id: name_at(u.name, former[u.id], moment) for u in units if u.id in former}
    return unit_tree(unit, units, as_of=moment, names=names)


def period_end(period: Period) -> dt.datetime:
    """The first moment after the period, in Vietnam's time."""
    day = period.end + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=VIETNAM_TZ)


async def standings(
    services: Services,
    unit: Unit,
    asked: Period | None = None,
    *,
    node: Node | None = None,
    plan_id: str | None = None,
    fallback: bool = True,
    summary: bool = False,
) -> list[Standing]:
    """The unit's standing in each of its plans for `asked` (default: the open period,
    or with `fallback` the latest earlier one with values if it has none yet).

    With `summary` (answers that show the unit's figures and its children's only), a unit
    with more than one level below it is answered from the kept roll-ups when they hold
    its tree for the period; otherwise, and always without it, the values are read."""
    if summary and node is None:
        kept = await _kept_standings(services, unit, asked, plan_id, fallback)
        if kept is not None:
            return kept
    units = [] if node is not None else await services.store.units.subtree(unit.id)
    given = node
    node = node or unit_tree(unit, units)
    shape = Rollup(node, {})
    chosen = plans_for_period(await services.store.plans.of_unit(unit.id), asked, services.now())
    found = []
    for plan, period in chosen:
        if plan_id is not None and plan.id != plan_id:
            continue
        if not any(shape.concerns(node, i) for i in plan.indicators):
            continue
        used = period
        if asked is None and fallback:
            used = await _with_values(services, unit, plan, period)
        stored = await period_values(services, unit, plan, used)
        values = {key: row.value for key, row in stored.items()}
        then = None if given is not None else await _tree_then(services, unit, units, used)
        if then is None:
            found.append(
                Standing(unit, plan, used, period, node, shape.with_values(values), stored)
            )
        else:
            named = replace(unit, name=then.name)  # headers name the unit as it was too
            found.append(Standing(named, plan, used, period, then, Rollup(then, values), stored))
    return found


async def _kept_standings(
    services: Services,
    unit: Unit,
    asked: Period | None,
    plan_id: str | None,
    fallback: bool,
) -> list[Standing] | None:
    """Standings from the kept roll-ups; None where they do not hold what is asked (a
    commune: reading its villages is as quick; a year of a quarterly plan; a tree that
    changed since the period, or stale rows)."""
    rollups = services.store.rollups
    if not await rollups.has_inner_children(unit.id):
        return None
    chosen = plans_for_period(await services.store.plans.of_unit(unit.id), asked, services.now())
    found = []
    for plan, period in chosen:
        if plan_id is not None and plan.id != plan_id:
            continue
        used = period
        if asked is None and fallback:
            used = await _with_values(services, unit, plan, period)
        if covering_periods(plan.schedule.period_kind, used) != [used]:
            return None
        if not await rollups.fresh([(plan.id, used.code)]):
            return None
        if not await rollups.tree_as_kept(unit.id, period_end(used)):
            return None
        view = await rollups.view(unit, plan, used.code)
        if not any(view.shape.state(i) is not None for i in plan.indicators):
            continue
        found.append(Standing(unit, plan, used, period, view.node, view.rollup, {}, view))
    return found


async def _with_values(services: Services, unit: Unit, plan: Plan, period: Period) -> Period:
    candidates = [period]
    earlier = period
    for _ in range(FALLBACK_PERIODS):
        earlier = earlier.previous()
        if earlier.year != plan.year:
            break
        candidates.append(earlier)
    found = await services.store.values.first_period_with_values(
        unit.id, plan.id, [p.code for p in candidates]
    )
    return Period.from_code(found) if found else period


async def period_values(
    services: Services, unit: Unit, plan: Plan, period: Period
) -> dict[tuple[int, str], StoredValue]:
    """The value standing for `period` of every (unit, indicator) of the unit's subtree:
    the one query behind every figure and every "who has reported"."""
    found: dict[tuple[int, str], StoredValue] = {}
    for source in covering_periods(plan.schedule.period_kind, period):
        rows = await services.store.values.latest_in_subtree(unit.id, plan.id, source.code)
        for row in rows:
            found.setdefault((row.unit_id, row.indicator_code), row)
    return found
