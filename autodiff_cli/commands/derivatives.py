"""eval, grad and hessian, and what every differentiating command shares:
which inputs (`--wrt`), which weighting of the output (`--seed`), one backward pass."""

from __future__ import annotations

import math

import numpy as np

import autodiff_cli.core as ad
from autodiff_cli.commands.job import Job, Result, option_value
from autodiff_cli.core import anomaly
from autodiff_cli.errors import AdiffError


def evaluate(job: Job, options) -> Result:
    values, _ = job.run(requires_grad=False)
    return Result({"value": values[job.program.output].data}, [job.forward_warning(values)],
                  details={"inputs": job.values})


def gradient(job: Job, options) -> Result:
    names = wrt(job, options.wrt)
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    weights = seed_weights(job, output, options.seed, "grad")
    grads, seen = backward(output, [leaves[n] for n in names], weights)
    return Result({"value": output.data, "grad": dict(zip(names, grads))},
                  [job.forward_warning(values), job.backward_warning(seen, values)],
                  details={"inputs": job.values})


def hessian(job: Job, options) -> Result:
    names = wrt(job, options.wrt)
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    require_scalar(output, "hessian", seed_hint=False)
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
    return Result(document, [job.forward_warning(values)])


def jacobian(job: Job, options) -> Result:
    from autodiff_cli.core.forms import jacobian_of

    names = wrt(job, options.wrt)
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    inputs = [leaves[n] for n in names]
    size = output.size * sum(x.size for x in inputs)
    if size > job.max_elements:
        raise AdiffError("size", f"the Jacobian would have {size:,} elements, more than the "
                                 f"limit of {job.max_elements:,} (--max-elements)")
    blocks = jacobian_of(output, inputs, options.mode)
    return Result({"value": output.data, "jacobian": dict(zip(names, blocks))},
                  [job.forward_warning(values)])


def jvp(job: Job, options) -> Result:
    """Σ ∂output/∂x · t_x in one tangent pass over the graph (forward mode)."""
    from autodiff_cli.commands.argv import parse_assignment
    from autodiff_cli.core.jet import propagate

    given = [parse_assignment(t, "--tangent") for t in options.tangent or []]
    tangents: dict[str, str] = {}
    for name, text in given:
        if name not in job.program.inputs:
            raise AdiffError("name", f"--tangent names {name}, which the program does not use; "
                                     f"its inputs are {', '.join(job.program.inputs) or 'none'}")
        if name in tangents:
            raise AdiffError("name", f"--tangent {name} is given twice")
        tangents[name] = text
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    directions = {}
    for name, leaf in leaves.items():
        if tangents and name not in tangents:
            continue
        t = option_value(f"--tangent {name}", tangents[name], job.max_elements) \
            if tangents else np.ones(())
        try:
            directions[leaf] = np.broadcast_to(t, leaf.shape)
        except ValueError:
            raise AdiffError("shape", f"the tangent of {name} has shape {np.shape(t)}, which "
                                      f"does not broadcast to {name}'s shape {leaf.shape}"
                             ) from None
    with np.errstate(all="ignore"):
        series = propagate(output, directions, order=1)
    return Result({"value": output.data, "jvp": series[1]}, [job.forward_warning(values)])


MAX_ORDER = 170  # 171! overflows a float64: the derivatives would be inf


def taylor(job: Job, options) -> Result:
    """f, f', ..., f⁽ᴺ⁾ in one input, by pushing a truncated series through the graph."""
    from autodiff_cli.core.jet import propagate

    if options.order > MAX_ORDER:
        raise AdiffError("value", f"--order goes up to {MAX_ORDER} (170! is the largest "
                                  f"factorial a float64 holds), got {options.order}")
    inputs = job.program.inputs
    if options.wrt is None and len(inputs) != 1:
        raise AdiffError("usage", f"taylor differentiates in one input; the program has "
                                  f"{len(inputs)} ({', '.join(inputs) or 'none'}): name one "
                                  "with --wrt")
    names = wrt(job, options.wrt)
    if len(names) != 1:
        raise AdiffError("usage", f"taylor differentiates in one input; --wrt names "
                                  f"{len(names)}")
    (name,) = names
    if np.size(job.values[name]) != 1 or np.ndim(job.values[name]):
        raise AdiffError("shape", f"taylor needs a scalar input; {name} has shape "
                                  f"{np.shape(job.values[name])}")
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    if output.shape:
        raise AdiffError("not_scalar", f"taylor needs a scalar output; its shape is "
                                       f"{output.shape} (reduce it, e.g. with sum(...))")
    with np.errstate(all="ignore"):
        coefficients = propagate(output, {leaves[name]: np.ones(())}, order=options.order)
        derivatives = coefficients * np.array([math.factorial(k) for k in
                                               range(options.order + 1)], dtype=np.float64)
    return Result({"value": output.data, "wrt": name, "derivatives": derivatives,
                   "coefficients": coefficients}, [job.forward_warning(values)])


