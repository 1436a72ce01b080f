"""When reminders go out: the rounds of one reporting period, and which one is due now.

A period has two tracks of rounds. The units track reminds the units that still miss
values: some days before the last reporting day, on that day, and with an overdue
notice once the deadline has passed. The officials track sends a completeness summary
the morning after each round of the units track.

Only the latest round of a track whose time has come can be due, and only until it
expires: a bot that was down over several rounds sends one round when it comes back,
not a burst of stale ones, and no round meant for before the deadline goes out after
it. Whether a round was already sent is the caller's bookkeeping; `due_round` takes
what was sent so that a round is never followed by an earlier one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from indicators.periods import VIETNAM_TZ, Period, deadline, reportable_periods
from indicators.plan import Schedule

# Beyond this a missed round is no longer worth sending, and rounds of the period before
# the previous one could overlap the open period's.
MAX_CATCH_UP = dt.timedelta(days=14)


class RoundKind(StrEnum):
    BEFORE = "before"  # some days before the last reporting day
    DUE_DAY = "due-day"  # on the last reporting day
    OVERDUE = "overdue"  # the day the deadline passed
    SUMMARY = "summary"  # completeness for officials, the morning after a units round


class Track(StrEnum):
    UNITS = "units"  # to the people of units that still miss values
    OFFICIALS = "officials"  # completeness summaries of their subtree


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """When rounds go out: `days_before` the last reporting day and on it, at `hour` local
    time; a round missed while the bot was down is still sent within `catch_up`."""

    days_before: tuple[int, ...] = (7, 3, 1)
    hour: dt.time = dt.time(8, 0)
    tz: dt.tzinfo = VIETNAM_TZ
    catch_up: dt.timedelta = dt.timedelta(days=3)

    def __post_init__(self) -> None:
        if any(days < 1 for days in self.days_before):
            raise ValueError(f"days before must be at least 1, got {self.days_before}")
        if len(set(self.days_before)) != len(self.days_before):
            raise ValueError(f"days before repeat: {self.days_before}")
        if self.hour.tzinfo is not None:
            raise ValueError("the hour is local wall-clock time; give it without a time zone")
        if not dt.timedelta(0) < self.catch_up <= MAX_CATCH_UP:
            raise ValueError(f"catch-up must be more than 0 and at most {MAX_CATCH_UP.days} days")


@dataclass(frozen=True, slots=True)
class Round:
    """One round of a period. `key` names it uniquely within the period ("before-7",
    "due-day", "overdue", "summary-before-7"); it is due from `at` until `expires`."""

    key: str
    kind: RoundKind
    at: dt.datetime
    expires: dt.datetime
    days_before: int | None = None
    follows: str | None = None  # for a summary: the key of the units round it reports on

    @property
    def track(self) -> Track:
        return Track.OFFICIALS if self.kind is RoundKind.SUMMARY else Track.UNITS


@dataclass(frozen=True, slots=True)
class PeriodRounds:
    period: Period
    deadline: dt.datetime  # from this instant results are late
    last_day: dt.date  # the last local day results are on time
    rounds: tuple[Round, ...]  # both tracks, by time then track

    def track(self, track: Track) -> tuple[Round, ...]:
        return tuple(r for r in self.rounds if r.track is track)


def _local(day: dt.date, settings: ReminderSettings) -> dt.datetime:
    return dt.datetime.combine(day, settings.hour, tzinfo=settings.tz)


def _with_expiry(
    timed: Sequence[tuple[str, RoundKind, dt.datetime, int | None, str | None]],
    catch_up: dt.timedelta,
    cutoff: dt.datetime | None,
) -> list[Round]:
    """Rounds of one track in time order, each expiring when the next begins, when its
    catch-up ends, or (rounds meant for before the deadline) at the deadline."""
    rounds: list[Round] = []
    for index, (key, kind, at, days, follows) in enumerate(timed):
        ends = [at + catch_up]
        if index + 1 < len(timed):
            ends.append(timed[index + 1][2])
        if cutoff is not None and kind is not RoundKind.OVERDUE:
            ends.append(cutoff)
        rounds.append(Round(key, kind, at, min(ends), days, follows))
    return rounds


def period_rounds(schedule: Schedule, period: Period, settings: ReminderSettings) -> PeriodRounds:
    """Every round of `period` under `schedule`.

    Rounds days before the last reporting day that would fall before the period even
    starts are left out: nobody can report a period that has not begun.
    """
    due = deadline(period, due_day=schedule.due_day, due_month=schedule.due_month, tz=settings.tz)
    last_day = due.date() - dt.timedelta(days=1)
    units: list[tuple[str, RoundKind, dt.datetime, int | None, str | None]] = []
    for days in sorted(settings.days_before, reverse=True):
        day = last_day - dt.timedelta(days=days)
        if day >= period.start:
            units.append((f"before-{days}", RoundKind.BEFORE, _local(day, settings), days, None))
    units.append(("due-day", RoundKind.DUE_DAY, _local(last_day, settings), None, None))
    units.append(("overdue", RoundKind.OVERDUE, _local(due.date(), settings), None, None))
    summaries = [
        (
            f"summary-{key}",
            RoundKind.SUMMARY,
            _local(at.astimezone(settings.tz).date() + dt.timedelta(days=1), settings),
            None,
            key,
        )
        for key, _kind, at, _days, _follows in units
    ]
    rounds = _with_expiry(units, settings.catch_up, due) + _with_expiry(
        summaries, settings.catch_up, None
    )
    rounds.sort(key=lambda r: (r.at, r.track is Track.OFFICIALS))
    return PeriodRounds(period, due, last_day, tuple(rounds))


def due_round(track: Sequence[Round], now: dt.datetime, sent: Collection[str] = ()) -> Round | None:
    """The round of one track to send at `now`, if any.

    That is the latest round whose time has come, while it has not expired, unless it
    or a later round of the track is in `sent` (the keys already sent to this
    recipient): a recipient never gets an earlier round after a later one.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    ordered = sorted(track, key=lambda r: r.at)
    started = [index for index, r in enumerate(ordered) if r.at <= now]
    if not started:
        return None
    index = started[-1]
    current = ordered[index]
    if now >= current.expires:
        return None
    if any(r.key in sent for r in ordered[index:]):
        return None
    return current


def periods_to_check(schedule: Schedule, now: dt.datetime, tz: dt.tzinfo) -> tuple[Period, Period]:
    """The periods that can have a round due at `now`: the one before the open period
    (its overdue notice and last summaries) and the open period itself."""
    return reportable_periods(
        schedule.period_kind, now=now, due_day=schedule.due_day, due_month=schedule.due_month, tz=tz
    )
