"""The registry of primitives: every differentiable operation, in one table.

Each entry names the operation, its NumPy forward, PyTorch's name for its
backward node, and one vector-Jacobian rule per argument. A rule is called as
`rule(ns, g, ans, *args)`: `g` is the gradient of the output, `ans` the output,
`args` the operation's arguments, and `ns` the namespace of operations the rule
may use. The engine passes `ARRAY_MATH` (plain NumPy, the fast path) for an
ordinary backward and the differentiable functions of `functions.py` for
`create_graph=True`, so the same rule gives derivatives of any order (the
scheme of HIPS autograd's `defvjp`, and of PyTorch's derivatives.yaml).

Rules return a gradient of the output's shape or of the argument's; the engine
reduces broadcasting with `sum_to` in one place and checks every shape.
Masks for kinks (`relu`, `abs`, `clip`, `min`/`max`) are computed from raw data
with `ns.data`, following PyTorch's choices at the kink.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np

Rule = Callable[..., object]


class Primitive:
    """One operation: `forward` on NumPy data, and a VJP `rules` entry per argument.

    `rules[i] is None` marks an argument that is a parameter (a shape, an index, a
    mask) rather than something to differentiate. A variadic primitive (stack) has
    a sequence that makes the rule for each index, and `arity` None. (A plain class,
    not a dataclass: this module is on the path of every `adiff` start.)
    """

    __slots__ = ("name", "node_name", "forward", "rules", "arity")

    def __init__(self, name: str, node_name: str, forward: Callable[..., object],
                 rules: tuple[Rule | None, ...] | _StackRules) -> None:
        self.name = name
        self.node_name = node_name
        self.forward = forward
        self.rules = rules
        self.arity = len(rules) if isinstance(rules, tuple) else None

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


REGISTRY: dict[str, Primitive] = {}


def primitive(name, node_name, forward, *rules) -> Primitive:
    p = Primitive(name, node_name, forward, tuple(rules))
    REGISTRY[name] = p
    return p


def _shape(ns, value) -> tuple[int, ...]:
    return np.shape(ns.data(value))


# --- NumPy forwards that need more than one call -------------------------------------

def _power(x, c):
    """x**c for a constant exponent, with the common exponents as multiplications.

    `np.power` costs several times a multiply; x**2 and x**3 are everywhere.
    """
    if c == 2:
        return x * x
    if c == 1:
        return x
    if c == 3:
        return x * x * x
    if c == 0.5:
        return np.sqrt(x)
    if c == -1:
        return 1.0 / x
    return np.power(x, c)


def _sigmoid(x):
    # exp of a non-positive number never overflows: the stable form of 1/(1+exp(-x)).
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))[()]


def _softplus(x):
    # PyTorch's threshold: above 20, log1p(exp(x)) equals x to double precision.
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))[()]


def _sum_to(x, shape):
    """Sum a broadcast gradient back down to `shape` (leading axes and size-1 axes)."""
    x_shape = np.shape(x)
    if x_shape == tuple(shape):
        return x
    lead = len(x_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x_shape[lead + i] != 1
    )
    return np.sum(x, axis=axes).reshape(shape)


def _select_backward(g, shape, index):
    out = np.zeros(shape)
    out[index] = g
    return out


def _stack(*values):
    return np.stack(values) if values else np.zeros(0)


def _zero(x):
    return np.zeros(np.shape(x))


# --- the table -----------------------------------------------------------------------

LN2, LN10 = math.log(2.0), math.log(10.0)

# arithmetic
NEG = primitive("neg", "NegBackward0", operator.neg, lambda ns, g, ans, x: -g)
ADD = primitive("add", "AddBackward0", operator.add,
                lambda ns, g, ans, x, y: g,
                lambda ns, g, ans, x, y: g)
SUB = primitive("sub", "SubBackward0", operator.sub,
                lambda ns, g, ans, x, y: g,
                lambda ns, g, ans, x, y: -g)
MUL = primitive("mul", "MulBackward0", operator.mul,
                lambda ns, g, ans, x, y: g * y,
                lambda ns, g, ans, x, y: g * x)
DIV = primitive("div", "DivBackward0", operator.truediv,
                lambda ns, g, ans, x, y: g / y,
                lambda ns, g, ans, x, y: -g * x / (y * y))
# x ** c with a constant c. The c == 0 case is a zero, not 0 * x**-1 (a nan at x = 0).
POW_CONSTANT = primitive(
    "pow_constant", "PowBackward0", _power,
    lambda ns, g, ans, x, c: g * (c * ns.pow_constant(x, c - 1)) if c != 0 else ns.zero(g),
    None)
# x ** y with a tensor exponent. At x = 0 with y >= 0, d/dy is 0 rather than 0 * log(0) = nan.
POW = primitive(
    "pow", "PowBackward1", np.power,
    lambda ns, g, ans, x, y: ns.where(ns.data(y) == 0, 0.0, g * y * ns.pow(x, y - 1)),
    lambda ns, g, ans, x, y: g * ns.where((ns.data(x) == 0) & (ns.data(y) >= 0), 0.0,
                                          ans * ns.log(x)))

# elementary functions
SIN = primitive("sin", "SinBackward0", np.sin, lambda ns, g, ans, x: g * ns.cos(x))
COS = primitive("cos", "CosBackward0", np.cos, lambda ns, g, ans, x: -g * ns.sin(x))
TAN = primitive("tan", "TanBackward0", np.tan, lambda ns, g, ans, x: g * (1 + ans * ans))
ASIN = primitive("asin", "AsinBackward0", np.arcsin,
                 lambda ns, g, ans, x: g / ns.sqrt(1 - x * x))
ACOS = primitive("acos", "AcosBackward0", np.arccos,
                 lambda ns, g, ans, x: -g / ns.sqrt(1 - x * x))
ATAN = primitive("atan", "AtanBackward0", np.arctan, lambda ns, g, ans, x: g / (1 + x * x))
SINH = primitive("sinh", "SinhBackward0", np.sinh, lambda ns, g, ans, x: g * ns.cosh(x))
COSH = primitive("cosh", "CoshBackward0", np.cosh, lambda ns, g, ans, x: g * ns.sinh(x))
TANH = primitive("tanh", "TanhBackward0", np.tanh, lambda ns, g, ans, x: g * (1 - ans * ans))
ASINH = primitive("asinh", "AsinhBackward0", np.arcsinh,
                  lambda ns, g, ans, x: g / ns.sqrt(x * x + 1))
ACOSH = primitive("acosh", "AcoshBackward0", np.arccosh,
                  lambda ns, g, ans, x: g / ns.sqrt((x - 1) * (x + 1)))
ATANH = primitive("atanh", "AtanhBackward0", np.arctanh,
                  lambda ns, g, ans, x: g / (1 - x * x))
EXP = primitive("exp", "ExpBackward0", np.exp, lambda ns, g, ans, x: g * ans)
EXPM1 = primitive("expm1", "Expm1Backward0", np.expm1, lambda ns, g, ans, x: g * (ans + 1))
LOG = primitive("log", "LogBackward0", np.log, lambda ns, g, ans, x: g / x)
LOG2 = primitive("log2", "Log2Backward0", np.log2, lambda ns, g, ans, x: g / (x * LN2))
LOG10 = primitive("log10", "Log10Backward0", np.log10, lambda ns, g, ans, x: g / (x * LN10))
LOG1P = primitive("log1p", "Log1PBackward0", np.log1p, lambda ns, g, ans, x: g / (x + 1))
SQRT = primitive("sqrt", "SqrtBackward0", np.sqrt, lambda ns, g, ans, x: g / (2 * ans))
CBRT = primitive("cbrt", "CbrtBackward0", np.cbrt, lambda ns, g, ans, x: g / (3 * (ans * ans)))
# At the kink PyTorch takes abs'(0) = 0 and relu'(0) = 0.
ABS = primitive("abs", "AbsBackward0", np.abs, lambda ns, g, ans, x: g * np.sign(ns.data(x)))
SIGN = primitive("sign", "SignBackward0", np.sign, lambda ns, g, ans, x: ns.zero(g))
RELU = primitive("relu", "ReluBackward0", lambda x: np.maximum(x, 0.0),
                 lambda ns, g, ans, x: g * (ns.data(x) > 0))
SIGMOID = primitive("sigmoid", "SigmoidBackward0", _sigmoid,
                    lambda ns, g, ans, x: g * (ans * (1 - ans)))
SOFTPLUS = primitive("softplus", "SoftplusBackward0", _softplus,
                     lambda ns, g, ans, x: g * ns.where(ns.data(x) > 20, 1.0, ns.sigmoid(x)))
ZERO = primitive("zero", "ZeroBackward0", _zero, lambda ns, g, ans, x: ns.zero(g))

# two and three arguments
ATAN2 = primitive("atan2", "Atan2Backward0", np.arctan2,
                  lambda ns, g, ans, y, x: g * x / (x * x + y * y),
                  lambda ns, g, ans, y, x: -g * y / (x * x + y * y))
HYPOT = primitive("hypot", "HypotBackward0", np.hypot,
                  lambda ns, g, ans, x, y: g * x / ans,
                  lambda ns, g, ans, x, y: g * y / ans)


def _share(wins, tie):
    """PyTorch's minimum/maximum split a tie evenly: the winner gets 1, each tied side 1/2."""
    return wins + 0.5 * tie


