"""Timestamps as the database keeps them: timezone-aware UTC, ISO 8601 text.

One fixed-width format (microseconds, "+00:00") so that comparing the text in SQL
orders the same way as comparing the instants; naive datetimes are refused because
the bot runs in Asia/Ho_Chi_Minh and a silent local time would shift every deadline.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_db(moment: dt.datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware one")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"naive timestamp {text!r} in the database")
    return moment.astimezone(dt.UTC)


def optional_from_db(text: str | None) -> dt.datetime | None:
    return None if text is None else from_db(text)


def now_or(moment: dt.datetime | None) -> str:
    """The database form of `moment`, or of the current time when not given."""
    return to_db(utcnow() if moment is None else moment)
