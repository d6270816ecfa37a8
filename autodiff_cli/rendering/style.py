"""How human output looks on this run: colour, rounding, and Unicode or ASCII.

Colour follows `--color auto|always|never`; under `auto` it is on for a terminal,
off when `NO_COLOR` is set, and on when piped if `FORCE_COLOR` is set (the
conventions of no-color.org and force-color.org). A stream that cannot encode
`∂` (a cp1252 redirect on Windows) gets ASCII: `d/dx`, `+--`.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

# SGR codes for the few things that are coloured.
_CODES = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold": "1", "dim": "2"}
COLOR_CHOICES = ("auto", "always", "never")


def color_enabled(stream: TextIO, choice: str = "auto") -> bool:
    """Whether to write escape codes to `stream` for `--color choice`."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def can_encode(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class Style:
    """What a renderer needs to know about its stream: `color` (escape codes or none),
    `digits` (significant digits, None for the shortest round-trip) and `unicode`."""

    def __init__(self, *, color: bool = False, digits: int | None = None,
                 unicode: bool = True) -> None:
        self.color = color
        self.digits = digits
        self.unicode = unicode

    def paint(self, text: str, *styles: str) -> str:
        if not self.color or not styles or not text:
            return text
        return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}\x1b[0m"

    def number(self, value: float) -> str:
        from autodiff_cli.rendering.numbers import format_number

        return format_number(value, self.digits)

    def value(self, value) -> str:
        from autodiff_cli.rendering.numbers import format_value

        return format_value(value, self.digits)

    def partial(self, name: str, order: int = 1, other: str | None = None) -> str:
        """`∂/∂x`, `∂²/∂x²`, `∂²/∂x∂y`, or their ASCII forms `d/dx`, `d2/dx2`, `d2/dxdy`."""
        d, two = ("∂", "²") if self.unicode else ("d", "2")
        if order == 1:
            return f"{d}/{d}{name}"
        if other is None or other == name:
            return f"{d}{two}/{d}{name}{two}"
        return f"{d}{two}/{d}{name}{d}{other}"


def style_for(stream: TextIO, *, color: str = "auto", digits: int | None = None) -> Style:
    return Style(color=color_enabled(stream, color), digits=digits,
                 unicode=can_encode(stream, "∂²├└│…↑"))


def stderr_style(color: str = "auto") -> Style:
    return style_for(sys.stderr, color=color)
