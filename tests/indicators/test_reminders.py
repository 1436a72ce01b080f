"""Reminder rounds: their instants, which one is due when, catch-up after downtime."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.periods import VIETNAM_TZ, Period, PeriodKind
from indicators.plan import Frequency, Schedule
from indicators.plans import load_bundled
from indicators.reminders import (
    PeriodRounds,
    ReminderSettings,
    Round,
    RoundKind,
    Track,
    due_round,
    period_rounds,
    periods_to_check,
)

VIET_YEN = load_bundled("viet-yen-2024").schedule
SONG_MA = load_bundled("song-ma-2024").schedule
Q4 = Period(2024, PeriodKind.QUARTER, 4)
DEFAULT = ReminderSettings()
TICK = dt.timedelta(microseconds=1)


def local(
    day: int, hour: int = 8, minute: int = 0, *, month: int = 12, year: int = 2024
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM_TZ)


def keyed(rounds: PeriodRounds) -> dict[str, Round]:
    return {r.key: r for r in rounds.rounds}


def due(track: Track, now: dt.datetime, sent: tuple[str, ...] = ()) -> str | None:
    found = due_round(period_rounds(VIET_YEN, Q4, DEFAULT).track(track), now, sent)
    return None if found is None else found.key


def test_viet_yen_quarter_rounds_are_before_the_25th_of_the_last_month() -> None:
    rounds = period_rounds(VIET_YEN, Q4, DEFAULT)
    assert rounds.deadline == local(25, 0)
    assert rounds.last_day == dt.date(2024, 12, 24)
    assert [(r.key, r.at) for r in rounds.track(Track.UNITS)] == [
        ("before-7", local(17)),
        ("before-3", local(21)),
        ("before-1", local(23)),
        ("due-day", local(24)),
        ("overdue", local(25)),
    ]
    assert [(r.key, r.follows, r.at) for r in rounds.track(Track.OFFICIALS)] == [
        ("summary-before-7", "before-7", local(18)),
        ("summary-before-3", "before-3", local(22)),
        ("summary-before-1", "before-1", local(24)),
        ("summary-due-day", "due-day", local(25)),
        ("summary-overdue", "overdue", local(26)),
    ]
    # Vietnam has no daylight saving time: every round is at 01:00 UTC.
    assert {r.at.astimezone(dt.UTC).time() for r in rounds.rounds} == {dt.time(1, 0)}
    assert [r.at for r in rounds.rounds] == sorted(r.at for r in rounds.rounds)


def test_expiry_next_round_catch_up_and_deadline() -> None:
    rounds = keyed(period_rounds(VIET_YEN, Q4, DEFAULT))
    assert rounds["before-7"].expires == local(20)  # three days of catch-up, then nothing
    assert rounds["before-3"].expires == local(23)  # the next round begins
    assert rounds["due-day"].expires == local(25, 0)  # never after the deadline
    assert rounds["overdue"].expires == local(28)
    assert rounds["summary-before-1"].expires == local(25)
    assert rounds["summary-overdue"].expires == local(29)


@pytest.mark.parametrize(
    ("now", "units", "officials"),
    [
        (local(17) - TICK, None, None),
        (local(17), "before-7", None),
        (local(18), "before-7", "summary-before-7"),
        (local(20) - TICK, "before-7", "summary-before-7"),
        (local(20), None, "summary-before-7"),
        (local(21) - TICK, None, "summary-before-7"),
        (local(21), "before-3", None),
        (local(23, 7, 59), "before-3", "summary-before-3"),
        (local(23), "before-1", "summary-before-3"),
        (local(24), "due-day", "summary-before-1"),
        (local(25, 0) - TICK, "due-day", "summary-before-1"),
        (local(25, 0), None, "summary-before-1"),
        (local(25), "overdue", "summary-due-day"),
        (local(26), "overdue", "summary-overdue"),
        (local(28) - TICK, "overdue", "summary-overdue"),
        (local(28), None, "summary-overdue"),
        (local(29), None, None),
    ],
)
def test_which_round_is_due_around_every_boundary(
    now: dt.datetime, units: str | None, officials: str | None
) -> None:
    assert due(Track.UNITS, now) == units
    assert due(Track.OFFICIALS, now) == officials


def test_a_round_sent_or_followed_by_a_later_one_is_not_due() -> None:
    at = local(23, 9)
    assert due(Track.UNITS, at, ("before-7", "before-3")) == "before-1"
    assert due(Track.UNITS, at, ("before-1",)) is None
    # A later round already went out (the hour was moved back, say): nothing earlier.
    assert due(Track.UNITS, at, ("due-day",)) is None
    assert due(Track.OFFICIALS, at, ("before-1",)) == "summary-before-3"


def test_a_bot_down_over_several_rounds_sends_only_the_latest_once() -> None:
    # Down from the 16th until 10:00 on the 23rd: before-7 and before-3 were missed.
    assert due(Track.UNITS, local(23, 10)) == "before-1"
    assert due(Track.UNITS, local(23, 10), ("before-1",)) is None
    # Down over the deadline: the overdue notice, not the due-day reminder.
    assert due(Track.UNITS, local(26, 15)) == "overdue"


def test_other_hours_days_and_time_zones() -> None:
    early = ReminderSettings(days_before=(10, 2), hour=dt.time(6, 30))
    rounds = period_rounds(VIET_YEN, Q4, early)
    assert [(r.key, r.at) for r in rounds.track(Track.UNITS)] == [
        ("before-10", local(14, 6, 30)),
        ("before-2", local(22, 6, 30)),
        ("due-day", local(24, 6, 30)),
        ("overdue", local(25, 6, 30)),
    ]
    tokyo = dt.timezone(dt.timedelta(hours=9))
    shifted = period_rounds(VIET_YEN, Q4, ReminderSettings(tz=tokyo))
    assert shifted.deadline == dt.datetime(2024, 12, 25, tzinfo=tokyo)
    assert shifted.rounds[0].at == dt.datetime(2024, 12, 17, 8, tzinfo=tokyo)


def test_half_year_due_in_the_next_month() -> None:
    h1 = Period(2024, PeriodKind.HALF, 1)
    rounds = period_rounds(SONG_MA, h1, DEFAULT)
    assert rounds.deadline == local(15, 0, month=7)
    assert [r.at.date() for r in rounds.track(Track.UNITS)] == [
        dt.date(2024, 7, 7),
        dt.date(2024, 7, 11),
        dt.date(2024, 7, 13),
        dt.date(2024, 7, 14),
        dt.date(2024, 7, 15),
    ]


def test_no_reminder_before_the_period_starts() -> None:
    monthly = Schedule(frequency=Frequency.MONTH, due_day=5, due_month="last")
    march = Period(2025, PeriodKind.MONTH, 3)
    rounds = period_rounds(monthly, march, DEFAULT)
    # The last day is 4 March: seven days before is in February, left out.
    assert [r.key for r in rounds.track(Track.UNITS)] == [
        "before-3",
        "before-1",
        "due-day",
        "overdue",
    ]
    assert rounds.track(Track.UNITS)[0].at == local(1, month=3, year=2025)


def test_periods_to_check_move_on_at_the_deadline() -> None:
    q3 = Period(2024, PeriodKind.QUARTER, 3)
    q1_next = Period(2025, PeriodKind.QUARTER, 1)
    assert periods_to_check(VIET_YEN, local(24, 23, 59), VIETNAM_TZ) == (q3, Q4)
    assert periods_to_check(VIET_YEN, local(25, 0), VIETNAM_TZ) == (Q4, q1_next)


@pytest.mark.parametrize(
    "bad",
    [
        {"days_before": (0,)},
        {"days_before": (3, 3)},
        {"hour": dt.time(8, tzinfo=dt.UTC)},
        {"catch_up": dt.timedelta(0)},
        {"catch_up": dt.timedelta(days=30)},
    ],
)
def test_settings_are_checked(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ReminderSettings(**bad)  # type: ignore[arg-type]


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        due_round(period_rounds(VIET_YEN, Q4, DEFAULT).rounds, dt.datetime(2024, 12, 17, 8))


START = local(10)
SPAN_MINUTES = 25 * 24 * 60


@settings(max_examples=200, deadline=None)
@given(
    days=st.sets(st.integers(1, 20), max_size=4),
    hour=st.integers(0, 23),
    catch_up_days=st.integers(1, 14),
    polls=st.lists(st.integers(0, SPAN_MINUTES), min_size=1, max_size=60),
)
def test_a_scheduler_polling_at_any_moments_sends_each_round_at_most_once_in_order(
    days: set[int], hour: int, catch_up_days: int, polls: list[int]
) -> None:
    config = ReminderSettings(
        days_before=tuple(days),
        hour=dt.time(hour),
        catch_up=dt.timedelta(days=catch_up_days),
    )
    rounds = period_rounds(VIET_YEN, Q4, config)
    for track in Track:
        ordered = rounds.track(track)
        sent: list[str] = []
        for minute in sorted(polls):
            now = START + dt.timedelta(minutes=minute)
            found = due_round(ordered, now, sent)
            if found is None:
                continue
            assert found.at <= now < found.expires
            if found.kind in (RoundKind.BEFORE, RoundKind.DUE_DAY):
                assert now < rounds.deadline
            if found.kind is RoundKind.OVERDUE:
                assert now >= rounds.deadline
            sent.append(found.key)
        assert len(sent) == len(set(sent))
        positions = [[r.key for r in ordered].index(key) for key in sent]
        assert positions == sorted(positions)


@settings(max_examples=100, deadline=None)
@given(minute=st.integers(0, SPAN_MINUTES))
def test_at_most_the_latest_started_round_of_a_track_is_due(minute: int) -> None:
    now = START + dt.timedelta(minutes=minute)
    rounds = period_rounds(VIET_YEN, Q4, DEFAULT)
    for track in Track:
        started = [r for r in rounds.track(track) if r.at <= now]
        found = due_round(rounds.track(track), now)
        if found is not None:
            assert found == started[-1]
