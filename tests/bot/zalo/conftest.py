from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp.test_utils import TestServer

from bot.zalo.oa import TokenManager, TokenPair, ZaloOAChannel
from tests.bot.zalo.fake_oa import FakeZaloOA
from tests.bot.zalo.support import FILE_NOTICE, FakeClock, MemoryTokenStore, make_manager, served


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_oa() -> FakeZaloOA:
    return FakeZaloOA()


@pytest.fixture
async def oa_url(fake_oa: FakeZaloOA) -> AsyncIterator[str]:
    server = TestServer(fake_oa.app(), host="127.0.0.1")
    url = await served(server)
    yield url
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def store(fake_oa: FakeZaloOA, clock: FakeClock) -> MemoryTokenStore:
    access, refresh = fake_oa.grant()
    return MemoryTokenStore(TokenPair(access, refresh, clock.now() + dt.timedelta(hours=25)))


@pytest.fixture
def tokens(
    http: httpx.AsyncClient, store: MemoryTokenStore, clock: FakeClock, oa_url: str
) -> TokenManager:
    return make_manager(http, store, clock, oa_url)


@pytest.fixture
def channel(http: httpx.AsyncClient, tokens: TokenManager, oa_url: str) -> ZaloOAChannel:
    return ZaloOAChannel(http, tokens, file_notice=FILE_NOTICE, api_url=oa_url)