MIN = primitive(
    "min", "MinimumBackward0", np.minimum,
    lambda ns, g, ans, x, y: g * _share(ns.data(x) < ns.data(y), ns.data(x) == ns.data(y)),
    lambda ns, g, ans, x, y: g * _share(ns.data(y) < ns.data(x), ns.data(x) == ns.data(y)))
MAX = primitive(
    "max", "MaximumBackward0", np.maximum,
    lambda ns, g, ans, x, y: g * _share(ns.data(x) > ns.data(y), ns.data(x) == ns.data(y)),
    lambda ns, g, ans, x, y: g * _share(ns.data(y) > ns.data(x), ns.data(x) == ns.data(y)))
# clamp: x passes the gradient inside [lo, hi] (ends included); a bound gets it where it
# binds (and hi wins when lo > hi, since the result is then hi), as in PyTorch.
CLIP = primitive(
    "clip", "ClampBackward1", lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
    lambda ns, g, ans, x, lo, hi: g * ((ns.data(x) >= ns.data(lo)) & (ns.data(x) <= ns.data(hi))),
    lambda ns, g, ans, x, lo, hi: g * ((ns.data(x) < ns.data(lo))
                                       & (ns.data(lo) < ns.data(hi))),
    lambda ns, g, ans, x, lo, hi: g * ((ns.data(x) > ns.data(hi))
                                       | (ns.data(hi) < ns.data(lo))))
