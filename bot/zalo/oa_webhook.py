"""The HTTP endpoint Zalo posts OA events to.

Zalo wants a 200 within 2 seconds and otherwise delivers the same event again (after
30 s, 5, 15 and 30 minutes and an hour), so the endpoint only checks the signature and
answers; the event is handled afterwards, once per `msg_id`. Old timestamps are not
refused: a redelivery is legitimately old, and the dedupe key already stops a replay.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.numbered_choices import resolve_choice
from bot.zalo.inbox import Dedupe, OnTurn, SerialWorker, deliver, serve
from bot.zalo.oa import ZaloOAChannel
from bot.zalo.oa_events import (
    SIGNATURE_HEADER,
    FollowEvent,
    IgnoredEvent,
    OAEvent,
    TurnEvent,
    UnfollowEvent,
    parse_event,
    verify_signature,
)
from handlers.messages import Reply

log = logging.getLogger(__name__)

DEFAULT_PATH = "/zalo/webhook"
MAX_BODY = 1024 * 1024  # an event is a few hundred bytes; anything near this is not Zalo

OnFollow = Callable[[FollowEvent], Awaitable[list[Reply]]]
OnUnfollow = Callable[[UnfollowEvent], Awaitable[None]]


class OAWebhook:
    """Receives OA events, hands turns to `on_turn` and sends its replies back.

    `on_follow` answers a new follower (the router's greeting); `on_unfollow` marks the
    person unreachable on this channel. `first_time` is the app's dedupe (see `Dedupe`).
    """

    def __init__(
        self,
        channel: ZaloOAChannel,
        *,
        app_id: str,
        oa_secret: str,
        on_turn: OnTurn,
        first_time: Dedupe | None = None,
        on_follow: OnFollow | None = None,
        on_unfollow: OnUnfollow | None = None,
        path: str = DEFAULT_PATH,
    ) -> None:
        self.channel = channel
        self._app_id = app_id
        self._oa_secret = oa_secret
        self._on_turn = on_turn
        self._first_time = first_time
        self._on_follow = on_follow
        self._on_unfollow = on_unfollow
        self.path = path
        self._worker = SerialWorker("zalo_oa")
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._receive)
        app.on_startup.append(self._started)
        app.on_cleanup.append(self._stopping)
        return app

    async def start(self, host: str = "0.0.0.0", port: int = 8080) -> int:
        """Listen; the port bound (for port 0)."""
        self._runner, bound = await serve(self.application(), host, port)
        return bound

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def drain(self) -> None:
        """Until every event received so far has been handled."""
        await self._worker.drain()

    async def _started(self, app: web.Application) -> None:
        self._worker.start()

    async def _stopping(self, app: web.Application) -> None:
        await self._worker.stop()

    async def _receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        signature = request.headers.get(SIGNATURE_HEADER)
        if not verify_signature(self._app_id, raw, self._oa_secret, signature):
            log.warning(
                "zalo_oa webhook: refused an event with %s signature from %s",
                "a wrong" if signature else "no",
                request.remote,
            )
            return web.Response(status=401)
        try:
            body = json.loads(raw)
        except ValueError:  # cannot happen once signed, but a signed body is still input
            return web.Response(status=400)
        if not isinstance(body, dict):
            return web.Response(status=400)
        event = parse_event(body)
        if not isinstance(event, IgnoredEvent):
            self._worker.submit(lambda: self._handle(event))
        return web.Response(text="ok")

    async def _handle(self, event: OAEvent) -> None:
        if self._first_time is not None and not await self._first_time(event.key):
            return
        if isinstance(event, TurnEvent):
            turn = await resolve_choice(event.turn, self.channel.choices)
            await deliver(self.channel, turn.chat_id, await self._on_turn(turn))
        elif isinstance(event, FollowEvent):
            if self._on_follow is not None:
                await deliver(self.channel, event.user_id, await self._on_follow(event))
        elif isinstance(event, UnfollowEvent) and self._on_unfollow is not None:
            await self._on_unfollow(event)
