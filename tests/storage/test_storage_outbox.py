"""Outbox: idempotent queueing, retries, broadcasts and recovery after a crash."""

from __future__ import annotations

import datetime as dt

from indicators.people import Role
from storage import NewMessage, OutboxState, Store
from tests.storage.storage_fixtures import NOW

SOON = NOW + dt.timedelta(minutes=5)


async def test_dedupe_key_queues_once(store: Store) -> None:
    payload = {"text": "Nhắc: hạn báo cáo quý III là 25/09/2025"}
    first = await store.outbox.enqueue("telegram", "5001", payload, dedupe_key="r:12:Q3")
    again = await store.outbox.enqueue("telegram", "5001", payload, dedupe_key="r:12:Q3")
    other = await store.outbox.enqueue("telegram", "5001", payload)
    assert first == again != other
    assert len(await store.outbox.due()) == 2


async def test_send_fail_retry_and_give_up(store: Store, clock) -> None:
    message_id = await store.outbox.enqueue("zalo", "z1", {"text": "Xin chào"})
    assert await store.outbox.claim(message_id) is True
    assert await store.outbox.claim(message_id) is False
    assert await store.outbox.due() == []
    assert await store.outbox.mark_failed(message_id, "timeout", retry_at=SOON)
    assert await store.outbox.due() == []
    clock.set(SOON)
    [retry] = await store.outbox.claim_due()
    assert (retry.id, retry.attempts, retry.state, retry.last_error) == (
        message_id,
        2,
        OutboxState.SENDING,
        "timeout",
    )
    assert await store.outbox.mark_dead(message_id, "user blocked the bot")
    message = await store.outbox.get(message_id)
    assert message is not None and message.state is OutboxState.DEAD
    clock.advance(dt.timedelta(days=1))
    assert await store.outbox.due() == []


async def test_broadcast_progress(store: Store) -> None:
    recipients = [
        NewMessage("telegram", str(n), {"text": "Thông báo"}, f"b1:{n}") for n in range(5)
    ]
    assert await store.outbox.enqueue_many(recipients, batch_id="b1") == 5
    assert await store.outbox.enqueue_many(recipients, batch_id="b1") == 0
    claimed = await store.outbox.claim_due(limit=3)
    assert len(claimed) == 3
    await store.outbox.mark_sent(claimed[0].id)
    await store.outbox.mark_failed(claimed[1].id, "429", retry_at=SOON)
    progress = await store.outbox.batch_progress("b1")
    assert progress == {
        OutboxState.PENDING: 2,
        OutboxState.SENDING: 1,
        OutboxState.SENT: 1,
        OutboxState.FAILED: 1,
        OutboxState.DEAD: 0,
    }


async def test_sending_rows_go_back_to_pending_after_a_crash(database: str, clock) -> None:
    async with await Store.open(database, clock=clock) as store:
        message_id = await store.outbox.enqueue("telegram", "7", {"text": "Báo cáo"})
        [claimed] = await store.outbox.claim_due()
        assert claimed.id == message_id
        # The process dies here: never marked sent, never marked failed.
    async with await Store.open(database, clock=clock) as store:
        assert await store.outbox.due() == []
        assert await store.outbox.reset_stale_sending() == 1
        [again] = await store.outbox.claim_due()
        assert (again.id, again.attempts) == (message_id, 2)
        assert await store.outbox.reset_stale_sending(claimed_before=NOW) == 0
        assert await store.outbox.reset_stale_sending(claimed_before=SOON) == 1


async def test_the_terminal_claims_a_persons_own_messages(store: Store) -> None:
    unit = await store.units.add("Nà Pài", "thôn")
    person = await store.people.add_person("Tổ Nà Pài", Role.MEMBER, unit.id)
    other = await store.people.add_person("Tổ khác", Role.MEMBER, unit.id)
    await store.people.link_identity(person.id, "console", "new-1", chat_id="new-1")
    await store.people.link_identity(person.id, "console", "person-1", chat_id=None)
    await store.people.link_identity(other.id, "console", "new-2", chat_id="new-2")
    mine = await store.outbox.enqueue("console", "new-1", {"text": "Trả lại 1.1"})
    await store.outbox.enqueue("console", "new-2", {"text": "Không phải của anh/chị"})
    await store.outbox.enqueue("telegram", "new-1", {"text": "Kênh khác"})
    [claimed] = await store.outbox.claim_for_person("console", person.id)
    assert claimed.id == mine and claimed.state is OutboxState.SENDING
    assert await store.outbox.claim_for_person("console", person.id) == []
