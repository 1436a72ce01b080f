"""Every channel carries what the handlers produce: button payloads of BUTTON_DATA_BYTES,
and texts of any length (split by the channel itself)."""

from __future__ import annotations

import pytest

from bot import telegram_channel
from bot.zalo import bot_platform, oa
from handlers.channels import Capabilities
from handlers.messages import BUTTON_DATA_BYTES, Button

CHANNELS = {
    "telegram": telegram_channel.CAPABILITIES,
    "zalo-oa": oa.CAPABILITIES,
    "zalo-bot": bot_platform.CAPABILITIES,
}


@pytest.mark.parametrize("name", CHANNELS)
def test_a_channel_with_buttons_carries_every_button_the_handlers_make(name: str) -> None:
    caps: Capabilities = CHANNELS[name]
    assert caps.max_buttons == 0 or caps.max_button_data >= BUTTON_DATA_BYTES


def test_a_button_over_the_portable_payload_is_refused_where_it_is_made() -> None:
    Button("ok", "x" * BUTTON_DATA_BYTES)
    with pytest.raises(ValueError, match="over 64 bytes"):
        Button("too long", "é" * 33)  # 66 bytes in UTF-8
