"""A unit of the administrative tree (province, commune, village), as the domain knows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from indicators.plan import Tier, level_tier
from indicators.rollup import Node


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
        return level_tier(self.level)

    @property
    def merged(self) -> bool:
        return self.merged_into_id is not None


@dataclass(frozen=True, slots=True)
class FormerName:
    name: str
    replaced_at: dt.datetime


def unit_tree(
    root: Unit,
    units: Sequence[Unit],
    *,
    as_of: dt.datetime | None = None,
    names: Mapping[int, str] | None = None,
) -> Node:
    """`root` and the units below it (`units`, the subtree as stored) as a tree. A unit
    merged into another hangs under it and no longer reports itself; its children keep
    reporting.

    `as_of` gives the tree as it stood then: a merge made later is undone (the old unit
    reports under its old parent, as its values were given), and `names` holds the names
    units had then (`name_at`), for answers about an earlier period."""
    by_parent: dict[int, list[Unit]] = {}
    present = {u.id for u in units}
    given = names or {}

    def merged(unit: Unit) -> bool:
        if unit.merged_into_id is None:
            return False
        return as_of is None or unit.merged_at is None or unit.merged_at <= as_of

    for member in units:
        if member.id == root.id:
            continue
        into = member.merged_into_id if merged(member) else None
        parent = into if into in present else member.parent_id
        if parent is not None:
            by_parent.setdefault(parent, []).append(member)

    def build(current: Unit) -> Node:
        children = tuple(build(c) for c in by_parent.get(current.id, []))
        return Node(
            current.id,
            given.get(current.id, current.name),
            current.level,
            current.tier,
            children,
            reports=not merged(current),
        )

    return build(root)


def name_at(current: str, former: Sequence[FormerName], moment: dt.datetime) -> str:
    """The name a unit had at `moment`: the earliest former name replaced after it, or
    the current name. `former` in the order the names were replaced."""
    return next((f.name for f in former if f.replaced_at > moment), current)


_TIER_RANK = {Tier.VILLAGE: 0, Tier.COMMUNE: 1, Tier.DISTRICT: 2, Tier.PROVINCE: 3}


def tier_above(upper: Tier, lower: Tier) -> bool:
    """True when a unit of tier `upper` can hold units of tier `lower` (a commune holds
    villages, a province communes in the two-tier tree and districts in the old one)."""
    return _TIER_RANK[upper] > _TIER_RANK[lower]
