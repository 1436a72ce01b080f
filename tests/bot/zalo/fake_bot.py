"""A fake Zalo Bot Platform (`/bot<TOKEN>/<method>`), served over real HTTP in the tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "1234567890:test-bot-secret"


@dataclass
class FakeBotPlatform:
    sent: list[dict[str, Any]] = field(default_factory=list)  # {"method", **payload}
    polls: list[dict[str, Any]] = field(default_factory=list)  # getUpdates bodies
    timeouts: int = 0  # getUpdates calls answered 408
    forced: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # next send's error
    timeout_status: int = 408  # HTTP status of the 408 answer (200: only in the body)
    hold: float = 0.2  # the longest a poll waits here, whatever timeout it asked for
    _updates: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._call)
        return app

    def push(self, update: dict[str, Any]) -> None:
        self._updates.put_nowait(update)

    def texts(self) -> list[str]:
        return [s["text"] for s in self.sent if s["method"] == "sendMessage"]

    async def _call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        body = await request.json() if request.can_read_body else {}
        if method == "getUpdates":
            return await self._get_updates(body)
        if method in ("sendMessage", "sendPhoto"):
            if self.forced:
                code, extra = self.forced.pop(0)
                return _error(code, "scripted", **extra)
            self.sent.append({"method": method, **body})
            return web.json_response(
                {"ok": True, "result": {"message_id": f"out-{next(self._ids)}", "date": 0}}
            )
        if method == "getMe":
            return web.json_response(
                {"ok": True, "result": {"id": "1234567890", "account_name": "chitieu"}}
            )
        if method in ("setWebhook", "deleteWebhook"):
            self.sent.append({"method": method, **body})
            return web.json_response({"ok": True, "result": True})
        return _error(404, "Not found")

    async def _get_updates(self, body: dict[str, Any]) -> web.Response:
        self.polls.append(body)
        if not isinstance(body.get("timeout"), str):
            return _error(400, "timeout must be a string")
        update: dict[str, Any] | None = None
        with contextlib.suppress(TimeoutError):
            update = await asyncio.wait_for(
                self._updates.get(), min(float(body["timeout"]), self.hold)
            )
        if update is None:
            self.timeouts += 1
            return _error(408, "Request timeout", status=self.timeout_status)
        return web.json_response({"ok": True, "result": update})


def _error(code: int, description: str, *, status: int | None = None, **extra: Any) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description, **extra}
    return web.json_response(body, status=code if status is None else status)


def text_update(
    text: str, message_id: str, *, user: str = "u-42", name: str = "Chị Lan"
) -> dict[str, Any]:
    return {
        "event_name": "message.text.received",
        "message": {
            "message_id": message_id,
            "from": {"id": user, "display_name": name, "is_bot": False},
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "date": 1795398000000,
            "text": text,
        },
    }
