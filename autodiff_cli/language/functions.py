"""What names mean in the language: the core's functions, the named constants, and the
words of other tools that a user may type for them.

The functions are the core's vocabulary (`autodiff_cli.core.registry.FUNCTIONS`):
the language has no list of its own, so a function added to the core is a
function of the language. The table is imported when a program is compiled,
not when the command line starts.
"""

from __future__ import annotations

import difflib
import math

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf,
                               "nan": math.nan}

# Other tools' names for the language's functions (NumPy, math, SymPy, PyTorch, qalc...).
ALIASES = {
    "ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "power": "pow", "fabs": "abs", "absolute": "abs", "maximum": "max", "minimum": "min",
    "amax": "max", "amin": "min", "clamp": "clip", "cat": "concat", "concatenate": "concat",
    "remainder": "mod", "fmod": "mod", "gammaln": "lgamma", "loggamma": "lgamma",
    "psi": "digamma", "expit": "sigmoid", "logistic": "sigmoid", "swish": "silu",
    "inverse": "inv", "average": "mean", "variance": "var", "stdev": "std", "sqr": "square",
    "logsoftmax": "log_softmax", "log_sum_exp": "logsumexp", "tr": "trace",
    "matmul": "@", "mm": "@",
}
# Module prefixes people paste from code: np.sin(x) is sin(x) here.
MODULES = ("np", "numpy", "math", "torch", "jnp", "jax", "sp", "sympy", "scipy", "F", "tf")


_vocabulary: dict | None = None


def vocabulary():
    """The core's function table (importing the core on first use)."""
    global _vocabulary
    if _vocabulary is None:
        import autodiff_cli.core.functions  # noqa: F401  (fills FUNCTIONS)
        from autodiff_cli.core.registry import FUNCTIONS

        _vocabulary = FUNCTIONS
    return _vocabulary


def suggestion(name: str) -> str | None:
    """The language's name for another tool's `name`, or a close spelling of one."""
    if name in ALIASES:
        return ALIASES[name]
    close = difflib.get_close_matches(name, vocabulary(), n=1, cutoff=0.7)
    return close[0] if close else None
