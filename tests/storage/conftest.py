"""Fixtures: stores in memory and on disk, and Đồng Lạc's plan with a unit tree."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Store
from tests.clock import TestClock
from tests.storage.storage_fixtures import NOW, Tree, build_tree


@pytest.fixture
def clock() -> TestClock:
    return TestClock(NOW)


@pytest.fixture
async def store(clock) -> AsyncIterator[Store]:
    async with await Store.open(":memory:", clock=clock) as opened:
        yield opened


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chitieu.sqlite3"


@pytest.fixture
async def file_store(db_path: Path, clock) -> AsyncIterator[Store]:
    async with await Store.open(db_path, clock=clock) as opened:
        yield opened


@pytest.fixture
async def tree(store: Store) -> Tree:
    return await build_tree(store)
