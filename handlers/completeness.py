"""Who still owes which figures: each reporting unit's missing indicators for a period."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from handlers.context import Services
from handlers.scope import reported_indicators
from indicators.periods import Period
from indicators.plan import Indicator, Plan
from storage.units import Unit


@dataclass(frozen=True)
class UnitStatus:
    unit: Unit
    expected: tuple[Indicator, ...]
    missing: tuple[Indicator, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


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


async def unit_statuses(
    services: Services, plan: Plan, period: Period, units: Collection[Unit]
) -> list[UnitStatus]:
    """For every unit that reports some indicator of the plan: what it still lacks."""
    by_codes: dict[tuple[str, ...], list[Unit]] = {}
    expected: dict[int, tuple[Indicator, ...]] = {}
    for unit in units:
        indicators = reported_indicators(plan, unit)
        if indicators:
            expected[unit.id] = indicators
            by_codes.setdefault(tuple(i.code for i in indicators), []).append(unit)
    missing: dict[int, list[str]] = {}
    for codes, group in by_codes.items():
        missing.update(
            await services.store.values.missing([u.id for u in group], plan.id, period.code, codes)
        )
    return [
        UnitStatus(
            unit,
            expected[unit.id],
            tuple(i for i in expected[unit.id] if i.code in missing.get(unit.id, ())),
        )
        for unit in sorted(units, key=lambda u: u.id)
        if unit.id in expected
    ]
