"""Whatever a member types or presses, every turn gets an answer and nothing breaks."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.console import ConsoleChat
from bot.setup import all_people
from handlers.app import build_router
from storage import Store
from tests.bot.conftest import services_for

APOLOGY = "hệ thống gặp sự cố"

typed = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["/1", "/2", "/3", "/4", "/5", "/huy", "/baocao", "/start", "/xyz", "có",
                     "khong", "175/300", "65,5%", "0", "300", "-5", "bao cao", "lưu", "1.234"]),
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=st.lists(typed, min_size=1, max_size=25))
async def test_random_turns_always_get_an_answer(demo_db: str, script: list[str], clock) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        person = next(p for p in await all_people(store) if p.role == "member")
        await store.people.link_identity(person.id, "console", f"fuzz-{person.id}")
        chat = ConsoleChat(
            build_router(services_for(store)), f"fuzz-{person.id}", person.name, io.StringIO()
        )
        for line in ["/baocao", *script]:
            replies = await chat.say(line)
            assert replies, f"no answer to {line!r}"
            assert all(APOLOGY not in r.text for r in replies), f"crashed on {line!r}"
            assert all(r.text.strip() for r in replies)
        await store.conversations.clear("console", f"fuzz-{person.id}")
