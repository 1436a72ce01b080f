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
