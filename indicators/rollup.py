"""A unit's standing on each indicator: its own value, or its children's combined.

A value reported at a unit itself wins over anything below it. Otherwise the children's
values are combined exactly (ratios summed, counts summed, yes/no counted: see
aggregation.py). Where they cannot be combined (percentages reported without their
denominators, status words), the unit's share is still known to lie between its
children's shares, because a share of the whole is a weighted mean of the parts' shares:
when every reported child meets a threshold the whole does too, and when none does
neither does the whole. Otherwise the verdict is open and the answer says so.

A figure combined from only some of the reporting units below is provisional: its value
is shown "tạm tính, 2/6 thôn" but it is judged neither met nor not met until every
reporting unit has reported. How many reporting units a figure is combined from travels
with it; who has reported what is indicators/reporting_status.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from indicators.aggregation import aggregate
from indicators.evaluation import Evaluation, Verdict, evaluate
from indicators.plan import Indicator, Tier
from indicators.values import AnyValue, Measure, YesNoValue

TIER_RANK: dict[Tier, int] = {
    Tier.VILLAGE: 0,
    Tier.COMMUNE: 1,
    Tier.DISTRICT: 2,
    Tier.PROVINCE: 3,
}

Values = Mapping[tuple[int, str], AnyValue]  # (unit id, indicator code) → value

# Targets and values are immutable and a province repeats the same few hundred pairs
# across its villages, so each pair is judged once.
_evaluate = lru_cache(maxsize=8192)(evaluate)


@dataclass(frozen=True, slots=True)
class Node:
    """A unit in the tree being answered about."""

    id: int
    name: str
    level: str
    tier: Tier | None
    children: tuple[Node, ...] = ()
    reports: bool = True  # False for a unit merged away: it no longer reports itself

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Figure:
    """One indicator at one unit for one period."""

    indicator: Indicator
    value: AnyValue | None  # the unit's own or the combined value; None if not known
    evaluation: Evaluation
    direct: bool  # the unit reported the value itself
    reported: int  # reporting units whose values are in it
    expected: int  # reporting units that should report
    yes: int | None = None  # yes/no: how many of `reported` said yes
    parts_met: int = 0  # children judged met, where values could not be combined
    parts_not_met: int = 0
    gap_hint: Fraction = field(default=Fraction(0))  # a lower bound of the gap, for sorting

    @property
    def complete(self) -> bool:
        return self.reported >= self.expected

    @property
    def provisional(self) -> bool:
        """Combined from some of the reporting units only: shown "tạm tính, 2/6 thôn",
        never judged as if complete. A value the unit reported itself is judged."""
        return not self.direct and 0 < self.reported < self.expected

    @property
    def verdict(self) -> Verdict:
        """The judgement; `evaluation` keeps what the reported part alone would give."""
        return Verdict.PROVISIONAL if self.provisional else self.evaluation.verdict

    @property
    def gap(self) -> Fraction:
        """How far from the target, for putting the largest gaps first."""
        return max(self.evaluation.largest_gap_points, self.gap_hint)

    @property
    def worst_first(self) -> tuple[int, Fraction]:
        """Sort key putting what needs attention first: not met (largest gap first), then
        provisional, not assessable, not reported, and met last."""
        return _ATTENTION[self.verdict], -self.gap


@dataclass(frozen=True, slots=True)
class Part:
    """What a unit's figure is made of, and all its parent needs to combine it with its
    siblings': the state kept per unit, plan, indicator and period (storage/rollups.py)."""

    value: AnyValue | None
    reported: int
    expected: int
    yes: int
    direct: bool
    # For children whose values do not combine: their verdicts, and the smallest gap.
    derived: Verdict | None = None
    parts_met: int = 0
    parts_not_met: int = 0
    gap_hint: Fraction = Fraction(0)


class Rollup:
    """Figures for the units of one tree from one period's values."""

    def __init__(self, root: Node, values: Values) -> None:
        self.root = root
        self.values = values
        self._below: dict[int, dict[Tier, int]] = {}
        self._count(root)

    def with_values(self, values: Values) -> Rollup:
        """The same tree with other values, without counting it again."""
        other = Rollup.__new__(Rollup)
        other.root, other.values, other._below = self.root, values, self._below
        return other

    def _count(self, node: Node) -> dict[Tier, int]:
        counts: dict[Tier, int] = {}
        if node.tier is not None and node.reports:
            counts[node.tier] = 1
        for child in node.children:
            for tier, number in self._count(child).items():
                counts[tier] = counts.get(tier, 0) + number
        self._below[node.id] = counts
        return counts

    def reporters(self, node: Node, tier: Tier) -> int:
        """Units of `tier` in the node's subtree, the node included."""
        return self._below.get(node.id, {}).get(tier, 0)

    def concerns(self, node: Node, indicator: Indicator) -> bool:
        """Whether the unit has a figure for the indicator: it reports it, units below it
        do, or it stands above the reporting level (and then reports it itself if nobody
        below can)."""
        return concerned(
            indicator,
            node.tier,
            self.reporters(node, indicator.reported_by),
            (node.id, indicator.code) in self.values,
        )

    def figure(self, node: Node, indicator: Indicator) -> Figure | None:
        """The node's figure; None when the indicator does not concern it."""
        partial = self._partial(node, indicator)
        if partial is None:
            return None
        return _figure(indicator, partial)

    def figures(self, node: Node, indicators: Sequence[Indicator]) -> list[Figure]:
        found = []
        for indicator in indicators:
            figure = self.figure(node, indicator)
            if figure is not None:
                found.append(figure)
        return found

    def _partial(self, node: Node, indicator: Indicator) -> Part | None:
        if not self.concerns(node, indicator):
            return None
        reporters = self.reporters(node, indicator.reported_by)
        own = self.values.get((node.id, indicator.code)) if node.reports else None
        below: list[Part] = []
        if own is None:
            below = [p for c in node.children if (p := self._partial(c, indicator)) is not None]
        return unit_part(indicator, node.tier, reporters, own, below)


