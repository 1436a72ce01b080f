"""Typed report values: what a unit reports for one indicator in one period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
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
        return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True, slots=True)
class CountValue:
    count: int

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("a count cannot be negative")


@dataclass(frozen=True, slots=True)
class YesNoValue:
    yes: bool


@dataclass(frozen=True, slots=True)
class StatusValue:
    status: Status


@dataclass(frozen=True, slots=True)
class PrintedValue:
    """A result a document prints that is neither a figure nor a status ("*", "-",
    "Chưa xác định được trong năm 2023"): kept as printed, so a rebuilt appendix shows what
    the report said, and judged by nobody. Only documents give these; nobody types one."""

    text: str


Value = PercentValue | RatioValue | CountValue | YesNoValue | StatusValue | PrintedValue


@dataclass(frozen=True, slots=True)
class PartsValue:
    """One value per part of a multi-part target ("90%; 80%; 75%"), in the target's order."""

    parts: tuple[PercentValue | RatioValue, ...]


AnyValue = Value | PartsValue


def value_to_data(value: AnyValue) -> dict[str, object]:
    """A JSON-safe mapping; Decimals as strings so nothing is rounded on the way."""
    match value:
        case PercentValue(percent):
            return {"kind": "percent", "percent": str(percent)}
        case RatioValue(numerator, denominator):
            return {"kind": "ratio", "numerator": numerator, "denominator": denominator}
        case CountValue(count):
            return {"kind": "count", "count": count}
        case YesNoValue(yes):
            return {"kind": "yesno", "yes": yes}
        case StatusValue(status):
            return {"kind": "status", "status": status.value}
        case PrintedValue(text):
            return {"kind": "printed", "text": text}
        case PartsValue(parts):
            return {"kind": "parts", "parts": [value_to_data(p) for p in parts]}


def value_from_data(data: dict[str, object]) -> AnyValue:
    """Inverse of value_to_data; raises ValueError on anything else."""
    if not isinstance(data, dict):
        raise ValueError(f"value data must be a mapping, got {data!r}")
    kind = data.get("kind")
    try:
        if kind == "percent":
            percent = Decimal(str(data["percent"]))
            if not percent.is_finite():
                raise ValueError(f"percent must be finite, got {percent}")
            return PercentValue(percent)
        if kind == "ratio":
            return RatioValue(_int(data["numerator"]), _int(data["denominator"]))
        if kind == "count":
            return CountValue(_int(data["count"]))
        if kind == "yesno":
            yes = data["yes"]
            if not isinstance(yes, bool):
                raise ValueError(f"expected true or false, got {yes!r}")
            return YesNoValue(yes)
        if kind == "status":
            return StatusValue(Status(str(data["status"])))
        if kind == "printed":
            text = data["text"]
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"a printed result needs its text, got {text!r}")
            return PrintedValue(text)
        if kind == "parts":
            raw_parts = data["parts"]
            if not isinstance(raw_parts, list):
                raise ValueError("parts must be a list")
            parts: list[PercentValue | RatioValue] = []
            for raw in raw_parts:
                part = value_from_data(raw)
                if not isinstance(part, PercentValue | RatioValue):
                    raise ValueError("a part must be a percent or a ratio")
                parts.append(part)
            return PartsValue(tuple(parts))
    except (KeyError, ArithmeticError) as exc:
        raise ValueError(f"bad value data {data!r}") from exc
    raise ValueError(f"unknown value kind {kind!r}")


def _int(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(f"expected a whole number, got {raw!r}")
    return raw
