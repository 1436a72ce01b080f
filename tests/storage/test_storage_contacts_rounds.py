"""Contacts, group chats, reminder rounds and broadcasts in storage."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.people import Role
from storage import ConflictError, NewMessage, OutboxState, Store
from tests.storage.storage_fixtures import NOW, PLAN_ID, Tree

LATER = NOW + dt.timedelta(hours=1)


async def test_each_person_is_reached_through_their_latest_working_identity(
    store: Store, tree: Tree, clock
) -> None:
    village = tree.villages["Nà Pậu"]
    lan = await store.people.add_person("Lan", Role.MEMBER, village)
    await store.people.link_identity(lan.id, "zalo", "z1", chat_id="z1")
    clock.set(LATER)
    await store.people.link_identity(lan.id, "telegram", "11", chat_id="11")
    await store.people.link_identity(lan.id, "console", "person-1")  # no chat
    clock.set(NOW)
    hoa = await store.people.add_person("Hoa", Role.OFFICIAL, tree.dong_lac)
    await store.people.link_identity(hoa.id, "telegram", "22", chat_id="22")
    never = await store.people.add_person("Chưa tham gia", Role.MEMBER, village)

    [contact] = await store.contacts.of_units([village])
    assert (contact.person_id, contact.channel, contact.chat_id) == (lan.id, "telegram", "11")
    clock.set(LATER)
    await store.people.set_unreachable("telegram", "11")
    [contact] = await store.contacts.of_units([village])
    assert (contact.channel, contact.chat_id) == ("zalo", "z1")
    await store.people.set_unreachable("zalo", "z1")
    assert await store.contacts.of_units([village]) == []

    unreachable = await store.contacts.unreachable_in_units([village])
    assert [(p.person_id, p.since) for p in unreachable] == [(lan.id, LATER), (never.id, None)]
    everyone = await store.contacts.in_subtree(tree.province)
    assert [c.person_id for c in everyone] == [hoa.id]
    assert await store.contacts.in_subtree(tree.province, roles={Role.MEMBER}) == []
    assert await store.contacts.everyone(roles=()) == []


async def test_a_group_chat_belongs_to_one_unit(store: Store, tree: Tree, clock) -> None:
    assert await store.contacts.link_chat(tree.dong_lac, "telegram", "-100")
    assert not await store.contacts.link_chat(tree.dong_lac, "telegram", "-100")
    clock.set(LATER)
    assert await store.contacts.link_chat(tree.nam_cuong, "telegram", "-100")
    assert await store.contacts.chats_of([tree.dong_lac]) == []
    [chat] = await store.contacts.chats_of([tree.nam_cuong, tree.dong_lac])
    assert (chat.unit_id, chat.chat_id, chat.linked_at) == (tree.nam_cuong, "-100", LATER)
    assert await store.contacts.unlink_chat("telegram", "-100") == tree.nam_cuong
    assert await store.contacts.unlink_chat("telegram", "-100") is None


async def test_a_round_is_queued_once_with_its_messages_or_not_at_all(
    store: Store, tree: Tree, clock
) -> None:
    village = tree.villages["Bản Cuôn"]
    messages = [NewMessage("telegram", "11", {"text": "Nhắc hạn"}, "r:1:11")]
    assert await store.reminders.queue(PLAN_ID, "2025-Q3", village, "before-7", messages)
    clock.set(LATER)
    assert not await store.reminders.queue(PLAN_ID, "2025-Q3", village, "before-7", messages)
    assert await store.reminders.sent(PLAN_ID, "2025-Q3") == {village: {"before-7"}}
    assert len(await store.outbox.due()) == 1

    # A message that cannot be queued takes the round's record down with it.
    broken = [NewMessage("telegram", "12", {"bad": {1, 2}}, "r:2:12")]
    with pytest.raises(TypeError):
        await store.reminders.queue(PLAN_ID, "2025-Q3", village, "before-3", broken)
    assert await store.reminders.sent(PLAN_ID, "2025-Q3") == {village: {"before-7"}}
    [record] = await store.reminders.history(PLAN_ID, "2025-Q3")
    assert (record.kind, record.recipients, record.queued_at) == ("before-7", 1, NOW)


async def test_a_broadcast_finishes_once_when_nothing_of_it_waits(
    store: Store, tree: Tree, clock
) -> None:
    sender = await store.people.add_person("Hoa", Role.OFFICIAL, tree.dong_lac)
    messages = [NewMessage("telegram", str(n), {"text": "Họp", "person_id": n}, f"b:{n}") for n in (1, 2)]  # fmt: skip
    added = await store.broadcasts.create(
        "b", person_id=sender.id, unit_id=tree.dong_lac, audience="members", text="Họp",
        reply_channel="telegram", reply_to="99", messages=messages,
    )  # fmt: skip
    assert added == 2
    with pytest.raises(ConflictError):  # the batch id is taken
        await store.broadcasts.create(
            "b", person_id=sender.id, unit_id=None, audience="members", text="x",
            reply_channel="telegram", reply_to="99", messages=[],
        )  # fmt: skip
    first, second = await store.outbox.claim_due()
    await store.outbox.mark_sent(first.id)
    assert await store.broadcasts.ready_to_finish() == []
    await store.outbox.mark_dead(second.id, "blocked")
    [ready] = await store.broadcasts.ready_to_finish()
    report = NewMessage("telegram", "99", {"text": "Đã gửi xong"}, "b:done")
    clock.set(LATER)
    assert await store.broadcasts.finish("b", report)
    assert not await store.broadcasts.finish("b", report)
    assert await store.broadcasts.ready_to_finish() == []
    broadcast = await store.broadcasts.get("b")
    assert broadcast is not None and broadcast.finished_at == LATER and ready.recipients == 2
    assert [
        (u.recipient, u.person_id, u.error) for u in await store.broadcasts.undelivered("b")
    ] == [("2", 2, "blocked")]
    assert (await store.broadcasts.progress("b"))[OutboxState.SENT] == 1
    assert [m.recipient for m in await store.outbox.due()] == ["99"]
