"""When a new figure looks wrong enough to ask the reporter to confirm it."""

from __future__ import annotations

from fractions import Fraction

from indicators.values import AnyValue, CountValue, PercentValue, RatioValue

# A share that moves by more than this many points in one period is more often a
# typing slip (an extra digit, households and people mixed up) than real progress.
MAX_POINTS_CHANGE = Fraction(30)
# A count that more than doubles or halves between periods, likewise.
MAX_COUNT_FACTOR = Fraction(2)


def share(value: AnyValue) -> Fraction | None:
    match value:
        case PercentValue(percent):
            return Fraction(percent)
        case RatioValue(numerator, denominator):
            return Fraction(numerator * 100, denominator)
    return None


def is_big_change(previous: AnyValue | None, new: AnyValue) -> bool:
    if previous is None:
        return False
    before, after = share(previous), share(new)
    if before is not None and after is not None:
        return abs(after - before) > MAX_POINTS_CHANGE
    if isinstance(previous, CountValue) and isinstance(new, CountValue):
        low, high = sorted((previous.count, new.count))
        return low > 0 and Fraction(high, low) > MAX_COUNT_FACTOR
    return False


# What one unit of a level can hold at most, however counted (households, people,
# hồ sơ, văn bản): generous, so that only typing slips (extra digits, a phone number)
# go past it.
LEVEL_BOUNDS: dict[str, int] = {
    "thôn": 20_000,
    "xã": 500_000,
    "phường": 500_000,
    "thị trấn": 500_000,
    "thị xã": 5_000_000,
    "huyện": 5_000_000,
    "tỉnh": 50_000_000,
}
DEFAULT_BOUND = 50_000_000
# Against the unit's own last total: ten times as many, and at least 100 more.
USUAL_FACTOR = 10
USUAL_MARGIN = 100


def count_bound(level: str, usual: int | None = None) -> int:
    """The largest count a unit of `level` plausibly reports, given its `usual` total."""
    bound = LEVEL_BOUNDS.get(level, DEFAULT_BOUND)
    if usual is not None and usual > 0:
        bound = min(bound, max(usual * USUAL_FACTOR, usual + USUAL_MARGIN))
    return bound


def largest_count(value: AnyValue) -> int | None:
    """The biggest count in a value (a ratio's numerator or total, a count)."""
    match value:
        case RatioValue(numerator, denominator):
            return max(numerator, denominator)
        case CountValue(count):
            return count
    return None


def usual_total(previous: AnyValue | None) -> int | None:
    """The total a unit reported last time: a ratio's denominator or a count."""
    match previous:
        case RatioValue(_, denominator):
            return denominator
        case CountValue(count):
            return count
    return None


def is_beyond_unit(value: AnyValue, level: str, previous: AnyValue | None = None) -> bool:
    """True for counts no unit of `level` holds (1,111,111,111 households in a thôn)."""
    biggest = largest_count(value)
    return biggest is not None and biggest > count_bound(level, usual_total(previous))
