import datetime as dt
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.periods import (
    Period,
    PeriodKind,
    deadline,
    due_date,
    last_reporting_day,
    open_period,
    parse_period,
    search_period,
    search_periods,
)
from indicators.plan import Frequency
from indicators.text import folded_words

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
Y, H, Q, M = PeriodKind.YEAR, PeriodKind.HALF, PeriodKind.QUARTER, PeriodKind.MONTH
TODAY = dt.date(2024, 8, 15)  # Q3, H2, August 2024


def test_kinds_match_plan_frequency():
    assert {k.value for k in PeriodKind} == {f.value for f in Frequency}
    assert PeriodKind(Frequency.QUARTER) is Q
    assert Period(2024, Frequency.QUARTER, 3) == Period(2024, Q, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "period"),
    [
        ("2024", Period(2024, Y)),
        ("2024-H1", Period(2024, H, 1)),
        ("2023-H2", Period(2023, H, 2)),
        ("2024-Q3", Period(2024, Q, 3)),
        ("2025-Q1", Period(2025, Q, 1)),
        ("2024-09", Period(2024, M, 9)),
        ("2024-12", Period(2024, M, 12)),
    ],
)
def test_code_round_trip(code, period):
    assert Period.from_code(code) == period
    assert period.code == code
    assert str(period) == code


@pytest.mark.parametrize(
    "code",
    ["", "24", "2024-H3", "2024-Q5", "2024-Q0", "2024-13", "2024-9", "2024-00", "2024-q3",
     " 2024", "2024-H1 ", "0000", "2024-W01", "２０２４"],
)  # fmt: skip
def test_bad_codes(code):
    with pytest.raises(ValueError):
        Period.from_code(code)


@pytest.mark.parametrize(
    ("args"),
    [(2024, Q, 0), (2024, Q, 5), (2024, H, 3), (2024, M, 13), (2024, Y, 2), (0, Y, 1)],
)
def test_invalid_periods(args):
    with pytest.raises(ValueError):
        Period(*args)


@pytest.mark.parametrize(
    ("period", "start", "end", "first", "last"),
    [
        (Period(2024, Y), dt.date(2024, 1, 1), dt.date(2024, 12, 31), 1, 12),
        (Period(2024, H, 1), dt.date(2024, 1, 1), dt.date(2024, 6, 30), 1, 6),
        (Period(2024, H, 2), dt.date(2024, 7, 1), dt.date(2024, 12, 31), 7, 12),
        (Period(2024, Q, 1), dt.date(2024, 1, 1), dt.date(2024, 3, 31), 1, 3),
        (Period(2024, Q, 3), dt.date(2024, 7, 1), dt.date(2024, 9, 30), 7, 9),
        (Period(2024, M, 2), dt.date(2024, 2, 1), dt.date(2024, 2, 29), 2, 2),
        (Period(2023, M, 2), dt.date(2023, 2, 1), dt.date(2023, 2, 28), 2, 2),
        (Period(2024, M, 12), dt.date(2024, 12, 1), dt.date(2024, 12, 31), 12, 12),
    ],
)
def test_bounds(period, start, end, first, last):
    assert (period.start, period.end, period.first_month, period.last_month) == (
        start,
        end,
        first,
        last,
    )
    assert period.contains(start) and period.contains(end)
    assert not period.contains(start - dt.timedelta(days=1))
    assert not period.contains(end + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (dt.date(2024, 1, 1), Y, Period(2024, Y)),
        (dt.date(2024, 6, 30), H, Period(2024, H, 1)),
        (dt.date(2024, 7, 1), H, Period(2024, H, 2)),
        (dt.date(2024, 3, 31), Q, Period(2024, Q, 1)),
        (dt.date(2024, 4, 1), Q, Period(2024, Q, 2)),
        (dt.date(2024, 12, 31), Q, Period(2024, Q, 4)),
        (dt.date(2024, 9, 15), M, Period(2024, M, 9)),
    ],
)
def test_containing(day, kind, expected):
    assert Period.containing(day, kind) == expected


def test_containing_rejects_datetimes():
    with pytest.raises(TypeError):
        Period.containing(dt.datetime(2024, 1, 1, tzinfo=HCM), Q)


