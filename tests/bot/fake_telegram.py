"""A fake Bot API at the HTTP layer: python-telegram-bot runs for real, the network does not."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from telegram.request import BaseRequest, RequestData

# What Telegram's HTML parse mode accepts (Bot API, "HTML style"); anything else after a
# "<" or "&" makes it answer 400 "can't parse entities", and the message is not sent.
_TAG = re.compile(
    r"</?(?:b|strong|i|em|u|ins|s|strike|del|code|pre|blockquote|tg-spoiler)>"
    r'|<a href="[^"<>]*">|</a>|<span class="tg-spoiler">|</span>'
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
TEXT_LIMIT, CAPTION_LIMIT, DATA_LIMIT = 4096, 1024, 64


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse `text` in HTML parse mode, or None."""
    at = 0
    while at < len(text):
        char = text[at]
        if char in "<&":
            found = (_TAG if char == "<" else _ENTITY).match(text, at)
            if found is None:
                return f"can't parse entities: unsupported {char!r} at byte offset {at}"
            at = found.end()
        elif char == ">":
            return f"can't parse entities: unescaped '>' at byte offset {at}"
        else:
            at += 1
    return None


BOT_ID = 7000001
TOKEN = f"{BOT_ID}:AAFakeTokenForTestsOnly_abcdefghij"


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi(BaseRequest):
    """Answers every Bot API method the bot uses and records each call."""

    calls: list[Call] = field(default_factory=list)
    rejected: list[Call] = field(default_factory=list)  # what Telegram would have refused
    _message_ids: Any = field(default_factory=lambda: count(1))

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

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
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.json_parameters) if request_data else {}
        decoded = {k: _decode(v) for k, v in params.items()}
        problem = _refusal(api_method, decoded)
        if problem is not None:
            self.rejected.append(Call(api_method, decoded))
            answer = {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
            return 400, json.dumps(answer).encode()
        self.calls.append(Call(api_method, decoded))
        return 200, json.dumps({"ok": True, "result": self._result(api_method, decoded)}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Chỉ tiêu", "username": "chitieu_test_bot",
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}  # fmt: skip
        if method in ("sendMessage", "sendDocument", "sendPhoto"):
            return {
                "message_id": next(self._message_ids),
                "date": 1_795_000_000,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", ""),
            }
        return True

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [
            c.params["text"]
            for c in self.calls
            if c.method == "sendMessage"
            and (chat_id is None or int(c.params["chat_id"]) == chat_id)
        ]

    def last_keyboard(self) -> list[list[dict[str, Any]]]:
        for call in reversed(self.calls):
            if call.method == "sendMessage" and call.params.get("reply_markup"):
                markup = call.params["reply_markup"]
                return markup["inline_keyboard"]  # type: ignore[no-any-return]
        return []


def _refusal(method: str, params: dict[str, Any]) -> str | None:
    """What Telegram would answer with a 400 for this call, or None."""
    text_key = "text" if method == "sendMessage" else "caption"
    text = params.get(text_key)
    limit = TEXT_LIMIT if text_key == "text" else CAPTION_LIMIT
    if method == "sendMessage" and not str(text or "").strip():
        return "message text is empty"
    if isinstance(text, str):
        if params.get("parse_mode") == "HTML":
            problem = html_problem(text)
            if problem is not None:
                return problem
            text = html.unescape(re.sub(r"<[^>]*>", "", text))
        if len(text) > limit:
            return "message is too long" if text_key == "text" else "message caption is too long"
    markup = params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
        for key in row:
            if len(str(key.get("callback_data", "")).encode()) > DATA_LIMIT:
                return "BUTTON_DATA_INVALID"
            if not str(key.get("text", "")).strip():
                return "BUTTON_TEXT_EMPTY"
    return None


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_update_ids = count(1000)


def message_update(
    user_id: int, text: str | None, *, sticker: bool = False, name: str = "Lan"
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": 1_795_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": name},
        "from": {"id": user_id, "is_bot": False, "first_name": name},
    }
    if sticker:
        message["sticker"] = {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512,
                              "is_animated": False, "is_video": False, "type": "regular"}  # fmt: skip
    else:
        message["text"] = text
        if text and text.startswith("/"):
            command = text.split(" ", 1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": next(_update_ids), "message": message}


def button_update(user_id: int, data: str, *, name: str = "Lan") -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": {"id": user_id, "is_bot": False, "first_name": name},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_795_000_000,
                "chat": {"id": user_id, "type": "private"},
                "text": "…",
            },
        },
    }
