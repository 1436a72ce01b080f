"""What officials ask, as they type it, through Telegram (the real python-telegram-bot
Application over the fake Bot API) and through the terminal: each case is a question a
trial found misread (issue 10, "Reading what officials ask")."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import pytest

from bot.console import ConsoleChat
from bot.setup import all_people
from handlers.app import build_router
from indicators.people import Person
from indicators.values import RatioValue
from locales import set_locale
from storage import Store
from tests.bot.conftest import services_for
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.telegram_session import Session, application

CHANNELS = ["telegram", "console"]
OFFICIAL = "Nguyễn Thị Lan"
MEMBER_2 = "Thôn 2 (thành viên 2)"
NOT_UNDERSTOOD = ("chưa hiểu", "did not understand")


class Talk(Protocol):
    person: Person

    async def say(self, text: str) -> str:
        """Everything the bot answers, joined."""
        ...

    async def press(self, label: str) -> str:
        """Press the button of the last answer with this label."""
        ...

    def labels(self) -> list[str]:
        """The labels of the last answer's buttons."""
        ...


class TelegramTalk:
    def __init__(self, session: Session, person: Person) -> None:
        self.session = session
        self.person = person

    def _since(self, before: int) -> str:
        texts = []
        for call in self.session.api.calls[before:]:
            if call.method == "sendMessage":
                texts.append(str(call.params["text"]))
            elif call.method in ("sendDocument", "sendPhoto"):
                texts.append(str(call.params.get("caption", "")))
        return "\n".join(texts)

    async def say(self, text: str) -> str:
        before = len(self.session.api.calls)
        await self.session.say(text)
        return self._since(before)

    async def press(self, label: str) -> str:
        before = len(self.session.api.calls)
        await self.session.press(label)
        return self._since(before)

    def labels(self) -> list[str]:
        return self.session.labels()


class ConsoleTalk:
    def __init__(self, chat: ConsoleChat, person: Person) -> None:
        self.chat = chat
        self.person = person

    async def say(self, text: str) -> str:
        return "\n".join(reply.text for reply in await self.chat.say(text))

    async def press(self, label: str) -> str:
        number = next((n for n, b in self.chat.buttons.items() if b.label == label), None)
        assert number is not None, f"no button {label!r} in {self.labels()}"
        return await self.say(f"/{number}")

    def labels(self) -> list[str]:
        return [button.label for button in self.chat.buttons.values()]


@asynccontextmanager
async def talking(store: Store, channel: str, who: str) -> AsyncIterator[Talk]:
    """A demo person (found by part of their name) talking to the bot on `channel`."""
    person = next(p for p in await all_people(store) if who in p.name)
    if channel == "telegram":
        user = 880000 + person.id
        await store.people.link_identity(person.id, "telegram", str(user), chat_id=str(user))
        api = FakeBotApi()
        app = application(store, api)
        async with app:
            yield TelegramTalk(Session(app, api, user), person)
    else:
        chat_id = f"ask-{person.id}"
        await store.people.link_identity(person.id, "console", chat_id)
        router = build_router(services_for(store))
        yield ConsoleTalk(ConsoleChat(router, chat_id, person.name, io.StringIO()), person)


def understood(text: str) -> bool:
    return bool(text.strip()) and not any(words in text for words in NOT_UNDERSTOOD)


# --- 1. an indicator's name without diacritics ---------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_indicator_named_without_diacritics_finds_the_closest(
    store: Store, channel: str
) -> None:
    async with talking(store, channel, OFFICIAL) as talk:
        # The Đồng Lạc plan has "chữ ký số chuyên dùng" (1.6), not a personal one: the
        # answer is that indicator, said to be the closest, with 3.4 (…cá nhân) offered.
        for typed in ("chu ky so ca nhan", "chữ kí số cá nhân"):
            text = await talk.say(typed)
            assert understood(text), text
            assert f"Không có chỉ tiêu nào đúng tên “{typed}”; chỉ tiêu gần nhất là:" in text
            assert "1.6. Tỷ lệ văn bản trao đổi giữa các cơ quan nhà nước" in text
            assert any(label.startswith("3.4 ") for label in talk.labels())
        # A name the plan holds is found as it is, not as "the closest".
        text = await talk.say("ho so so ve suc khoe ca nhan")
        assert text.startswith("3.4. Tỷ lệ người dân có hồ sơ số về sức khỏe cá nhân")