@pytest.mark.parametrize(
    ("period", "following"),
    [
        (Period(2024, Y), Period(2025, Y)),
        (Period(2024, H, 1), Period(2024, H, 2)),
        (Period(2024, H, 2), Period(2025, H, 1)),
        (Period(2024, Q, 3), Period(2024, Q, 4)),
        (Period(2024, Q, 4), Period(2025, Q, 1)),
        (Period(2024, M, 11), Period(2024, M, 12)),
        (Period(2024, M, 12), Period(2025, M, 1)),
    ],
)
def test_next_and_previous(period, following):
    assert period.next() == following
    assert following.previous() == period
    assert period < following


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        (Period(2024, Q, 3), Period(2024, H, 2), True),
        (Period(2024, Q, 3), Period(2024, Y), True),
        (Period(2024, Q, 3), Period(2024, H, 1), False),
        (Period(2024, Q, 3), Period(2025, Y), False),
        (Period(2024, M, 9), Period(2024, Q, 3), True),
        (Period(2024, M, 10), Period(2024, Q, 3), False),
        (Period(2024, Q, 3), Period(2024, Q, 3), True),
        (Period(2024, Y), Period(2024, Q, 3), False),
    ],
)
def test_is_within(inner, outer, expected):
    assert inner.is_within(outer) is expected


@pytest.mark.parametrize(
    ("period", "name", "short"),
    [
        (Period(2025, Y), "Năm 2025", "Năm 2025"),
        (Period(2023, H, 1), "6 tháng đầu năm 2023", "6 tháng đầu năm"),
        (Period(2023, H, 2), "6 tháng cuối năm 2023", "6 tháng cuối năm"),
        (Period(2024, Q, 1), "Quý I/2024", "Quý I"),
        (Period(2024, Q, 2), "Quý II/2024", "Quý II"),
        (Period(2024, Q, 3), "Quý III/2024", "Quý III"),
        (Period(2024, Q, 4), "Quý IV/2024", "Quý IV"),
        (Period(2024, M, 9), "Tháng 9/2024", "Tháng 9"),
    ],
)
def test_vietnamese_names(period, name, short):
    assert period.vietnamese_name() == name
    assert period.short_name() == short


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quý 3", "2024-Q3"),
        ("quy 3", "2024-Q3"),
        ("Quý III/2024", "2024-Q3"),
        ("quy III/2024", "2024-Q3"),
        ("Q3/2024", "2024-Q3"),
        ("q1", "2024-Q1"),
        ("2024-Q3", "2024-Q3"),
        ("quý 3 năm 2024", "2024-Q3"),
        ("QUÝ IV NĂM 2023", "2023-Q4"),
        ("quý 2 năm ngoái", "2023-Q2"),
        ("quý này", "2024-Q3"),
        ("quý trước", "2024-Q2"),
        ("quy truoc", "2024-Q2"),
        ("quý tới", "2024-Q4"),
        ("6 tháng đầu năm", "2024-H1"),
        ("6 tháng cuối năm 2023", "2023-H2"),
        ("sáu tháng đầu năm 2025", "2025-H1"),
        ("sau thang cuoi nam nay", "2024-H2"),
        ("nửa đầu năm 2022", "2022-H1"),
        ("H1/2023", "2023-H1"),
        ("báo cáo 6 tháng năm 2023", "2023-H1"),
        ("tháng năm 2023", "2023-05"),
        ("năm 2025", "2025"),
        ("năm nay", "2024"),
        ("năm ngoái", "2023"),
        ("nam ngoai", "2023"),
        ("tháng 9", "2024-09"),
        ("tháng 9/2024", "2024-09"),
        ("tháng 09 năm 2023", "2023-09"),
        ("T12/2023", "2023-12"),
        ("tháng hai năm 2024", "2024-02"),
        ("tháng này", "2024-08"),
        ("tháng trước", "2024-07"),
        ("thang truoc", "2024-07"),
        ("quý 3 chưa đạt chỉ tiêu nào", "2024-Q3"),
        ("chi tieu chua dat o thon 3 quy III/2025", "2025-Q3"),
        ("Báo cáo kết quả 6 tháng đầu năm 2023 của xã", "2023-H1"),
        ("cho tôi xem số liệu tháng 9/2024 thôn Đông", "2024-09"),
        ("quý 5 năm 2024, rồi quý 2", "2024-Q2"),
    ],
)
def test_parse_period(text, expected):
    for variant in (text, unicodedata.normalize("NFD", text), unicodedata.normalize("NFC", text)):
        period = parse_period(variant, today=TODAY)
        assert period is not None, variant
        assert period.code == expected, variant


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (dt.date(2025, 1, 10), "quý trước", "2024-Q4"),
        (dt.date(2025, 1, 10), "tháng trước", "2024-12"),
        (dt.date(2024, 12, 20), "tháng tới", "2025-01"),
        (dt.date(2024, 12, 20), "quý sau", "2025-Q1"),
        (dt.date(2025, 3, 1), "6 tháng cuối năm ngoái", "2024-H2"),
    ],
)
def test_relative_phrases_cross_years(today, text, expected):
    assert parse_period(text, today=today) == Period.from_code(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "chỉ tiêu nào chưa đạt",
        "thôn 3 đạt 65%",
        "quý 5",
        "quy 0",
        "tháng 13",
        "thang 0",
        "Kính gửi quý vị",
        "175/300 hộ",
        "năm 12",
        "tháng năm",
        "kỳ này",
        "2024",
    ],
)
def test_no_period(text):
    assert parse_period(text, today=TODAY) is None


