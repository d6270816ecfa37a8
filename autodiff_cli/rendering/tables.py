"""A grid result as a table for people (a row per point) or as CSV (SPEC §3a).

A grid: every input is a number or a 1-D array of one length n, at least one is an
array, and the output has n elements; each row is one point: the inputs, the
value, each derivative.
"""

from __future__ import annotations

import sys

import numpy as np

from autodiff_cli.rendering.human import print_table, write
from autodiff_cli.rendering.style import Style

# Past this many rows the first and last few are shown, as NumPy summarises arrays.
SUMMARY_ROWS = 1000
EDGE_ROWS = 5


def grid_columns(inputs: dict | None, document: dict, style: Style) -> list | None:
    """[(header, values)] for a grid result, or None when it is not one. A derivative
    with respect to a number (not a grid) is one number, not one per point: it is left
    to `grid_notes`."""
    if not inputs:
        return None
    shapes = {np.shape(v) for v in inputs.values() if np.ndim(v)}
    value = np.asarray(document["value"])
    if len(shapes) != 1 or any(np.ndim(v) > 1 for v in inputs.values()):
        return None
    (shape,) = shapes
    if value.shape != shape:
        return None
    columns = [(name, np.broadcast_to(v, shape)) for name, v in inputs.items()]
    columns.append(("value", value))
    for name, g in document.get("grad", {}).items():
        if np.shape(g) == shape:
            columns.append((style.partial(name), np.asarray(g)))
    return columns


def grid_notes(inputs: dict, document: dict, style: Style) -> list[tuple[str, str]]:
    """The derivatives with respect to numbers, each summed over the points by --seed."""
    return [(style.partial(name), f"{style.value(g)}  (summed over the points)")
            for name, g in document.get("grad", {}).items() if not np.ndim(inputs[name])]


def print_grid(columns: list, style: Style) -> None:
    n = len(columns[0][1])
    shown = range(n) if n <= SUMMARY_ROWS else [*range(EDGE_ROWS), None,
                                                *range(n - EDGE_ROWS, n)]
    rows = [["…" if style.unicode else "..."] * len(columns) if i is None
            else [style.number(values[i]) for _, values in columns] for i in shown]
    print_table([header for header, _ in columns], rows, style, right=[True] * len(columns))
    if n > SUMMARY_ROWS:
        write(f"({n:,} rows; --csv prints them all)")


def print_csv(columns: list, style: Style) -> None:
    """Every row, numbers at full precision (or --digits), a header of plain names."""
    headers = [header.replace("∂/∂", "d/d") for header, _ in columns]
    lines = [",".join(headers)]
    n = len(columns[0][1])
    for i in range(n):
        lines.append(",".join(style.number(values[i]) for _, values in columns))
    sys.stdout.write("\n".join(lines) + "\n")
