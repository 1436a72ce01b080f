"""Targets as officials print them, read into comparable thresholds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from indicators.numbers import format_decimal, parse_decimal
from indicators.text import fold, normalize


class Comparator(StrEnum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    EQ = "="

    @property
    def lower_is_better(self) -> bool:
        return self in (Comparator.LE, Comparator.LT)

    def holds(self, actual: Fraction, amount: Fraction) -> bool:
        match self:
            case Comparator.GE:
                return actual >= amount
            case Comparator.GT:
                return actual > amount
            case Comparator.LE:
                return actual <= amount
            case Comparator.LT:
                return actual < amount
            case Comparator.EQ:
                return actual == amount


@dataclass(frozen=True, slots=True)
class Threshold:
    """One measurable part of a target: "> 60%" or ">= 10"."""

    label: str | None
    comparator: Comparator
    amount: Decimal
    is_percent: bool

    def describe(self) -> str:
        sign = {">=": "≥", "<=": "≤"}.get(self.comparator.value, self.comparator.value)
        return f"{sign}{format_decimal(self.amount)}{'%' if self.is_percent else ''}"


@dataclass(frozen=True, slots=True)
class Expectation:
    """A yes/no target: "Có" means the thing must exist."""

    label: str | None
    yes: bool

    def describe(self) -> str:
        return "Có" if self.yes else "Không"


TargetPart = Threshold | Expectation


@dataclass(frozen=True, slots=True)
class Target:
    """A target with its printed text kept next to what the parser read."""

    printed: str
    normalized: str
    parts: tuple[TargetPart, ...]
    note: str | None = None

    @property
    def assessable(self) -> bool:
        return bool(self.parts)

    @property
    def is_multipart(self) -> bool:
        return len(self.parts) > 1

    def describe(self) -> str:
        """Short form for chat answers; the printed text when nothing is measurable."""
        if not self.parts:
            return self.printed
        return "; ".join(
            f"{part.label}: {part.describe()}"
            if part.label and self.is_multipart
            else part.describe()
            for part in self.parts
        )


class TargetError(ValueError):
    pass


# Phrases checked on folded text, longest first so "khong qua" wins over "qua".
_COMPARATOR_WORDS: tuple[tuple[str, Comparator], ...] = (
    ("toi thieu", Comparator.GE),
    ("it nhat", Comparator.GE),
    ("tro len", Comparator.GE),
    ("khong duoi", Comparator.GE),
    ("khong qua", Comparator.LE),
    ("toi da", Comparator.LE),
    ("khong vuot", Comparator.LE),
    ("duoi", Comparator.LT),
    ("tren", Comparator.GT),
    ("hon", Comparator.GT),
    ("vuot", Comparator.GT),
)
_SYMBOLS: tuple[tuple[str, Comparator], ...] = (
    (">=", Comparator.GE),
    ("≥", Comparator.GE),
    ("=>", Comparator.GE),
    ("<=", Comparator.LE),
    ("≤", Comparator.LE),
    ("=<", Comparator.LE),
    (">", Comparator.GT),
    ("<", Comparator.LT),
    ("=", Comparator.EQ),
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_YES = {"co"}
_NO = {"khong"}


def parse_target(
    printed: str,
    *,
    normalized: str | None = None,
    labels: list[str] | tuple[str, ...] = (),
    note: str | None = None,
) -> Target:
    """Read a printed target; `normalized` (canonical syntax) overrides the reading.

    Raises TargetError when labels do not fit the parts.
    """
    printed = normalize(printed)
    text = normalize(normalized) if normalized is not None else printed
    pieces = [p.strip() for p in text.split(";") if p.strip()]
    parsed = [_parse_part(p) for p in pieces]
    if not pieces or any(p is None for p in parsed):
        if labels:
            raise TargetError(f"target {text!r} is not measurable but has labels")
        return Target(printed=printed, normalized=text, parts=(), note=note)
    if labels and len(labels) != len(parsed):
        raise TargetError(f"target {text!r} has {len(parsed)} parts but {len(labels)} labels")
    parts: list[TargetPart] = []
    for index, part in enumerate(parsed):
        assert part is not None
        label = labels[index] if labels else None
        if isinstance(part, Threshold):
            parts.append(Threshold(label, part.comparator, part.amount, part.is_percent))
        else:
            parts.append(Expectation(label, part.yes))
    return Target(printed=printed, normalized=text, parts=tuple(parts), note=note)


def _parse_part(text: str) -> TargetPart | None:
    folded = fold(text)
    words = folded.replace("%", " ").split()
    if words and set(words) <= _YES | {"dat"} and "co" in words:
        return Expectation(None, yes=True)
    if words and set(words) <= _NO:
        return Expectation(None, yes=False)
    numbers = _NUMBER.findall(text)
    if len(numbers) != 1:
        return None
    amount = parse_decimal(numbers[0])
    if amount is None:
        return None
    comparator = _comparator(text, folded)
    is_percent = "%" in text or "phan tram" in folded
    return Threshold(None, comparator, amount, is_percent)


def _comparator(text: str, folded: str) -> Comparator:
    for symbol, comparator in _SYMBOLS:
        if symbol in text:
            return comparator
    padded = f" {' '.join(re.findall(r'[a-z]+', folded))} "
    for phrase, comparator in _COMPARATOR_WORDS:
        if f" {phrase} " in padded:
            return comparator
    # A bare figure ("100%", "đạt 70%") is a level to reach.
    return Comparator.GE
