"""check's table for people: a row per input element (or per random direction), a verdict
on each, and a summary line."""

from __future__ import annotations

import numpy as np

from autodiff_cli.rendering.human import plural, print_table, verdict, write
from autodiff_cli.rendering.style import Style

KINK = "not differentiable"
MINE = "yours DIFFERS"
NO_ESTIMATE = "no estimate"  # numeric is nan: the steps left the domain, nothing confirms


def _disagreement(auto: float, numeric: float) -> str:
    return NO_ESTIMATE if np.isnan(numeric) and not np.isnan(auto) else "DIFFERS"


def _label(name: str, index: tuple) -> str:
    return name + (f"[{', '.join(map(str, index))}]" if index else "")


def _errors(comparison, index) -> list[str]:
    return [f"{float(comparison.abs_err[index]):.2g}", f"{float(comparison.rel_err[index]):.2g}"]


def element_rows(document: dict, details: dict, style: Style) -> list[list]:
    """One row per input element: autograd, numeric, yours, errors, and the verdict."""
    rows = []
    expected = document.get("expected", {})
    for name, comparison in details["comparisons"].items():
        auto = np.asarray(document["grad"][name])
        numeric = np.asarray(document["numeric"][name])
        kink = np.asarray(details["kinks"][name])
        mine = details["agreements"].get(name)
        for index in np.ndindex(auto.shape):
            if kink[index]:
                text = KINK
            elif not comparison.agree[index]:
                text = _disagreement(auto[index], numeric[index])
            elif mine is not None and not mine.agree[index]:
                text = MINE
            else:
                text = "ok"
            row = [_label(name, index), style.number(float(auto[index])),
                   style.number(float(numeric[index]))]
            if expected:
                row.append(style.number(float(np.asarray(expected[name])[index]))
                           if name in expected else "")
            rows.append([*row, *_errors(comparison, index), verdict(text == "ok", text)])
    return rows


def direction_rows(document: dict, details: dict, style: Style) -> list[list]:
    comparison, kinks = details["directions"], details["direction_kinks"]
    rows = []
    for k, (auto, numeric) in enumerate(zip(document["grad"], document["numeric"])):
        text = (KINK if kinks[k] else "ok" if comparison.agree[k]
                else _disagreement(auto, numeric))
        rows.append([f"direction {k + 1}", style.number(auto), style.number(numeric),
                     *_errors(comparison, k), verdict(text == "ok", text)])
    return rows


def summary(document: dict, details: dict, rows: list[list], style: Style) -> list[str]:
    if not rows:
        return ["nothing to check: the program has no inputs"]
    tolerance = f"|auto - numeric| <= {details['atol']:g} + {details['rtol']:g}*|numeric|"
    verdicts = [row[-1][0] for row in rows]
    lines = []
    what = "direction" if "directions" in document else "derivative"
    kinks = verdicts.count(KINK)
    unconfirmed = verdicts.count(NO_ESTIMATE)
    differ = sum(v not in ("ok", KINK, MINE, NO_ESTIMATE) for v in verdicts)
    if kinks:
        where = [row[0] for row in rows if row[-1][0] == KINK]
        shown = ", ".join(where[:5]) + (", ..." if len(where) > 5 else "")
        lines.append(f"{style.paint('FAILED', 'red', 'bold')}: not differentiable at this point "
                     f"along {shown} (the one-sided derivatives differ)")
    if differ:
        lines.append(f"{style.paint('FAILED', 'red', 'bold')}: {differ:,} of "
                     f"{plural(len(rows), what)} disagree{'s' if differ == 1 else ''} "
                     f"({tolerance})")
    if unconfirmed:
        lines.append(f"{style.paint('FAILED', 'red', 'bold')}: no numeric estimate for "
                     f"{unconfirmed:,} of {plural(len(rows), what)} (the steps leave the "
                     "function's domain or its values are not finite): nothing confirms autograd")
    if not kinks and not differ and not unconfirmed:
        agree = (f"the {what} agrees" if len(rows) == 1 else f"all {len(rows):,} {what}s agree")
        lines.append(f"{style.paint('ok', 'green')}: {agree} ({tolerance})")
    if "directions" in document:
        elements = sum(np.size(g) for g in details["auto"].values())
        lines.append(f"(fast mode: {plural(elements, 'element')} checked along "
                     f"{document['directions']} random directions; --full checks each)")
    for name, agreement in details["agreements"].items():
        wrong = int(np.size(agreement.agree) - np.count_nonzero(agreement.agree))
        if wrong:
            where = [_label(name, i) for i in zip(*np.nonzero(~np.atleast_1d(agreement.agree)))]
            shown = ", ".join(where[:5]) + (", ..." if len(where) > 5 else "")
            lines.append(f"{style.paint('FAILED', 'red', 'bold')}: your formula for {name} "
                         f"differs from autograd at {plural(wrong, 'element')} ({shown})"
                         if np.ndim(agreement.agree) else
                         f"{style.paint('FAILED', 'red', 'bold')}: your formula for {name} "
                         "differs from autograd")
        else:
            lines.append(f"{style.paint('ok', 'green')}: your formula for {name} agrees with "
                         "autograd")
    return lines


def print_check(document: dict, details: dict, style: Style) -> None:
    if "directions" in document:
        rows = direction_rows(document, details, style)
        headers = ["direction", "autograd", "numeric", "abs err", "rel err", ""]
    else:
        rows = element_rows(document, details, style)
        headers = ["input", "autograd", "numeric", *(["yours"] if "expected" in document
                                                     else []), "abs err", "rel err", ""]
    print_table(headers, rows, style, right=[False] + [True] * (len(headers) - 2) + [False])
    write("\n".join(summary(document, details, rows, style)))
