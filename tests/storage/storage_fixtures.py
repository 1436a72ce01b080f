"""Helpers shared by the storage tests: a fixed clock, Đồng Lạc's plan and a unit tree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from storage import Store

PLAN_ID = "dong-lac-2025"
NOW = dt.datetime(2025, 9, 20, 8, 30, tzinfo=dt.UTC)

# A backup file → a database to open (the `restore` fixture).
Restore = Callable[[Path], Awaitable[str]]


@dataclass
class Tree:
    """Bắc Kạn → Chợ Đồn → {Đồng Lạc, Nam Cường} → villages, with dong-lac-2025 assigned."""

    province: int
    district: int
    dong_lac: int
    nam_cuong: int
    villages: dict[str, int]


async def build_tree(store: Store) -> Tree:
    installed = await store.install_bundled(PLAN_ID)
    ids = installed.unit_ids
    district = ids[("Bắc Kạn", "Chợ Đồn")]
    dong_lac = installed.issuer_id
    nam_cuong = (await store.units.add("Nam Cường", "xã", district)).id
    await store.plans.assign(nam_cuong, PLAN_ID)
    villages = {}
    for name, parent in [
        ("Nà Pậu", dong_lac),
        ("Bản Cuôn", dong_lac),
        ("Nà Kéo", dong_lac),
        ("Khuổi Nạc", nam_cuong),
        ("Bản Khắt", nam_cuong),
    ]:
        villages[name] = (await store.units.add(name, "thôn", parent)).id
    return Tree(ids[("Bắc Kạn",)], district, dong_lac, nam_cuong, villages)
