"""minimize and solve: what people do next with a derivative (SPEC §3).

Both see the program as a function of the variables (`--wrt`, default all inputs)
flattened into one vector, the other inputs held as data; the engines in
`core/optimize.py` do the rest.
"""

from __future__ import annotations

import numpy as np

import autodiff_cli.core as ad
from autodiff_cli.commands.derivatives import wrt
from autodiff_cli.commands.job import Job, Result
from autodiff_cli.errors import AdiffError


class Variables:
    """The variables of a problem as one flat vector, and back."""

    def __init__(self, job: Job, names: list[str], command: str) -> None:
        if not names:
            raise AdiffError("usage", f"{command} needs an input to vary, and the program has "
                                      "none (give it one, e.g. x**2 - 2 --x 1)")
        self.job = job
        self.names = names
        self.shapes = [np.shape(job.values[n]) for n in names]
        self.sizes = [int(np.prod(s, dtype=int)) for s in self.shapes]

    def flat(self) -> np.ndarray:
        return np.concatenate([np.ravel(self.job.values[n]) for n in self.names])

    def split(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        parts = np.split(np.asarray(flat, dtype=np.float64), np.cumsum(self.sizes)[:-1])
        return {n: p.reshape(s) for n, p, s in zip(self.names, parts, self.shapes)}

    def output(self, flat: np.ndarray) -> tuple[ad.Tensor, list[ad.Tensor]]:
        """The program's output at `flat`, and the variables' leaves (requiring grad)."""
        leaves = {n: ad.tensor(v, requires_grad=True) for n, v in self.split(flat).items()}
        with np.errstate(all="ignore"):
            values = self.job.program.evaluate({**self.job.values, **leaves},
                                               max_elements=self.job.max_elements)
        return values[self.job.program.output], [leaves[n] for n in self.names]


def _gradient(output: ad.Tensor, leaves: list[ad.Tensor]) -> np.ndarray:
    if not output.requires_grad:
        return np.zeros(sum(x.size for x in leaves))
    grads = ad.grad(output, leaves, allow_unused=True)
    return np.concatenate([np.zeros(x.size) if g is None else np.ravel(g.data)
                           for x, g in zip(leaves, grads)])


def minimize(job: Job, options) -> Result:
    from autodiff_cli.core import optimize
    from autodiff_cli.rendering.progress import Progress

    variables = Variables(job, wrt(job, options.wrt), "minimize")
    output, _ = variables.output(variables.flat())
    if output.size != 1:
        raise AdiffError("not_scalar", f"minimize needs a scalar output; its shape is "
                                       f"{output.shape} (reduce it, e.g. with sum(...))")

    def value_and_grad(flat):
        out, leaves = variables.output(flat)
        return float(out.item()), _gradient(out, leaves)

    def hessian(flat):
        out, leaves = variables.output(flat)
        if not out.requires_grad:
            return np.zeros((flat.size, flat.size))
        _, blocks = ad.gradient_and_hessian(out, leaves)
        return np.block([[b.reshape(x.size, y.size) for y, b in zip(leaves, row)]
                         for x, row in zip(leaves, blocks)])

    with Progress(f"minimize ({options.method})", total=options.steps) as bar:
        found = optimize.minimize(value_and_grad, variables.flat(), method=options.method,
                                  steps=options.steps, tol=options.tol, lr=options.lr,
                                  hessian=hessian if options.method == "newton" else None,
                                  callback=lambda step, value, norm: bar.advance())
    document = {"converged": found.converged, "value": found.value,
                "at": variables.split(found.x), "grad_norm": found.grad_norm,
                "steps": found.steps, "method": found.method}
    warnings = [] if found.converged else [
        f"warning: not converged: the gradient norm is {found.grad_norm:.3g} after "
        f"{found.steps} step{'s' * (found.steps != 1)} (--tol {options.tol:g}); "
        f"{_advice(found, options)}"]
    return Result(document, warnings, exit_code=0 if found.converged else 1)


def _advice(found, options) -> str:
    """What may help a minimisation that stopped short: more steps only if it ran out."""
    if not (np.isfinite(found.value) and np.isfinite(found.grad_norm)):
        return "the value or gradient became nan or inf: is the function defined and bounded below?"
    if found.steps >= options.steps:
        return "raise --steps or try another --method"
    return "the method stopped making progress: try another --method or starting point"


def solve(job: Job, options) -> Result:
    from autodiff_cli.core import optimize
    from autodiff_cli.core.forms import jacobian_of
    from autodiff_cli.rendering.progress import Progress

    variables = Variables(job, wrt(job, options.wrt), "solve")
    output, _ = variables.output(variables.flat())
    unknowns = sum(variables.sizes)
    if output.size != unknowns:
        raise AdiffError("shape", f"the system is not square: {output.size} equation"
                                  f"{'s' * (output.size != 1)} in {unknowns} unknown"
                                  f"{'s' * (unknowns != 1)} ({', '.join(variables.names)})")

    def residual_and_jacobian(flat):
        out, leaves = variables.output(flat)
        blocks = jacobian_of(out, leaves)
        matrix = np.concatenate([b.reshape(out.size, x.size) for b, x in zip(blocks, leaves)],
                                axis=1)
        return np.ravel(out.data), matrix

    with Progress("solve", total=options.steps) as bar:
        found = optimize.solve(residual_and_jacobian, variables.flat(), steps=options.steps,
                               tol=options.tol, callback=lambda step, norm: bar.advance())
    document = {"converged": found.converged, "root": variables.split(found.x),
                "residual_norm": found.residual_norm, "steps": found.steps}
    warnings = [] if found.converged else [
        f"warning: not converged: the residual norm is {found.residual_norm:.3g} after "
        f"{found.steps} step{'s' * (found.steps != 1)} (--tol {options.tol:g}); "
        "try another starting point"]
    return Result(document, warnings, exit_code=0 if found.converged else 1)


def show_minimum(result: Result, options, style) -> None:
    doc = result.document
    _show(style, doc["converged"], [("minimum", style.value(doc["value"]))], doc["at"],
          f"gradient norm {style.number(doc['grad_norm'])} after {doc['steps']} step"
          f"{'s' * (doc['steps'] != 1)} ({doc['method']})")


def show_root(result: Result, options, style) -> None:
    doc = result.document
    _show(style, doc["converged"], [], doc["root"],
          f"residual norm {style.number(doc['residual_norm'])} after {doc['steps']} step"
          f"{'s' * (doc['steps'] != 1)}")


def _show(style, converged: bool, first: list, at: dict, how: str) -> None:
    from autodiff_cli.rendering.human import print_rows

    verdict = style.paint("yes", "green") if converged else style.paint("no", "red", "bold")
    rows = [("converged", f"{verdict}: {how}"), *first,
            *((name, style.value(value)) for name, value in at.items())]
    print_rows(rows, style)
