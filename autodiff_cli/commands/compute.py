"""The five commands as computations: each returns the SPEC §4 document it prints.

Values in the documents are NumPy arrays or floats; rendering turns them into
strict JSON or into tables. Warnings (where a nan or inf came from) are
returned beside the document, for stderr.
"""

from __future__ import annotations

import numpy as np

import autodiff_cli.core as ad
from autodiff_cli.commands.job import Job, option_value
from autodiff_cli.core import anomaly
from autodiff_cli.errors import AdiffError


class Result:
    """A command's document, its warnings for stderr, its exit code, and for people
    anything beyond the document (check's per-element table)."""

    def __init__(self, document: dict, warnings: list[str], exit_code: int = 0,
                 details: dict | None = None) -> None:
        self.document = document
        self.warnings = warnings
        self.exit_code = exit_code
        self.details = details


def evaluate(job: Job) -> Result:
    values, _ = job.run(requires_grad=False)
    return Result({"value": values[job.program.output].data},
                  [w for w in [job.forward_warning(values)] if w])


def gradient(job: Job, wrt: str | None, seed: str | None) -> Result:
    names = _wrt(job, wrt)
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    weights = _weights(job, output, seed, "grad")
    grads, seen = _backward(output, [leaves[n] for n in names], weights)
    warnings = [w for w in (job.forward_warning(values), job.backward_warning(seen, values)) if w]
    return Result({"value": output.data, "grad": dict(zip(names, grads))}, warnings)


def hessian(job: Job, wrt: str | None) -> Result:
    names = _wrt(job, wrt)
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    _require_scalar(output, "hessian", seed_hint=False)
    inputs = [leaves[n] for n in names]
    size = sum(x.size for x in inputs) ** 2
    if size > job.max_elements:
        raise AdiffError("size", f"the Hessian would have {size:,} elements, more than the "
                                 f"limit of {job.max_elements:,} (--max-elements)")
    with np.errstate(all="ignore"):
        grads, blocks = ad.gradient_and_hessian(output, inputs)
    document = {
        "value": output.data,
        "grad": dict(zip(names, grads)),
        "hessian": {a: dict(zip(names, row)) for a, row in zip(names, blocks)},
    }
    return Result(document, [w for w in [job.forward_warning(values)] if w])


def check(job: Job, wrt: str | None, seed: str | None, eps: float | None, rtol: float,
          atol: float) -> Result:
    """Autograd against numdifftools-style central differences, element by element."""
    from autodiff_cli.core.gradcheck import compare, numeric_gradient

    names = _wrt(job, wrt)
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    weights = _weights(job, output, seed, "check")
    auto, seen = _backward(output, [leaves[n] for n in names], weights)
    numeric = {}
    for name in names:
        def f(x, name=name):
            value = job.output_at({**job.values, name: x})
            return float(np.sum(value if weights is None else weights * value))

        numeric[name] = numeric_gradient(f, job.values[name], eps=eps)[0]
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
    warnings = [w for w in (job.forward_warning(values), job.backward_warning(seen, values)) if w]
    return Result(document, warnings, exit_code=0 if ok else 1, details=details)


def graph(job: Job, seed: str | None) -> Result:
    """The program's graph after a backward pass: one node per instruction the output uses."""
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    for value in values:
        if value.requires_grad and not value.is_leaf:
            value.retain_grad()
    _backward(output, list(leaves.values()), _weights(job, output, seed, "graph"),
              accumulate=True)
    instructions = job.program.instructions
    used = {job.program.output}
    for k in range(job.program.output, -1, -1):
        if k in used and values[k].requires_grad:
            used.update(instructions[k].args)
    nodes = []
    for k in sorted(used):
        instruction, value = instructions[k], values[k]
        if instruction.op == "input":
            op, inputs = instruction.param, []
        elif value.grad_fn is None:  # constant, or computed from constants only
            op, inputs = _constant_label(value), []
        else:
            op, inputs = value.grad_fn.name(), list(instruction.args)
        grad = value.grad.data if value.grad is not None else None
        nodes.append({"id": k, "op": op, "value": value.data, "grad": grad, "inputs": inputs})
    return Result({"output": job.program.output, "nodes": nodes},
                  [w for w in [job.forward_warning(values)] if w])


def _constant_label(value: ad.Tensor) -> str:
    from autodiff_cli.rendering.numbers import format_value

    return format_value(value.data)


def _wrt(job: Job, wrt: str | None) -> list[str]:
    """The inputs to differentiate by: `--wrt x,y` in that order, or all in order of appearance."""
    if wrt is None:
        return list(job.program.inputs)
    names = list(dict.fromkeys(n.strip() for n in wrt.split(",") if n.strip()))
    unknown = [n for n in names if n not in job.program.inputs]
    inputs = ", ".join(job.program.inputs) or "none"
    if not names:
        raise AdiffError("name", f"--wrt names no input; the program's inputs are {inputs}")
    if unknown:
        raise AdiffError("name", f"--wrt names {', '.join(unknown)}, which the program does not "
                                 f"use; its inputs are {inputs}")
    return names


def _require_scalar(output: ad.Tensor, command: str, *, seed_hint: bool = True) -> None:
    if output.size != 1:
        need = ("needs a weighting of its elements: give --seed S, the vector of the "
                "vector-Jacobian product (--seed 1 gives the elementwise derivative)"
                ) if seed_hint else "needs one number: reduce the output, e.g. with sum(...)"
        raise AdiffError("not_scalar",
                         f"the output is not a scalar (its shape is {output.shape}), so {command} "
                         f"{need}")


def _weights(job: Job, output: ad.Tensor, seed: str | None, command: str) -> np.ndarray | None:
    """The vector of the vector-Jacobian product: `--seed` broadcast to the output's shape,
    or None for a scalar output; a non-scalar output without `--seed` is refused."""
    if seed is None:
        _require_scalar(output, command)
        return None
    weights = option_value("--seed", seed, job.max_elements)
    try:
        return np.broadcast_to(weights, output.shape)
    except ValueError:
        raise AdiffError("shape", f"--seed of shape {np.shape(weights)} does not broadcast to "
                                  f"the output's shape {output.shape}") from None


def _backward(output: ad.Tensor, inputs: list[ad.Tensor], weights: np.ndarray | None,
              *, accumulate: bool = False):
    """d output / d inputs (zeros where the output does not depend on one), and any anomaly."""
    if not output.requires_grad or not inputs:
        return [np.zeros(x.shape) for x in inputs], None
    with anomaly.watch() as seen:
        if accumulate:
            output.backward(weights)
            grads = [x.grad for x in inputs]
        else:
            grads = ad.grad(output, inputs, grad_outputs=weights, allow_unused=True)
    return [np.zeros(x.shape) if g is None else g.data for x, g in zip(inputs, grads)], seen.first
