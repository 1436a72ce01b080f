"""The terminal channel: the same handlers, buttons shown as numbered choices."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace
from itertools import count
from typing import TextIO

from handlers.router import Router
from handlers.turns import Button, Reply, Turn, TurnKind

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
        self.buttons: list[Button] = []
        self._ids = count(1)

    def to_turn(self, line: str) -> Turn:
        text = line.rstrip("\n")
        stripped = text.strip()
        base = Turn(CHANNEL, self.external_id, self.external_id, TurnKind.TEXT, name=self.name)
        if stripped.startswith("/") and stripped[1:].isdigit():
            choice = int(stripped[1:])
            if 1 <= choice <= len(self.buttons):
                return replace(base, kind=TurnKind.BUTTON, text=self.buttons[choice - 1].data)
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            return replace(base, kind=TurnKind.COMMAND, command=head.lower(), text=rest.strip())
        return replace(base, text=text)

    async def say(self, line: str) -> list[Reply]:
        replies = await self.router.handle(self.to_turn(line))
        self.show(replies)
        return replies

    def show(self, replies: list[Reply]) -> None:
        buttons: list[Button] = []
        for reply in replies:
            print(reply.text, file=self.out)
            for row in reply.buttons:
                for button in row:
                    buttons.append(button)
                    print(f"  [/{len(buttons)}] {button.label}", file=self.out)
            for attached in (reply.file, reply.image):
                if attached is not None:
                    print(
                        f"  📎 {attached.filename} ({len(attached.content)} bytes)", file=self.out
                    )
            print(file=self.out)
        if buttons or replies:
            self.buttons = buttons


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
