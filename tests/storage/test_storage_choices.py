"""Numbered choices shown in a chat without buttons outlive the process that showed them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.numbered_choices import StoredChoices, resolve_choice
from handlers.messages import Turn, TurnKind
from storage import Store
from tests.clock import TestClock


async def test_a_choice_shown_before_a_restart_is_pressed_after_it(
    tmp_path: Path, clock: TestClock
) -> None:
    path = tmp_path / "choices.sqlite3"
    async with await Store.open(path, clock=clock) as store:
        await StoredChoices(store.choices, "zalo_bot").remember("chat-1", ["r:skip", "r:keep"])
    async with await Store.open(path, clock=clock) as store:
        memory = StoredChoices(store.choices, "zalo_bot")
        typed = Turn(channel="zalo_bot", external_id="u1", chat_id="chat-1", text="",
                     kind=TurnKind.COMMAND, command="2")  # fmt: skip
        pressed = await resolve_choice(typed, memory)
        assert (pressed.kind, pressed.text) == (TurnKind.BUTTON, "r:keep")
        # Another channel's chat with the same id has seen nothing.
        assert await StoredChoices(store.choices, "zalo_oa").recall("chat-1") == ()


async def test_new_choices_replace_the_old_ones_and_none_forgets_them(
    tmp_path: Path, clock: TestClock
) -> None:
    async with await Store.open(tmp_path / "c.sqlite3", clock=clock) as store:
        memory = StoredChoices(store.choices, "zalo_bot")
        await memory.remember("chat-1", ["a", "b", "c"])
        await memory.remember("chat-1", ["Thôn 2 — không dấu? có dấu"])
        assert await memory.recall("chat-1") == ("Thôn 2 — không dấu? có dấu",)
        await memory.remember("chat-1", [])
        assert await memory.recall("chat-1") == ()


async def test_old_choices_are_pruned(tmp_path: Path, clock: TestClock) -> None:
    async with await Store.open(tmp_path / "c.sqlite3", clock=clock) as store:
        await store.choices.remember("zalo_bot", "old", ["a"])
        clock.advance(dt.timedelta(days=31))
        await store.choices.remember("zalo_bot", "new", ["b"])
        assert await store.choices.prune(clock.now() - dt.timedelta(days=30)) == 1
        assert await store.choices.recall("zalo_bot", "old") == ()
        assert await store.choices.recall("zalo_bot", "new") == ("b",)
