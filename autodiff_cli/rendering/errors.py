"""Bad input as text for stderr and as the `{"error": ...}` document.

The stderr form follows rustc and ruff, kept short:

    error: expected a number, a name or '('
     --> line 1, column 4
      |
    1 | (x+)
      |    ^
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from autodiff_cli.errors import AdiffError

if TYPE_CHECKING:
    from autodiff_cli.rendering.style import Style

_TAB = "    "
# A 100,000-character program on one line must not flood the terminal: a line
# longer than _WIDTH shows a window of that size around the column, with up to
# _BEFORE characters before it, marked with ellipses where the line was cut.
_WIDTH = 80
_BEFORE = 60


def format_error(err: AdiffError, style: Style | None = None) -> str:
    """`error: <message>`, then the place and the source line with a caret, when known;
    `error:` in red where `style` has colour."""
    label = style.paint("error:", "red", "bold") if style is not None else "error:"
    lines = [f"{label} {err.message}"]
    if err.line is None:
        return "\n".join(lines)
    place = f"line {err.line}" if err.column is None else f"line {err.line}, column {err.column}"
    gutter = " " * len(str(err.line))
    lines.append(f"{gutter}--> {place}")
    if err.source_line is not None and err.column is not None:
        unicode = style is None or style.unicode
        shown, caret_at = _window(err.source_line.rstrip("\r\n"), err.column, unicode)
        lines += [
            f"{gutter} |",
            f"{err.line} | {shown}",
            f"{gutter} | {' ' * caret_at}^",
        ]
    return "\n".join(lines)


def _window(source: str, column: int, unicode: bool = True) -> tuple[str, int]:
    """The part of `source` to show and the caret's cell offset in it.

    `column` is 1-based and may be one past the end (an error at end of input).
    Tabs and wide characters are counted in terminal cells, so the caret stays
    under its character. Where the stream is ASCII each other character shows as
    one `?` (Python's `\\xb2` would push the caret off its place).
    """
    if not unicode:
        source = source.encode("ascii", "replace").decode("ascii")
    index = min(max(column, 1), len(source) + 1) - 1
    start = max(0, min(index - _BEFORE, len(source) - _WIDTH))
    end = min(len(source), start + _WIDTH)
    dots = "…" if unicode else "..."
    head = dots if start > 0 else ""
    tail = dots if end < len(source) else ""
    prefix = head + source[start:index]
    return _cells_text(prefix + source[index:end] + tail), _cell_width(prefix)


def _cells_text(text: str) -> str:
    return text.replace("\t", _TAB)


def _cell_width(text: str) -> int:
    width = 0
    for ch in _cells_text(text):
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def error_document(err: AdiffError) -> dict[str, Any]:
    """SPEC §4: `{"error": {"kind", "message"}}`, plus "line" and "column" when known."""
    body: dict[str, Any] = {"kind": err.kind, "message": err.message}
    if err.line is not None:
        body["line"] = err.line
    if err.column is not None:
        body["column"] = err.column
    return {"error": body}
