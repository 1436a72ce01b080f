"""Reading and writing numbers the way Vietnamese people type and print them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# A number as typed: digits with an optional decimal part, or thousands groups
# separated by one kind of separator ("1.234.567", "1 234").
NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?: \d{3}(?!\d))*")
_GROUPED = re.compile(r"\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*")
# No indicator value has more digits; longer ones are not figures (phone numbers, IDs)
# and would overflow exact formatting (Decimal's 28 digits) or int conversion limits.
MAX_DIGITS = 15


def _too_long(token: str) -> bool:
    return sum(ch.isdigit() for ch in token) > MAX_DIGITS


def parse_decimal(token: str) -> Decimal | None:
    """A decimal from "65", "65,5", "65.5", "80,37"; None when it is not one number.

    One separator is a decimal mark (comma or dot: people type both). Several
    separators of one kind are thousands groups.
    """
    token = token.strip()
    if not token or _too_long(token):
        return None
    if _GROUPED.fullmatch(token) and (token.count(".") + token.count(",") + token.count(" ") > 1):
        return _to_decimal(re.sub(r"[., ]", "", token))
    if " " in token:
        return _to_decimal(token.replace(" ", "")) if _GROUPED.fullmatch(token) else None
    if token.count(".") + token.count(",") > 1:
        return None
    return _to_decimal(token.replace(",", "."))


def parse_integer(token: str) -> int | None:
    """A whole number from "13", "1234", "1.234", "1,234", "1 234"; None otherwise."""
    token = token.strip()
    if _too_long(token):
        return None
    if re.fullmatch(r"\d+", token):
        return int(token)
    if _GROUPED.fullmatch(token):
        return int(re.sub(r"[., ]", "", token))
    return None


def _to_decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def format_decimal(value: Decimal, *, places: int = 2) -> str:
    """Vietnamese form: decimal comma, thousands dot, trailing zeros dropped: 80.370 → "80,37"."""
    quantized = value.quantize(Decimal(1).scaleb(-places)) if places >= 0 else value
    sign = "-" if quantized < 0 else ""
    text = f"{abs(quantized):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{frac}" if frac else f"{sign}{grouped}"


def format_percent(value: Decimal, *, places: int = 2) -> str:
    return f"{format_decimal(value, places=places)}%"
