"""Each step of the reporting conversation with the inputs real members type."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from bot.setup import all_people
from indicators.people import Role
from indicators.values import PercentValue, RatioValue
from storage import Store
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.telegram_session import Session, application

USER = 515151


@pytest.fixture
async def session(store: Store) -> AsyncIterator[Session]:
    """The demo member of Thôn 1, at the first question (3.1, asked as two counts)."""
    member = next(p for p in await all_people(store) if p.role == "member" and "Thôn 1" in p.name)
    await store.people.link_identity(member.id, "telegram", str(USER), chat_id=str(USER))
    api = FakeBotApi()
    app = application(store, api)
    async with app:
        talk = Session(app, api, USER)
        await talk.say("/baocao")
        await talk.press("Bắt đầu")
        yield talk


async def latest(store: Store, code: str) -> object:
    unit = (await store.units.by_name("Thôn 1"))[0]
    values = await store.values.latest([unit.id], "dong-lac-2026", "2026-Q4")
    return {v.indicator_code: v for v in values}.get(code)


async def test_unexpected_input_at_a_question_repeats_it(session: Session) -> None:
    question = "Số hộ gia đình sử dụng mạng băng rộng cáp quang?"
    for attempt in (session.sticker(), session.say("/abc"), session.say("mười ba")):
        replies = await attempt
        # One message: an explanation, then the same question.
        [reply] = replies
        explanation, _, asked = reply.partition("\n\n")
        assert question in asked and question not in explanation
    # After three failed tries the bot offers skipping and help.
    assert "Bỏ qua" in explanation and "/trogiup" in explanation


async def test_ratio_in_one_line_without_diacritics_and_decomposed(session: Session) -> None:
    replies = await session.say("175 tren 300 ho")
    assert "58,33% (175/300 hộ gia đình)" in replies[0]
    assert "Khó khăn" in replies[-1]
    await session.press("Bỏ qua")
    decomposed = unicodedata.normalize("NFD", "Tổng cộng 90 trên 120")
    replies = await session.say(decomposed)
    assert "75% (90/120" in replies[0]


async def test_numerator_above_denominator_needs_confirmation(
    session: Session, store: Store
) -> None:
    await session.say("320")
    replies = await session.say("300")
    assert "lớn hơn tổng số" in replies[-1]
    assert session.labels() == ["Xác nhận", "Nhập lại"]
    replies = await session.press("Xác nhận")
    assert "Đã ghi 3.1" in replies[0] and "Vì sao số liệu này khác thường" in replies[-1]
    replies = await session.say("Có thêm hộ kinh doanh dùng chung đường cáp")  # the comment
    assert "Khó khăn" in replies[-1]
    await session.press("Bỏ qua")  # the note
    for _ in range(3):
        await session.press("Bỏ qua")
    await session.press("Lưu")
    saved = await latest(store, "3.1")
    assert saved is not None
    assert saved.value == RatioValue(320, 300)  # type: ignore[attr-defined]
    assert saved.note == "Có thêm hộ kinh doanh dùng chung đường cáp"  # type: ignore[attr-defined]


async def test_percent_over_100_and_retyping(session: Session) -> None:
    await session.press("Bỏ qua")  # 3.1
    await session.press("Bỏ qua")  # 3.2
    replies = await session.say("120")
    assert "trên 100%" in replies[-1]
    replies = await session.press("Nhập lại")
    assert "3.3" in replies[-1]
    replies = await session.say("0,65")
    assert "0,65 có thể là 65%" in replies[-1]
    replies = await session.say("65,5%")  # typing the figure again replaces it
    assert "Đã ghi 3.3: 65,5%" in replies[0]


async def test_big_change_from_previous_period_is_confirmed(session: Session, store: Store) -> None:
    await session.press("Bỏ qua")
    await session.press("Bỏ qua")
    replies = await session.say("5")  # the demo's previous quarter was far higher
    assert "chênh lệch nhiều so với kỳ trước" in replies[-1]
    replies = await session.press("Xác nhận")
    assert "Đã ghi 3.3: 5%" in replies[0]


async def test_back_returns_to_the_previous_question(session: Session) -> None:
    await session.press("Bỏ qua")
    replies = await session.press("Quay lại")
    assert "(1/4) 3.1" in replies[-1]


async def test_cancel_mid_step_keeps_nothing_and_says_so(session: Session, store: Store) -> None:
    await session.say("175/300")
    replies = await session.say("hủy")
    assert "Đã hủy báo cáo" in replies[0]
    assert await latest(store, "3.1") is None
    replies = await session.say("/huy")
    assert "Không có thao tác nào" in replies[0]


async def test_correction_is_a_new_version_and_history_is_kept(
    session: Session, store: Store
) -> None:
    await session.say("175/300")
    for _ in range(4):
        await session.press("Bỏ qua")
    await session.press("Lưu")
    replies = await session.say("báo cáo")
    assert "Còn 3/4" in replies[-1]
    replies = await session.press("Sửa số đã báo cáo")
    assert "(1/4) 3.1" in replies[-1] and "Đã báo cáo kỳ này: 58,33% (175/300" in replies[-1]
    await session.say("180/300")
    for _ in range(4):
        await session.press("Bỏ qua")
    replies = await session.press("Lưu")
    assert "Đã lưu 1 số liệu" in replies[-1]
    unit = (await store.units.by_name("Thôn 1"))[0]
    history = await store.values.history(unit.id, "dong-lac-2026", "3.1", "2026-Q4")
    assert [h.value for h in history] == [RatioValue(175, 300), RatioValue(180, 300)]
    assert [h.version for h in history] == [1, 2]


async def test_summary_accepts_typed_save_and_rejects_other_text(
    session: Session, store: Store
) -> None:
    for _ in range(2):
        await session.press("Bỏ qua")
    await session.say("70")
    await session.press("Bỏ qua")
    await session.press("Bỏ qua")
    replies = await session.say("xyz")
    assert "Lưu, Sửa hoặc Hủy" in replies[0] and "Tóm tắt" in replies[-1]
    replies = await session.say("luu")
    assert "Đã lưu 1 số liệu" in replies[-1]
    saved = await latest(store, "3.3")
    assert saved is not None and saved.value == PercentValue(Decimal(70))  # type: ignore[attr-defined]


async def test_an_earlier_period_can_be_chosen_and_is_overdue_only_while_figures_are_owed(
    session: Session, store: Store
) -> None:
    await session.say("/huy")
    await session.say("/baocao")
    # Thôn 1 sent every Q3 figure: Q3 is offered for corrections, not as overdue.
    assert "Quý III/2026" in session.labels()
    assert "Quý III/2026 (quá hạn)" not in session.labels()
    replies = await session.press("Quý III/2026")
    assert "Quý III/2026" in replies[-1]
    await session.say("/huy")
    thon_1 = (await store.units.by_name("Thôn 1"))[0]
    async with store.transaction() as tx:  # Q3's figures taken back: Q3 is owed again
        await tx.execute(
            "DELETE FROM report_values WHERE unit_id = ? AND period = '2026-Q3'", (thon_1.id,)
        )
    await session.say("/baocao")
    assert "Quý III/2026 (quá hạn)" in session.labels()


async def test_multi_part_target_is_answered_part_by_part(store: Store) -> None:
    """Sông Mã's I.4 has three parts ("90%; 80%; 75%"): one answer carries all three."""
    from bot.setup import copy_plan

    await copy_plan(store, "song-ma-2024", 2026)
    town = next(u for u in await store.units.by_name("Sông Mã") if u.level == "thị trấn")
    official = await store.people.add_person("Cán bộ VH-XH", Role.OFFICIAL, town.id)
    await store.people.link_identity(official.id, "telegram", "616161", chat_id="616161")
    api = FakeBotApi()
    async with application(store, api) as app:
        talk = Session(app, api, 616161)
        replies = await talk.say("/baocao")
        assert "6 tháng cuối năm 2026" in replies[0]
        await talk.press("Bắt đầu")
        for _ in range(2):
            await talk.press("Bỏ qua")
        replies = await talk.press("Bỏ qua")
        assert "(4/10) I.4" in replies[-1] and "tạo lập" in replies[-1]
        replies = await talk.say("95")
        assert "mỗi phần một số" in replies[0]
        replies = await talk.say("92; 70,5; 80")
        assert "chưa đạt" in replies[0] and "xử lý: còn thiếu 9,5 điểm %" in replies[0]


async def test_a_reporting_turn_is_one_message(session: Session) -> None:
    """The acknowledgement and the next question go out as one message, the buttons
    under it: Telegram's 30 messages a second then carry 30 turns."""
    await session.say("175")
    before = len(session.api.calls)
    [reply] = await session.say("300")
    sends = [c for c in session.api.calls[before:] if c.method == "sendMessage"]
    assert len(sends) == 1
    acknowledgement, _, question = reply.partition("\n\n")
    assert acknowledgement.startswith("Đã ghi 3.1: 58,33% (175/300 hộ gia đình)")
    assert question.startswith("Khó khăn, vướng mắc hoặc đề xuất về chỉ tiêu 3.1?")
    assert "Bỏ qua" in session.labels()
