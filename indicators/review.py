"""What an official reviewing a period looks at twice ("đúng – đủ – sạch – sống"): the
figures that look wrong, and the ones missing."""

from __future__ import annotations

from enum import StrEnum

from indicators.plausibility import is_beyond_unit, is_big_change, share
from indicators.values import AnyValue


class Flag(StrEnum):
    JUMP = "jump"  # far from the unit's previous period
    OVER_100 = "over_100"  # a share above 100%
    BEYOND_UNIT = "beyond_unit"  # more than a unit of its level can hold
    NO_NOTE = "no_note"  # flagged, and the reporter said nothing about why
    MISSING = "missing"  # no figure at all


# The flags that say the figure itself looks wrong; a note can explain those.
SUSPICIOUS = frozenset({Flag.JUMP, Flag.OVER_100, Flag.BEYOND_UNIT})


def figure_flags(
    value: AnyValue | None,
    *,
    previous: AnyValue | None,
    note: str | None,
    level: str,
) -> tuple[Flag, ...]:
    """Why a unit's figure for the period deserves a second look; empty when it does not."""
    if value is None:
        return (Flag.MISSING,)
    flags: list[Flag] = []
    if is_big_change(previous, value):
        flags.append(Flag.JUMP)
    ratio = share(value)
    if ratio is not None and ratio > 100:
        flags.append(Flag.OVER_100)
    if is_beyond_unit(value, level, previous):
        flags.append(Flag.BEYOND_UNIT)
    if flags and not (note or "").strip():
        flags.append(Flag.NO_NOTE)
    return tuple(flags)
