"""Who has reported what: for one plan and one period, each reporting unit's state —
complete, partial or none — with the indicator codes it still misses.

This is the one meaning of "đã báo cáo" everywhere (answers, their header line, the
not-reported answer, reminders, the officials' summaries, the appendix): a unit has
reported *in full* when it has a value for every indicator its level reports, *in part*
when it has some, and *not at all* when it has none.

A reporting unit is a unit of the tree that still reports (not merged away) and whose
tier reports some indicator of the plan; its duty is the indicators `reported_by` its
tier. Which stored values stand for the period is `covering_periods`' rule: a year or a
half asked of a quarterly plan is read from its quarters, latest first, because every
indicator the plan model knows is a stock — a share, a yes/no, a status word or a
running count, a situation at a moment — so the latest value in the period stands for
it. (A flow, counted anew in each period, would be covered only by every sub-period and
summed; the plan format has no way to mark one, and no bundled plan has one.)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from indicators.periods import Period, PeriodKind
from indicators.plan import Indicator, Tier
from indicators.rollup import TIER_RANK, Node


class Coverage(StrEnum):
    COMPLETE = "complete"  # every indicator of its level has a value
    PARTIAL = "partial"  # some have
    NONE = "none"  # none has


@dataclass(frozen=True, slots=True)
class UnitReport:
    """One reporting unit's state for the period."""

    unit_id: int
    name: str
    level: str
    tier: Tier
    expected: tuple[str, ...]  # the codes its level reports, in plan order
    missing: tuple[str, ...]  # those it has no value for, in plan order

    @property
    def coverage(self) -> Coverage:
        if not self.missing:
            return Coverage.COMPLETE
        if len(self.missing) < len(self.expected):
            return Coverage.PARTIAL
        return Coverage.NONE

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True, slots=True)
class LevelCount:
    """How the reporting units of one tier stand: "3/6 thôn đã báo cáo đủ, …"."""

    tier: Tier
    level: str  # the level word most of them have ("thôn")
    complete: int
    partial: int
    none: int

    @property
    def total(self) -> int:
        return self.complete + self.partial + self.none


@dataclass(frozen=True, slots=True)
class ReportingStatus:
    """Every reporting unit of a tree, in the tree's order (a unit before those below it)."""

    units: tuple[UnitReport, ...]
    _by_id: dict[int, UnitReport] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {r.unit_id: r for r in self.units})

    def unit(self, unit_id: int) -> UnitReport | None:
        return self._by_id.get(unit_id)

    def among(self, unit_ids: Collection[int]) -> ReportingStatus:
        """Only the reports of the given units (a subtree's), order kept."""
        return ReportingStatus(tuple(r for r in self.units if r.unit_id in unit_ids))

    def within(self, node: Node) -> ReportingStatus:
        """The reports of the node's subtree."""
        return self.among({n.id for n in node.walk()})

    def incomplete(self) -> list[UnitReport]:
        return [r for r in self.units if not r.complete]

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.units)

    def counts(self, *, below: Tier | None = None) -> list[LevelCount]:
        """Per tier, lowest first: how many units are complete, partial, without any
        value; with `below`, only the tiers under that one (a commune's villages)."""
        by_tier: dict[Tier, list[UnitReport]] = {}
        for report in self.units:
            if below is None or TIER_RANK[report.tier] < TIER_RANK[below]:
                by_tier.setdefault(report.tier, []).append(report)
        found = []
        for tier in sorted(by_tier, key=lambda t: TIER_RANK[t]):
            reports = by_tier[tier]
            levels = [r.level for r in reports]
            level = max(dict.fromkeys(levels), key=levels.count)
            states = [r.coverage for r in reports]
            found.append(
                LevelCount(
                    tier,
                    level,
                    complete=states.count(Coverage.COMPLETE),
                    partial=states.count(Coverage.PARTIAL),
                    none=states.count(Coverage.NONE),
                )
            )
        return found


def reporting_status(
    root: Node,
    indicators: Sequence[Indicator],
    reported: Collection[tuple[int, str]],
) -> ReportingStatus:
    """The state of every reporting unit in `root`'s tree.

    `indicators` are the plan's; `reported` holds (unit id, indicator code) for every
    value that stands for the period (see `covering_periods`)."""
    duties: dict[Tier, tuple[str, ...]] = {}
    for indicator in indicators:
        duties[indicator.reported_by] = (*duties.get(indicator.reported_by, ()), indicator.code)
    found = []
    for node in root.walk():
        if not node.reports or node.tier is None or node.tier not in duties:
            continue
        expected = duties[node.tier]
        missing = tuple(code for code in expected if (node.id, code) not in reported)
        found.append(UnitReport(node.id, node.name, node.level, node.tier, expected, missing))
    return ReportingStatus(tuple(found))


def covering_periods(plan_kind: PeriodKind, period: Period) -> list[Period]:
    """The periods whose values stand for `period` in a plan reported every `plan_kind`,
    the one that wins first: the period itself, then its sub-periods latest first (a year
    of a quarterly plan: the year, Q4, Q3, Q2, Q1). Stocks: the latest value stands."""
    if period.kind == plan_kind:
        return [period]
    inner = [period]
    candidate = Period.containing(period.end, plan_kind)
    while candidate.is_within(period) and candidate != period:
        inner.append(candidate)
        if candidate.index == 1:
            break
        candidate = candidate.previous()
    return inner
