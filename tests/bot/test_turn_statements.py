"""A reporting turn's cost in the database: each step of the conversation runs at most
a handful of statements in its transaction, and a turn that changes nothing (an answer
refused, the same state again) writes nothing but the mark that its update was handled."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.setup import all_people
from handlers.app import build_router
from handlers.messages import Reply, Turn, TurnKind
from handlers.router import Record, Router
from storage import Store
from tests.bot.conftest import services_for
from tests.clock import TestClock
from tests.statements import statements

# What one step needs in its transaction: its update marked, the person with their
# conversation, the plan with the unit, the indicator's values, and the conversation's
# new state (with BEGIN and COMMIT: 7).
STEP_STATEMENTS = 5

# Saving the demo village's report (BEGIN and COMMIT not counted): the update's mark, the
# person, the plan with the unit, the values written where no lock covers their period
# (one statement), their roll-ups marked (bot/rollup_keeper.py settles them soon after),
# the audit, the conversation ended, and the period's values for what is still missing.
# No savepoint: the save's failure is the turn's.
SAVE_STATEMENTS = 8


class Member:
    """The demo's first member, on Telegram as `chat`, talking to the real router."""

    def __init__(self, router: Router, chat: str) -> None:
        self.router = router
        self.chat = chat
        self._updates = iter(range(1, 1000))

    @classmethod
    async def linked(cls, store: Store, chat: str) -> Member:
        person = [p for p in await all_people(store) if p.role == "member"][0]
        await store.people.link_identity(person.id, "telegram", chat, chat_id=chat)
        return cls(build_router(services_for(store)), chat)

    async def say(
        self, kind: TurnKind, text: str = "", command: str = "", record: Record | None = None
    ) -> list[Reply]:
        # From an inbox (`record`) a turn carries no update id of its own to mark.
        update_id = None if record is not None else str(next(self._updates))
        turn = Turn("telegram", self.chat, self.chat, kind, text=text, command=command,
                    update_id=update_id, bot="b")  # fmt: skip
        return await self.router.handle(turn, record=record)


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
        member = await Member.linked(store, "4242")
        replies = await member.say(TurnKind.COMMAND, command="baocao")
        with statements(monkeypatch) as seen:
            steps: list[tuple[str, int]] = []

            async def step(kind: TurnKind, text: str) -> list[Reply]:
                seen.clear()
                answer = await member.say(kind, text)
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
        member = await Member.linked(store, "4243")
        await member.say(
            TurnKind.TEXT, "chỉ tiêu nào chưa đạt?"
        )  # the first turn marks the identity seen
        first = await store.people.identity("telegram", "4243")
        assert first is not None and first.last_seen_at is not None
        clock.advance(dt.timedelta(minutes=2))
        with statements(monkeypatch) as seen:
            replies = await member.say(TurnKind.TEXT, "chỉ tiêu nào chưa đạt?")
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
        member = await Member.linked(store, "4245")

        async def say(kind: TurnKind, text: str = "", *, taken: bool = False) -> list[Reply]:
            async def record(replies: list[Reply]) -> bool:
                return not taken

            command = "baocao" if kind is TurnKind.COMMAND else ""
            return await member.say(kind, text, command, record=record)

        replies = await say(TurnKind.COMMAND, "")
        replies = await say(TurnKind.BUTTON, _button(replies, "Bắt đầu"))
        before = await store.conversations.get("telegram", "4245")
        assert await say(TurnKind.TEXT, "200/300", taken=True) == []
        assert await store.conversations.get("telegram", "4245") == before
        replies = await say(TurnKind.TEXT, "200/300")
        assert replies[-1].text.startswith("Đã ghi")


async def test_saving_a_report_leaves_the_units_above_to_be_settled_later(
    demo_db: str, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        member = await Member.linked(store, "4246")
        replies = await member.say(TurnKind.COMMAND, command="baocao")
        replies = await member.say(TurnKind.BUTTON, _button(replies, "Bắt đầu"))
        replies = await member.say(TurnKind.TEXT, "200/300")
        while not any(b.label == "Lưu" for row in replies[-1].buttons for b in row):
            replies = await member.say(TurnKind.BUTTON, _button(replies, "Bỏ qua"))
        with statements(monkeypatch) as seen:
            replies = await member.say(TurnKind.BUTTON, _button(replies, "Lưu"))
        assert replies[-1].text.startswith("Đã lưu"), replies[-1].text
        assert len(seen) <= SAVE_STATEMENTS, "\n".join(" ".join(s.split())[:90] for s in seen)
        assert not any("rollup_parts" in sql or "SAVEPOINT" in sql for sql in seen)
        assert await store.rollups.pending()
