"""A turn's replies joined into as few messages as the channel's limit allows."""

from __future__ import annotations

from handlers.channels import one_message_per_turn
from handlers.messages import Button, OutFile, Reply

SKIP = ((Button("Bỏ qua", "r:skip"),),)
CHART = OutFile("tiendo.png", b"\x89PNG")


def test_texts_join_and_the_buttons_stay_on_the_last() -> None:
    joined = one_message_per_turn([Reply("Đã ghi 3.1."), Reply("Câu hỏi 3.2?", SKIP)], 100)
    assert joined == [Reply("Đã ghi 3.1.\n\nCâu hỏi 3.2?", SKIP)]


def test_nothing_joins_after_buttons_a_picture_or_a_file() -> None:
    replies = [
        Reply("Chọn kỳ:", SKIP),
        Reply("Biểu đồ", image=CHART),
        Reply("Phụ lục", file=OutFile("phuluc.xlsx", b"PK")),
        Reply("Xong."),
    ]
    assert one_message_per_turn(replies, 100) == replies


def test_a_text_joins_the_picture_after_it_in_order() -> None:
    joined = one_message_per_turn([Reply("Tiến độ:"), Reply("Quý IV", image=CHART)], 100)
    assert joined == [Reply("Tiến độ:\n\nQuý IV", image=CHART)]


def test_the_limit_starts_a_new_message() -> None:
    replies = [Reply("a" * 60), Reply("b" * 30), Reply("c" * 30)]
    joined = one_message_per_turn(replies, 100)
    assert joined == [Reply("a" * 60 + "\n\n" + "b" * 30), Reply("c" * 30)]
    assert all(len(r.text) <= 100 for r in joined)


def test_empty_texts_and_nothing_at_all() -> None:
    assert one_message_per_turn([], 100) == []
    assert one_message_per_turn([Reply(""), Reply("Câu hỏi?", SKIP)], 100) == [
        Reply("Câu hỏi?", SKIP)
    ]
