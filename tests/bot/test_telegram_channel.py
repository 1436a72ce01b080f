"""Rendering replies for Telegram: escaping, the 4096-character limit, buttons."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot.telegram_channel import send_replies, split_message
from handlers.messages import Button, Reply
from tests.bot.fake_telegram import TOKEN, FakeBotApi


def test_short_text_is_one_message() -> None:
    assert split_message("xin chào") == ["xin chào"]


def test_long_text_is_cut_at_line_ends_within_the_limit() -> None:
    lines = [f"Thôn {n}: chưa báo cáo chỉ tiêu 3.1, 3.2, 3.3" for n in range(400)]
    pieces = split_message("\n".join(lines))
    assert len(pieces) > 1
    assert all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)


def test_a_line_longer_than_the_limit_never_splits_an_html_entity() -> None:
    text = "a" * 4093 + "&amp;" + "b" * 10
    pieces = split_message(text)
    assert all(len(p) <= 4096 for p in pieces)
    assert "".join(pieces) == text
    assert all("&am" not in p or "&amp;" in p for p in pieces)


async def test_user_and_plan_text_is_escaped_for_html() -> None:
    api = FakeBotApi()
    async with Bot(TOKEN, request=api) as bot:
        await send_replies(
            bot, 1, [Reply("Ghi chú: <b>đường</b> & cáp", ((Button("Lưu", "r:save"),),))]
        )
    sent = [c for c in api.calls if c.method == "sendMessage"][0]
    assert sent.params["text"] == "Ghi chú: &lt;b&gt;đường&lt;/b&gt; &amp; cáp"
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "r:save"


async def test_buttons_go_on_the_last_piece_only() -> None:
    api = FakeBotApi()
    async with Bot(TOKEN, request=api) as bot:
        await send_replies(bot, 1, [Reply("x\n" * 3000, ((Button("Lưu", "r:save"),),))])
    sent = [c for c in api.calls if c.method == "sendMessage"]
    assert len(sent) == 2
    assert "reply_markup" not in sent[0].params and sent[1].params["reply_markup"]


def test_button_data_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError):
        Button("x", "r:" + "đ" * 40)
