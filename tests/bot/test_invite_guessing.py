"""Guessing invite codes: slowed per person and overall, logged without the code."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from handlers.joining.invites import OVERALL, PER_PERSON, WINDOW
from storage import Store
from tests.bot.conftest import NOW, invite_code
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.telegram_session import Session, application

WAIT = "Vui lòng chờ khoảng 10 phút rồi thử lại"
WRONG = "không đúng"


async def test_five_wrong_codes_then_a_polite_wait(
    store: Store, clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = await invite_code(store, "Thôn 5")
    guesses = [f"ZZZZ{n:04d}".replace("0", "2").replace("1", "3") for n in range(PER_PERSON)]
    api = FakeBotApi()
    async with application(store, api) as app:
        guesser = Session(app, api, 4040)
        for guess in guesses:
            assert WRONG in (await guesser.say(f"/start {guess}"))[0]
        # Past the limit even the right code waits: the code is not even looked at.
        [wait] = await guesser.say(f"/start {good}")
        assert WAIT in wait
        assert await store.people.by_identity("telegram", "4040") is None
        # Someone else is not held up by one person's guessing.
        other = Session(app, api, 5050)
        assert WRONG in (await other.say("/start ZZZZ2222"))[0]

        clock.set(NOW + WINDOW + dt.timedelta(seconds=1))
        [welcome] = await guesser.say(f"/start {good}")  # the menu in the same message
        assert welcome.startswith("Chào mừng")

    logged = caplog.text
    assert logged.count("invites: refused a code (unknown) from a telegram user") == PER_PERSON + 1
    assert "invites: a code from a telegram user was not checked (their limit" in logged
    for secret in (good, *guesses, "ZZZZ2222", "4040", "5050"):
        assert secret not in logged, secret


async def test_the_overall_ceiling_holds_against_many_accounts(store: Store) -> None:
    good = await invite_code(store, "Thôn 5")
    api = FakeBotApi()
    async with application(store, api) as app:
        for n in range(OVERALL):
            # Each account stays under its own limit; together they reach the ceiling.
            account = Session(app, api, 60_000 + n // (PER_PERSON - 1))
            assert WRONG in (await account.say(f"/start QQQQ{n:04d}".replace("0", "9")))[0]
        newcomer = Session(app, api, 70_000)
        assert WAIT in (await newcomer.say(f"/start {good}"))[0]
    assert await store.people.by_identity("telegram", "70000") is None
