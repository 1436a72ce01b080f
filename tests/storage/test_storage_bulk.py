"""The bulk loader: rows in at once, read back by the repositories like any others."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.people import Role
from indicators.values import PercentValue, RatioValue
from storage import ConflictError, NewValue, Store
from storage.units import SUBTREE_CTE

PLAN = "bulk-plan"


async def _small_tree(store: Store) -> tuple[int, list[int], list[int]]:
    [country] = await store.bulk.add_units([("Việt Nam", "quốc gia", None)])
    communes = await store.bulk.add_units([("Xã A", "xã", country), ("Xã B", "xã", country)])
    villages = await store.bulk.add_units(
        [(f"Thôn {n}", "thôn", commune) for commune in communes for n in (1, 2)]
    )
    return country, communes, villages


async def test_units_people_and_values_read_back_like_any_others(store: Store) -> None:
    country, communes, villages = await _small_tree(store)
    subtree = await store.units.subtree(country)
    assert [u.id for u in subtree] == [country, *communes, *villages]
    assert {u.name for u in await store.units.children(communes[1])} == {"Thôn 1", "Thôn 2"}
    assert [u.id for u in await store.units.by_name("xa a", level="xã")] == [communes[0]]

    people = await store.bulk.add_people(
        [("Cán bộ  xã A", Role.OFFICIAL, communes[0]), ("Tổ thôn 1", Role.MEMBER, villages[0])]
    )
    found = await store.people.in_subtree(communes[0])
    assert [(p.id, p.name, p.role) for p in found] == [
        (people[0], "Cán bộ xã A", Role.OFFICIAL),
        (people[1], "Tổ thôn 1", Role.MEMBER),
    ]

    items = [
        NewValue(village, PLAN, "3.1", "2025-Q3", RatioValue(10 * n, 100))
        for n, village in enumerate(villages, 1)
    ]
    items.append(NewValue(villages[0], PLAN, "3.2", "2025-Q3", PercentValue(Decimal("86.5"))))
    assert await store.bulk.add_values(items, channel="import") == len(items)
    await store.bulk.analyze()

    latest = await store.values.latest_in_subtree(country, PLAN, "2025-Q3")
    assert {(v.unit_id, v.indicator_code, v.version, v.value) for v in latest} == {
        (i.unit_id, i.indicator_code, 1, i.value) for i in items
    }
    assert all(v.channel == "import" for v in latest)
    # Recorded one by one afterwards, a value is the next version of its cell.
    again = await store.values.record(villages[0], PLAN, "3.1", "2025-Q3", RatioValue(99, 100))
    assert again.version == 2
    assert (await store.values.latest([villages[0]], PLAN, "2025-Q3"))[0].value == RatioValue(
        99, 100
    )


async def test_rows_added_one_at_a_time_afterwards_get_new_ids(store: Store) -> None:
    country, _communes, villages = await _small_tree(store)
    [person] = await store.bulk.add_people([("Cán bộ", Role.OFFICIAL, country)])
    unit = await store.units.add("Xã C", "xã", country)
    assert unit.id > max(villages)
    added = await store.people.add_person("Người mới", Role.MEMBER, unit.id)
    assert added.id > person
    more = await store.bulk.add_units([("Thôn 9", "thôn", unit.id)])
    assert more[0] > unit.id


async def test_a_cell_that_has_a_value_fails_the_whole_batch(store: Store) -> None:
    _country, _communes, villages = await _small_tree(store)
    await store.values.record(villages[0], PLAN, "3.1", "2025-Q3", PercentValue(Decimal(50)))
    batch = [
        NewValue(villages[1], PLAN, "3.1", "2025-Q3", PercentValue(Decimal(60))),
        NewValue(villages[0], PLAN, "3.1", "2025-Q3", PercentValue(Decimal(70))),
    ]
    with pytest.raises(ConflictError):
        await store.bulk.add_values(batch)
    latest = await store.values.latest(villages, PLAN, "2025-Q3")
    assert [(v.unit_id, v.value) for v in latest] == [(villages[0], PercentValue(Decimal(50)))]


async def test_malformed_rows_are_refused_before_anything_is_written(store: Store) -> None:
    country, _communes, villages = await _small_tree(store)
    with pytest.raises(ValueError, match="period"):
        await store.bulk.add_values(
            [
                NewValue(villages[0], PLAN, "3.1", "2025-Q3", PercentValue(Decimal(1))),
                NewValue(villages[1], PLAN, "3.1", "quý 3", PercentValue(Decimal(1))),
            ]
        )
    assert await store.values.latest(villages, PLAN, "2025-Q3") == []
    with pytest.raises(ValueError, match="name"):
        await store.bulk.add_units([("  ", "thôn", country)])
    with pytest.raises(ValueError, match="name"):
        await store.bulk.add_people([("", Role.MEMBER, villages[0])])
    assert len(await store.units.subtree(country)) == 1 + 2 + 4
    assert await store.bulk.add_values([]) == 0
    assert await store.bulk.add_units([]) == []


async def test_subtrees_are_walked_by_index_once_the_planner_has_statistics(
    store: Store, backend: str
) -> None:
    """No unit merged: a full index of merged_into_id would look like one value shared by
    all rows, and SQLite's planner then scanned every unit at each step of a walk."""
    if backend != "sqlite":
        pytest.skip("the query plan looked at is SQLite's")
    [country] = await store.bulk.add_units([("Việt Nam", "quốc gia", None)])
    provinces = await store.bulk.add_units([(f"Tỉnh {p}", "tỉnh", country) for p in range(10)])
    communes = await store.bulk.add_units(
        [(f"Xã {p}-{c}", "xã", p) for p in provinces for c in range(20)]
    )
    await store.bulk.add_units([(f"Thôn {v}", "thôn", c) for c in communes for v in range(5)])
    await store.bulk.analyze()
    plan = await store.db.fetch_all(
        f"EXPLAIN QUERY PLAN WITH RECURSIVE {SUBTREE_CTE} SELECT id FROM subtree",
        (provinces[0],),
    )
    steps = [str(row["detail"]) for row in plan]
    assert not [s for s in steps if s.startswith("SCAN u")], steps
    assert len(await store.units.subtree(provinces[0])) == 1 + 20 + 100