# --- 2. texting abbreviations ----------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
async def test_texting_abbreviations_are_read(store: Store, channel: str) -> None:
    async with talking(store, channel, OFFICIAL) as talk:
        text = await talk.say("cq dc bao nhieu % r")
        assert text.startswith("3.1. Tỷ lệ phủ của hạ tầng mạng băng rộng cáp quang")
        assert "xã Đồng Lạc, Quý III/2026" in text
        text = await talk.say("cq thon 2 dc bn r")
        assert text.startswith("3.1. Tỷ lệ phủ") and "Thôn 2, Quý III/2026" in text
        text = await talk.say("thon nao ko bc")
        assert text.startswith("Chưa báo cáo đủ — xã Đồng Lạc, Quý IV/2026")


# --- 3. a group with "đạt chưa" --------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_group_with_dat_chua_is_a_shortfall_question(store: Store, channel: str) -> None:
    async with talking(store, channel, OFFICIAL) as talk:
        text = await talk.say("kinh te so dat chua")
        assert text.startswith("Chỉ tiêu chưa đạt — xã Đồng Lạc, Quý III/2026")
        assert "Nhóm: Kinh tế số." in text
        text = await talk.say("Thôn 1 đã đạt chưa?")
        assert text.startswith("Chỉ tiêu chưa đạt — Thôn 1, Quý III/2026")
        # With an indicator named, it is that indicator's standing.
        assert (await talk.say("cáp quang đạt chưa")).startswith("3.1. Tỷ lệ phủ")


# --- 4. a year scope for every answer --------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_year_scope_works_for_every_answer(store: Store, channel: str) -> None:
    thon_1 = (await store.units.by_name("Thôn 1"))[0]
    await store.values.record(thon_1.id, "dong-lac-2025", "3.1", "2025-Q4", RatioValue(150, 200))
    async with talking(store, channel, OFFICIAL) as talk:
        text = await talk.say("cáp quang năm 2025")
        assert "không có kế hoạch" not in text
        assert text.startswith("3.1. Tỷ lệ phủ")
        assert "xã Đồng Lạc, Năm 2025 — chỉ tiêu ≥" in text
        assert "• Thôn 1: 75% (150/200 hộ gia đình)" in text
        for question, title in (
            ("chỉ tiêu nào chưa đạt năm 2025", "Chỉ tiêu chưa đạt — xã Đồng Lạc, Năm 2025"),
            ("tiến độ năm 2025", "Tiến độ — xã Đồng Lạc, Năm 2025"),
            ("thôn nào chưa báo cáo năm 2025", "Chưa báo cáo đủ — xã Đồng Lạc, Năm 2025"),
            ("cq thon 1 nam 2025", "3.1. Tỷ lệ phủ"),
        ):
            text = await talk.say(question)
            assert text.startswith(title), (question, text)
        assert "Thôn 1, Năm 2025" in text


# --- 5. reporting for a village of one's subtree ---------------------------------------


async def save_after_skipping(talk: Talk) -> str:
    for _ in range(12):
        if "Lưu" in talk.labels():
            return await talk.press("Lưu")
        await talk.press("Bỏ qua")
    raise AssertionError(f"no summary; buttons {talk.labels()}")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_official_reports_for_a_village_for_the_period_named(
    store: Store, channel: str
) -> None:
    thon_6 = (await store.units.by_name("Thôn 6"))[0]
    async with talking(store, channel, OFFICIAL) as talk:
        text = await talk.say("bao cao quy 3 cua thon 6")
        assert "Anh/chị đang nhập số liệu thay cho Thôn 6" in text
        assert "Báo cáo số liệu của Thôn 6, kỳ Quý III/2026" in text
        assert "Quý IV/2026" not in text and "của Đồng Lạc" not in text
        text = await talk.press("Bắt đầu")
        assert "3.1. Tỷ lệ phủ" in text
        text = await talk.say("70/90")
        assert "Đã ghi 3.1" in text
        saved = await save_after_skipping(talk)
        assert "Đã lưu 1 số liệu" in saved and "Quý III/2026" in saved
    rows = await store.values.latest([thon_6.id], "dong-lac-2026", "2026-Q3")
    assert [(r.indicator_code, r.value, r.person_id) for r in rows] == [
        ("3.1", RatioValue(70, 90), talk.person.id)
    ]
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    assert await store.values.latest([commune.id], "dong-lac-2026", "2026-Q4") == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_report_names_a_period_the_plan_has(store: Store, channel: str) -> None:
    async with talking(store, channel, OFFICIAL) as talk:
        text = await talk.say("/baocao năm 2026")
        assert text == "xã Đồng Lạc báo cáo theo kỳ như Quý IV/2026, không theo Năm 2026."
        text = await talk.say("báo cáo quý 1 năm 2027")
        assert text.startswith("Quý I/2027 chưa bắt đầu")
        text = await talk.say("báo cáo thôn 9")
        assert text == "Không tìm thấy đơn vị “thôn 9” trong phạm vi của anh/chị."
        text = await talk.say("/baocao quý 3")
        assert text.startswith("Báo cáo số liệu của Đồng Lạc, kỳ Quý III/2026")
        assert "thay cho" not in text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_member_may_not_report_for_another_village(store: Store, channel: str) -> None:
    async with talking(store, channel, MEMBER_2) as talk:
        text = await talk.say("bao cao quy 3 cua thon 6")
        assert text == (
            "Xin lỗi, anh/chị không báo cáo được cho Thôn 6. Anh/chị chỉ báo cáo được cho Thôn 2."
        )
        assert await store.conversations.get(channel, external_id(talk)) is None
        own = await talk.say("báo cáo quý 3 thôn 2")
        assert own.startswith("Báo cáo số liệu của Thôn 2, kỳ Quý III/2026")


