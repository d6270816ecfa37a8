"""Output for people: aligned label/value rows and tables, coloured when `Style` says so.

The text is the same with and without colour: plain aligned columns, with
escape codes around the labels and verdicts only when colour is on. Rich is not
needed for that (its import alone costs more than a whole `adiff grad` run); it
draws the graph's tree and the progress bars. `--json` is the interface for
scripts; this module is only for eyes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from autodiff_cli.rendering.style import Style

# A cell is its text, or (text, style names) to colour it.
Cell = str | tuple[str, tuple[str, ...]]


def _text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell[0]


def _paint(cell: Cell, style: Style, width: int, right: bool) -> str:
    text = _text(cell)
    padded = text.rjust(width) if right else text.ljust(width)
    if isinstance(cell, str):
        return padded
    pad = padded[: len(padded) - len(text)] if right else ""
    return pad + style.paint(text, *cell[1]) + ("" if right else padded[len(text):])


def write(text: str) -> None:
    sys.stdout.write(text + "\n")


def print_rows(rows: Sequence[tuple[str, str]], style: Style) -> None:
    """Label/value pairs, one per line, values aligned (and multi-line values indented)."""
    width = max((len(label) for label, _ in rows), default=0)
    lines = []
    for label, value in rows:
        first, *rest = value.split("\n")
        lines.append(f"{style.paint(label.ljust(width), 'bold', 'cyan')}  {first}".rstrip())
        lines.extend(" " * (width + 2) + line for line in rest)
    write("\n".join(lines))


def print_table(headers: Sequence[str] | None, rows: Sequence[Sequence[Cell]], style: Style, *,
                right: Sequence[bool] = ()) -> None:
    """A table with a header row (unless None); columns flagged in `right` are right-aligned."""
    table = ([headers] if headers is not None else []) + list(rows)
    if not table:
        return
    widths = [max(len(_text(c)) for c in column) for column in zip(*table)]

    def line(cells, header=False):
        painted = [
            _paint(c if not header else (c, ("bold",)), style, w, i < len(right) and right[i])
            for i, (c, w) in enumerate(zip(cells, widths))
        ]
        return "  ".join(painted).rstrip()

    lines = [line(headers, header=True)] if headers is not None else []
    write("\n".join(lines + [line(r) for r in rows]))


def value_rows(document: dict, style: Style) -> list[tuple[str, str]]:
    """Rows for eval, grad and hessian: the value, then first and second derivatives."""
    rows = [("value", style.value(document["value"]))]
    for name, g in document.get("grad", {}).items():
        rows.append((style.partial(name), style.value(g)))
    for a, row in document.get("hessian", {}).items():
        for b, h in row.items():
            rows.append((style.partial(a, 2, b), style.value(h)))
    for name, j in document.get("jacobian", {}).items():
        rows.append((style.partial(name), style.value(j)))
    if "jvp" in document:
        rows.append(("jvp", style.value(document["jvp"])))
    return rows


OK, FAILED = ("green",), ("red", "bold")


def verdict(ok: bool, text: str) -> Cell:
    """An agreeing verdict in green, a failing one in red."""
    return (text, OK if ok else FAILED)


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else many or word + 's'}"
