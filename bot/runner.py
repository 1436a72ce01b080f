"""`chitieu run`: every configured channel in one process, each with its outbox sender,
and one reminder scheduler for all of them."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

import httpx

from bot.numbered_choices import StoredChoices
from bot.rollup_keeper import RollupKeeper
from bot.scheduler import ReminderScheduler
from bot.sender import OutboxSender
from bot.settings import Settings
from bot.table_files import sent_tables
from bot.telegram_channel import running_telegram
from bot.zalo.bot_api import ZaloBotClient
from bot.zalo.bot_platform import CHANNEL as ZALO_BOT_CHANNEL
from bot.zalo.bot_platform import ZaloBotChannel, ZaloBotReceiver
from bot.zalo.oa_running import running_zalo_oa
from handlers.app import build_router
from handlers.broadcasts import announcements as broadcasts
from handlers.channels import Channel
from handlers.services import Services
from locales import _
from storage import Clock, Store

log = logging.getLogger(__name__)


async def run_channels(settings: Settings, clock: Clock, *, worker: bool = False) -> None:
    """Until cancelled; then every sender stops cleanly (the sends on the wire finish and
    are recorded, the rest go back to the queue)."""
    settings.zalo_oa()  # before the database opens: a bad setting stops here
    async with await Store.open(settings.database_url, clock=clock) as store:
        await serve(settings, store, worker=worker)


async def serve(settings: Settings, store: Store, *, worker: bool = False) -> None:
    """`run_channels` over a store already open. A `worker` receives nothing: it works
    the Telegram inbox another process fills, and sends Telegram's outbox; the Zalo
    channels (which have no inbox yet) and the reminder rounds stay with the process
    that receives."""
    if worker:
        await _work(settings, store)
        return
    zalo_oa = settings.zalo_oa()
    services = Services(store=store, read_tables=sent_tables)
    router = build_router(services)
    outgoing: list[Channel] = []
    receiving: list[asyncio.Task[None]] = []
    async with contextlib.AsyncExitStack() as stack:
        if settings.telegram_token is not None:

            def started(username: str) -> None:
                services.bot_username = username

            outgoing.append(
                await stack.enter_async_context(
                    running_telegram(
                        settings.telegram_token.get_secret_value(),
                        router,
                        base_url=settings.telegram_api_url,
                        webhook_url=settings.telegram_webhook_url,
                        webhook_port=settings.telegram_webhook_port,
                        on_started=started,
                        lease=dt.timedelta(seconds=settings.inbox_lease),
                        pace_chats=settings.telegram_pace_chats,
                    )
                )
            )
        if settings.zalo_bot_token is not None:
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=70.0))
            client = ZaloBotClient(
                http,
                settings.zalo_bot_token.get_secret_value(),
                base_url=settings.zalo_bot_api_url,
            )
            zalo_bot = ZaloBotChannel(
                client,
                file_notice=file_notice(),
                choices=StoredChoices(services.store.choices, ZALO_BOT_CHANNEL),
            )
            router.add_channel(ZALO_BOT_CHANNEL, zalo_bot.capabilities)
            receiver = ZaloBotReceiver(zalo_bot, on_turn=router.handle)
            receiving.append(asyncio.create_task(receiver.run_polling()))
            outgoing.append(zalo_bot)
            log.info("chitieu is running on the Zalo Bot Platform")
        if zalo_oa is not None:
            running = await stack.enter_async_context(
                running_zalo_oa(zalo_oa, router, file_notice=file_notice())
            )
            outgoing.append(running.channel)
        await _send_and_remind(settings, services, outgoing, receiving)


async def _work(settings: Settings, store: Store) -> None:
    token = settings.telegram_token
    assert token is not None  # `chitieu run --worker` refuses to start without one
    services = Services(store=store, read_tables=sent_tables)
    router = build_router(services)

    def started(username: str) -> None:
        services.bot_username = username

    async with running_telegram(
        token.get_secret_value(),
        router,
        base_url=settings.telegram_api_url,
        webhook_url=None,
        webhook_port=settings.telegram_webhook_port,
        on_started=started,
        receive=False,
        lease=dt.timedelta(seconds=settings.inbox_lease),
        pace_chats=settings.telegram_pace_chats,
    ) as telegram:
        # A worker always sends beside another process: its sends share the bot's rate.
        await _send_and_remind(settings, services, [telegram], [], remind=False, shared=True)


def file_notice() -> str:
    return _(
        "This messenger cannot carry the appendix file. Please ask for it on Telegram "
        "(/xuatbaocao) or ask your commune official to export it."
    )


async def _send_and_remind(
    settings: Settings,
    services: Services,
    channels: list[Channel],
    receiving: list[asyncio.Task[None]],
    *,
    remind: bool = True,
    shared: bool = False,
) -> None:
    senders = [
        OutboxSender(
            services.store,
            channel,
            on_drained=lambda: broadcasts.finish_completed(services),
            shared=shared or settings.shared_send_budget,
        )
        for channel in channels
    ]

    def wake() -> None:
        for sender in senders:
            sender.wake()

    tasks = [*receiving, *(asyncio.create_task(sender.run()) for sender in senders)]
    tasks.append(asyncio.create_task(RollupKeeper(services.store).run()))
    if remind:
        # One process runs the rounds: workers beside it would start the same rounds.
        scheduler = ReminderScheduler(services, settings.reminders, wake=wake)
        tasks.append(asyncio.create_task(scheduler.run()))
    try:
        await asyncio.gather(*tasks)
    finally:
        # A cancelled gather is done as soon as its first task is, while a sender may
        # still be letting its sends on the wire finish: a second cancel would cut that
        # short, so only the tasks not stopping yet are cancelled, and all are awaited.
        for task in tasks:
            if not task.done() and not task.cancelling():
                task.cancel()
        await asyncio.wait(tasks)
