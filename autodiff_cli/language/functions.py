"""The language's functions and named constants, in one table.

The compiler checks every call against `FUNCTIONS` (its parameter names make the
arity message: "clip takes 3 arguments (x, lo, hi), got 2"); evaluation calls
the core function of the same name.
"""

from __future__ import annotations

import math

_ELEMENTWISE = (
    "sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh exp expm1 "
    "log log2 log10 log1p sqrt cbrt abs sign relu sigmoid softplus"
).split()
_REDUCTIONS = ("sum", "mean", "prod", "norm")

FUNCTIONS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(_ELEMENTWISE, ("x",)),
    "pow": ("x", "y"),
    "atan2": ("y", "x"),
    "hypot": ("x", "y"),
    "min": ("a", "b"),
    "max": ("a", "b"),
    "dot": ("a", "b"),
    "clip": ("x", "lo", "hi"),
    **dict.fromkeys(_REDUCTIONS, ("x",)),
    "linspace": ("a", "b", "n"),
}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf}
