"""What every handler needs: the store, the clock and the deployment's settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from storage import Store


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Services:
    store: Store
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    clock: Callable[[], dt.datetime] = _utc_now
    bot_username: str = ""

    def now(self) -> dt.datetime:
        """Local, timezone-aware now: deadlines and periods are in Vietnam's time."""
        return self.clock().astimezone(self.tz)
