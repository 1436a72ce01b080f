"""ZaloOAChannel.send against the fake OA: message shapes and outcomes."""

from __future__ import annotations

import socket

import httpx
import pytest

from bot.zalo.oa import TokenManager, ZaloOAChannel
from handlers.channels import Outcome
from handlers.messages import Button, OutFile, Reply
from tests.bot.zalo.fake_oa import FakeZaloOA, Forced
from tests.bot.zalo.support import FILE_NOTICE

USER = "2468458835296197922"


async def test_a_short_reply_is_one_cs_message(channel: ZaloOAChannel, fake_oa: FakeZaloOA) -> None:
    outcome = await channel.send(USER, Reply("Xin chào"))

    assert outcome.sent
    (message,) = fake_oa.messages
    assert message["body"] == {"recipient": {"user_id": USER}, "message": {"text": "Xin chào"}}


async def test_text_over_2000_characters_is_split_at_line_ends_with_buttons_last(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA
) -> None:
    lines = [f"Dòng {n:03d} " + "x" * 40 for n in range(100)]  # about 5000 characters
    text = "\n".join(lines)

    outcome = await channel.send(USER, Reply(text, buttons=((Button("Tiếp", "next"),),)))

    assert outcome.sent
    texts = fake_oa.texts()
    assert len(texts) == 3
    assert all(len(t) <= 2000 for t in texts)
    assert "\n".join(texts) == text  # cut only between lines
    attachments = [m["body"]["message"].get("attachment") for m in fake_oa.messages]
    assert attachments[:2] == [None, None]
    assert attachments[2]["payload"]["buttons"][0]["title"] == "Tiếp"


async def test_up_to_five_buttons_are_a_template(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA
) -> None:
    rows = ((Button("A", "a"), Button("B", "b")), (Button("C", "c"),))

    await channel.send(USER, Reply("Chọn", buttons=rows))

    message = fake_oa.messages[0]["body"]["message"]
    assert message["text"] == "Chọn"
    buttons = message["attachment"]["payload"]["buttons"]
    assert [b["title"] for b in buttons] == ["A", "B", "C"]
    assert {b["type"] for b in buttons} == {"oa.query.hide"}
    assert [b["payload"].endswith(d) for b, d in zip(buttons, "abc", strict=True)] == [True] * 3


async def test_more_than_five_buttons_become_numbered_lines(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA
) -> None:
    rows = tuple((Button(f"Chỉ tiêu {n}", f"i:{n}"),) for n in range(1, 7))

    await channel.send(USER, Reply("Chọn chỉ tiêu:", buttons=rows))

    (message,) = [m["body"]["message"] for m in fake_oa.messages]
    assert "attachment" not in message
    assert message["text"] == "Chọn chỉ tiêu:\n\n" + "\n".join(
        f"/{n} Chỉ tiêu {n}" for n in range(1, 7)
    )
    assert list(await channel.choices.recall(USER)) == [f"i:{n}" for n in range(1, 7)]


async def test_a_picture_is_uploaded_and_sent_by_attachment_id(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

    outcome = await channel.send(
        USER, Reply("Biểu đồ", image=OutFile("tien-do.png", png, caption="Quý 4"))
    )

    assert outcome.sent
    assert fake_oa.uploads == [{"filename": "tien-do.png", "content": png}]
    text, picture = (m["body"]["message"] for m in fake_oa.messages)
    assert text == {"text": "Biểu đồ"}
    assert picture["text"] == "Quý 4"
    assert picture["attachment"]["payload"] == {
        "template_type": "media",
        "elements": [{"media_type": "image", "attachment_id": "att-1"}],
    }


async def test_an_appendix_becomes_the_notice_the_caller_gave(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA
) -> None:
    appendix = OutFile("phu-luc.xlsx", b"PK\x03\x04", caption="Phụ lục")

    outcome = await channel.send(USER, Reply("Báo cáo", file=appendix))

    assert outcome.sent
    assert fake_oa.texts() == ["Báo cáo", FILE_NOTICE]
    assert fake_oa.uploads == []


@pytest.mark.parametrize("code", [-230, -232, -213, -211, -218])
async def test_a_closed_window_or_quota_is_not_allowed_and_not_retried(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA, code: int
) -> None:
    fake_oa.forced.append(Forced(error=code))

    outcome = await channel.send(USER, Reply("Nhắc báo cáo"))

    assert outcome.outcome is Outcome.NOT_ALLOWED
    assert str(code) in outcome.detail
    assert fake_oa.calls == 1 and fake_oa.refreshes == []


@pytest.mark.parametrize("code", [-201, -210])
async def test_a_bad_request_is_rejected(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA, code: int
) -> None:
    fake_oa.forced.append(Forced(error=code))

    outcome = await channel.send(USER, Reply("x"))

    assert outcome.outcome is Outcome.REJECTED
    assert fake_oa.calls == 1


async def test_the_rate_limit_pauses_the_whole_oa(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA
) -> None:
    fake_oa.forced += [
        Forced(error=-32),
        Forced(status=429, headers={"Retry-After": "7"}),
        Forced(status=429),
    ]

    outcomes = [await channel.send(USER, Reply("x")) for _ in range(3)]

    assert [o.outcome for o in outcomes] == [Outcome.RETRY_AFTER] * 3
    assert [o.retry_after for o in outcomes] == [60.0, 7.0, 60.0]


async def test_server_errors_are_transient(channel: ZaloOAChannel, fake_oa: FakeZaloOA) -> None:
    fake_oa.forced += [Forced(status=502), Forced(status=500)]

    outcomes = [await channel.send(USER, Reply("x")) for _ in range(2)]

    assert [(o.outcome, o.detail) for o in outcomes] == [
        (Outcome.TRANSIENT, "HTTP 502"),
        (Outcome.TRANSIENT, "HTTP 500"),
    ]


async def test_an_unreachable_api_is_transient(
    http: httpx.AsyncClient, tokens: TokenManager
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    channel = ZaloOAChannel(http, tokens, file_notice=FILE_NOTICE, api_url=url)

    outcome = await channel.send(USER, Reply("x"))

    assert outcome.outcome is Outcome.TRANSIENT
    assert outcome.detail == "ConnectError"


async def test_a_failure_midway_names_the_part(channel: ZaloOAChannel, fake_oa: FakeZaloOA) -> None:
    fake_oa.forced += [Forced(), Forced(error=-230)]

    outcome = await channel.send(USER, Reply("a\n" * 1500))

    assert outcome.outcome is Outcome.NOT_ALLOWED
    assert outcome.detail.endswith("(part 2 of 2)")


async def test_details_never_carry_the_token_or_the_text(
    channel: ZaloOAChannel, fake_oa: FakeZaloOA
) -> None:
    fake_oa.forced += [Forced(error=-201), Forced(error=-999)]
    secret_text = "số liệu riêng"

    details = [(await channel.send(USER, Reply(secret_text))).detail for _ in range(2)]

    token = next(iter(fake_oa.access_tokens))
    assert all(secret_text not in d and token not in d for d in details)
    assert details == ["zalo error -201 (invalid parameter)", "zalo error -999"]
