"""A fake Telegram Bot API server over real HTTP on loopback, for the bot's whole process:
long polling with Telegram's offset semantics (a getUpdates offset acknowledges every
update before it, for good), sends recorded per chat, and faults injected the ways the
real network fails:

- error: 502 Bad Gateway before the call takes effect;
- stall: the answer comes after `stall` seconds (beyond the bot's timeout), the call
  taking effect all the same;
- drop: the call takes effect, then the connection is closed without an answer;
- slow: the answer comes after `slow` seconds, within the bot's timeout.

Only "stall" and "drop" can make a bot send a message twice: it could not know the call
had worked. `effect_unseen` counts those.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from aiohttp import web

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:AAFakeTokenForTestsOnly_abcdefghij"
FAULT_KINDS = ("error", "stall", "drop", "slow")


@dataclass
class Faults:
    rate: float = 0.0  # share of the requests of `methods` that fail
    kinds: tuple[str, ...] = FAULT_KINDS
    methods: frozenset[str] = frozenset({"sendMessage", "getUpdates", "answerCallbackQuery"})
    stall: float = 10.0
    slow: float = 3.0
    seed: int = 14
    # A method's first N calls fail with this kind, whatever the rate (start-up faults).
    first: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def pick(self, method: str) -> str | None:
        planned = self.first.get(method)
        if planned:
            return planned.pop(0)
        if method in self.methods and self._random.random() < self.rate:
            return self._random.choice(self.kinds)
        return None


@dataclass
class Counters:
    requests: int = 0
    faults: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    effect_unseen: int = 0  # calls that took effect without the bot seeing the answer
    acknowledged: int = 0  # updates confirmed by a getUpdates offset


class FakeBotServer:
    def __init__(self, *, bot_id: int = BOT_ID, faults: Faults | None = None) -> None:
        self.bot_id = bot_id
        self.faults = faults or Faults()
        self.counters = Counters()
        self.delivered: dict[int, list[str]] = defaultdict(list)  # chat → texts received
        self.keyboards: dict[int, list[list[dict[str, Any]]]] = {}  # chat → last buttons
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.latency = 0.0  # added to every sendMessage
        # A send to a chat with a gate here waits until the gate is set, then takes
        # effect: a chat whose replies are stuck on the way, without touching the others.
        self.gates: dict[int, asyncio.Event] = {}
        # Called with each getUpdates offset before it acknowledges anything.
        self.on_offset: Callable[[int], None] | None = None
        self._pending: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._message_ids = count(1)
        self._next_update_id = count(1)

    # --- what the test does ----------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        return app

    def push(self, update: dict[str, Any]) -> int:
        """An update from a person; its id (given one if it has none)."""
        if "update_id" not in update:
            update = {"update_id": next(self._next_update_id), **update}
        self._pending.append(update)
        self._arrived.set()
        return int(update["update_id"])

    @property
    def waiting(self) -> int:
        """Updates not acknowledged yet."""
        return len(self._pending)

    def texts(self, chat: int | None = None) -> list[str]:
        if chat is not None:
            return list(self.delivered.get(chat, []))
        return [text for texts in self.delivered.values() for text in texts]

    def button(self, chat: int, label: str) -> str:
        """The data of the button labelled `label` in the chat's last keyboard."""
        for row in self.keyboards.get(chat, []):
            for key in row:
                if key["text"] == label:
                    return str(key["callback_data"])
        raise AssertionError(f"no button {label!r} in chat {chat}: {self.keyboards.get(chat)}")

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    # --- the Bot API -----------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _params(request)
        self.counters.requests += 1
        self.calls.append((method, params))
        fault = self.faults.pick(method)
        if fault is not None:
            self.counters.faults[fault] += 1
        if fault == "error":
            return _answer(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
        if fault == "slow":
            await asyncio.sleep(self.faults.slow)
        if method == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            if method == "sendMessage" and self.latency:
                await asyncio.sleep(self.latency)
            gate = self.gates.get(int(params.get("chat_id") or 0))
            if gate is not None:
                await gate.wait()
            result = self._effect(method, params)
        if fault == "stall":
            self.counters.effect_unseen += method == "sendMessage"
            await asyncio.sleep(self.faults.stall)
        if fault == "drop":
            self.counters.effect_unseen += method == "sendMessage"
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never reaches the bot: the connection is gone
        return _answer(200, {"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if self.on_offset is not None:
            self.on_offset(offset)
        before = len(self._pending)
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self.counters.acknowledged += before - len(self._pending)
        if not self._pending:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), float(params.get("timeout") or 0))
            except TimeoutError:
                return []
        return self._pending[:100]

    def _effect(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": self.bot_id, "is_bot": True, "first_name": "Chỉ tiêu",
                    "username": "chitieu_test_bot", "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False}  # fmt: skip
        if method in ("sendMessage", "sendDocument", "sendPhoto"):
            chat = int(params["chat_id"])
            text = str(params.get("text") or params.get("caption") or "")
            self.delivered[chat].append(text)
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                self.keyboards[chat] = markup["inline_keyboard"]
            return {
                "message_id": next(self._message_ids),
                "date": 1_795_000_000,
                "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
                "text": text,
            }
        return True


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, str):
            params[key] = json.loads(value) if value[:1] in "{[" else value
    return params


def _answer(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


def message(user_id: int, text: str, *, name: str = "Lan") -> dict[str, Any]:
    """A private message update without an id: `FakeBotServer.push` numbers it."""
    body: dict[str, Any] = {
        "message_id": 1,
        "date": 1_795_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": name},
        "from": {"id": user_id, "is_bot": False, "first_name": name},
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split(" ", 1)[0])
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"message": body}


def press(user_id: int, data: str, *, name: str = "Lan") -> dict[str, Any]:
    """A button press update without an id."""
    return {
        "callback_query": {
            "id": f"cq-{user_id}-{data}",
            "from": {"id": user_id, "is_bot": False, "first_name": name},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_795_000_000,
                "chat": {"id": user_id, "type": "private"},
                "text": "…",
            },
        }
    }
