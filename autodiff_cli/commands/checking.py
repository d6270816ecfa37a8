"""check: autograd against numeric derivatives, element by element."""

from __future__ import annotations

import numpy as np

from autodiff_cli.commands.derivatives import backward, seed_weights, wrt
from autodiff_cli.commands.job import Job, Result

# The default tolerances suit numdifftools-style estimates (~10 significant digits);
# one plain central difference (--eps) gets torch.autograd.gradcheck's.
TOLERANCES = {"extrapolated": (1e-6, 1e-9), "eps": (1e-3, 1e-5)}


def tolerances(options) -> tuple[float, float]:
    """(rtol, atol): as given, else the defaults for the kind of estimate."""
    rtol, atol = TOLERANCES["eps" if options.eps is not None else "extrapolated"]
    return (rtol if options.rtol is None else options.rtol,
            atol if options.atol is None else options.atol)


def check(job: Job, options) -> Result:
    """Autograd against numdifftools-style central differences, element by element."""
    from autodiff_cli.core.gradcheck import compare, numeric_gradient

    rtol, atol = tolerances(options)
    names = wrt(job, options.wrt)
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    weights = seed_weights(job, output, options.seed, "check")
    auto, seen = backward(output, [leaves[n] for n in names], weights)
    numeric = {}
    for name in names:
        def f(x, name=name):
            value = job.output_at({**job.values, name: x})
            return float(np.sum(value if weights is None else weights * value))

        numeric[name] = numeric_gradient(f, job.values[name], eps=options.eps)[0]
    comparisons = [compare(a, numeric[n], rtol=rtol, atol=atol) for n, a in zip(names, auto)]
    ok = all(c.ok for c in comparisons)
    document = {
        "ok": ok,
        "grad": dict(zip(names, auto)),
        "numeric": numeric,
        "max_abs_err": max((c.max_abs_err for c in comparisons), default=0.0),
        "max_rel_err": max((c.max_rel_err for c in comparisons), default=0.0),
    }
    details = {"comparisons": dict(zip(names, comparisons)), "rtol": rtol, "atol": atol}
    return Result(document, [job.forward_warning(values), job.backward_warning(seen, values)],
                  exit_code=0 if ok else 1, details=details)


def show(result: Result, options, style) -> None:
    from autodiff_cli.rendering.checks import print_check

    print_check(result.document, result.details, style)
