"""Values, targets and verdicts as Vietnamese text for chat answers."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

from indicators.evaluation import Evaluation, PartResult, Verdict
from indicators.numbers import format_decimal
from indicators.plan import Indicator
from indicators.targets import Threshold
from indicators.values import (
    AnyValue,
    CountValue,
    PartsValue,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
)
from locales import _


def status_label(status: Status) -> str:
    return {
        Status.MET: _("Achieved"),
        Status.NOT_MET: _("Not achieved"),
        Status.IN_PROGRESS: _("In progress"),
        Status.UNIVERSAL: _("Universal"),
    }[status]


def format_value(value: AnyValue, indicator: Indicator | None = None) -> str:
    noun = indicator.formula.noun if indicator and indicator.formula else ""
    match value:
        case PercentValue(percent):
            return f"{format_decimal(percent)}%"
        case RatioValue(numerator, denominator):
            counted = f"{numerator}/{denominator}" + (f" {noun}" if noun else "")
            return f"{format_decimal(value.percent)}% ({counted})"
        case CountValue(count):
            unit = indicator.unit if indicator and indicator.unit and indicator.unit != "%" else ""
            return f"{format_decimal(Decimal(count))}" + (f" {unit}" if unit else "")
        case YesNoValue(yes):
            return _("Yes") if yes else _("No")
        case StatusValue(status):
            return status_label(status)
        case PartsValue(parts):
            return "; ".join(format_value(p, indicator) for p in parts)


def format_target(indicator: Indicator) -> str:
    return indicator.target.describe()


def _points(points: Fraction) -> str:
    exact = Decimal(points.numerator) / Decimal(points.denominator)
    return format_decimal(exact.quantize(Decimal("0.01"), rounding=ROUND_CEILING))


def _part_gap(result: PartResult, indicator: Indicator) -> str:
    gap = result.gap
    if gap is None:
        return ""
    label = f"{result.part.label}: " if result.part.label else ""
    noun = indicator.formula.gap_noun if indicator.formula else (indicator.unit or "")
    if gap.count is not None and gap.reachable and noun and noun != "%":
        template = (
            _("{count} fewer {noun} needed") if gap.fewer else _("{count} more {noun} needed")
        )
        return label + template.format(count=gap.count, noun=noun)
    if gap.points == 0:
        return label + _("must exceed the target")
    if isinstance(result.part, Threshold) and result.part.is_percent:
        template = _("{points} points too high") if gap.fewer else _("{points} points short")
        return label + template.format(points=_points(gap.points))
    return label + _("{points} short").format(points=_points(gap.points))


def format_gap(evaluation: Evaluation, indicator: Indicator) -> str:
    """What is still missing, part by part ("cần thêm 21 hộ gia đình"); "" if nothing is."""
    gaps = [_part_gap(r, indicator) for r in evaluation.parts if not r.met]
    return "; ".join(g for g in gaps if g)


def format_verdict(evaluation: Evaluation, indicator: Indicator) -> str:
    """ "đạt" / "chưa đạt: cần thêm 21 hộ gia đình" / "chưa có số liệu" / "không đánh giá được"."""
    match evaluation.verdict:
        case Verdict.MET:
            return _("met")
        case Verdict.NOT_REPORTED:
            return _("no figure yet")
        case Verdict.NOT_ASSESSABLE | Verdict.PROVISIONAL:
            return _("cannot be assessed against this target")
        case Verdict.NOT_MET:
            gaps = [_part_gap(r, indicator) for r in evaluation.parts if not r.met]
            gaps = [g for g in gaps if g]
            if evaluation.status is Status.IN_PROGRESS:
                return _("not met yet (in progress)")
            return _("not met") + (": " + "; ".join(gaps) if gaps else "")