def test_kind_hint():
    assert parse_period("kỳ này", today=TODAY, kind_hint=Q) == Period(2024, Q, 3)
    assert parse_period("ky bao cao truoc", today=TODAY, kind_hint=H) == Period(2024, H, 1)
    text = "năm 2024, quý 2"
    assert parse_period(text, today=TODAY) == Period(2024, Y)
    assert parse_period(text, today=TODAY, kind_hint=Q) == Period(2024, Q, 2)


def test_search_span_is_in_folded_words():
    text = "Chỉ tiêu chưa đạt ở thôn 3 Quý III/2025 nhé"
    folded = folded_words(text)
    match = search_period(text, today=TODAY)
    assert match is not None
    assert folded[match.start : match.end] == "quy iii 2025"
    assert (folded[: match.start] + folded[match.end :]).split() == [
        "chi", "tieu", "chua", "dat", "o", "thon", "3", "nhe",
    ]  # fmt: skip


def test_search_periods_finds_all_without_overlap():
    found = search_periods("so sánh quý 3 năm 2024 với quý 3 năm 2023", today=TODAY)
    assert [m.period.code for m in found] == ["2024-Q3", "2023-Q3"]


VIET_YEN: dict[str, Any] = {"due_day": 25, "due_month": "last"}
NEW_YEAR_2027 = dt.datetime(2027, 1, 1, 6, tzinfo=HCM)
LEAP_DAY_2028 = dt.datetime(2028, 2, 29, 12, tzinfo=HCM)


@pytest.mark.parametrize(
    ("quarter", "expected"),
    [
        (1, dt.datetime(2024, 3, 25, tzinfo=HCM)),
        (2, dt.datetime(2024, 6, 25, tzinfo=HCM)),
        (3, dt.datetime(2024, 9, 25, tzinfo=HCM)),
        (4, dt.datetime(2024, 12, 25, tzinfo=HCM)),
    ],
)
def test_viet_yen_deadlines(quarter, expected):
    period = Period(2024, Q, quarter)
    found = deadline(period, **VIET_YEN, tz=HCM)
    assert found == expected
    assert found.utcoffset() == dt.timedelta(hours=7)
    assert found.isoformat() == f"2024-{3 * quarter:02d}-25T00:00:00+07:00"
    assert due_date(period, **VIET_YEN) == expected.date()
    assert last_reporting_day(period, **VIET_YEN) == dt.date(2024, 3 * quarter, 24)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period(2024, H, 1), dt.datetime(2024, 7, 15, tzinfo=HCM)),
        (Period(2024, H, 2), dt.datetime(2025, 1, 15, tzinfo=HCM)),
        (Period(2024, Y), dt.datetime(2025, 1, 15, tzinfo=HCM)),
        (Period(2024, M, 11), dt.datetime(2024, 12, 15, tzinfo=HCM)),
    ],
)
def test_next_month_deadlines(period, expected):
    assert deadline(period, due_day=15, due_month="next", tz=HCM) == expected
    assert last_reporting_day(period, due_day=15, due_month="next") == (
        expected.date() - dt.timedelta(days=1)
    )


def test_deadline_rejects_bad_rules():
    with pytest.raises(ValueError):
        deadline(Period(2024, Q, 3), due_day=31, due_month="last", tz=HCM)
    with pytest.raises(ValueError):
        deadline(Period(2024, Q, 3), due_day=25, due_month="first", tz=HCM)  # type: ignore[arg-type]


SECOND = dt.timedelta(seconds=1)
Q3_DUE = dt.datetime(2024, 9, 25, tzinfo=HCM)
H1_DUE = dt.datetime(2024, 7, 15, tzinfo=HCM)


