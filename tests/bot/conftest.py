from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import setup
from handlers.context import Services
from storage import Store

# A Monday in the fourth quarter: Q4 2026 is open (due before 25/12/2026).
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "chitieu.sqlite3")


@pytest.fixture
async def demo_db(db_path: str) -> str:
    async with await Store.open(db_path) as store:
        await setup.load_bundled_plans(store)
        await setup.add_demo(store, now=NOW)
    return db_path


@pytest.fixture
async def store(demo_db: str) -> AsyncIterator[Store]:
    async with await Store.open(demo_db) as opened:
        yield opened


def services_for(store: Store) -> Services:
    return Services(store=store, clock=lambda: NOW)


async def invite_code(store: Store, unit_name: str, role: str = "member") -> str:
    unit = (await store.units.by_name(unit_name))[0]
    return await store.invites.create(unit.id, role, uses=1, expires_at=NOW + dt.timedelta(days=7))
