"""The Zalo Official Account inside `chitieu run`: its webhook, channel and tokens.

The token pair lives in the database (`DatabaseTokenStore`): the configured pair seeds
it once, and every refreshed pair is committed before it is used. Turns go to the
router, which records each message id with what the turn changed, so a redelivered
event is handled once without a dedupe here; a follow, which has no message id, is
greeted once per event through the same processed-updates table.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from bot.numbered_choices import StoredChoices
from bot.settings import ZaloOASettings
from bot.zalo.oa import CHANNEL, FollowEvent, TokenManager, TokenPair, UnfollowEvent, ZaloOAChannel
from bot.zalo.oa_tokens import DatabaseTokenStore
from bot.zalo.oa_webhook import OAWebhook
from handlers.messages import Reply, Turn, TurnKind
from handlers.router import Router

log = logging.getLogger(__name__)

# How long a configured access token is trusted before it is refreshed: when it was
# issued is not known. Zalo refusing it earlier (-216/-220) refreshes it at once too.
CONFIGURED_ACCESS_LIFETIME = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class RunningOA:
    channel: ZaloOAChannel
    webhook: OAWebhook
    port: int  # the port bound (the configured one, unless that was 0)


@asynccontextmanager
async def running_zalo_oa(
    config: ZaloOASettings,
    router: Router,
    *,
    file_notice: str,
    http: httpx.AsyncClient | None = None,
) -> AsyncIterator[RunningOA]:
    """The OA's webhook listening and its channel ready to send, until the block ends."""
    store = router.store
    async with _client(http) as client:
        tokens = DatabaseTokenStore(store.zalo_tokens, config.app_id)
        configured = TokenPair(
            config.access_token.get_secret_value(),
            config.refresh_token.get_secret_value(),
            store.clock.now() + CONFIGURED_ACCESS_LIFETIME,
        )
        if await tokens.seed(configured):
            log.info("zalo_oa: starting from the configured token pair")
        else:
            log.info("zalo_oa: using the token pair stored in the database")
        manager = TokenManager(
            client,
            tokens,
            store.clock,
            app_id=config.app_id,
            app_secret=config.app_secret.get_secret_value(),
            oauth_url=config.oauth_url,
        )
        channel = ZaloOAChannel(
            client,
            manager,
            file_notice=file_notice,
            choices=StoredChoices(store.choices, CHANNEL),  # more than 5: numbered
            api_url=config.api_url,
        )
        router.add_channel(CHANNEL, channel.capabilities)

        async def on_follow(event: FollowEvent) -> list[Reply]:
            if not await store.updates.mark_processed(CHANNEL, event.key):
                return []
            user = event.user_id
            return await router.handle(Turn(CHANNEL, user, user, TurnKind.COMMAND, command="start"))

        async def on_unfollow(event: UnfollowEvent) -> None:
            await store.people.set_unreachable(CHANNEL, event.user_id)

        webhook = OAWebhook(
            channel,
            app_id=config.app_id,
            oa_secret=config.oa_secret.get_secret_value(),
            on_turn=router.handle,
            on_follow=on_follow,
            on_unfollow=on_unfollow,
            path=config.webhook_path,
        )
        port = await webhook.start(config.webhook_host, config.webhook_port)
        log.info("chitieu is running on the Zalo Official Account (webhook on port %d)", port)
        try:
            yield RunningOA(channel, webhook, port)
        finally:
            await webhook.stop()


@asynccontextmanager
async def _client(given: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    if given is not None:
        yield given
        return
    async with httpx.AsyncClient(timeout=30.0) as client:
        yield client
