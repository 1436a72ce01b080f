"""Running the Telegram channel until stopped."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.scheduler import ReminderScheduler
from bot.sender import Limits, OutboxSender
from bot.settings import Settings
from bot.telegram_channel import (
    CAPABILITIES,
    TelegramChannel,
    build_application,
    register_commands,
)
from handlers import broadcasts
from handlers.context import Services
from handlers.router import Router
from storage import Clock, Store

log = logging.getLogger(__name__)


async def run_telegram(settings: Settings, clock: Clock) -> None:
    assert settings.telegram_token is not None
    async with await Store.open(settings.database_url, clock=clock) as store:
        services = Services(store=store)
        application = build_application(
            settings.telegram_token.get_secret_value(),
            Router(services),
            base_url=settings.telegram_api_url,
        )
        async with application:
            services.bot_username = application.bot.username
            await register_commands(application)
            await application.start()
            if settings.telegram_webhook_url:
                assert application.updater is not None
                await application.updater.start_webhook(
                    listen="0.0.0.0",
                    port=settings.telegram_webhook_port,
                    webhook_url=settings.telegram_webhook_url,
                )
            else:
                assert application.updater is not None
                await application.updater.start_polling()
            log.info("chitieu is running on Telegram as @%s", application.bot.username)
            try:
                await _run_background(settings, services)
            finally:
                await application.updater.stop()
                await application.stop()


async def _run_background(settings: Settings, services: Services) -> None:
    """The outbox sender and the reminder scheduler, until cancelled (then both stop
    cleanly: the sender records the sends on the wire and requeues the rest)."""
    assert settings.telegram_token is not None
    limits = Limits.for_channel(CAPABILITIES)
    # Its own Bot and connection pool: a broadcast never queues interactive replies
    # behind it, and replies keep the headroom the sender leaves under Telegram's limit.
    request = HTTPXRequest(connection_pool_size=limits.in_flight + 4)
    sender_bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        request=request,
    )
    async with sender_bot:
        sender = OutboxSender(
            services.store,
            TelegramChannel(sender_bot),
            limits=limits,
            on_drained=lambda: broadcasts.finish_completed(services),
        )
        scheduler = ReminderScheduler(services, settings.reminders, wake=sender.wake)
        tasks = [asyncio.create_task(sender.run()), asyncio.create_task(scheduler.run())]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
