"""What every handler needs: the store, the clock and the deployment's settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from indicators.periods import VIETNAM_TZ
from indicators.plan_import.table import Table
from indicators.units import Unit
from storage import Clock, Store

# The tables of a file someone sent (name, bytes); raises ValueError with a message for
# the sender when the file cannot be read. Given by the process edge (bot/table_files.py).
TableReader = Callable[[str, bytes], list[Table]]


@dataclass
class Services:
    store: Store
    bot_username: str = ""
    read_tables: TableReader | None = None  # None: files sent to the bot are not read

    @property
    def clock(self) -> Clock:
        """The store's clock: handlers and the rows they write see the same moment."""
        return self.store.clock

    @property
    def tz(self) -> ZoneInfo:
        return VIETNAM_TZ

    def now(self) -> dt.datetime:
        """Local, timezone-aware now: deadlines and periods are in Vietnam's time."""
        return self.clock.now().astimezone(self.tz)

    async def unit(self, unit_id: int | None) -> Unit:
        """The unit a person or a draft points at, which the schema says must exist."""
        unit = await self.store.units.get(unit_id) if unit_id is not None else None
        if unit is None:
            raise LookupError(f"unit {unit_id} does not exist")
        return unit