def concerned(indicator: Indicator, tier: Tier | None, reporters: int, has_value: bool) -> bool:
    """Whether a unit has a figure for the indicator: it has a value of it, units below it
    report it (`reporters` of its tier in its subtree), or it stands above the reporting
    level (and then reports it itself if nobody below can)."""
    if has_value or reporters:
        return True
    rank = TIER_RANK.get(tier) if tier is not None else None
    return rank is not None and rank >= TIER_RANK[indicator.reported_by]


def unit_part(
    indicator: Indicator,
    tier: Tier | None,
    reporters: int,
    own: AnyValue | None,
    below: Sequence[Part],
) -> Part:
    """A concerned unit's part from its own value (a unit that still reports) or else from
    the parts of its concerned children: the one rule of a roll-up, whether the tree is
    walked for a question or a kept part is brought up to date after a write."""
    expected = max(reporters, 1)
    if own is not None:
        yes = 1 if isinstance(own, YesNoValue) and own.yes else 0
        return Part(own, expected, expected, yes * expected, direct=True)
    if tier is indicator.reported_by or not below:
        return Part(None, 0, expected, 0, direct=False)
    return _combine(indicator, list(below))


def figure_of(indicator: Indicator, part: Part) -> Figure:
    """The figure a part shows."""
    return _figure(indicator, part)


def _combine(indicator: Indicator, below: list[Part]) -> Part:
    reported = sum(p.reported for p in below)
    expected = sum(p.expected for p in below)
    yes = sum(p.yes for p in below)
    present = [p for p in below if p.reported]
    if not present:
        return Part(None, 0, expected, 0, direct=False)
    if indicator.measure is Measure.YESNO and all(isinstance(p.value, YesNoValue) for p in present):
        # Judged on what is reported: met when every unit that answered has it.
        return Part(YesNoValue(yes == reported), reported, expected, yes, direct=False)
    values = [p.value for p in present]
    if all(v is not None for v in values):
        combined = aggregate(indicator.measure, values).value
        if combined is not None:
            return Part(combined, reported, expected, yes, direct=False)
    judged = [_judged(indicator, p) for p in present]
    met = sum(1 for verdict, _gap in judged if verdict is Verdict.MET)
    not_met = sum(1 for verdict, _gap in judged if verdict is Verdict.NOT_MET)
    derived: Verdict | None = None
    if met == len(judged):
        derived = Verdict.MET
    elif not_met == len(judged):
        derived = Verdict.NOT_MET
    hint = min((gap for _verdict, gap in judged if gap > 0), default=Fraction(0))
    return Part(None, reported, expected, yes, False, derived, met, not_met, hint)


def _judged(indicator: Indicator, partial: Part) -> tuple[Verdict | None, Fraction]:
    """A part's verdict (met or not, else None) and its gap, or lower bound of it."""
    if partial.value is None:
        return partial.derived, partial.gap_hint
    evaluation = _evaluate(indicator.target, partial.value)
    verdict = evaluation.verdict
    known = verdict if verdict in (Verdict.MET, Verdict.NOT_MET) else None
    return known, evaluation.largest_gap_points


def _figure(indicator: Indicator, partial: Part) -> Figure:
    yes = partial.yes if indicator.measure is Measure.YESNO else None
    if partial.value is not None:
        evaluation = _evaluate(indicator.target, partial.value)
    elif partial.reported == 0:
        evaluation = Evaluation(Verdict.NOT_REPORTED)
    elif partial.derived is not None:
        evaluation = Evaluation(partial.derived)
    else:
        evaluation = Evaluation(Verdict.NOT_ASSESSABLE)
    return Figure(
        indicator=indicator,
        value=partial.value,
        evaluation=evaluation,
        direct=partial.direct,
        reported=partial.reported,
        expected=partial.expected,
        yes=yes,
        parts_met=partial.parts_met,
        parts_not_met=partial.parts_not_met,
        gap_hint=partial.gap_hint,
    )


_ATTENTION = {
    Verdict.NOT_MET: 0,
    Verdict.PROVISIONAL: 1,
    Verdict.NOT_ASSESSABLE: 2,
    Verdict.NOT_REPORTED: 3,
    Verdict.MET: 4,
}
