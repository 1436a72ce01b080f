"""Latest values and what is missing, across a tree; history and series."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.values import (
    AnyValue,
    CountValue,
    PartsValue,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
)
from storage import NewValue, Store
from tests.statements import statements
from tests.storage.storage_fixtures import PLAN_ID, Tree

VILLAGE_CODES = ["3.1", "3.2", "3.3", "3.4"]


async def test_latest_and_missing_across_the_tree(store: Store, tree: Tree) -> None:
    v = tree.villages
    await store.values.record_many(
        [
            NewValue(v["Nà Pậu"], PLAN_ID, "3.1", "2025-Q3", RatioValue(175, 300)),
            NewValue(v["Nà Pậu"], PLAN_ID, "3.2", "2025-Q3", PercentValue(Decimal("86.5"))),
            NewValue(v["Nà Pậu"], PLAN_ID, "3.3", "2025-Q3", PercentValue(Decimal("61"))),
            NewValue(v["Nà Pậu"], PLAN_ID, "3.4", "2025-Q3", PercentValue(Decimal("99"))),
            NewValue(v["Bản Cuôn"], PLAN_ID, "3.1", "2025-Q3", RatioValue(90, 120)),
            NewValue(v["Khuổi Nạc"], PLAN_ID, "3.1", "2025-Q3", RatioValue(10, 80)),
            # Other periods and plans must not leak in.
            NewValue(v["Nà Kéo"], PLAN_ID, "3.1", "2025-Q2", RatioValue(1, 2)),
            NewValue(v["Nà Kéo"], "other-plan", "3.1", "2025-Q3", RatioValue(1, 2)),
            NewValue(tree.dong_lac, PLAN_ID, "1.1", "2025-Q3", PercentValue(Decimal("80"))),
        ]
    )
    await store.values.record(v["Bản Cuôn"], PLAN_ID, "3.1", "2025-Q3", RatioValue(95, 120))

    latest = await store.values.latest_in_subtree(tree.district, PLAN_ID, "2025-Q3")
    cells = {(x.unit_id, x.indicator_code): (x.version, x.value) for x in latest}
    assert cells[(v["Bản Cuôn"], "3.1")] == (2, RatioValue(95, 120))
    assert len(cells) == 4 + 1 + 1 + 1
    assert {x.unit_id for x in latest} == {
        v["Nà Pậu"],
        v["Bản Cuôn"],
        v["Khuổi Nạc"],
        tree.dong_lac,
    }

    commune_villages = [u.id for u in await store.units.children(tree.dong_lac)]
    by_ids = await store.values.latest(commune_villages, PLAN_ID, "2025-Q3")
    assert {(x.unit_id, x.indicator_code) for x in by_ids} == {
        (v["Nà Pậu"], c) for c in VILLAGE_CODES
    } | {(v["Bản Cuôn"], "3.1")}
    only_31 = await store.values.latest(
        commune_villages, PLAN_ID, "2025-Q3", indicator_codes=["3.1"]
    )
    assert len(only_31) == 2

    missing = await store.values.missing(commune_villages, PLAN_ID, "2025-Q3", VILLAGE_CODES)
    assert missing == {
        v["Bản Cuôn"]: ["3.2", "3.3", "3.4"],
        v["Nà Kéo"]: VILLAGE_CODES,
    }


async def test_series_gives_the_latest_of_each_period(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Pậu"]
    for period, numerator in [("2025-Q1", 100), ("2025-Q2", 150), ("2025-Q2", 160)]:
        await store.values.record(village, PLAN_ID, "3.1", period, RatioValue(numerator, 300))
    series = await store.values.series([village], PLAN_ID, "3.1")
    assert [(x.period, x.value) for x in series] == [
        ("2025-Q1", RatioValue(100, 300)),
        ("2025-Q2", RatioValue(160, 300)),
    ]


async def test_every_kind_of_value_comes_back_exactly(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Kéo"]
    kinds: list[AnyValue] = [
        PercentValue(Decimal("80.37")),
        RatioValue(1, 3),
        CountValue(12),
        YesNoValue(True),
        StatusValue(Status.IN_PROGRESS),
        PartsValue((PercentValue(Decimal("90")), RatioValue(4, 5))),
    ]
    for value in kinds:
        await store.values.record(village, PLAN_ID, "x", "2025", value, note="  khó khăn:  sóng ")
    history = await store.values.history(village, PLAN_ID, "x", "2025")
    assert [x.value for x in history] == kinds
    assert history[0].note == "khó khăn: sóng"


async def test_bad_input_is_refused(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Kéo"]
    with pytest.raises(ValueError, match="period"):
        await store.values.record(village, PLAN_ID, "3.1", "Q3/2025", CountValue(1))
    assert await store.values.history(village, PLAN_ID, "3.1", "2025") == []


async def test_empty_queries_ask_nothing(store: Store) -> None:
    assert await store.values.latest([], PLAN_ID, "2025") == []
    assert await store.values.missing([], PLAN_ID, "2025", ["1"]) == {}
    assert await store.values.missing([1], PLAN_ID, "2025", []) == {}
    assert await store.values.series([], PLAN_ID, "1") == []
    assert await store.values.record_many([]) == []


async def test_a_batch_is_written_by_one_statement_whatever_its_size(
    store: Store, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    village = tree.villages["Nà Pậu"]
    await store.values.record(village, PLAN_ID, "3.1", "2025-Q3", CountValue(1))
    batch = [
        NewValue(village, PLAN_ID, "3.1", "2025-Q3", CountValue(2)),
        NewValue(village, PLAN_ID, "3.2", "2025-Q3", CountValue(3)),
        NewValue(village, PLAN_ID, "3.1", "2025-Q3", CountValue(4)),  # the same cell again
        NewValue(village, PLAN_ID, "3.3", "2025-Q3", CountValue(5)),
    ]
    with statements(monkeypatch) as seen:
        stored = await store.values.record_many(batch)
    assert sum(sql.startswith("INSERT INTO report_values") for sql in seen) == 1
    # In the order given, each item its own version: the cell's two items in turn.
    assert [(v.indicator_code, v.version, v.value) for v in stored] == [
        ("3.1", 2, CountValue(2)),
        ("3.2", 1, CountValue(3)),
        ("3.1", 3, CountValue(4)),
        ("3.3", 1, CountValue(5)),
    ]
    latest = await store.values.latest([village], PLAN_ID, "2025-Q3", indicator_codes=["3.1"])
    assert [v.value for v in latest] == [CountValue(4)]


async def test_an_update_records_each_cell_once_and_gives_back_what_it_recorded(
    store: Store, tree: Tree
) -> None:
    village = tree.villages["Nà Pậu"]
    first = await store.values.record_many(
        [NewValue(village, PLAN_ID, "3.1", "2025-Q3", CountValue(1))], update_key="tg:7"
    )
    await store.values.record(village, PLAN_ID, "3.1", "2025-Q3", CountValue(9))  # later, elsewhere
    again = await store.values.record_many(
        [
            NewValue(village, PLAN_ID, "3.2", "2025-Q3", CountValue(2)),
            NewValue(village, PLAN_ID, "3.1", "2025-Q3", CountValue(1)),
            NewValue(village, PLAN_ID, "3.2", "2025-Q3", CountValue(3)),  # once per update
        ],
        update_key="tg:7",
    )
    assert [(v.indicator_code, v.version, v.value) for v in again] == [
        ("3.2", 1, CountValue(2)),
        ("3.1", 1, CountValue(1)),
        ("3.2", 1, CountValue(2)),
    ]
    assert again[1] == first[0]
    assert len(await store.values.history(village, PLAN_ID, "3.2", "2025-Q3")) == 1
