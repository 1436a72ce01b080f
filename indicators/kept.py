"""Roll-ups kept up to date: what a unit's figures need from the units right below it.

A question of a province or the country would otherwise read every value of the subtree
(1.4 million for a country's quarter) and walk the tree (rollup.py). Instead, each unit
with units below it keeps, per plan, indicator and period, its `Part` (rollup.py): the
combined value, how many reporting units below reported out of how many, yes counts,
the verdicts of parts that do not combine. A unit's part depends only on its own value
and its children's parts, so after a write only the written unit's ancestors are
recomputed, each from its direct children; the rule is rollup.unit_part, the very one
the tree walk uses.

Two more things are kept. A unit's `Shape` (what its subtree holds whatever is
reported: reporting units by tier and level word, and the part it shows while nothing
below is reported) is the same for every plan and period, so a part equal to the empty
one need not be stored: most units of a period not yet reported have no row. And a
unit's `Coverage` per plan and period: how many reporting units below reported in full
or in part, by tier and level word (reporting_status.py's meaning), for the header line
"3/6 thôn đã báo cáo đủ" without a row per village.

The kept state is that of the whole tree, where a unit merged into another hangs under
it (indicators.units.unit_tree): seen from a unit whose subtree holds a merged unit
whose successor lies outside it, the tree differs, and that question walks the tree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from indicators.evaluation import Verdict
from indicators.plan import Indicator, Plan, Tier
from indicators.reporting_status import LevelCount
from indicators.rollup import TIER_RANK, Figure, Node, Part, concerned, figure_of, unit_part
from indicators.values import AnyValue, value_from_data, value_to_data

TIERS = tuple(sorted(Tier, key=lambda t: TIER_RANK[t]))


@dataclass(frozen=True, slots=True)
class Shape:
    """A unit's subtree as the roll-up sees it with nothing reported."""

    tier: Tier | None
    reports: bool
    reporters: Mapping[Tier, int]  # reporting units of each tier, the unit included
    empty: Mapping[Tier, int]  # `expected` of the unit's part for indicators of the tier
    levels: Mapping[Tier, Mapping[str, int]]  # reporting units by tier and level word

    def state(self, indicator: Indicator) -> Part | None:
        """The unit's part while nothing of the indicator is reported below it (None: the
        indicator does not concern it)."""
        tier = indicator.reported_by
        if not concerned(indicator, self.tier, self.reporters.get(tier, 0), False):
            return None
        return Part(None, 0, self.empty.get(tier, 1), 0, direct=False)


def shape_of(tier: Tier | None, level: str, reports: bool, children: Sequence[Shape]) -> Shape:
    """A unit's shape from its children's: the counting of Rollup._count and the empty
    case of unit_part, per tier."""
    reporters: dict[Tier, int] = {}
    empty: dict[Tier, int] = {}
    levels: dict[Tier, dict[str, int]] = {}
    if tier is not None and reports:
        levels[tier] = {level: 1}
    for child in children:
        for child_tier, by_level in child.levels.items():
            mine = levels.setdefault(child_tier, {})
            for word, count in by_level.items():
                mine[word] = mine.get(word, 0) + count
    for each in TIERS:
        count = (1 if tier is each and reports else 0) + sum(
            c.reporters.get(each, 0) for c in children
        )
        if count:
            reporters[each] = count
        below = [
            c for c in children if _concerns_tier(each, c.tier, c.reporters.get(each, 0), False)
        ]
        if tier is each or not below:
            empty[each] = max(count, 1)
        else:
            empty[each] = sum(c.empty.get(each, 1) for c in below)
    return Shape(tier, reports, reporters, empty, levels)


def _concerns_tier(reported_by: Tier, tier: Tier | None, reporters: int, has_value: bool) -> bool:
    if has_value or reporters:
        return True
    rank = TIER_RANK.get(tier) if tier is not None else None
    return rank is not None and rank >= TIER_RANK[reported_by]


def kept_state(
    indicator: Indicator,
    shape: Shape,
    value: AnyValue | None,
    children: Iterable[Part | None],
) -> Part | None:
    """A unit's part from its own value (as stored, also for a unit merged away: such a
    value still makes the indicator concern it) and its children's parts (None for a
    child the indicator does not concern)."""
    tier = indicator.reported_by
    if not concerned(indicator, shape.tier, shape.reporters.get(tier, 0), value is not None):
        return None
    own = value if shape.reports else None
    below = [] if own is not None else [c for c in children if c is not None]
    return unit_part(indicator, shape.tier, shape.reporters.get(tier, 0), own, below)


# Per tier and level word: reporting units that reported in full, and in part.
Coverage = Mapping[Tier, Mapping[str, tuple[int, int]]]


def duties(plan: Plan) -> dict[Tier, tuple[str, ...]]:
    """The indicator codes each tier reports in the plan, in the plan's order."""
    found: dict[Tier, tuple[str, ...]] = {}
    for indicator in plan.indicators:
        found[indicator.reported_by] = (*found.get(indicator.reported_by, ()), indicator.code)
    return found


def coverage_of(
    shape: Shape,
    level: str,
    plan_duties: Mapping[Tier, tuple[str, ...]],
    codes: Collection[str],
    children: Iterable[Coverage],
) -> dict[Tier, dict[str, tuple[int, int]]]:
    """A unit's coverage: its own (the codes it has values for) and its children's."""
    found: dict[Tier, dict[str, tuple[int, int]]] = {}
    for child in children:
        for tier, by_level in child.items():
            mine = found.setdefault(tier, {})
            for word, (complete, partial) in by_level.items():
                had = mine.get(word, (0, 0))
                mine[word] = (had[0] + complete, had[1] + partial)
    duty = plan_duties.get(shape.tier) if shape.tier is not None else None
    if shape.reports and shape.tier is not None and duty:
        reported = sum(1 for code in duty if code in codes)
        if reported:
            had = found.setdefault(shape.tier, {}).get(level, (0, 0))
            full = reported == len(duty)
            found[shape.tier][level] = (had[0] + full, had[1] + (not full))
    return {tier: by_level for tier, by_level in found.items() if by_level}