WHERE = primitive("where", "WhereBackward0", lambda mask, a, b: np.where(mask, a, b)[()],
                  None,
                  lambda ns, g, ans, mask, a, b: ns.where(mask, g, 0.0),
                  lambda ns, g, ans, mask, a, b: ns.where(mask, 0.0, g))

# reductions over the whole array
SUM = primitive("sum", "SumBackward0", np.sum,
                lambda ns, g, ans, x: ns.broadcast_to(g, _shape(ns, x)))
MEAN = primitive("mean", "MeanBackward0", np.mean,
                 lambda ns, g, ans, x: ns.broadcast_to(g / np.size(ns.data(x)), _shape(ns, x)))
# d prod / dx_i is the product of the others: ans / x_i when nothing is zero, else an
# exclusive product that stays right with zeros (PyTorch's prod_safe_zeros_backward).
PROD = primitive(
    "prod", "ProdBackward0", np.prod,
    lambda ns, g, ans, x: g * (ans / x if np.all(ns.data(x) != 0) else ns.prod_others(x)))
# The gradient of the norm at zero is taken as zero, like PyTorch's norm_backward.
NORM = primitive(
    "norm", "NormBackward1", lambda x: np.sqrt(np.sum(np.square(x))),
    lambda ns, g, ans, x: ns.zero(x) if ns.data(ans) == 0 else x * (g / ans))

# products of vectors and matrices
DOT = primitive("dot", "DotBackward0", np.dot,
                lambda ns, g, ans, a, b: g * b,
                lambda ns, g, ans, a, b: g * a)
MV = primitive("mv", "MvBackward0", np.matmul,
               lambda ns, g, ans, m, v: ns.reshape(g, (-1, 1)) * v,
               lambda ns, g, ans, m, v: ns.mv(ns.transpose(m), g))
MM = primitive("mm", "MmBackward0", np.matmul,
               lambda ns, g, ans, a, b: ns.mm(g, ns.transpose(b)),
               lambda ns, g, ans, a, b: ns.mm(ns.transpose(a), g))
TRANSPOSE = primitive("transpose", "TBackward0", np.transpose,
                      lambda ns, g, ans, x: ns.transpose(g))

# shapes, indexing and array literals
RESHAPE = primitive("reshape", "ViewBackward0", np.reshape,
                    lambda ns, g, ans, x, shape: ns.reshape(g, _shape(ns, x)), None)
SUM_TO = primitive("sum_to", "SumToSizeBackward0", _sum_to,
                   lambda ns, g, ans, x, shape: ns.broadcast_to(g, _shape(ns, x)), None)
BROADCAST_TO = primitive("broadcast_to", "ExpandBackward0", np.broadcast_to,
                         lambda ns, g, ans, x, shape: ns.sum_to(g, _shape(ns, x)), None)
SELECT = primitive("select", "SelectBackward0", lambda x, index: np.array(x[index]),
                   lambda ns, g, ans, x, index: ns.select_backward(g, _shape(ns, x), index),
                   None)
SELECT_BACKWARD = primitive("select_backward", "SelectBackwardBackward0", _select_backward,
                            lambda ns, g, ans, gy, shape, index: ns.select(g, index),
                            None, None)


class _StackRules:
    """`rules[i]` of stack, for any i: the gradient of element i is row i of g."""

    def __getitem__(self, i: int) -> Rule:
        return lambda ns, g, ans, *values: ns.select(g, (i,))


STACK = Primitive("stack", "StackBackward0", _stack, _StackRules())
REGISTRY["stack"] = STACK


# --- the fast namespace: the same names, on plain NumPy arrays ------------------------

def _prod_others(x):
    """For each element, the product of all the others, without dividing (zeros are fine)."""
    flat = np.ravel(x)
    left = np.concatenate(([1.0], np.cumprod(flat[:-1])))
    right = np.concatenate((np.cumprod(flat[:0:-1])[::-1], [1.0]))
    return (left * right).reshape(np.shape(x))


ARRAY_MATH = SimpleNamespace(
    **{p.name: p.forward for p in REGISTRY.values()},
    data=lambda value: value,
    prod_others=_prod_others,
)
