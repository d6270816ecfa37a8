"""check: autograd against numeric derivatives, and against your own derivative formulas.

Element by element for up to 1000 input elements (or with --full); beyond that,
along 4 random directions with a fixed seed, as torch.autograd.gradcheck's fast
mode does: a constant number of evaluations. Where the program allows (every
element of the output, or of the sum it reduces, depends on one element of the
input), all elements are perturbed at once: the numeric side costs what one
element costs. An element where the one-sided derivatives differ is "not
differentiable at this point", never agreeing.
"""

from __future__ import annotations

import numpy as np

from autodiff_cli.commands.derivatives import backward, seed_weights, wrt
from autodiff_cli.commands.job import Job, Result
from autodiff_cli.errors import AdiffError

# The default tolerances suit numdifftools-style estimates (~10 significant digits);
# one plain central difference (--eps) gets torch.autograd.gradcheck's.
TOLERANCES = {"extrapolated": (1e-6, 1e-9), "eps": (1e-3, 1e-5)}
FAST_MODE_ELEMENTS = 1000
DIRECTIONS = 4
DIRECTION_SEED = 0


def tolerances(options) -> tuple[float, float]:
    """(rtol, atol): as given, else the defaults for the kind of estimate."""
    rtol, atol = TOLERANCES["eps" if options.eps is not None else "extrapolated"]
    return (rtol if options.rtol is None else options.rtol,
            atol if options.atol is None else options.atol)


def check(job: Job, options) -> Result:
    from autodiff_cli.core.gradcheck import compare

    rtol, atol = tolerances(options)
    names = wrt(job, options.wrt)
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    weights = seed_weights(job, output, options.seed, "check")
    auto, seen = backward(output, [leaves[n] for n in names], weights)
    auto = dict(zip(names, auto))
    expected = _expected(job, options, names)
    warnings = [job.forward_warning(values), job.backward_warning(seen, values)]
    elements = sum(np.size(job.values[n]) for n in names)
    if elements > FAST_MODE_ELEMENTS and not options.full:
        return _along_directions(job, options, names, auto, weights, expected, warnings)
    numeric, kinks = {}, {}
    for name in names:
        found = _numeric(job, name, weights, options.eps)
        numeric[name], kinks[name] = found.value, found.kink
    comparisons = {n: compare(auto[n], numeric[n], rtol=rtol, atol=atol) for n in names}
    agreements = {n: compare(auto[n], expected[n], rtol=rtol, atol=atol) for n in expected}
    ok = all(c.ok for c in comparisons.values()) and all(c.ok for c in agreements.values()) \
        and not any(k.any() for k in kinks.values())
    document = {
        "ok": ok,
        "grad": auto,
        "numeric": numeric,
        "max_abs_err": max((c.max_abs_err for c in comparisons.values()), default=0.0),
        "max_rel_err": max((c.max_rel_err for c in comparisons.values()), default=0.0),
    }
    if expected:
        document["expected"] = expected
    bad = {n: [list(i) for i in zip(*np.nonzero(np.atleast_1d(k)))] if np.ndim(k) else [[]]
           for n, k in kinks.items() if np.any(k)}
    if bad:
        document["not_differentiable"] = bad
    details = {"comparisons": comparisons, "agreements": agreements, "kinks": kinks,
               "rtol": rtol, "atol": atol}
    return Result(document, warnings, exit_code=0 if ok else 1, details=details)


def _numeric(job: Job, name: str, weights, eps):
    """The numeric gradient of the weighted output in one input, all elements at once
    where the program allows."""
    from autodiff_cli.core.gradcheck import numeric_gradient
    from autodiff_cli.core.numerics import sum_to

    x = job.values[name]
    target, factor = _separable_target(job)
    if target is not None and np.ndim(x):
        def together(moved):
            value = job.values_at({**job.values, name: moved})[target].data
            w = factor if weights is None else weights * factor
            return sum_to(np.broadcast_to(w * value, np.broadcast_shapes(np.shape(value),
                                                                          np.shape(x))),
                          np.shape(x))

        return numeric_gradient(together, x, eps=eps, elementwise=True)

    def f(moved):
        value = job.output_at({**job.values, name: moved})
        return float(np.sum(value if weights is None else weights * value))

    from autodiff_cli.rendering.progress import Progress

    with Progress(f"check {name}", total=np.size(x)) as bar:
        return numeric_gradient(f, x, eps=eps, progress=bar.advance)


def _separable_target(job: Job) -> tuple[int | None, float]:
    """The instruction whose elements each depend on one input element, and the weight of
    each in the output: the output of an elementwise program (1), or the argument of a
    final sum (1) or mean (1/n) over an elementwise part. (None, 0) for other programs."""
    program = job.program
    out = program.instructions[program.output]
    if program.is_elementwise(program.output):
        return program.output, 1.0
    if out.op == "call" and out.param.name in ("sum", "mean") and not out.param.keywords:
        (argument,) = out.args
        if program.is_elementwise(argument):
            if out.param.name == "sum":
                return argument, 1.0
            size = np.size(job.values_at(job.values)[argument].data)
            return argument, 1.0 / max(size, 1)
    return None, 0.0


