"""Long texts as several messages, cut where a reader expects a break."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line end where there is one.

    Zalo sends plain text (no markup to escape), so any cut is safe; a line end is only
    nicer to read. A text with no line end in reach is cut at a space, then anywhere.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text or not pieces:
        pieces.append(text)
    return pieces
