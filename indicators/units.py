"""A unit of the administrative tree (province, commune, village), as the domain knows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from indicators.plan import LEVEL_TIERS, Tier


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    name: str
    level: str
    parent_id: int | None
    merged_into_id: int | None
    merged_at: dt.datetime | None
    created_at: dt.datetime

    @property
    def tier(self) -> Tier | None:
        return LEVEL_TIERS.get(self.level)

    @property
    def merged(self) -> bool:
        return self.merged_into_id is not None


@dataclass(frozen=True, slots=True)
class FormerName:
    name: str
    replaced_at: dt.datetime