def _along_directions(job, options, names, auto, weights, expected, warnings) -> Result:
    """gradcheck's fast mode: 4 random directions through all inputs together."""
    from autodiff_cli.core.gradcheck import compare, numeric_directional

    rtol, atol = tolerances(options)
    rng = np.random.default_rng(DIRECTION_SEED)
    directions = [rng.standard_normal(sum(np.size(job.values[n]) for n in names))
                  for _ in range(DIRECTIONS)]
    directions = [v / np.linalg.norm(v) for v in directions]
    gradient = np.concatenate([np.ravel(auto[n]) for n in names])
    autos = [float(gradient @ v) for v in directions]
    f = _flat_output(job, names, weights)
    centre = np.concatenate([np.ravel(job.values[n]) for n in names])
    found = [numeric_directional(f, centre, v, eps=options.eps) for v in directions]
    numerics = [float(e.value) for e in found]
    kinks = [bool(e.kink) for e in found]
    comparison = compare(np.array(autos), np.array(numerics), rtol=rtol, atol=atol)
    agreements = {n: compare(auto[n], expected[n], rtol=rtol, atol=atol) for n in expected}
    ok = comparison.ok and not any(kinks) and all(c.ok for c in agreements.values())
    document = {"ok": ok, "directions": DIRECTIONS, "grad": autos, "numeric": numerics,
                "max_abs_err": comparison.max_abs_err, "max_rel_err": comparison.max_rel_err}
    if expected:
        document["expected"] = expected
    details = {"directions": comparison, "direction_kinks": kinks, "agreements": agreements,
               "auto": auto, "rtol": rtol, "atol": atol}
    return Result(document, warnings, exit_code=0 if ok else 1, details=details)


def _flat_output(job: Job, names: list[str], weights):
    """The weighted output as a function of the inputs in `names`, raveled end to end."""
    sizes = [np.size(job.values[n]) for n in names]

    def f(flat):
        parts = np.split(flat, np.cumsum(sizes)[:-1])
        moved = {n: p.reshape(np.shape(job.values[n])) for n, p in zip(names, parts)}
        value = job.output_at({**job.values, **moved})
        return float(np.sum(value if weights is None else weights * value))

    return f


def _expected(job: Job, options, names: list[str]) -> dict[str, np.ndarray]:
    """--expect [NAME=]FORMULA: each formula evaluated at the point, broadcast to its
    input's shape. A formula without a name is for the one input checked."""
    from autodiff_cli.language import compile_program

    found: dict[str, np.ndarray] = {}
    for text in options.expect or []:
        name, formula = _named(text, job.program.inputs)
        if name is None:
            if len(names) != 1:
                raise AdiffError("usage", f"--expect {text!r} has no name and {len(names)} "
                                          f"inputs are checked ({', '.join(names)}): write "
                                          "--expect NAME=FORMULA")
            name = names[0]
        if name not in names:
            raise AdiffError("name", f"--expect names {name}, which is not checked; the "
                                     f"inputs checked are {', '.join(names)}")
        if name in found:
            raise AdiffError("usage", f"--expect {name} is given twice")
        try:
            program = compile_program(formula)
            unknown = [n for n in program.inputs if n not in job.values]
            if unknown:
                raise AdiffError("name", f"it uses {', '.join(unknown)}, which the program "
                                         f"does not; the inputs are "
                                         f"{', '.join(job.program.inputs)}")
            value = program.evaluate({n: job.values[n] for n in program.inputs},
                                     max_elements=job.max_elements)[program.output].data
            found[name] = np.broadcast_to(value, np.shape(job.values[name])).astype(float)
        except AdiffError as err:
            raise AdiffError(err.kind, f"--expect {text!r}: {err.message}") from None
        except ValueError:
            raise AdiffError("shape", f"--expect {text!r}: its value of shape "
                                      f"{np.shape(value)} does not fit {name}'s shape "
                                      f"{np.shape(job.values[name])}") from None
    return found


def _named(text: str, inputs: list[str]) -> tuple[str | None, str]:
    """`x=2*x` as ("x", "2*x"); a formula without `NAME=` in front as (None, text)."""
    head, eq, rest = text.partition("=")
    if eq and head.strip() in inputs and not rest.startswith("="):
        return head.strip(), rest
    if eq and head.strip().isidentifier() and not rest.startswith("=") and not (
            ";" in rest or "\n" in rest):  # `z=3*x**2`, not a program `y = ...; 2*y`
        raise AdiffError("name", f"--expect {text!r} names {head.strip()}, which is not an "
                                 f"input; the inputs are {', '.join(inputs) or 'none'}")
    return None, text


def show(result: Result, options, style) -> None:
    from autodiff_cli.rendering.checks import print_check

    print_check(result.document, result.details, style)
