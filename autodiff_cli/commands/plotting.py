"""plot: the output and its derivatives over the one input that is a 1-D grid (SPEC §3).

The derivatives of every order come from one Taylor-mode pass along the grid
(each point moves by t): for an elementwise program that is f⁽ᵏ⁾ at every point.
"""

from __future__ import annotations

import math
import shutil
import sys

import numpy as np

from autodiff_cli.commands.job import Job, Result
from autodiff_cli.errors import AdiffError

MAX_ORDER = 10


def orders(option: str) -> list[int]:
    """`--order 0,1,2` as a sorted list of distinct orders."""
    try:
        found = sorted({int(part) for part in option.split(",") if part.strip()})
    except ValueError:
        raise AdiffError("value", f"--order takes orders such as 0,1,2, got {option!r}") from None
    if not found or found[0] < 0 or found[-1] > MAX_ORDER:
        raise AdiffError("value", f"--order takes orders from 0 to {MAX_ORDER} such as 0,1,2, "
                                  f"got {option!r}")
    return found


def plot(job: Job, options) -> Result:
    from autodiff_cli.core.jet import propagate

    wanted = orders(options.orders)
    grids = [n for n in job.program.inputs if np.ndim(job.values[n]) == 1]
    others = [n for n in job.program.inputs if n not in grids and np.ndim(job.values[n])]
    if len(grids) != 1 or others:
        found = ", ".join(f"{n} {np.shape(job.values[n])}" for n in job.program.inputs) or "none"
        raise AdiffError("shape", "plot needs exactly one input that is a 1-D array (the grid, "
                                  f"such as --x 'linspace(0, 1, 200)') and scalars for the "
                                  f"others; the inputs are {found}")
    (name,) = grids
    if not job.program.is_elementwise():
        raise AdiffError("shape", "plot draws f and its derivatives at each point of the grid, "
                                  "so the program must be elementwise (no sums, indexing, "
                                  "@ or shapes)")
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    grid = leaves[name]
    if output.shape != grid.shape:
        raise AdiffError("shape", f"the output's shape {output.shape} is not the grid's "
                                  f"{grid.shape}")
    with np.errstate(all="ignore"):
        series = propagate(output, {grid: np.ones(grid.shape)}, order=wanted[-1])
    curves = {str(k): series[k] * math.factorial(k) for k in wanted}
    return Result({"x": grid.data, "order": curves}, [job.forward_warning(values)],
                  details={"grid": name})


def show(result: Result, options, style) -> None:
    from autodiff_cli.rendering.plots import draw
    from autodiff_cli.rendering.style import Style

    doc = result.document
    curves = {int(k): np.asarray(v) for k, v in doc["order"].items()}
    name = result.details["grid"]
    if options.output is not None:
        plain = Style(digits=style.digits)
        text = draw(np.asarray(doc["x"]), curves, name, plain, width=100, height=30)
        try:
            options.output.write_text(text + "\n", encoding="utf-8")
        except OSError as err:
            raise AdiffError("file", f"cannot write {options.output}: "
                                     f"{err.strerror or err}") from None
        return
    size = shutil.get_terminal_size((100, 30))
    text = draw(np.asarray(doc["x"]), curves, name, style, width=size.columns,
                height=max(10, size.lines - 3))
    sys.stdout.write(text + "\n")
