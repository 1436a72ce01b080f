"""Which unit reports which indicators of which plan, for which period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handlers.services import Services
from indicators.periods import Period
from indicators.plan import Indicator, Plan
from indicators.units import Unit


@dataclass(frozen=True)
class Assignment:
    """One unit's duty in one plan for one period."""

    unit: Unit
    plan: Plan
    period: Period
    indicators: tuple[Indicator, ...]

    @property
    def deadline(self) -> dt.datetime:
        return self.plan.schedule.deadline(self.period)

    @property
    def last_day(self) -> dt.date:
        return self.plan.schedule.last_day(self.period)


async def assignments(
    services: Services, unit: Unit, period: Period | None = None
) -> list[Assignment]:
    """The plans this unit reports on, each with its open period (or `period`).

    Plans roll over each year, so only a plan for the period's year applies.
    """
    found: list[Assignment] = []
    now = services.now()
    for plan in await services.store.plans.of_unit(unit.id):
        chosen = period or plan.schedule.open_period(now)
        if chosen.year != plan.year:
            continue
        indicators = plan.reported_by(unit.tier)
        if indicators:
            found.append(Assignment(unit, plan, chosen, indicators))
    return found
