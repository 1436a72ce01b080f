"""Units: the tree, renames and merges, plan assignment through the tree."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.people import Role
from indicators.plan import Tier
from indicators.plans import load_bundled
from indicators.values import CountValue
from storage import StorageError, Store
from tests.storage.storage_fixtures import NOW, PLAN_ID, Tree


async def test_import_tree_is_idempotent(store: Store) -> None:
    plan = load_bundled(PLAN_ID)
    first = await store.units.import_tree(plan.units)
    again = await store.units.import_tree(plan.units)
    assert first == again
    assert set(first) == {("Bắc Kạn",), ("Bắc Kạn", "Chợ Đồn"), ("Bắc Kạn", "Chợ Đồn", "Đồng Lạc")}
    assert len(await store.units.subtree(first[("Bắc Kạn",)])) == 3
    commune = await store.units.get(first[("Bắc Kạn", "Chợ Đồn", "Đồng Lạc")])
    assert commune is not None and commune.tier is Tier.COMMUNE and commune.level == "xã"


async def test_installing_a_plan_twice_adds_no_version(store: Store) -> None:
    first = await store.install_bundled(PLAN_ID)
    again = await store.install_bundled(PLAN_ID)
    assert first.version.version == again.version.version == 1
    assert first.issuer_id == again.issuer_id
    assert await store.plans.units_of(PLAN_ID) == [first.issuer_id]


async def test_children_subtree_ancestors(store: Store, tree: Tree) -> None:
    children = await store.units.children(tree.dong_lac)
    assert [u.name for u in children] == ["Nà Pậu", "Bản Cuôn", "Nà Kéo"]
    subtree = await store.units.subtree(tree.district)
    assert len(subtree) == 1 + 2 + 5
    ancestors = await store.units.ancestors(tree.villages["Nà Kéo"])
    assert [u.name for u in ancestors] == ["Đồng Lạc", "Chợ Đồn", "Bắc Kạn"]
    assert await store.plans.plans_of(tree.villages["Nà Kéo"]) == [PLAN_ID]
    assert [u.name for u in await store.units.roots()] == ["Bắc Kạn"]


async def test_by_name_ignores_accents_and_case(store: Store, tree: Tree) -> None:
    [found] = await store.units.by_name("na pau")
    assert found.id == tree.villages["Nà Pậu"]
    assert await store.units.by_name("NÀ PẬU", level="Thôn") == [found]
    assert await store.units.by_name("na pau", level="xã") == []


async def test_rename_keeps_the_old_name_findable(store: Store, tree: Tree) -> None:
    village = tree.villages["Bản Cuôn"]
    renamed = await store.units.rename(village, "Bản Cuôn 1", by=None)
    assert renamed.name == "Bản Cuôn 1"
    [former] = await store.units.former_names(village)
    assert (former.name, former.replaced_at) == ("Bản Cuôn", NOW)
    assert [u.id for u in await store.units.by_name("ban cuon")] == [village]
    assert [u.id for u in await store.units.by_name("Bản Cuôn 1")] == [village]
    names = await store.units.name_index(tree.dong_lac)
    assert (village, "Bản Cuôn") in names and (village, "Bản Cuôn 1") in names
    [entry] = await store.audit.entries(action="unit.renamed")
    assert entry.details == {"unit_id": village, "from": "Bản Cuôn", "to": "Bản Cuôn 1"}


async def test_former_names_since_a_moment(store: Store, tree: Tree) -> None:
    village = tree.villages["Bản Cuôn"]
    await store.units.rename(village, "Bản Cuôn 1")
    assert await store.units.former_names_since(tree.dong_lac, NOW) == {}
    before = NOW - dt.timedelta(days=1)
    since = await store.units.former_names_since(tree.dong_lac, before)
    assert [(f.name, f.replaced_at) for f in since[village]] == [("Bản Cuôn", NOW)]
    assert await store.units.former_names_since(tree.nam_cuong, before) == {}


async def test_name_index_of_a_subtree_lists_current_former_names_and_aliases(
    store: Store, tree: Tree
) -> None:
    village = tree.villages["Nà Pậu"]
    await store.units.rename(village, "Thôn Nà Pậu", by=None)
    await store.units.add_alias(village, "Thôn 1")
    outside = tree.villages["Khuổi Nạc"]
    await store.units.add_alias(outside, "Thôn 4")
    names = await store.units.name_index(tree.dong_lac)
    assert names == sorted(names)
    assert {n for uid, n in names if uid == village} == {"Nà Pậu", "Thôn Nà Pậu", "Thôn 1"}
    assert all(uid != outside for uid, _n in names)
    assert {uid for uid, _n in names} == {tree.dong_lac, *(
        tree.villages[v] for v in ("Nà Pậu", "Bản Cuôn", "Nà Kéo"))}  # fmt: skip


async def test_units_are_found_by_the_distinct_names_in_use(store: Store, tree: Tree) -> None:
    village = tree.villages["Bản Cuôn"]
    await store.units.rename(village, "Bản Cuôn 1", by=None)
    await store.units.add_alias(tree.villages["Bản Khắt"], "Bản Cuôn")
    names = await store.units.distinct_names()
    assert names == sorted(set(names)) and {"Bản Cuôn", "Bản Cuôn 1", "Nà Pậu"} <= set(names)
    # Every holder of a name: former name, current name and alias alike; an exact name,
    # not one that only folds the same ("Ban Cuon").
    assert await store.units.named(["Bản Cuôn", "Ban Cuon"]) == [
        (village, "Bản Cuôn"),
        (tree.villages["Bản Khắt"], "Bản Cuôn"),
    ]
    assert await store.units.named(["Bản Cuôn 1"]) == [(village, "Bản Cuôn 1")]
    assert await store.units.named([]) == []


async def test_merge_keeps_past_values_attributable(store: Store, tree: Tree) -> None:
    # 2025: Nam Cường is merged into Đồng Lạc; its villages now belong to Đồng Lạc.
    old_village = tree.villages["Khuổi Nạc"]
    await store.values.record(old_village, PLAN_ID, "3.3", "2025-Q1", CountValue(40))
    merged = await store.units.merge(tree.nam_cuong, tree.dong_lac)
    assert merged.merged_into_id == tree.dong_lac and merged.merged_at == NOW

    subtree = {u.id for u in await store.units.subtree(tree.dong_lac)}
    assert {tree.nam_cuong, old_village, tree.villages["Bản Khắt"]} <= subtree
    active = {u.id for u in await store.units.subtree(tree.dong_lac, active_only=True)}
    assert tree.nam_cuong not in active and old_village in active
    # The old parent still sees it, for reports on the old plans.
    assert tree.nam_cuong in {u.id for u in await store.units.subtree(tree.district)}

    [value] = await store.values.latest_in_subtree(tree.dong_lac, PLAN_ID, "2025-Q1")
    assert value.unit_id == old_village
    # Two ways up from a merged commune: its old district and the commune it joined.
    ancestors = [u.name for u in await store.units.ancestors(old_village)]
    assert ancestors == ["Nam Cường", "Chợ Đồn", "Đồng Lạc", "Bắc Kạn"]
    assert await store.plans.plans_of(old_village) == [PLAN_ID]
    assert [u.name for u in await store.units.children(tree.district)] == ["Đồng Lạc"]
    member = await store.people.add_person("Nông Văn C", Role.MEMBER, old_village)
    assert await store.people.in_subtree(tree.dong_lac) == [member]


async def test_merge_refuses_cycles_and_double_merges(store: Store, tree: Tree) -> None:
    with pytest.raises(StorageError):
        await store.units.merge(tree.dong_lac, tree.dong_lac)
    with pytest.raises(StorageError, match="cycle"):
        await store.units.merge(tree.dong_lac, tree.villages["Nà Pậu"])
    await store.units.merge(tree.nam_cuong, tree.dong_lac)
    with pytest.raises(StorageError, match="already merged"):
        await store.units.merge(tree.nam_cuong, tree.district)
    with pytest.raises(StorageError, match="merged away"):
        await store.units.merge(tree.villages["Nà Pậu"], tree.nam_cuong)


async def test_plans_are_versioned_by_text(store: Store) -> None:
    from storage.plans import bundled_text

    text = bundled_text(PLAN_ID)
    plan = load_bundled(PLAN_ID)
    v1 = await store.plans.load(plan, text, source="a.yaml")
    same = await store.plans.load(plan, text, source="b.yaml")
    v2 = await store.plans.load(plan, text + "\n# sửa lỗi chính tả\n", source="admin upload")
    assert (v1.version, same.version, v2.version) == (1, 1, 2)
    assert [v.source for v in await store.plans.versions(PLAN_ID)] == ["a.yaml", "admin upload"]
    assert await store.plans.text(PLAN_ID, 1) == text
    stored = await store.plans.get(PLAN_ID)
    assert stored is not None and stored.indicator("3.1") == plan.indicator("3.1")
    assert [p.id for p in await store.plans.all()] == [PLAN_ID]
    assert [(p.plan_id, p.version) for p in await store.plans.catalogue()] == [(PLAN_ID, 2)]
    assert await store.plans.get("no-such-plan") is None
    with pytest.raises(StorageError):
        await store.plans.assign(1, "no-such-plan")


async def test_a_plan_with_a_unit_is_the_plans_latest_version(store: Store, tree: Tree) -> None:
    """What a reporting step reads in one statement: the plan as its latest version has
    it, and the unit; either missing is None."""
    from storage.plans import bundled_text

    text = bundled_text(PLAN_ID)
    corrected = text.replace("title: Chỉ tiêu cơ bản", "title: Các chỉ tiêu cơ bản", 1)
    assert corrected != text
    await store.plans.load_text(corrected, source="admin upload")
    plan, unit = await store.plans.with_unit(PLAN_ID, tree.villages["Nà Pậu"])
    assert plan is not None and plan.title.startswith("Các chỉ tiêu cơ bản")
    assert unit == await store.units.get(tree.villages["Nà Pậu"])
    assert await store.plans.with_unit("no-such-plan", tree.district) == (
        None, await store.units.get(tree.district)
    )  # fmt: skip
    plan, unit = await store.plans.with_unit(PLAN_ID, 10**6)
    assert unit is None and plan is not None and plan.title.startswith("Các chỉ tiêu")
