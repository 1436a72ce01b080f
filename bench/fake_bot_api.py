"""A local fake Bot API server that enforces Telegram's sending limits.

A minimal HTTP/1.1 JSON responder on 127.0.0.1 (keep-alive, Content-Length bodies, form
or JSON parameters), enough for python-telegram-bot's HTTPXRequest. It answers getMe,
sendMessage and getUpdates (long polling over the updates `push`ed to it, Telegram's
offset semantics), and True to anything else; beyond 30 messages in any second overall,
one a second per private chat or 20 a minute per group it answers 429 with retry_after,
as Telegram does (`UNLIMITED` turns that off). It runs on its own thread and event
loop, so that the bot under test cannot slow it down; `on_message` is called there.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

BOT = {"id": 7000001, "is_bot": True, "first_name": "Chỉ tiêu", "username": "chitieu_bench_bot"}


@dataclass
class Stats:
    accepted: Counter[int] = field(default_factory=Counter)  # chat → messages delivered
    accepted_at: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, chat)
    too_many: int = 0
    too_many_by_chat: Counter[int] = field(default_factory=Counter)
    requests: int = 0  # every call but getUpdates
    polls: int = 0  # getUpdates calls

    @property
    def delivered(self) -> int:
        return len(self.accepted_at)


@dataclass
class Limits:
    per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20


UNLIMITED = Limits(per_second=10**9, private_per_second=10**9, group_per_minute=10**9)

# Called on the server's thread with a delivered message's chat and parameters.
OnMessage = Callable[[int, dict[str, Any]], None]


class FakeBotApi:
    def __init__(self, limits: Limits | None = None, on_message: OnMessage | None = None) -> None:
        self.limits = limits or Limits()
        self.on_message = on_message
        self.stats = Stats()
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._arrived: asyncio.Event | None = None
        self._overall: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}
        self._message_id = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Bot API did not start")

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "start() first"
        return self._loop

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates, numbering it; on the server's thread only
        (`loop.call_soon_threadsafe(api.push, …)` from elsewhere)."""
        self._updates.append({"update_id": self._next_update_id, **update})
        self._next_update_id += 1
        if self._arrived is not None:
            self._arrived.set()

    async def _get_updates(self, params: dict[str, Any]) -> dict[str, Any]:
        offset = int(params.get("offset") or 0)
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()  # an offset acknowledges every update before it
        if not self._updates:
            assert self._arrived is not None
            self._arrived.clear()
            timeout = float(params.get("timeout") or 0)
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout)
            except TimeoutError:
                return {"ok": True, "result": []}
        limit = int(params.get("limit") or 100)
        return {"ok": True, "result": list(self._updates)[:limit]}

    def stop(self) -> None:
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        if self._thread is not None:
            self._thread.join(10)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        # Closing the connections ends their handlers at the next read, without the
        # noise cancelling stream handlers makes.
        for writer in list(self._writers):
            writer.close()
        # A long poll still waiting answers now (with nothing), so that its handler ends
        # instead of being destroyed pending with the loop (a warning per task).
        if self._arrived is not None:
            self._arrived.set()
        connections = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if connections:
            await asyncio.wait(connections, timeout=5)
        asyncio.get_running_loop().call_soon(asyncio.get_running_loop().stop)

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._arrived = asyncio.Event()
        self._server = loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        loop.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                path = request_line.decode("latin-1").split(" ")[1]
                content_type = headers.get("content-type", "")
                if path.endswith("/getUpdates"):
                    self.stats.polls += 1
                    status, payload = 200, await self._get_updates(_params(content_type, body))
                else:
                    status, payload = self._answer(path, content_type, body)
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _answer(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        self.stats.requests += 1
        method = path.rsplit("/", 1)[-1]
        params = _params(content_type, body)
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        if method != "sendMessage":
            return 200, {"ok": True, "result": True}
        chat = int(params["chat_id"])
        wait = self._admit(chat, time.monotonic())
        if wait > 0:
            self.stats.too_many += 1
            self.stats.too_many_by_chat[chat] += 1
            retry_after = max(1, math.ceil(wait))
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            }
        self._message_id += 1
        chat_type = "supergroup" if chat < 0 else "private"
        message = {
            "message_id": self._message_id,
            "date": 1_795_000_000,
            "chat": {"id": chat, "type": chat_type},
            "text": params.get("text", ""),
        }
        if self.on_message is not None:
            self.on_message(chat, params)
        return 200, {"ok": True, "result": message}

    def _admit(self, chat: int, now: float) -> float:
        """0 if the message may go now (and count it), else seconds until it may."""
        overall = self._overall
        while overall and overall[0] <= now - 1.0:
            overall.popleft()
        if len(overall) >= self.limits.per_second:
            return overall[0] + 1.0 - now
        window, allowed = (
            (60.0, self.limits.group_per_minute)
            if chat < 0
            else (1.0, self.limits.private_per_second)
        )
        sent = self._chats.setdefault(chat, deque())
        while sent and sent[0] <= now - window:
            sent.popleft()
        if len(sent) >= allowed:
            return sent[0] + window - now
        overall.append(now)
        sent.append(now)
        self.stats.accepted[chat] += 1
        self.stats.accepted_at.append((now, chat))
        return 0.0


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if "json" in content_type:
        params: dict[str, Any] = json.loads(body or b"{}")
    elif "multipart" in content_type:
        raise ValueError("multipart requests (files) are not faked here")
    else:
        params = dict(parse_qsl(body.decode()))
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        params["reply_markup"] = json.loads(markup)
    return params
