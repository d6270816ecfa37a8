"""plot's picture: f and its derivatives over a grid, drawn by plotext (imported here only)."""

from __future__ import annotations

import numpy as np

from autodiff_cli.rendering.style import Style

# plotext's colour names, one per order: f, f', f'', ...; without colour, a marker each.
COLOURS = ("blue", "green", "red", "magenta", "cyan", "yellow", "orange")
MARKERS = ("•", "+", "x", "o", "*", "#", "%")
ASCII_MARKERS = (".", "+", "x", "o", "*", "#", "%")


def _ascii_frame() -> dict[int, str]:
    """plotext's box-drawing frame in ASCII: lines as - and |, corners and joints as +."""
    import unicodedata

    table = {}
    for code in range(0x2500, 0x2580):
        name = unicodedata.name(chr(code), "")
        across, down = "HORIZONTAL" in name, "VERTICAL" in name
        table[code] = "-" if across and not down else "|" if down and not across else "+"
    return table


_ASCII_FRAME = _ascii_frame()


def label(order: int, unicode: bool) -> str:
    """f, f′, f″, f‴, then f⁽⁴⁾ (or f, f', f'', f(3) in ASCII)."""
    if unicode:
        primes = {0: "", 1: "′", 2: "″", 3: "‴"}
        digits = str(order).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return "f" + primes.get(order, f"⁽{digits}⁾")
    return "f" + ("'" * order if order <= 2 else f"({order})")


def draw(x: np.ndarray, curves: dict[int, np.ndarray], name: str, style: Style, *,
         width: int, height: int) -> str:
    """The plot as text `width` × `height` cells, coloured if `style` says so. Points
    where a curve is not finite are left out of it."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear" if not style.color else "pro")
    for order, y in curves.items():
        finite = np.isfinite(y)
        if style.color and style.unicode:
            marker = "braille"
        else:
            marker = (MARKERS if style.unicode else ASCII_MARKERS)[order % len(MARKERS)]
        plt.plot(x[finite].tolist(), y[finite].tolist(), label=label(order, style.unicode),
                 color=COLOURS[order % len(COLOURS)], marker=marker)
    plt.xlabel(name)
    text = plt.build()
    plt.clear_figure()
    text = text if style.color else plt.uncolorize(text)
    return text if style.unicode else text.translate(_ASCII_FRAME)
