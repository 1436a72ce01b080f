"""Locks, decisions on figures, proposals after a lock, and removing a person."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.people import Role
from indicators.values import CountValue, PercentValue, RatioValue
from storage import NewValue, StorageError, Store
from tests.storage.storage_fixtures import PLAN_ID, Tree

Q3 = "2025-Q3"


async def test_a_lock_covers_the_subtree_and_only_that_period(store: Store, tree: Tree) -> None:
    official = await store.people.add_person("Lan", Role.OFFICIAL, tree.dong_lac)
    assert await store.reviews.lock(PLAN_ID, Q3, tree.dong_lac, by=official.id)
    assert not await store.reviews.lock(PLAN_ID, Q3, tree.dong_lac, by=official.id)
    lock = await store.reviews.lock_of(PLAN_ID, Q3, tree.villages["Nà Pậu"])
    assert lock is not None and lock.unit_id == tree.dong_lac and lock.locked_by == official.id
    assert await store.reviews.lock_of(PLAN_ID, "2025-Q2", tree.villages["Nà Pậu"]) is None
    assert await store.reviews.lock_of(PLAN_ID, Q3, tree.villages["Khuổi Nạc"]) is None
    assert await store.reviews.lock_of("other-plan", Q3, tree.dong_lac) is None
    [entry] = await store.audit.entries(action="period.locked")
    assert entry.details == {"plan_id": PLAN_ID, "period": Q3, "unit_id": tree.dong_lac}


async def test_locked_cells_become_proposals_once_per_update(store: Store, tree: Tree) -> None:
    member = await store.people.add_person("Tổ Nà Pậu", Role.MEMBER, tree.villages["Nà Pậu"])
    official = await store.people.add_person("Lan", Role.OFFICIAL, tree.dong_lac)
    na_pau, khuoi_nac = tree.villages["Nà Pậu"], tree.villages["Khuổi Nạc"]
    first = await store.values.record(na_pau, PLAN_ID, "3.3", Q3, PercentValue(Decimal(60)))
    await store.reviews.lock(PLAN_ID, Q3, tree.dong_lac, by=official.id)
    items = [
        NewValue(na_pau, PLAN_ID, "3.3", Q3, PercentValue(Decimal(65)), "đối chiếu lại"),
        NewValue(khuoi_nac, PLAN_ID, "3.3", Q3, PercentValue(Decimal(50))),  # not locked
    ]
    for _ in range(2):  # the same update delivered twice
        recorded = await store.reviews.record_or_propose(
            items, person_id=member.id, channel="telegram", update_key="telegram:77"
        )
        assert [v.unit_id for v in recorded.stored] == [khuoi_nac]
        [proposal] = recorded.proposals
        assert (proposal.unit_id, proposal.value, proposal.note) == (
            na_pau, PercentValue(Decimal(65)), "đối chiếu lại")  # fmt: skip
        assert proposal.approved is None
    [current] = await store.values.latest([na_pau], PLAN_ID, Q3)
    assert current.id == first.id  # the reviewed figure stays
    assert await store.reviews.waiting([na_pau], PLAN_ID, Q3) == [proposal]

    approved = await store.reviews.decide(proposal.id, approve=True, by=official.id)
    assert approved.approved and approved.decided_by == official.id
    [current] = await store.values.latest([na_pau], PLAN_ID, Q3)
    assert current.id == approved.value_id and current.value == PercentValue(Decimal(65))
    assert (current.person_id, current.channel) == (member.id, "telegram")  # the proposer's
    # Deciding again changes nothing, whatever is asked.
    again = await store.reviews.decide(proposal.id, approve=False, by=official.id)
    assert again == approved
    assert await store.reviews.waiting([na_pau], PLAN_ID, Q3) == []
    with pytest.raises(StorageError):
        await store.reviews.decide(9999, approve=True, by=official.id)


async def test_a_locked_figure_typed_again_as_it_stands_proposes_nothing(
    store: Store, tree: Tree
) -> None:
    na_pau = tree.villages["Nà Pậu"]
    await store.values.record(na_pau, PLAN_ID, "3.3", Q3, PercentValue(Decimal(60)), note="ghi chú")
    await store.reviews.lock(PLAN_ID, Q3, na_pau, by=None)
    same = NewValue(na_pau, PLAN_ID, "3.3", Q3, PercentValue(Decimal("60.0")), " ghi chú ")
    recorded = await store.reviews.record_or_propose([same], person_id=None, channel="telegram")
    assert (recorded.stored, recorded.proposals, len(recorded.unchanged)) == ([], [], 1)
    # Another note is a change, and waits for approval like any other.
    noted = NewValue(na_pau, PLAN_ID, "3.3", Q3, PercentValue(Decimal(60)), "đã kiểm tra")
    recorded = await store.reviews.record_or_propose([noted], person_id=None, channel="telegram")
    assert len(recorded.proposals) == 1 and recorded.unchanged == []


async def test_refusing_keeps_the_value_and_the_proposal(store: Store, tree: Tree) -> None:
    na_pau = tree.villages["Nà Pậu"]
    await store.values.record(na_pau, PLAN_ID, "3.1", Q3, RatioValue(100, 200))
    await store.reviews.lock(PLAN_ID, Q3, na_pau, by=None)
    recorded = await store.reviews.record_or_propose(
        [NewValue(na_pau, PLAN_ID, "3.1", Q3, RatioValue(190, 200))], person_id=None, channel="zalo"
    )
    refused = await store.reviews.decide(recorded.proposals[0].id, approve=False, by=None)
    assert refused.approved is False and refused.value_id is None
    assert len(await store.values.history(na_pau, PLAN_ID, "3.1", Q3)) == 1
    assert await store.reviews.proposals_of_cell(na_pau, PLAN_ID, "3.1", Q3) == [refused]


async def test_decisions_the_latest_wins_and_accept_skips_decided(store: Store, tree: Tree) -> None:
    na_pau, ban_cuon = tree.villages["Nà Pậu"], tree.villages["Bản Cuôn"]
    a = await store.values.record(na_pau, PLAN_ID, "3.3", Q3, PercentValue(Decimal(130)))
    b = await store.values.record(ban_cuon, PLAN_ID, "3.3", Q3, PercentValue(Decimal(70)))
    returned = await store.reviews.send_back(a.id, "trên 100%", by=None)
    assert (returned.unit_id, returned.indicator_code, returned.comment) == (
        na_pau,
        "3.3",
        "trên 100%",
    )
    assert await store.reviews.accept([a.id, b.id], by=None) == 1  # a was already decided on
    assert await store.reviews.accept([a.id, b.id], by=None) == 0
    decided = await store.reviews.decisions([a.id, b.id])
    assert decided[a.id].decision == "returned" and decided[b.id].decision == "accepted"
    assert [r.id for r in await store.reviews.of_cell(na_pau, PLAN_ID, "3.3", Q3)] == [returned.id]
    with pytest.raises(StorageError):
        await store.reviews.send_back(9999, "?", by=None)


async def test_removing_a_person_keeps_their_values_and_name(store: Store, tree: Tree) -> None:
    na_pau = tree.villages["Nà Pậu"]
    member = await store.people.add_person("Hoàng Văn Pậu", Role.MEMBER, na_pau)
    other = await store.people.add_person("Lý Thị Cuôn", Role.MEMBER, na_pau)
    await store.people.link_identity(member.id, "telegram", "55", chat_id="55")
    await store.conversations.put("telegram", "55", "report", "value", {"x": 1})
    value = await store.values.record(
        na_pau, PLAN_ID, "3.3", Q3, PercentValue(Decimal(60)), person_id=member.id
    )
    assert [m.person.name for m in await store.members.in_subtree(tree.dong_lac)] == [
        "Hoàng Văn Pậu", "Lý Thị Cuôn"]  # fmt: skip
    assert await store.members.remove(member.id, by=other.id)
    assert not await store.members.remove(member.id, by=other.id)
    assert await store.people.by_identity("telegram", "55") is None
    assert await store.conversations.get("telegram", "55") is None
    assert [m.person.name for m in await store.members.in_subtree(tree.dong_lac)] == ["Lý Thị Cuôn"]
    assert await store.members.removed_at(member.id) is not None
    kept = await store.values.get(value.id)
    assert kept is not None and kept.person_id == member.id
    person = await store.people.get(member.id)
    assert person is not None and person.name == "Hoàng Văn Pậu"


async def test_recording_where_open_holds_back_what_a_lock_above_covers(
    store: Store, tree: Tree
) -> None:
    official = await store.people.add_person("Lan", Role.OFFICIAL, tree.district)
    await store.reviews.lock(PLAN_ID, Q3, tree.district, by=official.id)  # two levels up
    na_pau, other_commune = tree.villages["Nà Pậu"], tree.villages["Khuổi Nạc"]
    outside = await store.units.add("Xã khác", "xã", tree.province)
    items = [
        NewValue(na_pau, PLAN_ID, "3.1", Q3, CountValue(1)),
        NewValue(outside.id, PLAN_ID, "1.1", Q3, CountValue(2)),
        NewValue(na_pau, PLAN_ID, "3.1", "2025-Q2", CountValue(3)),  # another period
        NewValue(other_commune, PLAN_ID, "3.2", Q3, CountValue(4)),
        NewValue(outside.id, PLAN_ID, "1.1", Q3, CountValue(5)),  # the same cell again
    ]
    stored, held = await store.values.record_open(items)
    assert [(v.unit_id, v.period, v.version, v.value) for v in stored] == [
        (outside.id, Q3, 1, CountValue(2)),
        (na_pau, "2025-Q2", 1, CountValue(3)),
        (outside.id, Q3, 2, CountValue(5)),
    ]
    assert held == [items[0], items[3]]
    assert await store.values.latest([na_pau, other_commune], PLAN_ID, Q3) == []
