"""Fixtures: stores in memory and on disk, and Đồng Lạc's plan with a unit tree."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storage_fixtures import Tree, build_tree

from storage import Store


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    async with await Store.open(":memory:") as opened:
        yield opened


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chitieu.sqlite3"


@pytest.fixture
async def file_store(db_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(db_path) as opened:
        yield opened


@pytest.fixture
async def tree(store: Store) -> Tree:
    return await build_tree(store)
