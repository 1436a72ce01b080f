"""A fake Zalo OA Open API and OAuth server, served over real HTTP in the tests.

It keeps Zalo's rules that the channel depends on: an access token is checked on every
call (-216 when unknown), a refresh token works once, errors come as HTTP 200 with a
negative `error` code.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

APP_ID = "360846524940903967"
APP_SECRET = "app-secret-for-tests"
EXPIRES_IN = "90000"


@dataclass
class Forced:
    """One scripted answer to the next message send."""

    error: int = 0
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeZaloOA:
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)  # {"token", "body"}
    uploads: list[dict[str, Any]] = field(default_factory=list)
    refreshes: list[str] = field(default_factory=list)  # refresh tokens presented
    refused_refreshes: list[str] = field(default_factory=list)
    forced: list[Forced] = field(default_factory=list)
    # Followers who have not written for 7 days: a CS message to them gets -230.
    window_closed: set[str] = field(default_factory=set)
    refresh_delay: float = 0.05  # lets concurrent senders pile up behind one refresh
    calls: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def grant(self) -> tuple[str, str]:
        """A valid pair, as an operator's first authorisation gives."""
        number = next(self._ids)
        access, refresh = f"access-{number}", f"refresh-{number}"
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return access, refresh

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v2.0/oa/upload/image", self._upload)
        app.router.add_post("/v4/oa/access_token", self._access_token)
        return app

    def texts(self, user_id: str | None = None) -> list[str]:
        return [
            m["body"]["message"].get("text", "")
            for m in self.messages
            if user_id is None or m["body"]["recipient"]["user_id"] == user_id
        ]

    def buttons(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """The buttons of the last message that had any (to `user_id`)."""
        for m in reversed(self.messages):
            if user_id is not None and m["body"]["recipient"]["user_id"] != user_id:
                continue
            attachment = m["body"]["message"].get("attachment") or {}
            buttons = attachment.get("payload", {}).get("buttons")
            if buttons:
                return list(buttons)
        return []

    async def _message(self, request: web.Request) -> web.Response:
        self.calls += 1
        token = request.headers.get("access_token", "")
        if token not in self.access_tokens:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if self.forced:
            forced = self.forced.pop(0)
            if forced.status != 200:
                return web.json_response(
                    {"error": -1}, status=forced.status, headers=forced.headers
                )
            return web.json_response(
                {"error": forced.error, "message": "scripted"}, headers=forced.headers
            )
        body = await request.json()
        if body["recipient"]["user_id"] in self.window_closed:
            return web.json_response(
                {"error": -230, "message": "User has not interacted with the OA in 7 days"}
            )
        self.messages.append({"token": token, "body": body})
        return web.json_response(
            {
                "data": {
                    "message_id": f"m{len(self.messages)}",
                    "user_id": body["recipient"]["user_id"],
                },
                "error": 0,
                "message": "Success",
            }
        )

    async def _upload(self, request: web.Request) -> web.Response:
        self.calls += 1
        if request.headers.get("access_token", "") not in self.access_tokens:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        form = await request.post()
        upload = form["file"]
        assert isinstance(upload, web.FileField)
        content = upload.file.read()
        self.uploads.append({"filename": upload.filename, "content": content})
        attachment_id = f"att-{len(self.uploads)}"
        return web.json_response(
            {"data": {"attachment_id": attachment_id}, "error": 0, "message": "Success"}
        )

    async def _access_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        refresh = str(form.get("refresh_token", ""))
        ok = (
            request.headers.get("secret_key") == APP_SECRET
            and form.get("app_id") == APP_ID
            and form.get("grant_type") == "refresh_token"
        )
        await asyncio.sleep(self.refresh_delay)
        if not ok or refresh not in self.refresh_tokens:
            self.refused_refreshes.append(refresh)
            # Guess at the form of a refusal; the channel only relies on it not being a pair.
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        self.refresh_tokens.discard(refresh)  # single use
        self.refreshes.append(refresh)
        access, new_refresh = self.grant()
        return web.json_response(
            {"access_token": access, "refresh_token": new_refresh, "expires_in": EXPIRES_IN}
        )
