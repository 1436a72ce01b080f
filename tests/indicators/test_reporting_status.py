"""One meaning of "đã báo cáo": each reporting unit complete, partial or without any value,
over the indicators its level reports; and which periods' values stand for a half or year."""

from __future__ import annotations

from indicators.periods import Period, PeriodKind
from indicators.plan import Tier
from indicators.plans import load_bundled
from indicators.reporting_status import (
    Coverage,
    LevelCount,
    covering_periods,
    reporting_status,
)
from indicators.rollup import Node

PLAN = load_bundled("dong-lac-2025")
VILLAGE_CODES = [i.code for i in PLAN.indicators if i.reported_by is Tier.VILLAGE]
COMMUNE_CODES = [i.code for i in PLAN.indicators if i.reported_by is Tier.COMMUNE]


def commune(merged: bool = False) -> Node:
    villages = tuple(Node(n, f"Thôn {n}", "thôn", Tier.VILLAGE) for n in range(1, 7))
    gone = (Node(7, "Thôn 7", "thôn", Tier.VILLAGE, reports=False),) if merged else ()
    return Node(100, "Đồng Lạc", "xã", Tier.COMMUNE, villages + gone)


def test_complete_partial_none_with_missing_codes() -> None:
    reported = {(v, c) for v in (1, 2, 3) for c in VILLAGE_CODES}
    reported |= {(4, VILLAGE_CODES[0]), (5, VILLAGE_CODES[1]), (100, COMMUNE_CODES[0])}
    reported |= {(7, c) for c in VILLAGE_CODES}  # merged away: no longer a reporting unit
    status = reporting_status(commune(merged=True), PLAN.indicators, reported)
    assert [r.unit_id for r in status.units] == [100, 1, 2, 3, 4, 5, 6]
    thon_4 = status.unit(4)
    assert thon_4 is not None and thon_4.coverage is Coverage.PARTIAL
    assert thon_4.missing == tuple(VILLAGE_CODES[1:])
    thon_6 = status.unit(6)
    assert thon_6 is not None and thon_6.coverage is Coverage.NONE
    assert thon_6.missing == thon_6.expected == tuple(VILLAGE_CODES)
    assert status.counts(below=Tier.COMMUNE) == [LevelCount(Tier.VILLAGE, "thôn", 3, 2, 1)]
    assert status.counts() == [
        LevelCount(Tier.VILLAGE, "thôn", 3, 2, 1),
        LevelCount(Tier.COMMUNE, "xã", 0, 1, 0),
    ]
    assert [r.unit_id for r in status.incomplete()] == [100, 4, 5, 6]
    assert not status.complete
    assert status.among({1, 2}).complete


def test_everything_reported_is_complete() -> None:
    reported = {(v, c) for v in range(1, 7) for c in VILLAGE_CODES}
    reported |= {(100, c) for c in COMMUNE_CODES}
    status = reporting_status(commune(), PLAN.indicators, reported)
    assert status.complete
    assert status.counts() == [
        LevelCount(Tier.VILLAGE, "thôn", 6, 0, 0),
        LevelCount(Tier.COMMUNE, "xã", 1, 0, 0),
    ]


def test_a_level_without_indicators_has_no_reporting_units() -> None:
    only_commune = [i for i in PLAN.indicators if i.reported_by is Tier.COMMUNE]
    status = reporting_status(commune(), only_commune, set())
    assert [r.unit_id for r in status.units] == [100]


def test_halves_and_years_of_a_quarterly_plan_read_their_quarters_latest_first() -> None:
    quarter = PeriodKind.QUARTER
    year = [p.code for p in covering_periods(quarter, Period(2026, PeriodKind.YEAR))]
    assert year == ["2026", "2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1"]
    first = [p.code for p in covering_periods(quarter, Period(2026, PeriodKind.HALF, 1))]
    assert first == ["2026-H1", "2026-Q2", "2026-Q1"]
    second = [p.code for p in covering_periods(quarter, Period(2026, PeriodKind.HALF, 2))]
    assert second == ["2026-H2", "2026-Q4", "2026-Q3"]
    assert covering_periods(quarter, Period(2026, PeriodKind.QUARTER, 3)) == [
        Period(2026, PeriodKind.QUARTER, 3)
    ]
    halves = [p.code for p in covering_periods(PeriodKind.HALF, Period(2026, PeriodKind.YEAR))]
    assert halves == ["2026", "2026-H2", "2026-H1"]