def show_taylor(result: Result, options, style) -> None:
    from autodiff_cli.rendering.human import print_rows, print_table

    doc = result.document
    print_rows([("value", style.value(doc["value"]))], style)
    x = doc["wrt"]
    rows = [[str(k), style.number(d), style.number(c)]
            for k, (d, c) in enumerate(zip(doc["derivatives"], doc["coefficients"]))]
    order, by = ("ᵏ", "∂") if style.unicode else ("^k", "d")
    print_table(["k", f"{by}{order}/{by}{x}{order}", f"{by}{order}/{by}{x}{order} / k!"], rows,
                style, right=[True, True, True])


def show_values(result: Result, options, style) -> None:
    """Label/value rows; a table with a row per point for a grid (eval and grad)."""
    from autodiff_cli.rendering.human import print_rows, value_rows
    from autodiff_cli.rendering.tables import grid_columns, grid_notes, print_csv, print_grid

    details = result.details or {}
    columns = grid_columns(details.get("inputs"), result.document, style) if details else None
    if options.csv:
        if columns is None:
            raise AdiffError("usage", "--csv prints a grid: inputs that are numbers or 1-D arrays "
                                      "of one length n, and an output of n elements")
        print_csv(columns, style)
    elif columns is not None:
        print_grid(columns, style)
        notes = grid_notes(details["inputs"], result.document, style)
        if notes:
            print_rows(notes, style)
    else:
        print_rows(value_rows(result.document, style), style)


def wrt(job: Job, option: str | None) -> list[str]:
    """The inputs to differentiate by: `--wrt x,y` in that order, or all in order of appearance."""
    if option is None:
        return list(job.program.inputs)
    names = list(dict.fromkeys(n.strip() for n in option.split(",") if n.strip()))
    unknown = [n for n in names if n not in job.program.inputs]
    inputs = ", ".join(job.program.inputs) or "none"
    if not names:
        raise AdiffError("name", f"--wrt names no input; the program's inputs are {inputs}")
    if unknown:
        raise AdiffError("name", f"--wrt names {', '.join(unknown)}, which the program does not "
                                 f"use; its inputs are {inputs}")
    return names


def require_scalar(output: ad.Tensor, command: str, *, seed_hint: bool = True) -> None:
    if output.size != 1:
        need = ("needs a weighting of its elements: give --seed S, the vector of the "
                "vector-Jacobian product (--seed 1 gives the elementwise derivative), or use "
                "adiff jacobian") if seed_hint else "needs one number: reduce the output, e.g. " \
                                                    "with sum(...)"
        raise AdiffError("not_scalar",
                         f"the output is not a scalar (its shape is {output.shape}), so {command} "
                         f"{need}")


def seed_weights(job: Job, output: ad.Tensor, seed: str | None,
                 command: str) -> np.ndarray | None:
    """The vector of the vector-Jacobian product: `--seed` broadcast to the output's shape,
    or None for a scalar output; a non-scalar output without `--seed` is refused."""
    if seed is None:
        require_scalar(output, command)
        return None
    weights = option_value("--seed", seed, job.max_elements)
    try:
        return np.broadcast_to(weights, output.shape)
    except ValueError:
        raise AdiffError("shape", f"--seed of shape {np.shape(weights)} does not broadcast to "
                                  f"the output's shape {output.shape}") from None


def backward(output: ad.Tensor, inputs: list[ad.Tensor], weights: np.ndarray | None,
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
