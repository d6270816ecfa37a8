"""Output for people: aligned tables, with Rich's styling on a terminal.

On a terminal, tables are drawn by Rich (colour unless NO_COLOR is set). When
stdout is a pipe or a file the same rows are written as plain aligned text
without importing Rich at all: its import alone costs more than a whole
`adiff grad` run, and a pipe gets no colour anyway. `--json` is the interface
for scripts; this module is only for eyes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from autodiff_cli.rendering.numbers import format_number, format_value


def is_terminal() -> bool:
    return sys.stdout.isatty()


def console():
    from rich.console import Console

    return Console(highlight=False)


def print_rows(rows: Sequence[tuple[str, str]]) -> None:
    """Label/value pairs, one per line, values aligned (and multi-line values indented)."""
    if is_terminal():
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for label, value in rows:
            table.add_row(label, value)
        console().print(table)
        return
    width = max((len(label) for label, _ in rows), default=0)
    lines = []
    for label, value in rows:
        first, *rest = value.split("\n")
        lines.append(f"{label.ljust(width)}  {first}".rstrip())
        lines.extend(" " * (width + 2) + line for line in rest)
    sys.stdout.write("\n".join(lines) + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *,
                right: Sequence[bool] = ()) -> None:
    """A table with a header row; columns flagged in `right` are right-aligned."""
    if is_terminal():
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD)
        for i, header in enumerate(headers):
            table.add_column(header, justify="right" if i < len(right) and right[i] else "left")
        for row in rows:
            table.add_row(*row)
        console().print(table)
        return
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows)]

    def line(cells):
        return "  ".join(
            c.rjust(w) if i < len(right) and right[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    out = [line(headers)] + [line(r) for r in rows]
    sys.stdout.write("\n".join(out) + "\n")


def partial(name: str) -> str:
    return f"∂/∂{name}"


def value_rows(document: dict) -> list[tuple[str, str]]:
    """Rows for eval, grad and hessian: the value, then first and second derivatives."""
    rows = [("value", format_value(document["value"]))]
    for name, g in document.get("grad", {}).items():
        rows.append((partial(name), format_value(g)))
    for a, row in document.get("hessian", {}).items():
        for b, h in row.items():
            label = f"∂²/∂{a}²" if a == b else f"∂²/∂{a}∂{b}"
            rows.append((label, format_value(h)))
    return rows


def check_rows(details: dict, document: dict) -> list[list[str]]:
    """One row per input element: autograd, numeric, errors, and whether they agree."""
    import numpy as np

    rows = []
    for name, comparison in details["comparisons"].items():
        auto = np.asarray(document["grad"][name])
        numeric = np.asarray(document["numeric"][name])
        for index in np.ndindex(auto.shape):
            label = name + (f"[{', '.join(map(str, index))}]" if index else "")
            rows.append([
                label,
                format_number(float(auto[index])),
                format_number(float(numeric[index])),
                f"{float(comparison.abs_err[index]):.2g}",
                f"{float(comparison.rel_err[index]):.2g}",
                "ok" if comparison.agree[index] else "DIFFERS",
            ])
    return rows


def check_summary(details: dict, rows: list[list[str]]) -> str:
    if not rows:
        return "nothing to check: the program has no inputs"
    bad = sum(r[-1] != "ok" for r in rows)
    tolerance = f"|auto - numeric| <= {details['atol']:g} + {details['rtol']:g}*|numeric|"
    if bad == 0:
        return f"ok: all {len(rows)} derivatives agree ({tolerance})"
    return f"FAILED: {bad} of {len(rows)} derivatives disagree ({tolerance})"
