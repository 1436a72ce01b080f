"""Time: the one clock every part of chitieu asks, and timestamps as the database keeps them.

Nothing else reads the wall clock. The store, the handlers, the sender and the scheduler
are all given the same `Clock`, so a test (or `chitieu remind --date`) moves every part
to another moment at once, and no code path can stamp a row with a time the others do
not see.

Timestamps are stored timezone-aware UTC, ISO 8601 text, in one fixed-width format
(microseconds, "+00:00") so that comparing the text in SQL orders the same way as
comparing the instants; naive datetimes are refused because the bot runs in
Asia/Ho_Chi_Minh and a silent local time would shift every deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current moment, timezone-aware."""


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stays at one moment: a dry run of the reminders at another date."""

    def __init__(self, moment: dt.datetime) -> None:
        self._moment = _aware(moment)

    def now(self) -> dt.datetime:
        return self._moment


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware one")
    return moment


def to_db(moment: dt.datetime) -> str:
    return _aware(moment).astimezone(dt.UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"naive timestamp {text!r} in the database")
    return moment.astimezone(dt.UTC)


def optional_from_db(text: str | None) -> dt.datetime | None:
    return None if text is None else from_db(text)
