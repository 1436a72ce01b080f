"""A fake Bot API that enforces Telegram's sending limits and fails the way Telegram does:
429 with retry_after beyond the limits, 403 for a person who blocked the bot, 500 for a
passing server error. It records what each chat actually received."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot
from telegram.request import RequestData

from tests.bot.fake_telegram import TOKEN, FakeBotApi


@dataclass
class LimitedBotApi(FakeBotApi):
    per_second: int | None = None  # overall sendMessage limit, a sliding one-second window
    private_interval: float = 0.0  # least time between two messages in one private chat
    group_interval: float = 0.0
    retry_after: int = 1
    blocked: set[int] = field(default_factory=set)
    flaky: dict[int, int] = field(default_factory=dict)  # chat → 500 answers still to give
    throttle_once: set[int] = field(default_factory=set)  # chats answered 429 once
    latency: float = 0.0
    # Run between a send taking effect and its answer (given the chat): a hang there, or
    # a look at what a kill at that instant would leave.
    on_delivered: Callable[[int], Awaitable[None]] | None = None
    delivered: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    delivered_at: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    too_many: int = 0  # 429 answers given
    _window: deque[float] = field(default_factory=deque)
    _last: dict[int, float] = field(default_factory=dict)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if not url.endswith("/sendMessage"):
            return await super().do_request(url, method, request_data)
        if self.latency:
            await asyncio.sleep(self.latency)
        params = dict(request_data.json_parameters) if request_data else {}
        chat = int(params["chat_id"])
        now = time.monotonic()
        if chat in self.throttle_once:
            self.throttle_once.discard(chat)
            return self._too_many()
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if self.per_second is not None and len(self._window) >= self.per_second:
            return self._too_many()
        interval = self.group_interval if chat < 0 else self.private_interval
        if now - self._last.get(chat, -1e9) < interval:
            return self._too_many()
        self._window.append(now)
        self._last[chat] = now
        if chat in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if self.flaky.get(chat):
            self.flaky[chat] -= 1
            return _error(500, "Internal Server Error")
        self.delivered[chat].append(str(params.get("text", "")))
        self.delivered_at[chat].append(now)
        answer = await super().do_request(url, method, request_data)
        if self.on_delivered is not None:
            await self.on_delivered(chat)
        return answer

    def _too_many(self) -> tuple[int, bytes]:
        self.too_many += 1
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {self.retry_after}",
            "parameters": {"retry_after": self.retry_after},
        }
        return 429, json.dumps(body).encode()

    def total_delivered(self) -> int:
        return sum(len(texts) for texts in self.delivered.values())


def _error(code: int, description: str) -> tuple[int, bytes]:
    return code, json.dumps({"ok": False, "error_code": code, "description": description}).encode()


def bot_for(api: FakeBotApi) -> Bot:
    return Bot(TOKEN, request=api, get_updates_request=api)
