"""Chats of the inbox claimed by one worker at a time (on SQLite and PostgreSQL, two
connections standing for two processes): the one waiting longest first, never the same
chat to two workers, renewed while worked, taken over once a dead worker's lease ran out,
given back when done."""

from __future__ import annotations

import asyncio
import datetime as dt

from storage import Arrival, Store
from tests.clock import TestClock

BOT = "1@api.telegram.org"
LEASE = dt.timedelta(seconds=15)


def _arrivals(*chats: str, first: int = 1) -> list[Arrival]:
    return [Arrival(str(first + n), chat, {"update_id": first + n}) for n, chat in enumerate(chats)]


async def test_a_chat_is_one_workers_until_its_lease_runs_out(
    database: str, clock: TestClock
) -> None:
    async with (
        await Store.open(database, clock=clock) as one,
        await Store.open(database, clock=clock) as two,
    ):
        await one.inbox.record("telegram", BOT, _arrivals("A", "B", "A", "C"))
        assert await one.inbox.claim("telegram", BOT, "w1", 2, LEASE) == ["A", "B"]
        assert await two.inbox.claim("telegram", BOT, "w2", 5, LEASE) == ["C"]
        assert await two.inbox.claim("telegram", BOT, "w2", 5, LEASE) == []
        mine = await one.inbox.unhandled("telegram", BOT, chat_key="A", held_by="w1")
        assert [row.update_id for row in mine] == ["1", "3"]
        assert await two.inbox.unhandled("telegram", BOT, chat_key="A", held_by="w2") == []

        clock.advance(dt.timedelta(seconds=10))
        assert await one.inbox.renew("telegram", BOT, "w1", LEASE) == 2
        assert await two.inbox.renew("telegram", BOT, "w2", LEASE) == 1
        clock.advance(dt.timedelta(seconds=10))
        assert await two.inbox.claim("telegram", BOT, "w2", 5, LEASE) == []  # renewed

        clock.advance(dt.timedelta(seconds=10))
        assert await two.inbox.renew("telegram", BOT, "w2", LEASE) == 1
        clock.advance(dt.timedelta(seconds=10))  # w1 died: nothing renewed its chats
        assert await two.inbox.claim("telegram", BOT, "w2", 5, LEASE) == ["A", "B"]
        assert not await one.inbox.release("telegram", BOT, "w1", "A")  # not w1's any more
        for update_id in ("1", "2", "3", "4"):
            assert await two.inbox.handled("telegram", BOT, update_id)
        for chat in ("A", "B", "C"):
            assert await two.inbox.release("telegram", BOT, "w2", chat)
        assert await one.inbox.claim("telegram", BOT, "w1", 5, LEASE) == []

        # A chat given back with a new update is anyone's again, at once.
        await one.inbox.record("telegram", BOT, _arrivals("B", first=5))
        assert await one.inbox.claim("telegram", BOT, "w1", 5, LEASE) == ["B"]


async def test_workers_claiming_at_the_same_moment_never_share_a_chat(
    database: str, clock: TestClock
) -> None:
    chats = [f"chat-{n}" for n in range(40)]
    async with (
        await Store.open(database, clock=clock) as one,
        await Store.open(database, clock=clock) as two,
        await Store.open(database, clock=clock) as three,
    ):
        await one.inbox.record("telegram", BOT, _arrivals(*chats))
        taken: list[list[str]] = [[], [], []]
        for _ in range(4):
            claims = await asyncio.gather(
                *(
                    store.inbox.claim("telegram", BOT, f"w{n}", 5, LEASE)
                    for n, store in enumerate((one, two, three))
                )
            )
            for n, claimed in enumerate(claims):
                taken[n].extend(claimed)
        everything = [chat for claimed in taken for chat in claimed]
        assert len(everything) == len(set(everything)) == len(chats)
        holders = await one.db.fetch_all(
            "SELECT claimed_by, COUNT(*) AS chats FROM inbox_chats GROUP BY claimed_by"
        )
        assert sorted(int(row["chats"]) for row in holders) == sorted(map(len, taken))
