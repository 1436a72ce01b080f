"""The OA token: one refresh at a time, the new pair saved before use, survived crashes."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest

from bot.zalo.oa import TokenError, TokenManager, TokenPair, ZaloOAChannel
from handlers.channels import Outcome
from handlers.messages import Reply
from tests.bot.zalo.fake_oa import APP_ID, APP_SECRET, FakeZaloOA, Forced
from tests.bot.zalo.support import FILE_NOTICE, FakeClock, MemoryTokenStore, make_manager

USER = "2468458835296197922"


class Crash(Exception):
    """The process dies right after the store committed the new pair."""


class CrashAfterSave(MemoryTokenStore):
    async def save(self, pair: TokenPair) -> None:
        await super().save(pair)
        raise Crash


class WatchedStore(MemoryTokenStore):
    """Notes, at each save, whether the fake had already seen the new token in use."""

    def __init__(self, pair: TokenPair, fake: FakeZaloOA) -> None:
        super().__init__(pair)
        self.fake = fake
        self.used_before_save: list[int] = []

    async def save(self, pair: TokenPair) -> None:
        uses = [m for m in self.fake.messages if m["token"] == pair.access_token]
        self.used_before_save.append(len(uses))
        await super().save(pair)


async def test_an_expired_token_is_refreshed_once_for_20_waiting_sends(
    http: httpx.AsyncClient, fake_oa: FakeZaloOA, clock: FakeClock, oa_url: str
) -> None:
    access, refresh = fake_oa.grant()
    store = WatchedStore(TokenPair(access, refresh, clock.now() + dt.timedelta(hours=25)), fake_oa)
    tokens = make_manager(http, store, clock, oa_url)
    channel = ZaloOAChannel(http, tokens, file_notice=FILE_NOTICE, api_url=oa_url)
    clock.advance(dt.timedelta(hours=25))

    outcomes = await asyncio.gather(*(channel.send(USER, Reply(f"m{n}")) for n in range(20)))

    assert all(o.sent for o in outcomes)
    assert fake_oa.refreshes == [refresh]
    (saved,) = store.log
    assert store.used_before_save == [0]  # persisted before anyone used it
    assert {m["token"] for m in fake_oa.messages} == {saved.access_token}
    assert saved.expires_at == clock.now() + dt.timedelta(seconds=90000)


async def test_the_token_is_refreshed_shortly_before_it_expires(
    tokens: TokenManager, store: MemoryTokenStore, fake_oa: FakeZaloOA, clock: FakeClock
) -> None:
    first = await tokens.token()
    clock.advance(dt.timedelta(hours=24, minutes=30))  # 30 minutes left

    assert await tokens.token() == first
    clock.advance(dt.timedelta(minutes=20))  # 10 minutes left: inside the margin

    renewed = await tokens.token()
    assert renewed != first and len(fake_oa.refreshes) == 1
    assert store.pair is not None and store.pair.access_token == renewed


async def test_a_crash_between_refresh_and_use_loses_nothing(
    http: httpx.AsyncClient, fake_oa: FakeZaloOA, clock: FakeClock, oa_url: str
) -> None:
    access, old_refresh = fake_oa.grant()
    store = CrashAfterSave(TokenPair(access, old_refresh, clock.now() + dt.timedelta(hours=1)))
    clock.advance(dt.timedelta(hours=2))

    with pytest.raises(Crash):
        await make_manager(http, store, clock, oa_url).token()

    assert store.pair is not None and store.pair.refresh_token != old_refresh
    # After the restart: a new manager on the same store.
    restarted = make_manager(http, MemoryTokenStore(store.pair), clock, oa_url)
    channel = ZaloOAChannel(http, restarted, file_notice=FILE_NOTICE, api_url=oa_url)
    assert (await channel.send(USER, Reply("x"))).sent
    assert fake_oa.messages[0]["token"] == store.pair.access_token
    assert fake_oa.refreshes == [old_refresh]

    # The refresh token spent before the crash is refused: it was single-use.
    answer = await http.post(
        f"{oa_url}/v4/oa/access_token",
        data={"refresh_token": old_refresh, "app_id": APP_ID, "grant_type": "refresh_token"},
        headers={"secret_key": APP_SECRET},
    )
    assert "access_token" not in answer.json()
    assert fake_oa.refused_refreshes == [old_refresh]


async def test_a_refused_token_is_refreshed_and_the_send_retried_once(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA, store: MemoryTokenStore
) -> None:
    assert store.pair is not None
    fake_oa.access_tokens.discard(store.pair.access_token)  # revoked early, e.g. re-authorised

    outcome = await channel.send(USER, Reply("x"))

    assert outcome.sent
    assert len(fake_oa.refreshes) == 1 and fake_oa.calls == 2
    assert fake_oa.messages[0]["token"] == store.pair.access_token


async def test_a_token_refused_again_after_the_refresh_is_transient(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA
) -> None:
    fake_oa.forced += [Forced(error=-220), Forced(error=-216), Forced(error=-216)]

    outcome = await channel.send(USER, Reply("x"))

    assert outcome.outcome is Outcome.TRANSIENT
    assert fake_oa.calls == 2 and len(fake_oa.refreshes) == 1


async def test_a_refused_refresh_is_transient_and_names_no_secret(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA, store: MemoryTokenStore, clock: FakeClock
) -> None:
    assert store.pair is not None
    fake_oa.refresh_tokens.clear()
    clock.advance(dt.timedelta(days=2))

    outcome = await channel.send(USER, Reply("x"))

    assert outcome.outcome is Outcome.TRANSIENT
    assert outcome.detail == "token refresh refused (error -14014)"
    assert store.pair.refresh_token not in outcome.detail and APP_SECRET not in outcome.detail


async def test_a_pair_refreshed_by_another_process_is_adopted(
    http: httpx.AsyncClient, fake_oa: FakeZaloOA, clock: FakeClock, oa_url: str
) -> None:
    access, refresh = fake_oa.grant()
    shared = MemoryTokenStore(TokenPair(access, refresh, clock.now() + dt.timedelta(hours=1)))
    ours, theirs = (make_manager(http, shared, clock, oa_url) for _ in range(2))
    await ours.token()
    clock.advance(dt.timedelta(hours=2))

    renewed = await theirs.token()

    assert await ours.token() == renewed
    assert len(fake_oa.refreshes) == 1


async def test_nothing_stored_is_a_token_error(
    http: httpx.AsyncClient, clock: FakeClock, oa_url: str
) -> None:
    tokens = make_manager(http, MemoryTokenStore(), clock, oa_url)

    with pytest.raises(TokenError):
        await tokens.token()


def test_a_pair_prints_without_its_secrets() -> None:
    pair = TokenPair("secret-access", "secret-refresh", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    assert "secret" not in repr(pair) and "secret" not in str(pair)