@pytest.mark.parametrize(
    ("kind", "rule", "now", "expected"),
    [
        (Q, VIET_YEN, dt.datetime(2024, 9, 20, 10, tzinfo=HCM), "2024-Q3"),
        (Q, VIET_YEN, Q3_DUE - SECOND, "2024-Q3"),
        (Q, VIET_YEN, Q3_DUE, "2024-Q4"),
        (Q, VIET_YEN, dt.datetime(2024, 9, 26, tzinfo=HCM), "2024-Q4"),
        (Q, VIET_YEN, dt.datetime(2024, 10, 1, tzinfo=HCM), "2024-Q4"),
        (Q, VIET_YEN, dt.datetime(2024, 12, 25, tzinfo=HCM), "2025-Q1"),
        # 17:00 UTC on the 24th is already midnight of the 25th in Vietnam.
        (Q, VIET_YEN, dt.datetime(2024, 9, 24, 16, 59, 59, tzinfo=dt.UTC), "2024-Q3"),
        (Q, VIET_YEN, dt.datetime(2024, 9, 24, 17, tzinfo=dt.UTC), "2024-Q4"),
        (H, {"due_day": 15, "due_month": "next"}, dt.datetime(2024, 7, 5, tzinfo=HCM), "2024-H1"),
        (H, {"due_day": 15, "due_month": "next"}, H1_DUE - SECOND, "2024-H1"),
        (H, {"due_day": 15, "due_month": "next"}, H1_DUE, "2024-H2"),
        (H, {"due_day": 15, "due_month": "next"}, dt.datetime(2024, 7, 20, tzinfo=HCM), "2024-H2"),
        (H, {"due_day": 15, "due_month": "next"}, dt.datetime(2025, 1, 3, tzinfo=HCM), "2024-H2"),
        (Y, {"due_day": 15, "due_month": "next"}, dt.datetime(2025, 1, 3, tzinfo=HCM), "2024"),
        # 06:00 on 01/01/2027 in Vietnam is still 31/12/2026 in UTC: a new quarter and
        # year in Vietnam, the old ones by a naive clock.
        (Q, VIET_YEN, NEW_YEAR_2027, "2027-Q1"),
        (Q, {"due_day": 15, "due_month": "next"}, NEW_YEAR_2027, "2026-Q4"),
        (Y, {"due_day": 15, "due_month": "next"}, NEW_YEAR_2027, "2026"),
        (M, {"due_day": 5, "due_month": "next"}, NEW_YEAR_2027, "2026-12"),
        (M, {"due_day": 5, "due_month": "next"}, LEAP_DAY_2028, "2028-02"),
        (M, {"due_day": 5, "due_month": "next"}, LEAP_DAY_2028.replace(day=5), "2028-02"),
        (Q, VIET_YEN, LEAP_DAY_2028, "2028-Q1"),
    ],
)
def test_open_period(kind, rule, now, expected):
    assert open_period(kind, now=now, **rule, tz=HCM).code == expected


def test_the_first_hours_of_a_year_belong_to_it_in_vietnam():
    assert NEW_YEAR_2027.astimezone(dt.UTC).date() == dt.date(2026, 12, 31)
    assert Period.containing(NEW_YEAR_2027.date(), Q).code == "2027-Q1"
    assert (
        deadline(Period.from_code("2026-Q4"), due_day=25, due_month="last", tz=HCM) < NEW_YEAR_2027
    )


def test_open_period_rejects_naive_now():
    with pytest.raises(ValueError):
        open_period(Q, now=dt.datetime(2024, 9, 20), due_day=25, due_month="last", tz=HCM)


_WORDS = st.sampled_from(
    ["quý", "quy", "q3", "h1", "tháng", "thang", "năm", "nam", "6", "sáu", "đầu", "cuối",
     "nay", "trước", "ngoái", "tới", "kỳ", "này", "iii", "iv", "13", "0", "2024", "0000",
     "9999", "/", "-", "t9", "hai", "mười", "muoi"]
)  # fmt: skip


@given(
    text=st.one_of(st.text(), st.lists(_WORDS, max_size=8).map(" ".join)),
    today=st.dates(),
    hint=st.none() | st.sampled_from(PeriodKind),
)
def test_parse_period_never_raises(text, today, hint):
    found = parse_period(text, today=today, kind_hint=hint)
    assert found is None or isinstance(found, Period)


def periods(first_year=1, last_year=9999):
    return st.builds(
        lambda year, kind, n: Period(year, kind, n % (12 // {Y: 12, H: 6, Q: 3, M: 1}[kind]) + 1),
        st.integers(first_year, last_year),
        st.sampled_from(PeriodKind),
        st.integers(0, 11),
    )


@given(periods())
def test_code_round_trip_property(period):
    assert Period.from_code(period.code) == period
    assert period.contains(period.start) and period.contains(period.end)
    assert Period.containing(period.start, period.kind) == period
    assert period.is_within(Period(period.year, Y))


@given(periods(1900, 2199))
def test_vietnamese_name_parses_back(period):
    # Bare years after a period word are read only in 1900..2199.
    assert parse_period(period.vietnamese_name(), today=dt.date(2000, 1, 1)) == period
