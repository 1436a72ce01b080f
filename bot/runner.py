"""Running the Telegram channel until stopped."""

from __future__ import annotations

import asyncio
import logging

from bot.settings import Settings
from bot.telegram_channel import build_application, register_commands
from handlers.context import Services
from handlers.router import Router
from storage import Store

log = logging.getLogger(__name__)


async def run_telegram(settings: Settings) -> None:
    assert settings.telegram_token is not None
    async with await Store.open(settings.db) as store:
        services = Services(store=store, tz=settings.tz)
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
                await asyncio.Event().wait()
            finally:
                await application.updater.stop()
                await application.stop()
