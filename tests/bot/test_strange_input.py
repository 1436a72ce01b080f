"""Strange input at every step of the reporting conversation, through the Telegram fake.

The fake answers 400 where Telegram would (unescaped HTML in HTML parse mode, texts past
4,096 characters, empty texts, button data past 64 bytes), so a reply that shows back
what was typed without escaping it is counted, not sent. Over every step and every
strange text: every turn is answered, nothing crashes, 0 replies are refused, and what
is stored is the text cleaned of control characters only.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import AsyncIterator

import pytest
from docx import Document
from openpyxl import load_workbook
from telegram import Bot
from telegram.error import BadRequest

from handlers.exports.appendix_docx import document as word_document
from handlers.exports.appendix_table import AppendixTable, Column, TableRow
from handlers.exports.appendix_xlsx import workbook
from handlers.reporting.dialog import Step
from indicators.text import clean_typed
from storage import Store
from tests.bot.fake_telegram import TOKEN, FakeBotApi
from tests.bot.telegram_session import Session
from tests.bot.test_reporting_trust import USER, member_session

APOLOGY = "hệ thống gặp sự cố"
STRANGE = [
    "x" * 4000,
    "đ" * 5000,
    "Liên hệ anh Ba 0912345678 \x01",
    "a\x00b\x01c\x1b[31mđỏ\x7f\x85\ud800",
    "tab\there\r\nline\rbreaks",
    "<b>đậm</b> & <script>alert(1)</script>",
    "</pre><a href='x'>&amp;&lt;&#0;&nbsp;",
    "'; DROP TABLE report_values; --",
    "Robert'); DELETE FROM people WHERE '1'='1",
    "😀👨\u200d👩\u200d👧\u200d👦🇻🇳",
    "\u202eTHÔN\u202c \u200fمرحبا\u200e",
    "a\u200db\u200cc\ufeff",
    unicodedata.normalize("NFD", "Khó khăn: thiếu cáp quang ở Thôn 1"),
    "１７５／３００",
    "1e309",
    "NaN",
    "inf",
    "-0",
    "9" * 400,
    "9" * 400 + "/" + "9" * 401,
    "<",
    "&",
    ">",
    '=HYPERLINK("http://x","y")',
    "   ",
    "\x00",
]
STEPS = [
    Step.INTRO,
    Step.VALUE,
    Step.DENOMINATOR,
    Step.CONFIRM,
    Step.COMMENT,
    Step.NOTE,
    Step.REPLACE,
    Step.SUMMARY,
]


async def step_of(store: Store) -> Step | None:
    state = await store.conversations.get("telegram", str(USER))
    return None if state is None else Step(state.step)


async def reach(session: Session, store: Store, step: Step) -> None:
    """Open a fresh report of Thôn 1 (3.1 is asked as two counts) and walk to `step`."""
    await session.say("/huy")
    await session.say("/baocao")
    if step is not Step.INTRO:
        await session.press("Bắt đầu")
    if step is Step.DENOMINATOR:
        await session.say("180")
    elif step in (Step.CONFIRM, Step.COMMENT):
        await session.say("500/242")  # more households with fibre than households
        if step is Step.COMMENT:
            await session.press("Xác nhận")
    elif step in (Step.NOTE, Step.REPLACE):
        await session.say("180/242")
        if step is Step.REPLACE:
            await session.say("175/300")
    elif step is Step.SUMMARY:
        await session.say("180/242")
        for _ in range(4):
            await session.press("Bỏ qua")
    assert await step_of(store) is step, (step, await step_of(store))


@pytest.fixture
async def member(store: Store) -> AsyncIterator[tuple[Session, FakeBotApi]]:
    api = FakeBotApi()
    app, talk = await member_session(store, api)
    async with app:  # type: ignore[attr-defined]
        yield talk, api


async def test_the_fake_refuses_what_telegram_refuses() -> None:
    api = FakeBotApi()
    async with Bot(TOKEN, request=api) as bot:
        for text in ("<script>x</script>", "a & b", "1 > 0", "x" * 4097, " "):
            with pytest.raises(BadRequest):
                await bot.send_message(1, text, parse_mode="HTML")
        await bot.send_message(1, "<b>đậm</b> &amp; &lt;", parse_mode="HTML")
    assert len(api.rejected) == 5 and len(api.sent_texts()) == 1


@pytest.mark.parametrize("step", STEPS, ids=[s.value for s in STEPS])
async def test_strange_input_at_every_step(
    store: Store, member: tuple[Session, FakeBotApi], step: Step
) -> None:
    session, api = member
    await reach(session, store, step)
    for text in STRANGE:
        if await step_of(store) is not step:
            await reach(session, store, step)
        replies = await session.say(text)
        assert replies, f"no answer at {step} to {text[:30]!r}"
        assert not any(APOLOGY in r for r in replies), f"crashed at {step} on {text[:30]!r}"
        assert await step_of(store) is not None, f"conversation lost at {step}"
    assert api.rejected == [], [c.params.get("text", "")[:80] for c in api.rejected]


async def test_a_strange_note_is_stored_cleaned_and_exported(
    store: Store, member: tuple[Session, FakeBotApi]
) -> None:
    session, api = member
    note = "Liên hệ anh Ba 0912345678 \x01<b>&</b>\x1b 😀\u200d🇻🇳 =1+1"
    await reach(session, store, Step.NOTE)
    await session.say(note)
    for _ in range(3):
        await session.press("Bỏ qua")
    saved = await session.press("Lưu")
    assert saved[0].startswith("Đã lưu 1 số liệu")
    thon_1 = (await store.units.by_name("Thôn 1"))[0]
    [row] = await store.values.latest([thon_1.id], "dong-lac-2026", "2026-Q4")
    assert row.note == clean_typed(note).strip() and "\x01" not in (row.note or "")

    official = next(p for p in await store.people.all() if p.role == "official")
    await store.people.link_identity(official.id, "telegram", "4242", chat_id="4242")
    lan = Session(session.app, api, 4242)
    [attached] = await lan.say("/xuatbaocao excel Thôn 1 quý 4")
    assert attached.startswith("Gửi anh/chị bảng phụ lục: Bảng phụ lục — Thôn 1, Quý IV/2026")
    assert [c.method for c in api.calls].count("sendDocument") == 1
    assert api.rejected == []


def hostile_table() -> AppendixTable:
    hostile = "a\x00b\x01c\x0bd\x1fe\ud800f\ufffe =SUM(A1:A9)"
    columns = tuple(Column(label, 10) for label in ("TT", "Tên", "Kết quả", "Ghi chú"))
    return AppendixTable(
        tab="Phụ lục\x01 1", issuer=("ỦY BAN NHÂN DÂN", "XÃ\x03"), nation=("A", "B"),
        title="Phụ lục 1", heading="Tiêu đề\x02", attached_to="(Kèm theo…)",
        subheading="xã\x03", status="", columns=columns,
        rows=[TableRow(("3.1", "Tên\x04", "=1+1", hostile)),
              TableRow(("3.2", "Ghi chú", "", '=HYPERLINK("http://x")'))],
        signature=("Ngày …", "TM.", "CHỦ TỊCH", "(Ký)"),
    )  # fmt: skip


def test_the_workbook_survives_any_stored_text() -> None:
    """Rows written before input was cleaned may hold anything XML cannot."""
    book = workbook([hostile_table()])
    sheet = load_workbook(io.BytesIO(book)).active
    assert sheet is not None
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "abcdef =SUM(A1:A9)" in cells and cells["abcdef =SUM(A1:A9)"].data_type == "s"
    assert cells["=1+1"].data_type == "s"
    with zipfile.ZipFile(io.BytesIO(book)) as parts:
        assert not any("<f>" in parts.read(n).decode() for n in parts.namelist())


def test_the_word_appendix_survives_any_stored_text() -> None:
    document = Document(io.BytesIO(word_document([hostile_table()])))
    text = "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "abcdef =SUM(A1:A9)" in text
