"""What a reviewing official is shown to look at twice."""

from __future__ import annotations

from decimal import Decimal

from indicators.review import Flag, figure_flags
from indicators.values import CountValue, PercentValue, RatioValue, YesNoValue


def test_a_plausible_figure_has_no_flags() -> None:
    assert (
        figure_flags(RatioValue(130, 184), previous=RatioValue(119, 184), note=None, level="thôn")
        == ()
    )
    assert figure_flags(YesNoValue(True), previous=None, note=None, level="xã") == ()


def test_missing_jump_over_100_and_beyond_unit() -> None:
    assert figure_flags(None, previous=None, note=None, level="thôn") == (Flag.MISSING,)
    assert figure_flags(RatioValue(180, 184), previous=RatioValue(119, 184), note="", level="thôn") == (
        Flag.JUMP, Flag.NO_NOTE)  # fmt: skip
    assert figure_flags(PercentValue(Decimal(120)), previous=None, note=None, level="thôn") == (
        Flag.OVER_100, Flag.NO_NOTE)  # fmt: skip
    assert figure_flags(CountValue(1_000_000), previous=None, note=None, level="thôn") == (
        Flag.BEYOND_UNIT, Flag.NO_NOTE)  # fmt: skip


def test_a_note_explains_a_flagged_figure() -> None:
    flags = figure_flags(
        CountValue(30), previous=CountValue(10), note="Thêm 20 hộ mới lắp", level="thôn"
    )
    assert flags == (Flag.JUMP,)
