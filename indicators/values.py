"""Typed report values: what a unit reports for one indicator in one period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


class Measure(StrEnum):
    """How an indicator is measured."""

    PERCENT = "percent"
    COUNT = "count"
    YESNO = "yesno"
    STATUS = "status"


class Status(StrEnum):
    """Status words officials write instead of a figure."""

    MET = "met"  # Đạt
    NOT_MET = "not_met"  # Chưa đạt
    IN_PROGRESS = "in_progress"  # Đang triển khai
    UNIVERSAL = "universal"  # Phổ cập: available to everyone, reads as met


@dataclass(frozen=True, slots=True)
class PercentValue:
    percent: Decimal

    def as_fraction(self) -> Fraction:
        return Fraction(self.percent) / 100


@dataclass(frozen=True, slots=True)
class RatioValue:
    """A share reported as numerator / denominator, the way the formula counts it."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.denominator <= 0 or self.numerator < 0:
            raise ValueError("ratio needs numerator >= 0 and denominator > 0")

    def as_fraction(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    @property
    def percent(self) -> Decimal:
        """The share in percent, rounded half-up to two decimals (display only)."""
        exact = Fraction(self.numerator * 100, self.denominator)
        return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class CountValue:
    count: int


@dataclass(frozen=True, slots=True)
class YesNoValue:
    yes: bool


@dataclass(frozen=True, slots=True)
class StatusValue:
    status: Status


Value = PercentValue | RatioValue | CountValue | YesNoValue | StatusValue
