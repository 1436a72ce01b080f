"""Figures people can trust: what the reporting conversation keeps, and what it refuses.

Each case is something a member really typed that used to be stored wrongly.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.console import ConsoleChat
from bot.setup import all_people
from handlers.app import build_router
from indicators.answers import Decision, decision_of
from indicators.people import Role
from indicators.values import PercentValue, RatioValue, Status, StatusValue
from locales import set_locale
from storage import Store
from tests.bot.conftest import services_for
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.telegram_session import Session, application

USER = 525252
YES_WORDS = ["có", "co", "ok", "đúng", "dung", "xác nhận", "xac nhan", "ừ", "u", "yes", "y"]
NO_WORDS = ["k", "ko", "không", "khong", "sai", "nhập lại", "nhap lai", "chưa", "chua", "no", "n"]
NO_COMMENT = ["k", "ko", "không", "không có", "khong co", "0", ".", "-"]
QUESTION_31 = "Số hộ gia đình sử dụng mạng băng rộng cáp quang?"
CONFIRMATION = "Bấm Xác nhận (hoặc gõ Có)"
NOTE = "Khó khăn, vướng mắc"
COMMENT = "Vì sao số liệu này khác thường"


async def member_session(store: Store, api: FakeBotApi) -> tuple[object, Session]:
    member = next(p for p in await all_people(store) if p.role == "member" and "Thôn 1" in p.name)
    await store.people.link_identity(member.id, "telegram", str(USER), chat_id=str(USER))
    app = application(store, api)
    return app, Session(app, api, USER)


@pytest.fixture
async def session(store: Store) -> AsyncIterator[Session]:
    """The demo member of Thôn 1 at 3.1 (asked as two counts; last quarter 164/242)."""
    api = FakeBotApi()
    app, talk = await member_session(store, api)
    async with app:  # type: ignore[attr-defined]
        await talk.say("/baocao")
        await talk.press("Bắt đầu")
        yield talk


async def draft(store: Store) -> dict[str, Any]:
    state = await store.conversations.get("telegram", str(USER))
    assert state is not None
    return state.data


async def drafted(store: Store, code: str) -> dict[str, Any] | None:
    answer: dict[str, Any] | None = (await draft(store)).get("answers", {}).get(code)
    return answer


async def saved(store: Store, code: str) -> object:
    unit = (await store.units.by_name("Thôn 1"))[0]
    values = await store.values.latest([unit.id], "dong-lac-2026", "2026-Q4")
    return {v.indicator_code: v for v in values}.get(code)


async def skip_rest_and_save(session: Session, store: Store) -> list[str]:
    for _ in range(8):
        if "Lưu" in session.labels():
            return await session.press("Lưu")
        await session.press("Bỏ qua")
    raise AssertionError("no summary")


# --- 1. the confirmation ---------------------------------------------------------------


@pytest.mark.parametrize("word", NO_WORDS)
async def test_a_no_word_at_a_confirmation_goes_back_to_the_question(
    session: Session, store: Store, word: str
) -> None:
    assert CONFIRMATION in (await session.say("300/175"))[-1]
    replies = await session.say(word)
    assert QUESTION_31 in replies[-1] and "(1/4) 3.1" in replies[-1]
    assert await drafted(store, "3.1") is None


@pytest.mark.parametrize("word", YES_WORDS)
async def test_a_yes_word_at_a_confirmation_keeps_the_figure(
    session: Session, store: Store, word: str
) -> None:
    await session.say("300/175")
    replies = await session.say(word)
    assert "Đã ghi 3.1: 171,43%" in replies[0] and COMMENT in replies[-1]
    assert (await drafted(store, "3.1")) is not None


async def test_the_correction_after_no_is_the_value_not_a_note(
    session: Session, store: Store
) -> None:
    await session.say("300/175")
    await session.say("không")
    replies = await session.say("175/300")
    assert "Đã ghi 3.1: 58,33% (175/300" in replies[0] and NOTE in replies[-1]
    await session.press("Bỏ qua")
    await skip_rest_and_save(session, store)
    row = await saved(store, "3.1")
    assert row.value == RatioValue(175, 300) and row.note is None  # type: ignore[attr-defined]


async def test_text_at_a_confirmation_is_explained_and_never_stored(
    session: Session, store: Store
) -> None:
    await session.say("1111111111")
    assert CONFIRMATION in (await session.say("242"))[-1]
    for typed in ("12 hộ và 300 tổng", "210/0", "để tôi hỏi lại trưởng thôn", "🙂", "/abc"):
        replies = await session.say(typed)
        # The explanation, then the confirmation again, in one message.
        assert len(replies) == 1 and CONFIRMATION in replies[0].partition("\n\n")[2], typed
        assert "Đã ghi" not in "".join(replies)
    replies = await session.sticker()
    assert CONFIRMATION in replies[-1]
    assert "Tổng số không thể bằng 0" in "".join(await session.say("210/0"))
    assert await drafted(store, "3.1") is None
    assert (await draft(store))["step"] == "confirm"


async def test_a_new_figure_at_a_confirmation_replaces_it_and_is_checked_again(
    session: Session, store: Store
) -> None:
    await session.say("300/175")
    replies = await session.say("400/300")  # still above the total: asked again
    assert "400/300" in replies[-1] and CONFIRMATION in replies[-1]
    replies = await session.say("175/300")
    assert "Đã ghi 3.1: 58,33% (175/300" in replies[0]
    replies = await session.press("Bỏ qua")
    assert "3.2" in replies[-1]


async def test_the_comment_on_a_confirmed_figure_is_its_own_step(
    session: Session, store: Store
) -> None:
    await session.say("320/300")
    replies = await session.press("Xác nhận")
    assert COMMENT in replies[-1]
    replies = await session.say("Có thêm hộ kinh doanh dùng chung đường cáp")
    assert NOTE in replies[-1]
    await session.say("Thiếu kinh phí kéo cáp")
    await skip_rest_and_save(session, store)
    row = await saved(store, "3.1")
    assert row.value == RatioValue(320, 300)  # type: ignore[attr-defined]
    note = row.note  # type: ignore[attr-defined]
    assert "Thiếu kinh phí kéo cáp" in note and "Có thêm hộ kinh doanh dùng chung" in note


async def test_in_english_k_at_a_confirmation_does_not_keep_150_percent(
    session: Session, store: Store
) -> None:
    set_locale("en")
    try:
        await session.press("Bỏ qua")  # the keyboard shown before the switch
        await session.press("Skip")
        replies = await session.say("150")
        assert "above 100%" in replies[-1]
        replies = await session.say("k")
        assert "(3/4) 3.3" in replies[-1] and "Noted" not in "".join(replies)
        assert await drafted(store, "3.3") is None
    finally:
        set_locale("vi")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.one_of(st.text(max_size=30), st.sampled_from(YES_WORDS + NO_WORDS + [
    "300/175", "175/300", "210/0", "0", "Xác nhận", "Nhập lại", "12 hộ và 300 tổng"])))  # fmt: skip
async def test_random_text_at_a_confirmation_stores_the_figure_only_on_yes(
    demo_db: str, clock, typed: str
) -> None:
    assume(not re.fullmatch(r"\s*/\d+\s*", typed))  # the terminal's way to press a button
    async with await Store.open(demo_db, clock=clock) as store:
        person = next(p for p in await all_people(store) if p.role == "member")
        chat_id = f"prop-{person.id}"
        await store.people.link_identity(person.id, "console", chat_id)
        chat = ConsoleChat(build_router(services_for(store)), chat_id, person.name, io.StringIO())
        await store.conversations.clear("console", chat_id)
        for line in ("/baocao", "/1", "300/175"):
            await chat.say(line)
        flagged = (await store.conversations.get("console", chat_id)).data["pending"]
        replies = await chat.say(typed)
        assert replies
        state = await store.conversations.get("console", chat_id)
        kept = state.data.get("answers", {}).get("3.1") if state else None
        if decision_of(typed) is Decision.YES:
            assert kept is not None and kept["value"] == flagged
        else:
            assert kept is None or kept["value"] != flagged, typed
        await store.conversations.clear("console", chat_id)


# --- 2. the comment and the note ------------------------------------------------------


@pytest.mark.parametrize("typed", NO_COMMENT)
async def test_no_comment_words_leave_the_note_empty(
    session: Session, store: Store, typed: str
) -> None:
    await session.say("175/300")
    replies = await session.say(typed)
    assert "(2/4) 3.2" in replies[-1]
    assert (await drafted(store, "3.1"))["note"] == ""  # type: ignore[index]


async def test_a_figure_typed_at_the_note_is_offered_as_the_value(
    session: Session, store: Store
) -> None:
    await session.say("180/300")
    replies = await session.say("175/300")
    assert "Có thay cho số đã ghi của chỉ tiêu 3.1: 60% (180/300" in replies[-1]
    assert session.labels() == ["Dùng số mới", "Giữ 60% (180/300 hộ gia đình)"]
    replies = await session.say("không")  # keep 180/300: back to the note
    assert NOTE in replies[-1]
    assert (await drafted(store, "3.1"))["note"] == ""  # type: ignore[index]
    await session.say("250")
    replies = await session.press("Dùng số mới")  # a first number: the total is asked again
    assert "Tổng số hộ" in replies[-1] or "?" in replies[-1]
    replies = await session.say("300")
    assert "Đã ghi 3.1: 83,33% (250/300" in replies[0]
    await session.say("175/300")
    replies = await session.say("có")
    assert "Đã ghi 3.1: 58,33% (175/300" in replies[0]
    await session.press("Bỏ qua")
    await skip_rest_and_save(session, store)
    row = await saved(store, "3.1")
    assert row.value == RatioValue(175, 300) and row.note is None  # type: ignore[attr-defined]


async def test_a_figure_at_the_comment_step_is_offered_too(session: Session, store: Store) -> None:
    await session.say("320/300")
    await session.press("Xác nhận")
    replies = await session.say("290/300")
    assert "Có thay cho số đã ghi" in replies[-1]
    replies = await session.say("có")
    assert "Đã ghi 3.1: 96,67% (290/300" in replies[0]


async def test_an_over_long_comment_is_refused_with_the_limit(
    session: Session, store: Store
) -> None:
    await session.say("175/300")
    replies = await session.say("Khó khăn " * 150)
    assert "1000 ký tự" in replies[0] and NOTE in replies[-1]
    assert (await drafted(store, "3.1"))["note"] == ""  # type: ignore[index]


# --- 3. and 4. sanity of counts ---------------------------------------------------------


async def test_a_numerator_beyond_the_unit_asks_for_confirmation(
    session: Session, store: Store
) -> None:
    await session.say("1111111111")
    replies = await session.say("1111111112")  # below 100%, still no village has that many
    assert "lớn hơn nhiều so với quy mô của Thôn 1" in replies[-1] and "242" in replies[-1]
    replies = await session.say("1111111111/242")
    assert "quy mô của Thôn 1" in replies[-1]
    assert await drafted(store, "3.1") is None


@pytest.mark.parametrize("typed", ["0/0", "210/0", "210 trên 0"])
async def test_a_zero_total_at_the_first_question_says_so(session: Session, typed: str) -> None:
    replies = await session.say(typed)
    assert "Tổng số không thể bằng 0" in replies[0]
    assert "chỉ nhập một con số" not in replies[0] and QUESTION_31 in replies[-1]


# --- 5. button labels typed as text -----------------------------------------------------


@pytest.mark.parametrize("typed", ["Bắt đầu", "bat dau"])
async def test_start_typed_at_the_intro_starts(store: Store, typed: str) -> None:
    api = FakeBotApi()
    app, talk = await member_session(store, api)
    async with app:  # type: ignore[attr-defined]
        await talk.say("/baocao")
        replies = await talk.say(typed)
        assert QUESTION_31 in replies[-1]


async def test_labels_typed_at_each_step_do_what_the_buttons_do(
    session: Session, store: Store
) -> None:
    assert "3.2" in (await session.say("bo qua"))[-1]
    assert "3.3" in (await session.say("Bỏ qua"))[-1]
    await session.say("120")
    assert "(3/4) 3.3" in (await session.say("Nhập lại"))[-1]
    await session.say("120")
    assert COMMENT in (await session.say("Xác nhận"))[-1]
    assert NOTE in (await session.say("Bỏ qua"))[-1]
    assert "3.4" in (await session.say("bo qua"))[-1]
    assert "3.3" in (await session.say("Quay lại"))[-1]
    await session.say("bo qua")
    assert "Tóm tắt" in (await session.say("Bỏ qua"))[-1]
    assert "Đã lưu 1 số liệu" in (await session.say("luu"))[-1]
    assert (await saved(store, "3.3")).value == PercentValue(Decimal(120))  # type: ignore[attr-defined]


async def test_cancel_typed_mid_step_cancels(session: Session, store: Store) -> None:
    await session.say("300/175")
    assert "Đã hủy báo cáo" in (await session.say("Hủy"))[0]
    assert await store.conversations.get("telegram", str(USER)) is None


async def test_terminal_keeps_one_number_per_label(demo_db: str, clock) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        person = next(p for p in await all_people(store) if p.role == "member")
        await store.people.link_identity(person.id, "console", "numbers")
        out = io.StringIO()
        chat = ConsoleChat(build_router(services_for(store)), "numbers", person.name, out)
        shown: list[dict[str, str]] = []
        for line in ("/baocao", "/1", "180", "/1", "/1", "300"):
            out.truncate(0), out.seek(0)
            await chat.say(line)
            shown.append(dict(re.findall(r"\[(/\d+)\] (.+)", out.getvalue())[::-1]))
        numbers = [{label: n for n, label in s.items()} for s in shown]
        skip = {n["Bỏ qua"] for n in numbers if "Bỏ qua" in n}
        assert len(skip) == 1, numbers  # the same number at the question and at the total
        assert {n["Hủy"] for n in numbers if "Hủy" in n} == {"/3"}
        await store.conversations.clear("console", "numbers")


# --- 6. status words --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "status"),
    [("chưa", Status.NOT_MET), ("chưa xong", Status.NOT_MET), ("chua xong", Status.NOT_MET),
     ("đang tiến hành", Status.IN_PROGRESS), ("dang tien hanh", Status.IN_PROGRESS),
     ("đang làm", Status.IN_PROGRESS), ("đang triển khai", Status.IN_PROGRESS),
     ("xong", Status.MET), ("hoàn thành", Status.MET), ("hoan thanh", Status.MET),
     ("đã hoàn thành", Status.MET), ("da hoan thanh", Status.MET)],
)  # fmt: skip
async def test_status_answers_read_as_the_status_they_mean(
    store: Store, typed: str, status: Status
) -> None:
    from bot.setup import copy_plan

    await copy_plan(store, "vinh-loc-2023-xa", 2026)
    commune = (await store.units.by_name("Minh Tân"))[0]
    official = await store.people.add_person("Cán bộ Minh Tân", Role.OFFICIAL, commune.id)
    await store.people.link_identity(official.id, "telegram", "626262", chat_id="626262")
    api = FakeBotApi()
    async with application(store, api) as app:
        talk = Session(app, api, 626262)
        await talk.say("/baocao")
        replies = await talk.press("Bắt đầu")
        for _ in range(30):
            if re.search(r"\) 1\.8\. ", replies[-1]):
                break
            replies = await talk.press("Bỏ qua")
        assert "Đạt, Chưa đạt hoặc Đang triển khai" in replies[-1]
        replies = await talk.say(typed)
        assert "Đã ghi 1.8" in replies[0], replies
        state = await store.conversations.get("telegram", "626262")
        assert state is not None
        assert state.data["answers"]["1.8"]["value"] == {"kind": "status", "status": status.value}
        assert StatusValue(status).status is status


# --- 7. the summary ---------------------------------------------------------------------


async def test_a_corrections_summary_shows_kept_values_as_kept(
    session: Session, store: Store
) -> None:
    await session.say("175/300")
    await skip_rest_and_save(session, store)
    await session.say("/baocao")
    await session.press("Sửa số đã báo cáo")
    for _ in range(4):
        replies = await session.press("Bỏ qua")
    assert "3.1: 58,33% (175/300 hộ gia đình) (giữ nguyên số đã báo cáo)" in replies[-1]
    assert "3.2: bỏ qua" in replies[-1]


async def test_saving_when_everything_was_skipped_says_nothing_was_saved(
    session: Session,
) -> None:
    for _ in range(4):
        await session.press("Bỏ qua")
    replies = await session.press("Lưu")
    assert "Chưa lưu số liệu nào" in replies[-1] and "Đã lưu 0" not in replies[-1]
    assert "Cảm ơn" not in replies[-1]


# --- 8. unexpected input at every step --------------------------------------------------


async def reach(session: Session, step: str) -> str:
    """Go to `step`; the text its prompt always shows."""
    match step:
        case "intro":
            await session.say("/huy")
            await session.say("/baocao")
            return "Còn 4/4"
        case "question":
            return QUESTION_31
        case "denominator":
            await session.say("180")
            return "Tổng số hộ gia đình trên địa bàn?"
        case "confirm":
            await session.say("300/175")
            return CONFIRMATION
        case "comment":
            await session.say("300/175")
            await session.press("Xác nhận")
            return COMMENT
        case "note":
            await session.say("175/300")
            return NOTE
        case "replace":
            await session.say("175/300")
            await session.say("180/300")
            return "Có thay cho số đã ghi"
        case "summary":
            for _ in range(4):
                await session.press("Bỏ qua")
            return "Tóm tắt"
    raise AssertionError(step)


STEPS = ["intro", "question", "denominator", "confirm", "comment", "note", "replace", "summary"]


@pytest.mark.parametrize("step", STEPS)
async def test_every_step_answers_what_it_did_not_expect(
    session: Session, store: Store, step: str
) -> None:
    prompt = await reach(session, step)
    before = await draft(store)
    attempts = [session.sticker(), session.say("/abc"), session.say("🙂🙂"),
                session.say("x" * 4000)]  # fmt: skip
    for attempt in attempts:
        replies = await attempt
        assert len(replies) == 1, (step, replies)  # the explanation, then the prompt again
        explanation, _, asked = replies[0].partition("\n\n")
        assert "Traceback" not in replies[0] and "sự cố" not in replies[0]
        assert re.search(r"[ạảãáàâấầẩẫậăắằẳẵặđêếềểễệôốồổỗộơớờởỡợưứừửữựíìỉĩịúùủũụóòỏõọ]",
                         explanation.lower()), explanation  # fmt: skip
        assert prompt in asked, (step, replies)
    after = await draft(store)
    assert after["step"] == before["step"] and after.get("answers") == before.get("answers")


# --- conversations started before the upgrade -----------------------------------------


async def test_a_conversation_stored_by_the_previous_version_resumes(store: Store) -> None:
    api = FakeBotApi()
    app, talk = await member_session(store, api)
    plan = await store.plans.get("dong-lac-2026")
    assert plan is not None
    unit = (await store.units.by_name("Thôn 1"))[0]
    old = {"plan": plan.id, "unit": unit.id, "period": "2026-Q4", "codes": ["3.1", "3.2"],
           "i": 0, "step": "confirm", "answers": {}, "fails": 0,
           "pending": {"kind": "ratio", "numerator": 300, "denominator": 175}}  # fmt: skip
    await store.conversations.put("telegram", str(USER), "report", "confirm", old)
    async with app:  # type: ignore[attr-defined]
        replies = await talk.say("/baocao")
        assert "Tiếp tục" in replies[0] and "171,43%" in replies[-1]
        assert CONFIRMATION in replies[-1]
        replies = await talk.say("k")
        assert QUESTION_31 in replies[-1]


async def test_an_unreadable_conversation_is_restarted_politely(store: Store) -> None:
    api = FakeBotApi()
    app, talk = await member_session(store, api)
    await store.conversations.put("telegram", str(USER), "report", "value", {"codes": []})
    async with app:  # type: ignore[attr-defined]
        replies = await talk.say("175/300")
        assert "không tiếp tục được phiên trước" in replies[0]
        assert "Bắt đầu" in talk.labels()
