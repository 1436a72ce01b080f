"""Every channel builds a Turn, so cleaning typed text there covers them all."""

from dataclasses import replace

from handlers.messages import Turn, TurnKind


def test_every_channel_turn_is_cleaned() -> None:
    turn = Turn("zalo", "1", "1", TurnKind.TEXT, text="a\x00b\tc", name="N\x1bguyễn")
    assert (turn.text, turn.name) == ("ab c", "Nguyễn")
    assert replace(turn, text="x\x07y").text == "xy"
    command = Turn("telegram", "1", "1", TurnKind.COMMAND, text="Thôn\x002", command="chuadat")
    assert command.text == "Thôn2"