def external_id(talk: Talk) -> str:
    if isinstance(talk, TelegramTalk):
        return str(talk.session.user)
    assert isinstance(talk, ConsoleTalk)
    return talk.chat.external_id


# --- 6. thanks and greetings -----------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
async def test_thanks_and_greetings_get_a_polite_answer(store: Store, channel: str) -> None:
    async with talking(store, channel, MEMBER_2) as talk:
        for thanks in ("cảm ơn nhé", "cam on", "ok cảm ơn", "Cám ơn bot nhiều ạ!", "thanks"):
            text = await talk.say(thanks)
            assert text == "Dạ, không có gì ạ! Khi cần số liệu, anh/chị cứ nhắn cho tôi.", thanks
        for greeting in ("chào bot", "xin chào", "Chào anh", "hi bot"):
            text = await talk.say(greeting)
            assert text == "Xin chào anh/chị! Thôn 2 — anh/chị muốn làm gì?", greeting
            assert "Báo cáo số liệu" in talk.labels()


# --- 7. the English locale reads its own words -----------------------------------------


def examples_in(text: str) -> list[str]:
    """The phrases the bot offers as examples: “…” on its bullet lines and the last line."""
    return re.findall(r"“([^”]+)”", text)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("locale", ["en", "vi"])
async def test_the_bots_own_examples_are_understood(
    store: Store, channel: str, locale: str
) -> None:
    set_locale(locale)
    try:
        async with talking(store, channel, OFFICIAL) as talk:
            examples = examples_in(await talk.say("alo"))
            assert len(examples) == 7, examples
            if locale == "en":
                assert examples[:3] == [
                    "which indicators are not met",
                    "progress",
                    "which villages have not reported",
                ]
            report = next(e for e in examples if e in ("report", "báo cáo"))
            for example in [e for e in examples if e != report] + [report]:
                text = await talk.say(example)
                assert understood(text), (example, text)
            assert any(word in text for word in ("Reporting for Đồng Lạc", "Báo cáo số liệu"))
    finally:
        set_locale("vi")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_english_questions_are_answered_in_english(store: Store, channel: str) -> None:
    set_locale("en")
    try:
        async with talking(store, channel, OFFICIAL) as talk:
            for question, title in (
                ("which indicators are not met", "Indicators not met — xã Đồng Lạc, Quý III/2026"),
                ("progress", "Progress — xã Đồng Lạc, Quý III/2026"),
                ("who has not reported", "Not reported yet — xã Đồng Lạc, Quý IV/2026"),
                ("village 3 not met quarter 2", "Indicators not met — Thôn 3, Quý II/2026"),
                ("fibre optic in village 2", "3.1. Tỷ lệ phủ"),
                ("chỉ tiêu nào chưa đạt", "Indicators not met — xã Đồng Lạc"),  # Vietnamese too
                ("thanks", "You are welcome!"),
            ):
                text = await talk.say(question)
                assert text.startswith(title), (question, text)
    finally:
        set_locale("vi")