def level_counts(
    shape: Shape,
    coverage: Coverage,
    plan_duties: Mapping[Tier, tuple[str, ...]],
    *,
    below: Tier | None = None,
) -> list[LevelCount]:
    """ReportingStatus.counts from the kept figures: per tier, lowest first."""
    found = []
    for tier in TIERS:
        if tier not in plan_duties or (below is not None and TIER_RANK[tier] >= TIER_RANK[below]):
            continue
        by_level = shape.levels.get(tier, {})
        total = sum(by_level.values())
        if not total:
            continue
        # The level word most units have; ReportingStatus takes the first in the tree's
        # order among equals, which no kept count knows: here the first in sort order.
        level = min(by_level, key=lambda word: (-by_level[word], word))
        kept = coverage.get(tier, {})
        complete = sum(c for c, _p in kept.values())
        partial = sum(p for _c, p in kept.values())
        found.append(LevelCount(tier, level, complete, partial, total - complete - partial))
    return found


def main_levels(shape: Shape) -> dict[Tier, str]:
    """The level word of most reporting units of each tier below and at the unit."""
    return {
        tier: min(by_level, key=lambda word: (-by_level[word], word))
        for tier, by_level in shape.levels.items()
        if by_level
    }


@dataclass(frozen=True)
class KeptRollup:
    """Figures of one unit and its direct children from kept parts, with the interface of
    Rollup that the answers use (figure, figures, concerns)."""

    root: Node  # the unit, its direct children as leaves
    states: Mapping[tuple[int, str], Part | None]  # (unit id, code), every concerned one
    _concerned: frozenset[tuple[int, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        found = frozenset(key for key, state in self.states.items() if state is not None)
        object.__setattr__(self, "_concerned", found)

    def concerns(self, node: Node, indicator: Indicator) -> bool:
        return (node.id, indicator.code) in self._concerned

    def part(self, node: Node, indicator: Indicator) -> Part | None:
        return self.states.get((node.id, indicator.code))

    def figure(self, node: Node, indicator: Indicator) -> Figure | None:
        state = self.states.get((node.id, indicator.code))
        return None if state is None else figure_of(indicator, state)

    def figures(self, node: Node, indicators: Sequence[Indicator]) -> list[Figure]:
        return [f for i in indicators if (f := self.figure(node, i)) is not None]


# --- as JSON-safe data, for the kept rows ------------------------------------------------


def part_to_data(part: Part | None) -> dict[str, object] | None:
    if part is None:
        return None
    return {
        "value": None if part.value is None else value_to_data(part.value),
        "reported": part.reported,
        "expected": part.expected,
        "yes": part.yes,
        "direct": part.direct,
        "derived": None if part.derived is None else part.derived.value,
        "met": part.parts_met,
        "not_met": part.parts_not_met,
        "gap": str(part.gap_hint),
    }


def part_from_data(data: object) -> Part | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError(f"kept part must be a mapping, got {data!r}")
    value = data["value"]
    derived = data["derived"]
    return Part(
        value=None if value is None else value_from_data(value),
        reported=int(data["reported"]),
        expected=int(data["expected"]),
        yes=int(data["yes"]),
        direct=bool(data["direct"]),
        derived=None if derived is None else Verdict(str(derived)),
        parts_met=int(data["met"]),
        parts_not_met=int(data["not_met"]),
        gap_hint=Fraction(str(data["gap"])),
    )


def shape_to_data(shape: Shape) -> dict[str, object]:
    return {
        "tier": None if shape.tier is None else shape.tier.value,
        "reports": shape.reports,
        "reporters": {t.value: n for t, n in shape.reporters.items()},
        "empty": {t.value: n for t, n in shape.empty.items()},
        "levels": {t.value: dict(by_level) for t, by_level in shape.levels.items()},
    }


def shape_from_data(data: dict[str, object]) -> Shape:
    tier = data["tier"]
    reporters = data["reporters"]
    empty = data["empty"]
    levels = data["levels"]
    if not isinstance(reporters, dict) or not isinstance(empty, dict):
        raise ValueError(f"bad kept shape {data!r}")
    if not isinstance(levels, dict):
        raise ValueError(f"bad kept shape {data!r}")
    return Shape(
        tier=None if tier is None else Tier(str(tier)),
        reports=bool(data["reports"]),
        reporters={Tier(t): int(n) for t, n in reporters.items()},
        empty={Tier(t): int(n) for t, n in empty.items()},
        levels={Tier(t): {str(w): int(n) for w, n in ls.items()} for t, ls in levels.items()},
    )


def coverage_to_data(coverage: Coverage) -> dict[str, object]:
    return {t.value: {w: list(pair) for w, pair in ls.items()} for t, ls in coverage.items()}


def coverage_from_data(data: dict[str, object]) -> dict[Tier, dict[str, tuple[int, int]]]:
    found: dict[Tier, dict[str, tuple[int, int]]] = {}
    for tier, by_level in data.items():
        if not isinstance(by_level, dict):
            raise ValueError(f"bad kept coverage {data!r}")
        found[Tier(tier)] = {str(w): (int(p[0]), int(p[1])) for w, p in by_level.items()}
    return found
