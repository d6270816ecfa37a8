"""formula: each partial derivative as a formula in adiff's own language (SPEC §3).

The compiled program is walked once into a SymPy expression (bindings and user
functions are already expanded in its instructions); SymPy differentiates it
with PyTorch's choices at kinks (`language/symbolic.py`) and simplifies it, and
the printer writes it back in the language, so `adiff eval` accepts it.
"""

from __future__ import annotations

import math

from autodiff_cli.commands.derivatives import wrt
from autodiff_cli.commands.job import Job, Result
from autodiff_cli.errors import AdiffError
from autodiff_cli.language.program import SYMBOLS

_ARRAYS = {"matmul": "@", "index": "indexing", "array": "an array literal"}


def formula(job: Job, options) -> Result:
    import sympy

    from autodiff_cli.language import symbolic
    from autodiff_cli.rendering.formula import to_source

    names = wrt(job, options.wrt)
    symbols = {name: sympy.Symbol(name) for name in job.program.inputs}
    try:
        with symbolic.depth_guard():
            expr = _expression(job, symbols, symbolic)
            grads = {name: to_source(symbolic.simplified(symbolic.derivative(expr,
                                                                              symbols[name])))
                     for name in names}
            output = to_source(expr)
    except ValueError as err:
        raise AdiffError("formula", f"formula cannot write this program: {err}") from None
    except TypeError as err:  # SymPy refuses to order nan or zoo: min(x, nan), 1 > log(0)
        if not str(err).startswith("Invalid") or "comparison" not in str(err):
            raise
        raise AdiffError("formula", "formula cannot write this program: it compares nan or "
                                    "an infinity SymPy cannot order") from None
    return Result({"output": output, "grad": grads}, [])


def _expression(job: Job, symbols: dict, symbolic):
    """The program's output as one SymPy expression, by a loop over its instructions."""
    values: list = []
    for instruction in job.program.instructions:
        op, args = instruction.op, [values[a] for a in instruction.args]
        if op == "input":
            values.append(symbols[instruction.param])
        elif op == "constant":
            values.append(_constant(instruction.param))
        elif op == "neg":
            values.append(-args[0])
        elif op == "pow":
            values.append(symbolic.SYMPY_FUNCTIONS["pow"](*args))
        elif op in ("add", "sub", "mul", "div"):
            a, b = args
            values.append({"add": a + b, "sub": a - b, "mul": a * b}[op] if op != "div"
                          else a / b)
        elif op == "compare":
            values.append(symbolic.SYMPY_COMPARISONS[instruction.param](*args))
        elif op == "call" and instruction.param.name in symbolic.SYMPY_FUNCTIONS \
                and not instruction.param.keywords and _scalar_call(instruction.param):
            values.append(symbolic.SYMPY_FUNCTIONS[instruction.param.name](*args))
        else:
            what = (f"{instruction.param.name}(...)" if op == "call"
                    else _ARRAYS.get(op, SYMBOLS.get(op, op)))
            raise AdiffError("formula", f"formula works on programs of numbers; {what} at "
                                        f"{instruction.line}:{instruction.column} needs arrays "
                                        "(use grad or jacobian at a point instead)")
    return values[job.program.output]


def _scalar_call(call) -> bool:
    """max(a, b) and min(a, b) are elementwise; max(x) and min(x) reduce an array."""
    return call.name not in ("max", "min") or call.counts == (1, 1)


def _constant(value: float):
    """A number of the program as SymPy has it: pi, e, tau and inf by name, the rest exact,
    but for integers past 2**53: as exact numbers 2**1e308 would take SymPy forever."""
    import sympy

    named = {math.pi: sympy.pi, math.e: sympy.E, math.tau: 2 * sympy.pi, math.inf: sympy.oo,
             -math.inf: -sympy.oo}
    if value != value:
        return sympy.nan
    if value in named:
        return named[value]
    if abs(value) > 2.0**53:  # an integer, but only as a float is
        return sympy.Float(value)
    return sympy.Integer(int(value)) if value.is_integer() else sympy.Rational(repr(value))


def show(result: Result, options, style) -> None:
    from autodiff_cli.rendering.human import print_rows

    doc = result.document
    print_rows([("f", doc["output"]),
                *((style.partial(name), text) for name, text in doc["grad"].items())], style)
