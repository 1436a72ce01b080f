"""Aggregating child units' values into a parent's: never an average of percentages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indicators.values import (
    AnyValue,
    CountValue,
    Measure,
    PartsValue,
    RatioValue,
    YesNoValue,
)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """The parent's value computed from its children.

    `value` is None when the children's values cannot be combined exactly (percentages
    reported without their denominators): the parent must then report directly.
    """

    value: AnyValue | None
    reported: int
    total: int
    yes: int | None = None  # for yes/no: how many children said yes ("4/6 thôn có")

    @property
    def complete(self) -> bool:
        return self.reported == self.total


def aggregate(measure: Measure, values: Sequence[AnyValue | None]) -> Aggregate:
    present = [v for v in values if v is not None]
    total, reported = len(values), len(present)
    if not present:
        return Aggregate(None, 0, total)
    if measure is Measure.YESNO and all(isinstance(v, YesNoValue) for v in present):
        yes = sum(1 for v in present if isinstance(v, YesNoValue) and v.yes)
        combined = YesNoValue(yes == total) if reported == total else None
        return Aggregate(combined, reported, total, yes=yes)
    if all(isinstance(v, RatioValue) for v in present):
        ratios = [v for v in present if isinstance(v, RatioValue)]
        return Aggregate(_sum_ratios(ratios), reported, total)
    if all(isinstance(v, CountValue) for v in present):
        count = sum(v.count for v in present if isinstance(v, CountValue))
        return Aggregate(CountValue(count), reported, total)
    if all(isinstance(v, PartsValue) for v in present):
        return Aggregate(
            _sum_parts([v for v in present if isinstance(v, PartsValue)]), reported, total
        )
    return Aggregate(None, reported, total)


def _sum_ratios(ratios: Sequence[RatioValue]) -> RatioValue:
    return RatioValue(sum(r.numerator for r in ratios), sum(r.denominator for r in ratios))


def _sum_parts(values: Sequence[PartsValue]) -> PartsValue | None:
    widths = {len(v.parts) for v in values}
    if len(widths) != 1:
        return None
    summed: list[RatioValue] = []
    for index in range(widths.pop()):
        column = [v.parts[index] for v in values]
        if not all(isinstance(p, RatioValue) for p in column):
            return None
        summed.append(_sum_ratios([p for p in column if isinstance(p, RatioValue)]))
    return PartsValue(tuple(summed))
