"""One person talking to the bot through python-telegram-bot's real Application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.telegram_channel import build_application
from handlers.app import build_router
from storage import Store
from tests.bot.conftest import services_for
from tests.bot.fake_telegram import TOKEN, FakeBotApi, button_update, message_update


def application(store: Store, api: FakeBotApi) -> Application:  # type: ignore[type-arg]
    return build_application(
        TOKEN, build_router(services_for(store)), request=api, rate_limit=False
    )


@dataclass
class Session:
    app: Application  # type: ignore[type-arg]
    api: FakeBotApi
    user: int

    async def send(self, update: dict[str, Any]) -> list[str]:
        before = len(self.api.sent_texts())
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.sent_texts()[before:]

    async def say(self, text: str) -> list[str]:
        return await self.send(message_update(self.user, text))

    async def sticker(self) -> list[str]:
        return await self.send(message_update(self.user, None, sticker=True))

    async def press(self, label: str) -> list[str]:
        return await self.send(button_update(self.user, self.button(label)))

    def button(self, label: str) -> str:
        for row in self.api.last_keyboard():
            for key in row:
                if key["text"] == label:
                    return str(key["callback_data"])
        raise AssertionError(f"no button {label!r} in {self.api.last_keyboard()}")

    def labels(self) -> list[str]:
        return [key["text"] for row in self.api.last_keyboard() for key in row]
