"""Judging a value against a target, and the gap: exact arithmetic throughout."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from indicators.targets import Comparator, Expectation, Target, TargetPart, Threshold
from indicators.values import (
    AnyValue,
    CountValue,
    PartsValue,
    PercentValue,
    PrintedValue,
    RatioValue,
    Status,
    StatusValue,
    Value,
    YesNoValue,
)


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_REPORTED = "not_reported"
    NOT_ASSESSABLE = "not_assessable"
    # Only a roll-up gives this: combined from some of the reporting units, so neither
    # met nor not met until all of them have reported (indicators/rollup.py).
    PROVISIONAL = "provisional"


class Unassessable(StrEnum):
    """Why a reported value cannot be judged."""

    NO_MEASURABLE_TARGET = "no_measurable_target"
    UNIT_MISMATCH = "unit_mismatch"  # e.g. "Có" reported against "70%"
    PART_COUNT_MISMATCH = "part_count_mismatch"
    NO_FIGURE_PRINTED = "no_figure_printed"  # a document printed "*" or "-" as the result


@dataclass(frozen=True, slots=True)
class Gap:
    """What is still missing for one part of a target.

    `points` is in percentage points (or in the counted unit for count targets);
    `count` is how many more (or, for lower-is-better, fewer) of the formula's noun,
    known only when the value came with its denominator.
    """

    points: Fraction
    count: int | None
    fewer: bool
    reachable: bool = True


@dataclass(frozen=True, slots=True)
class PartResult:
    part: TargetPart
    met: bool
    gap: Gap | None


@dataclass(frozen=True, slots=True)
class Evaluation:
    verdict: Verdict
    parts: tuple[PartResult, ...] = ()
    status: Status | None = None
    unassessable: Unassessable | None = None

    @property
    def largest_gap_points(self) -> Fraction:
        """For ordering answers "largest gap first"."""
        return max((p.gap.points for p in self.parts if p.gap), default=Fraction(0))


def evaluate(target: Target, value: AnyValue | None) -> Evaluation:
    if value is None:
        return Evaluation(Verdict.NOT_REPORTED)
    if isinstance(value, PrintedValue):
        return Evaluation(Verdict.NOT_ASSESSABLE, unassessable=Unassessable.NO_FIGURE_PRINTED)
    if isinstance(value, StatusValue):
        return _evaluate_status(target, value.status)
    if not target.assessable:
        return Evaluation(Verdict.NOT_ASSESSABLE, unassessable=Unassessable.NO_MEASURABLE_TARGET)
    singles: tuple[Value, ...] = value.parts if isinstance(value, PartsValue) else (value,)
    if len(singles) != len(target.parts):
        return Evaluation(Verdict.NOT_ASSESSABLE, unassessable=Unassessable.PART_COUNT_MISMATCH)
    results: list[PartResult] = []
    for part, single in zip(target.parts, singles, strict=True):
        result = _evaluate_part(part, single)
        if result is None:
            return Evaluation(Verdict.NOT_ASSESSABLE, unassessable=Unassessable.UNIT_MISMATCH)
        results.append(result)
    verdict = Verdict.MET if all(r.met for r in results) else Verdict.NOT_MET
    return Evaluation(verdict, parts=tuple(results))


def _evaluate_status(target: Target, status: Status) -> Evaluation:
    """ "Đạt" and "Chưa đạt" are the reporter's own verdict and stand whatever the target.
    "Đang triển khai" and "Phổ cập" say how things are, not whether a target is reached:
    against a measurable target, work in progress has not reached it yet and universal
    coverage has; against none (a blank cell, a condition), nothing judges them, which
    is what a report that prints them without a target says."""
    if status in (Status.MET, Status.NOT_MET):
        verdict = Verdict.MET if status is Status.MET else Verdict.NOT_MET
        return Evaluation(verdict, status=status)
    if not target.assessable:
        return Evaluation(
            Verdict.NOT_ASSESSABLE,
            status=status,
            unassessable=Unassessable.NO_MEASURABLE_TARGET,
        )
    met = status is Status.UNIVERSAL
    return Evaluation(Verdict.MET if met else Verdict.NOT_MET, status=status)


def _evaluate_part(part: TargetPart, value: Value) -> PartResult | None:
    if isinstance(part, Expectation):
        if not isinstance(value, YesNoValue):
            return None
        return PartResult(part, value.yes == part.yes, None)
    amount = Fraction(part.amount)
    if part.is_percent:
        match value:
            case PercentValue(percent):
                return _compare(part, Fraction(percent), amount, None)
            case RatioValue(numerator, denominator):
                actual = Fraction(numerator * 100, denominator)
                return _compare(part, actual, amount, (numerator, denominator))
        return None
    if isinstance(value, CountValue):
        return _compare(part, Fraction(value.count), amount, (value.count, None))
    return None


def _compare(
    part: Threshold,
    actual: Fraction,
    amount: Fraction,
    counted: tuple[int, int | None] | None,
) -> PartResult:
    if part.comparator.holds(actual, amount):
        return PartResult(part, True, None)
    # Above an exact target ("=100%") the gap is also one of "fewer".
    fewer = part.comparator.lower_is_better or (
        part.comparator is Comparator.EQ and actual > amount
    )
    points = actual - amount if fewer else amount - actual
    count: int | None = None
    reachable = True
    if counted is not None:
        numerator, denominator = counted
        if denominator is None:
            needed = _smallest_meeting(part.comparator, amount)
            reachable = needed >= 0 and part.comparator.holds(Fraction(needed), amount)
        else:
            needed = _smallest_meeting(part.comparator, amount * denominator / 100)
            reachable = 0 <= needed <= denominator and part.comparator.holds(
                Fraction(needed * 100, denominator), amount
            )
        count = numerator - needed if fewer else needed - numerator
    return PartResult(
        part, False, Gap(points=points, count=count, fewer=fewer, reachable=reachable)
    )


def _smallest_meeting(comparator: Comparator, bound: Fraction) -> int:
    """The whole count that just meets `comparator bound` (the largest one when lower is better)."""
    match comparator:
        case Comparator.GE | Comparator.EQ:
            return math.ceil(bound)
        case Comparator.GT:
            return math.floor(bound) + 1
        case Comparator.LE:
            return math.floor(bound)
        case Comparator.LT:
            return math.ceil(bound) - 1
