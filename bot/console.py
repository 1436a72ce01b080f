"""The terminal channel: the same handlers, buttons shown as numbered choices."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace
from itertools import count
from typing import TextIO

from handlers.messages import Button, Reply, Turn, TurnKind
from handlers.router import Router

CHANNEL = "console"


class ConsoleChat:
    """One person talking to the bot; "/1", "/2"… press the last reply's buttons.

    Buttons are pressed with a slash so that a bare "1" stays a figure.
    """

    def __init__(self, router: Router, external_id: str, name: str, out: TextIO) -> None:
        self.router = router
        self.external_id = external_id
        self.name = name
        self.out = out
        self.buttons: dict[int, Button] = {}
        self._numbers: dict[str, int] = {}  # label → its number, kept across replies

    def to_turn(self, line: str) -> Turn:
        text = line.rstrip("\n")
        stripped = text.strip()
        base = Turn(CHANNEL, self.external_id, self.external_id, TurnKind.TEXT, name=self.name)
        if stripped.startswith("/") and stripped[1:].isdigit():
            choice = int(stripped[1:])
            if choice in self.buttons:
                return replace(base, kind=TurnKind.BUTTON, text=self.buttons[choice].data)
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            return replace(base, kind=TurnKind.COMMAND, command=head.lower(), text=rest.strip())
        return replace(base, text=text)

    async def say(self, line: str) -> list[Reply]:
        replies = await self.router.handle(self.to_turn(line))
        self.show(replies)
        return replies

    def show(self, replies: list[Reply]) -> None:
        shown = [button for reply in replies for row in reply.buttons for button in row]
        numbers = self._number(shown) if shown else {}
        for reply in replies:
            print(reply.text, file=self.out)
            for row in reply.buttons:
                for button in row:
                    print(f"  [/{numbers[button.label]}] {button.label}", file=self.out)
            for attached in (reply.file, reply.image):
                if attached is not None:
                    print(
                        f"  📎 {attached.filename} ({len(attached.content)} bytes)", file=self.out
                    )
            print(file=self.out)
        if shown or replies:
            self.buttons = {numbers[b.label]: b for b in shown}

    def _number(self, shown: list[Button]) -> dict[str, int]:
        """A number per label, the same each time the label is shown ("Bỏ qua" stays /1):
        labels seen before keep theirs, new ones take the lowest number free here."""
        numbers: dict[str, int] = {}
        for button in shown:
            known = self._numbers.get(button.label)
            if known is not None and known not in numbers.values():
                numbers[button.label] = known
        for button in shown:
            if button.label not in numbers:
                free = next(n for n in count(1) if n not in numbers.values())
                numbers[button.label] = free
        self._numbers.update(numbers)
        return numbers


async def run_console(
    chat: ConsoleChat, source: TextIO, *, interactive: bool, read: Callable[[str], str] = input
) -> None:
    """Read turns until end of input; interactive sessions get a prompt."""
    await chat.say("/start")
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(read, "> ")
            except EOFError:
                break
        else:
            line = source.readline()
            if not line:
                break
            print(f"> {line.rstrip()}", file=chat.out)
        if interactive and line.strip() in ("/exit", "/thoat"):
            break
        await chat.say(line)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
