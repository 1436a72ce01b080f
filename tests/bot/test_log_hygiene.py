"""A whole conversation logged at DEBUG: no token, code, message text or personal data.

The root logger captures everything (python-telegram-bot's, httpx's and aiosqlite's loggers
propagate to it), through joining with a code, reporting with a note holding a phone
number, a question, an export, and an export that fails with the note in its exception.
"""

from __future__ import annotations

import logging

import pytest
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from indicators.people import Role
from storage import Store
from tests.bot.conftest import invite_code
from tests.bot.fake_telegram import TOKEN, FakeBotApi, button_update, message_update
from tests.bot.telegram_session import Session, application

MEMBER, OFFICIAL = 918273645, 827364519
MEMBER_NAME, OFFICIAL_NAME = "Hà Thị Quỳnh Nga", "Lục Văn Thuận"
PHONE = "0912345678"
NOTE = f"Liên hệ anh Ba {PHONE} để lắp cáp"
QUESTION = "thôn 2 cáp quang quý 4 thế nào"


class Person(Session):
    name: str = ""

    async def say(self, text: str) -> list[str]:
        return await self.send(message_update(self.user, text, name=self.name))

    async def press(self, label: str) -> list[str]:
        return await self.send(button_update(self.user, self.button(label), name=self.name))


def person(app: object, api: FakeBotApi, user: int, name: str) -> Person:
    talk = Person(app, api, user)  # type: ignore[arg-type]
    talk.name = name
    return talk


async def test_a_full_run_logs_nothing_personal(
    store: Store, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    member_code = await invite_code(store, "Thôn 2")
    official_code = await invite_code(store, "Đồng Lạc", Role.OFFICIAL)
    api = FakeBotApi()
    async with application(store, api) as app:
        member = person(app, api, MEMBER, MEMBER_NAME)
        official = person(app, api, OFFICIAL, OFFICIAL_NAME)
        assert "không đúng" in (await member.say("/start WRONG234"))[0]
        assert (await member.say(f"/start {member_code}"))[0].startswith("Chào mừng")
        assert (await official.say(f"/start {official_code}"))[0].startswith("Chào mừng")

        await member.say("/baocao")
        await member.press("Bắt đầu")
        await member.say("180/242")
        await member.say(NOTE)
        for _ in range(3):
            await member.press("Bỏ qua")
        assert (await member.press("Lưu"))[0].startswith("Đã lưu 1 số liệu")

        assert (await official.say(QUESTION))[0].startswith("3.1.")
        assert "bảng phụ lục" in (await official.say("/xuatbaocao excel thôn 2 quý 4"))[0]

        def failing_save(self: Workbook, filename: object) -> None:
            # openpyxl's own message repeats the offending text, as it did with "\x01".
            raise IllegalCharacterError(f"{NOTE} cannot be used in worksheets.")

        monkeypatch.setattr(Workbook, "save", failing_save)
        [apology] = await official.say("/xuatbaocao excel thôn 2 quý 4")
        assert "hệ thống gặp sự cố" in apology

    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records
    )
    assert "failed to handle a telegram turn" in logged and "IllegalCharacterError" in logged
    assert "invites: refused a code (unknown)" in logged
    secrets = [TOKEN, TOKEN.split(":")[1], member_code, official_code, "WRONG234", PHONE,
               NOTE, QUESTION, "180/242", MEMBER_NAME, OFFICIAL_NAME, "Quỳnh", str(MEMBER),
               str(OFFICIAL)]  # fmt: skip
    for secret in secrets:
        assert secret not in logged, secret
        assert secret.lower() not in logged.lower(), secret
