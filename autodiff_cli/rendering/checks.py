"""check's table for people: one row per input element, a verdict, and a summary line."""

from __future__ import annotations

import numpy as np

from autodiff_cli.rendering.human import plural, print_table, verdict, write
from autodiff_cli.rendering.style import Style


def check_rows(document: dict, details: dict, style: Style) -> list[list]:
    """One row per input element: autograd, numeric, errors, and whether they agree."""
    rows = []
    for name, comparison in details["comparisons"].items():
        auto = np.asarray(document["grad"][name])
        numeric = np.asarray(document["numeric"][name])
        for index in np.ndindex(auto.shape):
            label = name + (f"[{', '.join(map(str, index))}]" if index else "")
            agree = bool(comparison.agree[index])
            rows.append([
                label,
                style.number(float(auto[index])),
                style.number(float(numeric[index])),
                f"{float(comparison.abs_err[index]):.2g}",
                f"{float(comparison.rel_err[index]):.2g}",
                verdict(agree, "ok" if agree else "DIFFERS"),
            ])
    return rows


def summary(document: dict, details: dict, rows: list[list], style: Style) -> str:
    if not rows:
        return "nothing to check: the program has no inputs"
    bad = sum(row[-1][0] != "ok" for row in rows)
    tolerance = f"|auto - numeric| <= {details['atol']:g} + {details['rtol']:g}*|numeric|"
    if bad == 0:
        agree = ("the derivative agrees" if len(rows) == 1
                 else f"all {len(rows):,} derivatives agree")
        return f"{style.paint('ok', 'green')}: {agree} ({tolerance})"
    return (f"{style.paint('FAILED', 'red', 'bold')}: {bad:,} of "
            f"{plural(len(rows), 'derivative')} disagree{'s' if bad == 1 else ''} ({tolerance})")


def print_check(document: dict, details: dict, style: Style) -> None:
    rows = check_rows(document, details, style)
    print_table(["input", "autograd", "numeric", "abs err", "rel err", ""], rows, style,
                right=[False, True, True, True, True, False])
    write(summary(document, details, rows, style))
