"""What the log may say about an exception: its type and where it happened, never its text.

An exception's message can carry what a person typed (openpyxl repeats the offending
cell, a driver the parameters of the failed statement, httpx the URL with the bot token),
so `log.exception` is not used where a turn's data is in play. The frames name the
code, which is all an operator needs to find the fault.
"""

from __future__ import annotations

import traceback
from pathlib import Path

FRAMES = 8  # the innermost ones: where it broke, and what called it


def failure_summary(error: BaseException) -> str:
    """'IllegalCharacterError at appendix_xlsx.py:81 _put < appendix_xlsx.py:121 _write …'"""
    frames = traceback.extract_tb(error.__traceback__)[-FRAMES:]
    where = " < ".join(
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(frames)
    )
    cause = error.__cause__ or error.__context__
    summary = f"{type(error).__name__} at {where or '?'}"
    if cause is not None and cause is not error:
        summary += f" (from {type(cause).__name__})"
    return summary
