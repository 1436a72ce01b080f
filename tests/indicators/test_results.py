"""Reading the results report documents print, as the bundled plans keep them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.plans import load_all_bundled, load_bundled
from indicators.results import read_printed_result
from indicators.values import (
    CountValue,
    PartsValue,
    PercentValue,
    PrintedValue,
    Status,
    StatusValue,
    YesNoValue,
)

HUYEN = load_bundled("vinh-loc-2023-huyen")
XA = load_bundled("vinh-loc-2023-xa")
SONG_MA = load_bundled("song-ma-2024")


@pytest.mark.parametrize(
    ("plan", "code", "printed", "value"),
    [
        (HUYEN, "1.1", "0%", PercentValue(Decimal(0))),
        (HUYEN, "2.1", "Có", YesNoValue(True)),
        (HUYEN, "2.2", "Đạt", StatusValue(Status.MET)),
        (HUYEN, "2.3", "Chưa đạt", StatusValue(Status.NOT_MET)),
        (HUYEN, "2.7", "Đang triển khai", StatusValue(Status.IN_PROGRESS)),
        (HUYEN, "3.3", "13", CountValue(13)),
        (HUYEN, "4.1", "Phổ cập", StatusValue(Status.UNIVERSAL)),
        (HUYEN, "4.3", "Đang thực hiện", StatusValue(Status.IN_PROGRESS)),
        (XA, "1.6", "Có", YesNoValue(True)),  # against 70%: kept, not judged
        (XA, "1.8", "Triển khai", StatusValue(Status.MET)),  # target "Triển khai sử dụng"
        (XA, "1.9", "Chưa cung cấp đầy đủ thông tin", StatusValue(Status.NOT_MET)),
        (XA, "1.11", "*1", CountValue(1)),
        (XA, "3.3", "*", PrintedValue("*")),  # no figure: kept as printed
        (XA, "4.2", "Đáp ứng", StatusValue(Status.MET)),
        (SONG_MA, "I.7", "80,37%", PercentValue(Decimal("80.37"))),
        (SONG_MA, "I.1", "-", PrintedValue("-")),
        # Prose, not 2023%:
        (
            SONG_MA,
            "II.1",
            "Chưa xác định được trong năm 2023",
            PrintedValue("Chưa xác định được trong năm 2023"),
        ),
        (SONG_MA, "I.1", "  ", None),  # an empty cell states nothing
    ],
)
def test_printed_results(plan, code: str, printed: str, value) -> None:
    assert read_printed_result(plan.indicator(code), printed) == value


def test_a_three_part_result() -> None:
    value = read_printed_result(SONG_MA.indicator("I.4"), "70%; 60%; 25%")
    assert isinstance(value, PartsValue)
    assert [p.percent for p in value.parts] == [Decimal(70), Decimal(60), Decimal(25)]


def test_status_phrases_only_against_their_own_target() -> None:
    target_phrase = XA.indicator("4.2")  # "Đáp ứng"
    assert read_printed_result(target_phrase, "Không đáp ứng") == StatusValue(Status.NOT_MET)
    assert read_printed_result(target_phrase, "Tốt") == PrintedValue("Tốt")


def test_every_bundled_result_reads_or_is_explained() -> None:
    read = [
        (p.id, i.code, h.printed, read_printed_result(i, h.printed))
        for p in load_all_bundled()
        for i in p.indicators
        for h in i.history
        if h.kind == "actual"
    ]
    assert all(value is not None for *_, value in read)  # nothing printed is lost
    unread = {(p, c, printed) for p, c, printed, value in read if isinstance(value, PrintedValue)}
    # Only cells that state no result: "-", "*" and "not determined in 2022/2023".
    assert {printed for _plan, _code, printed in unread} == {
        "-",
        "*",
        "Chưa xác định được trong năm 2022",
        "Chưa xác định được trong năm 2023",
    }


@given(st.text(max_size=60))
def test_never_raises(text: str) -> None:
    for plan in (HUYEN, XA, SONG_MA):
        for indicator in plan.indicators[:6]:
            read_printed_result(indicator, text)
