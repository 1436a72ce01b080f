"""A reporting turn's cost in the database: each step of the conversation runs at most
a handful of statements in its transaction, and a turn that changes nothing (an answer
refused, the same state again) writes nothing but the mark that its update was handled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.setup import all_people
from handlers.app import build_router
from handlers.messages import Reply, Turn, TurnKind
from storage import Store
from storage.backends import Params, Tx
from tests.bot.conftest import services_for
from tests.clock import TestClock

# What one step needs in its transaction: its update marked, the person with their
# conversation, the plan, the unit, the indicator's values, and the conversation's new
# state (with BEGIN and COMMIT: 8).
STEP_STATEMENTS = 6


@contextmanager
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The statements of the transactions (savepoints included), as they reach SQLite."""
    seen: list[str] = []
    real = Tx._conn

    def counting(self: Tx) -> object:
        connection = real(self)

        class Counted:
            async def execute(self, sql: str, params: Params) -> int:
                seen.append(sql)
                return await connection.execute(sql, params)

            async def fetch_all(self, sql: str, params: Params) -> object:
                seen.append(sql)
                return await connection.fetch_all(sql, params)

        return Counted()

    monkeypatch.setattr(Tx, "_conn", counting)
    yield seen


def _button(replies: list[Reply], label: str) -> str:
    for row in replies[-1].buttons:
        for button in row:
            if label in button.label:
                return button.data
    raise AssertionError(f"no {label!r} button in {replies[-1].text!r}")


async def test_each_reporting_step_runs_a_handful_of_statements(
    demo_db: str, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        person = [p for p in await all_people(store) if p.role == "member"][0]
        await store.people.link_identity(person.id, "telegram", "4242", chat_id="4242")
        router = build_router(services_for(store))
        updates = iter(range(1, 100))

        async def say(kind: TurnKind, text: str, command: str = "") -> list[Reply]:
            turn = Turn("telegram", "4242", "4242", kind, text=text, command=command,
                        update_id=str(next(updates)), bot="b")  # fmt: skip
            return await router.handle(turn)

        replies = await say(TurnKind.COMMAND, "", "baocao")
        with counted(monkeypatch) as seen:
            steps: list[tuple[str, int]] = []

            async def step(kind: TurnKind, text: str) -> list[Reply]:
                seen.clear()
                answer = await say(kind, text)
                steps.append((text, len(seen)))
                return answer

            replies = await step(TurnKind.BUTTON, _button(replies, "Bắt đầu"))
            replies = await step(TurnKind.TEXT, "200/300")
            assert replies[-1].text.startswith("Đã ghi")
            replies = await step(TurnKind.BUTTON, _button(replies, "Bỏ qua"))
            replies = await step(TurnKind.TEXT, "xin chào")
            assert "không thấy con số" in replies[-1].text
            replies = await step(TurnKind.BUTTON, _button(replies, "Bỏ qua"))
        assert all(n <= STEP_STATEMENTS for _, n in steps), steps
        assert not any("SAVEPOINT" in sql for sql in seen)


async def test_a_question_writes_nothing_but_its_update_mark(
    demo_db: str, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        person = [p for p in await all_people(store) if p.role == "member"][0]
        await store.people.link_identity(person.id, "telegram", "4243", chat_id="4243")
        router = build_router(services_for(store))
        turns = iter(range(1, 100))

        async def ask(text: str) -> list[Reply]:
            turn = Turn("telegram", "4243", "4243", TurnKind.TEXT, text=text,
                        update_id=str(next(turns)), bot="b")  # fmt: skip
            return await router.handle(turn)

        await ask("chỉ tiêu nào chưa đạt?")  # the first turn marks the identity seen
        first = await store.people.identity("telegram", "4243")
        assert first is not None and first.last_seen_at is not None
        clock.advance(dt.timedelta(minutes=2))
        with counted(monkeypatch) as seen:
            replies = await ask("chỉ tiêu nào chưa đạt?")
        assert "chưa đạt" in replies[-1].text
        writes = [sql for sql in seen if not sql.lstrip().upper().startswith(("SELECT", "WITH"))]
        assert [sql.split("(")[0].strip() for sql in writes] == ["INSERT INTO processed_updates"]
        identity = await store.people.identity("telegram", "4243")
        assert identity is not None and identity.last_seen_at == first.last_seen_at


async def test_the_same_conversation_state_again_is_not_written(
    store: Store, clock: TestClock
) -> None:
    await store.conversations.put("telegram", "4244", "report", "value", {"i": 0})
    first = await store.conversations.get("telegram", "4244")
    clock.advance(dt.timedelta(minutes=2))
    await store.conversations.put("telegram", "4244", "report", "value", {"i": 0})
    assert await store.conversations.get("telegram", "4244") == first
    await store.conversations.put("telegram", "4244", "report", "value", {"i": 1})
    moved = await store.conversations.get("telegram", "4244")
    assert moved is not None and first is not None and moved.updated_at > first.updated_at


async def test_a_turn_whose_update_was_handled_meanwhile_is_undone(
    demo_db: str, clock: TestClock
) -> None:
    """A turn from the inbox is deduplicated by the inbox's own mark, in the turn's
    transaction: when another process marked the update first, the turn leaves nothing."""
    async with await Store.open(demo_db, clock=clock) as store:
        person = [p for p in await all_people(store) if p.role == "member"][0]
        await store.people.link_identity(person.id, "telegram", "4245", chat_id="4245")
        router = build_router(services_for(store))

        async def say(kind: TurnKind, text: str, *, taken: bool = False) -> list[Reply]:
            async def record(replies: list[Reply]) -> bool:
                return not taken

            turn = Turn("telegram", "4245", "4245", kind, text=text,
                        command="baocao" if kind is TurnKind.COMMAND else "")  # fmt: skip
            return await router.handle(turn, record=record)

        replies = await say(TurnKind.COMMAND, "")
        replies = await say(TurnKind.BUTTON, _button(replies, "Bắt đầu"))
        before = await store.conversations.get("telegram", "4245")
        assert await say(TurnKind.TEXT, "200/300", taken=True) == []
        assert await store.conversations.get("telegram", "4245") == before
        replies = await say(TurnKind.TEXT, "200/300")
        assert replies[-1].text.startswith("Đã ghi")
