"""Callback data is never trusted: forged, stale and foreign presses change nothing.

Through python-telegram-bot's real Application on 23/11/2026: Q4/2026 is open, Q3/2026 is
late (due before 25/09, still taken until Q4's deadline), Q1 and Q2 are closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.reporting.dialog import Draft, stamp_of
from indicators.values import RatioValue
from storage import Store
from tests.bot.fake_telegram import FakeBotApi, button_update
from tests.bot.telegram_session import Session
from tests.bot.test_reporting_trust import USER, member_session

PLAN = "dong-lac-2026"
CLOSED = "không gửi được ở đây"
STALE = "Nút này thuộc về một câu hỏi trước"


@pytest.fixture
async def member(store: Store) -> AsyncIterator[Session]:
    """The demo member of Thôn 1, in no conversation yet."""
    api = FakeBotApi()
    app, talk = await member_session(store, api)
    async with app:  # type: ignore[attr-defined]
        yield talk


async def thon_1(store: Store) -> int:
    return (await store.units.by_name("Thôn 1"))[0].id


async def values_of(store: Store, period: str) -> dict[str, object]:
    rows = await store.values.latest([await thon_1(store)], PLAN, period)
    return {row.indicator_code: row.value for row in rows}


async def state(store: Store) -> Draft:
    found = await store.conversations.get("telegram", str(USER))
    assert found is not None
    return Draft.from_data(found.data)


async def test_a_forged_reminder_button_cannot_reopen_a_closed_quarter(
    store: Store, member: Session
) -> None:
    before = await values_of(store, "2026-Q1")
    assert before  # the demo has Q1 figures: this would rewrite them

    replies = await member.send(button_update(USER, f"rm:{PLAN}:2026-Q1"))

    [reply] = replies  # the refusal, then the open period's intro, in one message
    refusal, _, intro = reply.partition("\n\n")
    assert CLOSED in refusal and "Quý I/2026" in refusal
    assert "Quý III/2026 và Quý IV/2026" in refusal
    assert intro.startswith("Báo cáo số liệu của Thôn 1, kỳ Quý IV/2026")
    assert (await state(store)).period == "2026-Q4"
    # Going through with it reports Q4, never Q1.
    await member.press("Bắt đầu")
    await member.say("170/300")
    await member.press("Bỏ qua")
    for _ in range(3):
        await member.press("Bỏ qua")
    saved = await member.press("Lưu")
    assert saved[0].startswith("Đã lưu 1 số liệu kỳ Quý IV/2026")
    assert await values_of(store, "2026-Q1") == before
    assert (await values_of(store, "2026-Q4"))["3.1"] == RatioValue(170, 300)


INACTIVE = "Nút này không còn hiệu lực"


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (f"rm:{PLAN}:2026-07", CLOSED),  # a month in a quarterly plan
        (f"rm:{PLAN}:2026-Q2", CLOSED),  # closed at Q3's deadline, 25/09
        (f"rm:{PLAN}:2027-Q1", CLOSED),  # not open yet
        (f"rm:{PLAN}:2026", CLOSED),  # a year
        ("rm:dong-lac-2025:2025-Q4", CLOSED),  # last year's plan
        ("rm:not-a-plan:2026-Q4", INACTIVE),  # no plan of this unit
        (f"rm:{PLAN}:2026-Q9", INACTIVE),  # no period at all
        (f"rm:{PLAN}:2026-Q4:extra", INACTIVE),
        ("rm:", INACTIVE),
    ],
)
async def test_a_reminder_button_for_a_period_the_plan_does_not_take_is_refused(
    store: Store, member: Session, data: str, answer: str
) -> None:
    q2 = await values_of(store, "2026-Q2")

    replies = await member.send(button_update(USER, data))

    assert answer in replies[0]
    talk = await store.conversations.get("telegram", str(USER))
    if talk is not None:  # the open period's intro follows the refusal
        assert "\n\nBáo cáo số liệu của Thôn 1, kỳ Quý IV/2026" in replies[0]
        assert (await state(store)).period == "2026-Q4"
    for period in ("2026-07", "2027-Q1", "2026", "2025-Q4"):
        assert await values_of(store, period) == {}
    assert await values_of(store, "2026-Q2") == q2


async def test_the_late_quarter_stays_reportable_and_offers_the_open_one(
    store: Store, member: Session
) -> None:
    replies = await member.send(button_update(USER, f"rm:{PLAN}:2026-Q3"))
    assert replies[0].startswith("Báo cáo số liệu của Thôn 1, kỳ Quý III/2026")
    # The intro of the late quarter offers the open one, not an even earlier quarter.
    await member.say("/huy")
    await member.say("/baocao")
    await member.press("Quý III/2026")  # Thôn 1 sent all of Q3: late, not owed
    assert "Quý IV/2026" in member.labels()
    assert not any("Quý II/2026" in label for label in member.labels())


async def test_a_crafted_period_button_in_the_intro_is_refused(
    store: Store, member: Session
) -> None:
    await member.say("/baocao")
    intro = await state(store)

    # Unstamped (or stamped for another prompt): an earlier question's button.
    replies = await member.send(button_update(USER, "r:p:2026-Q1"))
    assert replies[0].startswith(STALE)
    # Stamped right (the stamp is no secret): the period itself is checked.
    replies = await member.send(button_update(USER, f"r:p:2026-Q1@{stamp_of(intro)}"))
    assert CLOSED in replies[0]
    assert (await state(store)).period == "2026-Q4"
    replies = await member.send(button_update(USER, f"r:p:2026-08@{stamp_of(intro)}"))
    assert CLOSED in replies[0]
    assert (await state(store)).period == "2026-Q4"


async def test_an_old_same_as_before_button_cannot_answer_the_next_indicator(
    store: Store, member: Session
) -> None:
    await member.say("/baocao")
    await member.press("Bắt đầu")
    await member.say("180")
    same_as_before = member.button("Giữ như kỳ trước: 242")  # under 3.1's total
    await member.say("240")
    await member.press("Bỏ qua")  # no note for 3.1
    at_32 = await state(store)
    assert at_32.code == "3.2"

    replies = await member.send(button_update(USER, same_as_before))

    [reply] = replies  # the refusal and the current question again
    assert reply.startswith(STALE) and "\n\n(2/4) 3.2." in reply
    after = await state(store)
    assert "3.2" not in after.answers and after.code == "3.2" and after.step is at_32.step
    # Pressed where it was shown (back at 3.1's total), the same button works.
    await member.press("Quay lại")
    await member.say("180")
    replies = await member.send(button_update(USER, same_as_before))
    assert replies[0].startswith("Đã ghi 3.1: 74,38% (180/242 hộ gia đình)")


async def test_stale_navigation_buttons_do_not_act_on_a_later_question(
    store: Store, member: Session
) -> None:
    await member.say("/baocao")
    await member.press("Bắt đầu")
    skip_31 = member.button("Bỏ qua")
    await member.press("Bỏ qua")  # 3.1 skipped: now at 3.2
    replies = await member.send(button_update(USER, skip_31))
    assert replies[0].startswith(STALE)
    assert (await state(store)).code == "3.2"
    # Cancel from any message only ever stops.
    replies = await member.send(button_update(USER, "r:cancel"))
    assert replies[0].startswith("Đã hủy báo cáo")
    assert await store.conversations.get("telegram", str(USER)) is None
