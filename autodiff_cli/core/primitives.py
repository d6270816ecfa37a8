"""The registry of primitives: every differentiable operation, in one table.

Each entry names the operation, its NumPy forward, PyTorch's name for its
backward node, and one vector-Jacobian rule per argument: `rule(ns, g, ans,
*args)` (see `registry.Primitive`). The engine passes `ARRAY_MATH` (plain NumPy,
the fast path) for an ordinary backward and the differentiable functions of
`functions.py` for `create_graph=True`, so the same rule gives derivatives of
any order (the scheme of HIPS autograd's `defvjp`, and of PyTorch's
derivatives.yaml). Rules return a gradient of the output's shape or of the
argument's; the engine reduces broadcasting with `sum_to` in one place.

Where an entry is also a function of the vocabulary, `elementwise(...)` says so
with its arguments and a one-line doc. Masks for kinks (`relu`, `abs`, `clip`,
`min`/`max`) are computed from raw data with `ns.data`, following PyTorch's
choices at the kink. Where a derivative has a form that cannot overflow or
cancel, the rule uses it, even where PyTorch does not (each says so).
"""

from __future__ import annotations

import math
import operator
from types import SimpleNamespace

import numpy as np

from autodiff_cli.core import numerics as N
from autodiff_cli.core.registry import PRIMITIVES, Primitive, Public, primitive

LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def elementwise(name: str, node_name: str, forward, *rules, doc: str,
                arguments: tuple[str, ...] = ("x",), group: str = "elementwise") -> Primitive:
    """A primitive that is also a function of the vocabulary with the same name (made
    into `ad.<name>` by functions.py)."""
    p = primitive(name, node_name, forward, *rules)
    p.public = Public(arguments, group, doc)
    return p


def _shape(ns, value) -> tuple[int, ...]:
    return np.shape(ns.data(value))


def _safe(ns, value, bad):
    """`value` with 1 where `bad` holds: the denominator of a rule whose result is masked
    there anyway, so that the masked branch never makes a nan that leaks into a higher
    derivative (0 * nan is nan)."""
    return ns.where(bad, 1.0, value)


# --- arithmetic ----------------------------------------------------------------------------

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
# d/dy = -x/y² as -(g·(x/y))/y: y*y overflows at 1e200 where the quotient does not.
DIV = primitive("div", "DivBackward0", operator.truediv,
                lambda ns, g, ans, x, y: g / y,
                lambda ns, g, ans, x, y: -(g * ans) / y)
# x ** c with a constant c. The c == 0 case is a zero, not 0 * x**-1 (a nan at x = 0).
POW_CONSTANT = primitive(
    "pow_constant", "PowBackward0", N.power,
    lambda ns, g, ans, x, c: g * (c * ns.pow_constant(x, c - 1)) if c != 0 else ns.zero(g),
    None)


def _varies(value) -> bool:
    """Whether an argument is a tensor that requires grad. PyTorch names some nodes by
    which arguments are numbers (clamp(x, 0, 1), 2**x, remainder(x, 3)); here a value
    that needs no gradient, such as a constant of the language, counts as a number."""
    return getattr(value, "requires_grad", False)


# x ** y with a tensor exponent. At x = 0 with y >= 0, d/dy is 0 rather than 0 * log(0) = nan.
POW = primitive(
    "pow", "PowBackward1", np.power,
    lambda ns, g, ans, x, y: ns.where(ns.data(y) == 0, 0.0, g * y * ns.pow(x, y - 1)),
    lambda ns, g, ans, x, y: g * ns.where((ns.data(x) == 0) & (ns.data(y) >= 0), 0.0,
                                          ans * ns.log(x)),
    node_names=lambda x, y: "PowBackward1" if _varies(x) else "PowBackward2")
RECIPROCAL = elementwise("reciprocal", "ReciprocalBackward0", lambda x: 1.0 / x,
                         lambda ns, g, ans, x: -g * (ans * ans), doc="1/x")

# --- trigonometric and hyperbolic ------------------------------------------------------------

SIN = elementwise("sin", "SinBackward0", np.sin, lambda ns, g, ans, x: g * ns.cos(x),
                  doc="sine")
COS = elementwise("cos", "CosBackward0", np.cos, lambda ns, g, ans, x: -g * ns.sin(x),
                  doc="cosine")
TAN = elementwise("tan", "TanBackward0", np.tan, lambda ns, g, ans, x: g * (1 + ans * ans),
                  doc="tangent")
# 1 - x² as (1-x)(1+x): no cancellation near ±1.
ASIN = elementwise("asin", "AsinBackward0", np.arcsin,
                   lambda ns, g, ans, x: g / ns.sqrt((1 - x) * (1 + x)),
                   doc="inverse sine, in [-pi/2, pi/2]")
ACOS = elementwise("acos", "AcosBackward0", np.arccos,
                   lambda ns, g, ans, x: -g / ns.sqrt((1 - x) * (1 + x)),
                   doc="inverse cosine, in [0, pi]")
# 1/(1+x²) as (1/hypot(1, x))²: neither it nor its derivatives overflow (PyTorch's
# 1/(1+x²) makes the second derivative -0 at 1e80, where it is -2e-240).
ATAN = elementwise("atan", "AtanBackward0", np.arctan,
                   lambda ns, g, ans, x: g * ns.pow_constant(ns.reciprocal(ns.hypot(1.0, x)), 2),
                   doc="inverse tangent, in (-pi/2, pi/2)")
SINH = elementwise("sinh", "SinhBackward0", np.sinh, lambda ns, g, ans, x: g * ns.cosh(x),
                   doc="hyperbolic sine")
COSH = elementwise("cosh", "CoshBackward0", np.cosh, lambda ns, g, ans, x: g * ns.sinh(x),
                   doc="hyperbolic cosine")
# sech² = (1/cosh)², not PyTorch's 1 - tanh², which is 0 from x = 20 on (sech²(20) = 1.7e-17).
TANH = elementwise("tanh", "TanhBackward0", np.tanh,
                   lambda ns, g, ans, x: g * ns.pow_constant(ns.reciprocal(ns.cosh(x)), 2),
                   doc="hyperbolic tangent")
# 1/sqrt(x²+1) as 1/hypot(x, 1), and sqrt(x²-1) as sqrt(x-1)·sqrt(x+1): no overflow at 1e200.
ASINH = elementwise("asinh", "AsinhBackward0", np.arcsinh,
                    lambda ns, g, ans, x: g / ns.hypot(x, 1.0),
                    doc="inverse hyperbolic sine")
ACOSH = elementwise("acosh", "AcoshBackward0", np.arccosh,
                    lambda ns, g, ans, x: g / (ns.sqrt(x - 1) * ns.sqrt(x + 1)),
                    doc="inverse hyperbolic cosine, for x >= 1")
ATANH = elementwise("atanh", "AtanhBackward0", np.arctanh,
                    lambda ns, g, ans, x: g / ((1 - x) * (1 + x)),
                    doc="inverse hyperbolic tangent, for -1 < x < 1")

# --- exponentials, logarithms, roots ------------------------------------------------------------

EXP = elementwise("exp", "ExpBackward0", np.exp, lambda ns, g, ans, x: g * ans,
                  doc="e to the power x")
EXP2 = elementwise("exp2", "Exp2Backward0", np.exp2, lambda ns, g, ans, x: g * ans * LN2,
                   doc="2 to the power x")
# exp(x), not PyTorch's ans + 1, which is 0 from x = -37 on (exp(-40) = 4.2e-18).
EXPM1 = elementwise("expm1", "Expm1Backward0", np.expm1, lambda ns, g, ans, x: g * ns.exp(x),
                    doc="exp(x) - 1, accurate for small x")
LOG = elementwise("log", "LogBackward0", np.log, lambda ns, g, ans, x: g / x,
                  doc="natural logarithm")
LOG2 = elementwise("log2", "Log2Backward0", np.log2, lambda ns, g, ans, x: g / (x * LN2),
                   doc="base-2 logarithm")
LOG10 = elementwise("log10", "Log10Backward0", np.log10, lambda ns, g, ans, x: g / (x * LN10),
                    doc="base-10 logarithm")
LOG1P = elementwise("log1p", "Log1PBackward0", np.log1p, lambda ns, g, ans, x: g / (x + 1),
                    doc="log(1 + x), accurate for small x")
SQRT = elementwise("sqrt", "SqrtBackward0", np.sqrt, lambda ns, g, ans, x: g / (2 * ans),
                   doc="square root")
CBRT = elementwise("cbrt", "CbrtBackward0", np.cbrt,
                   lambda ns, g, ans, x: g / (3 * (ans * ans)), doc="cube root (real)")

# --- kinks and steps (PyTorch's choice at the kink: abs'(0) = relu'(0) = 0) -----------------------

ABS = elementwise("abs", "AbsBackward0", np.abs,
                  lambda ns, g, ans, x: g * np.sign(ns.data(x)), doc="absolute value")
SIGN = elementwise("sign", "SignBackward0", np.sign, lambda ns, g, ans, x: ns.zero(g),
                   doc="-1, 0 or 1 by the sign of x (derivative 0)")
RELU = elementwise("relu", "ReluBackward0", lambda x: np.maximum(x, 0.0),
                   lambda ns, g, ans, x: g * (ns.data(x) > 0), doc="max(x, 0)")
FLOOR = elementwise("floor", "FloorBackward0", np.floor, lambda ns, g, ans, x: ns.zero(g),
                    doc="largest integer <= x (derivative 0)")
CEIL = elementwise("ceil", "CeilBackward0", np.ceil, lambda ns, g, ans, x: ns.zero(g),
                   doc="smallest integer >= x (derivative 0)")
ROUND = elementwise("round", "RoundBackward0", np.round, lambda ns, g, ans, x: ns.zero(g),
                    doc="nearest integer, halves to even (derivative 0)")
TRUNC = elementwise("trunc", "TruncBackward0", np.trunc, lambda ns, g, ans, x: ns.zero(g),
                    doc="integer part, toward 0 (derivative 0)")
ZERO = primitive("zero", "ZeroBackward0", lambda x: np.zeros(np.shape(x)),
                 lambda ns, g, ans, x: ns.zero(g))

# --- activations --------------------------------------------------------------------------------

# σ' = σ(x)σ(-x), not PyTorch's σ(1-σ), which loses digits from x = 20 on and is 0 at 40.
SIGMOID = elementwise("sigmoid", "SigmoidBackward0", N.sigmoid,
                      lambda ns, g, ans, x: g * ans * ns.sigmoid(-x),
                      doc="1/(1 + exp(-x)), stable for large |x|")
# softplus' = σ(x) everywhere (PyTorch's threshold at 20 makes softplus'' 0 from there on).
SOFTPLUS = elementwise("softplus", "SoftplusBackward0", N.softplus,
                       lambda ns, g, ans, x: g * ns.sigmoid(x), doc="log(1 + exp(x)), stable")
LOGIT = elementwise("logit", "LogitBackward0", N.logit,
                    lambda ns, g, ans, x: g / (x * (1 - x)), doc="log(x/(1 - x)), for 0 < x < 1")
# gelu' = Φ(x) + x φ(x), in the erfc form that stays accurate far left.
GELU = elementwise(
    "gelu", "GeluBackward0", N.gelu,
    lambda ns, g, ans, x: g * (0.5 * ns.erfc(-x / N.SQRT2)
                               + x * (INV_SQRT_2PI * ns.exp(-0.5 * (x * x)))),
    doc="x·Φ(x), the Gaussian error linear unit (exact erf form)")
SILU = elementwise("silu", "SiluBackward0", N.silu,
                   lambda ns, g, ans, x: g * (ns.sigmoid(x) * (1 + x * ns.sigmoid(-x))),
                   doc="x·sigmoid(x)")
# elu' is 1 at 0 (the exp branch), and elu'' is 0 there: PyTorch's double backward masks
# with x < 0, so the exp branch is differentiated only where x < 0.
ELU = elementwise("elu", "EluBackward0", N.elu,
                  lambda ns, g, ans, x: g * ns.where(ns.data(x) < 0, ns.exp(x), 1.0),
                  doc="x for x > 0, else exp(x) - 1 (alpha 1)")


def _sinc_rule(ns, g, ans, x):
    """sinc'(x) = (cos(πx) - sinc(x))/x, which cancels near 0; there its Taylor series
    (odd, 8 terms, exact to 1e-17 for |x| < 0.1) stands in, and gives sinc'(0) = 0."""
    small = np.abs(ns.data(x)) < 0.1
    safe = _safe(ns, x, small)
    far = (ns.cos(math.pi * safe) - ns.sinc(safe)) / safe
    near = _SINC_SERIES[-1]
    x2 = x * x
    for c in _SINC_SERIES[-2::-1]:
        near = near * x2 + c
    return g * ns.where(small, near * x, far)


# sinc'(x) = Σ_{n≥1} (-1)^n 2n π^{2n} x^{2n-1} / (2n+1)!: the coefficients of x^{2n-1}.
_SINC_SERIES = [(-1) ** n * 2 * n * math.pi ** (2 * n) / math.factorial(2 * n + 1)
                for n in range(1, 9)]
SINC = elementwise("sinc", "SincBackward0", np.sinc, _sinc_rule,
                   doc="sin(pi x)/(pi x), 1 at 0")

# --- special functions (SciPy, imported when first used) -----------------------------------------

ERF = elementwise("erf", "ErfBackward0", N.erf,
                  lambda ns, g, ans, x: g * (TWO_OVER_SQRT_PI * ns.exp(-(x * x))),
                  doc="error function", group="special")
ERFC = elementwise("erfc", "ErfcBackward0", N.erfc,
                   lambda ns, g, ans, x: -g * (TWO_OVER_SQRT_PI * ns.exp(-(x * x))),
                   doc="1 - erf(x), accurate where erf nears 1", group="special")
ERFINV = elementwise("erfinv", "ErfinvBackward0", N.erfinv,
                     lambda ns, g, ans, x: g * (SQRT_PI_OVER_2 * ns.exp(ans * ans)),
                     doc="inverse error function, for -1 < x < 1", group="special")
GAMMA = elementwise("gamma", "GammaBackward0", N.gamma,
                    lambda ns, g, ans, x: g * ans * ns.digamma(x),
                    doc="the gamma function, Γ(x)", group="special")
LGAMMA = elementwise("lgamma", "LgammaBackward0", N.lgamma,
                     lambda ns, g, ans, x: g * ns.digamma(x), doc="log|Γ(x)|", group="special")
DIGAMMA = elementwise("digamma", "DigammaBackward0", N.digamma,
                      lambda ns, g, ans, x: g * ns.polygamma(x, 1),
                      doc="Γ'(x)/Γ(x)", group="special")
POLYGAMMA = primitive("polygamma", "PolygammaBackward0", N.polygamma,
                      lambda ns, g, ans, x, n: g * ns.polygamma(x, n + 1), None)

# --- two and three arguments ---------------------------------------------------------------------


def _atan2_rule(sign: int, numerator: int):
    """d atan2(y, x) = (x dy - y dx)/(x² + y²), as (v/h)/h with h = hypot(x, y): no
    overflow or underflow at 1e±200, and 0 at x = y = 0 as in PyTorch."""

    def rule(ns, g, ans, y, x):
        h = ns.hypot(y, x)
        zero = ns.data(h) == 0
        safe = _safe(ns, h, zero)
        v = (x, y)[numerator]
        return ns.where(zero, 0.0, sign * g * ((v / safe) / safe))

    return rule


ATAN2 = elementwise("atan2", "Atan2Backward0", np.arctan2, _atan2_rule(1, 0),
                    _atan2_rule(-1, 1), doc="the angle of the point (x, y), in (-pi, pi]",
                    arguments=("y", "x"), group="binary")
HYPOT = elementwise("hypot", "HypotBackward0", np.hypot,
                    lambda ns, g, ans, x, y: g * x / ans,
                    lambda ns, g, ans, x, y: g * y / ans,
                    doc="sqrt(x² + y²) without overflow", arguments=("x", "y"), group="binary")


def _share(wins, tie):
    """PyTorch's minimum/maximum split a tie evenly: the winner gets 1, each tied side 1/2."""
    return wins + 0.5 * tie


MINIMUM = primitive(
    "minimum", "MinimumBackward0", np.minimum,
    lambda ns, g, ans, x, y: g * _share(ns.data(x) < ns.data(y), ns.data(x) == ns.data(y)),
    lambda ns, g, ans, x, y: g * _share(ns.data(y) < ns.data(x), ns.data(x) == ns.data(y)))
MAXIMUM = primitive(
    "maximum", "MaximumBackward0", np.maximum,
    lambda ns, g, ans, x, y: g * _share(ns.data(x) > ns.data(y), ns.data(x) == ns.data(y)),
    lambda ns, g, ans, x, y: g * _share(ns.data(y) > ns.data(x), ns.data(x) == ns.data(y)))
# np.mod takes the sign of the divisor, as torch.remainder; d/dy = -floor(x/y).
MOD = elementwise("mod", "RemainderBackward1", np.mod,
                  lambda ns, g, ans, x, y: g,
                  lambda ns, g, ans, x, y: -g * np.floor(ns.data(x) / ns.data(y)),
                  doc="x modulo y, with the sign of y", arguments=("x", "y"), group="binary")
MOD.node_names = lambda x, y: "RemainderBackward1" if _varies(y) else "RemainderBackward0"
# d/dx = sigmoid(x - y), as PyTorch's 1/(1 + exp(y - x)): never an overflow, and exact to
# an ulp where exp(x - ans) would inherit ans's rounding (250 ulps at x = y = 1000).
LOGADDEXP = elementwise("logaddexp", "LogaddexpBackward0", np.logaddexp,
                        lambda ns, g, ans, x, y: g * ns.sigmoid(x - y),
                        lambda ns, g, ans, x, y: g * ns.sigmoid(y - x),
                        doc="log(exp(x) + exp(y)), stable", arguments=("x", "y"), group="binary")
# As torch.xlogy: d/dx = xlogy(g, y), 0 where x = 0 and y <= 0; d/dy = g·x/y.
XLOGY = elementwise(
    "xlogy", "XlogyBackward0", N.xlogy,
    lambda ns, g, ans, x, y: ns.where((ns.data(x) == 0) & (ns.data(y) <= 0), 0.0,
                                      ns.xlogy(g, y)),
    lambda ns, g, ans, x, y: g * x / y,
    doc="x·log(y), 0 where x is 0", arguments=("x", "y"), group="binary")
XLOGY.node_names = lambda x, y: (
    "XlogyBackward0" if _varies(x) and _varies(y) else "XlogyBackward2" if _varies(x)
    else "XlogyBackward1")
# clamp: x passes the gradient inside [lo, hi] (ends included); a bound gets it where it
# binds (and hi wins when lo > hi, since the result is then hi), as in PyTorch.
CLIP = elementwise(
    "clip", "ClampBackward1", lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
    lambda ns, g, ans, x, lo, hi: g * ((ns.data(x) >= ns.data(lo)) & (ns.data(x) <= ns.data(hi))),
    lambda ns, g, ans, x, lo, hi: g * ((ns.data(x) < ns.data(lo))
                                       & (ns.data(lo) < ns.data(hi))),
    lambda ns, g, ans, x, lo, hi: g * ((ns.data(x) > ns.data(hi))
                                       | (ns.data(hi) < ns.data(lo))),
    doc="x limited to [lo, hi]", arguments=("x", "lo", "hi"), group="binary")
CLIP.node_names = lambda x, lo, hi: (
    "ClampBackward0" if any(_varies(b) for b in (lo, hi)) else "ClampBackward1")
WHERE = primitive("where", "WhereBackward0", lambda mask, a, b: np.where(mask, a, b)[()],
                  None,
                  lambda ns, g, ans, mask, a, b: ns.where(mask, g, 0.0),
                  lambda ns, g, ans, mask, a, b: ns.where(mask, 0.0, g))

# --- reductions: axis is a tuple of axes or None (all), keepdims a bool ---------------------------


def _expand(ns, g, x, axis, keepdims):
    """A reduction's gradient spread back over the reduced axes of x."""
    shape = _shape(ns, x)
    if not keepdims:
        g = ns.reshape(g, N.kept_shape(shape, axis))
    return ns.broadcast_to(g, shape)


def _count(x, axis) -> np.float64:
    """The number of elements reduced, as a NumPy float: n - ddof = 0 divides to inf
    (and nan, as PyTorch), where Python's 2.0 / 0 raises."""
    shape = np.shape(x)
    return np.float64(math.prod(shape) if axis is None else math.prod(shape[i] for i in axis))


def _by_axis(whole: str, along: str):
    return lambda x, axis, *rest: whole if axis is None else along


SUM = primitive("sum", "SumBackward0", lambda x, axis, keepdims: np.sum(x, axis, None, None,
                                                                        keepdims)[()],
                lambda ns, g, ans, x, axis, keepdims: _expand(ns, g, x, axis, keepdims),
                None, None, node_names=_by_axis("SumBackward0", "SumBackward1"))
MEAN = primitive("mean", "MeanBackward0",
                 lambda x, axis, keepdims: np.mean(x, axis, None, None, keepdims)[()],
                 lambda ns, g, ans, x, axis, keepdims: _expand(
                     ns, g / _count(ns.data(x), axis), x, axis, keepdims),
                 None, None, node_names=_by_axis("MeanBackward0", "MeanBackward1"))


def _prod_rule(ns, g, ans, x, axis, keepdims):
    """d prod / dx_i is the product of the others: ans / x_i when nothing is zero, else
    exclusive products from both sides, which stay right with zeros (PyTorch's
    prod_safe_zeros_backward)."""
    g, ans = _expand(ns, g, x, axis, keepdims), _expand(ns, ans, x, axis, keepdims)
    if np.all(ns.data(x) != 0):
        return g * (ans / x)
    # The reduced axes moved to the end and made one, the product of the others along it.
    shape = _shape(ns, x)
    reduced = tuple(range(len(shape))) if axis is None else axis
    order = tuple(i for i in range(len(shape)) if i not in reduced) + reduced
    moved = ns.transpose(x, order)
    kept = _shape(ns, moved)[: len(shape) - len(reduced)]
    others = _prod_others(ns, ns.reshape(moved, (*kept, -1)), len(kept))
    back = tuple(int(i) for i in np.argsort(order))
    return g * ns.transpose(ns.reshape(others, _shape(ns, moved)), back)


def _prod_others(ns, x, axis: int):
    """The product of the other elements along one axis, in the namespace's operations."""
    def exclusive(v):
        shape = _shape(ns, v)
        ones = np.ones(N.kept_shape(shape, (axis,)))
        before = ns.select(ns.cumprod(v, axis), _along(len(shape), axis, slice(None, -1)))
        return ns.concat(axis, ones, before)

    def flip(v):
        return ns.select(v, _along(len(_shape(ns, v)), axis, slice(None, None, -1)))

    return exclusive(x) * flip(exclusive(flip(x)))


def _along(ndim: int, axis: int, index) -> tuple:
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


PROD = primitive("prod", "ProdBackward0",
                 lambda x, axis, keepdims: np.prod(x, axis, None, None, keepdims)[()],
                 _prod_rule, None, None, node_names=_by_axis("ProdBackward0", "ProdBackward1"))


def _extreme_rule(ns, g, ans, x, axis, keepdims):
    """amax/amin: the gradient split evenly between the elements that tie for the extreme."""
    hit = ns.data(x) == np.reshape(ns.data(ans), N.kept_shape(_shape(ns, x), axis))
    share = hit / np.sum(hit, axis=axis, keepdims=True)
    return _expand(ns, g, x, axis, keepdims) * share


AMAX = primitive("amax", "AmaxBackward0", N.amax, _extreme_rule, None, None,
                 node_names=_by_axis("MaxBackward1", "AmaxBackward0"))
AMIN = primitive("amin", "AminBackward0", N.amin, _extreme_rule, None, None,
                 node_names=_by_axis("MinBackward1", "AminBackward0"))


def _logsumexp_rule(ns, g, ans, x, axis, keepdims):
    """d logsumexp = softmax over the reduced axes, as exp(x - max)/Σ exp(x - max): each
    factor is exact to an ulp, where PyTorch's exp(x - ans) inherits the rounding of ans
    (100 ulps at [1000, 1001]). The shift is a constant: the quotient does not depend
    on it, so its derivatives are right too. g/Σ is taken on the reduced shape, so the
    product is one pass over x."""
    peak = np.max(ns.data(x), axis=axis, keepdims=True)
    e = ns.exp(x - np.where(np.isfinite(peak), peak, 0.0))
    kept = g if keepdims else ns.reshape(g, N.kept_shape(_shape(ns, x), axis))
    return e * (kept / ns.sum(e, axis, True))


LOGSUMEXP = primitive("logsumexp", "LogsumexpBackward0", N.logsumexp, _logsumexp_rule,
                      None, None)
VAR = primitive(
    "var", "VarBackward0", N.var,
    lambda ns, g, ans, x, axis, ddof, keepdims: _expand(ns, g, x, axis, keepdims) * (
        (2.0 / (_count(ns.data(x), axis) - ddof)) * (x - ns.mean(x, axis, True))),
    None, None, None)


def _std_rule(ns, g, ans, x, axis, ddof, keepdims):
    """(x - mean)/((n - ddof)·std), and 0 where the std is 0, as PyTorch."""
    s = _expand(ns, ans, x, axis, keepdims)
    zero = ns.data(s) == 0
    spread = (x - ns.mean(x, axis, True)) / ((_count(ns.data(x), axis) - ddof) * _safe(ns, s, zero))
    return ns.where(zero, 0.0, _expand(ns, g, x, axis, keepdims) * spread)


STD = primitive("std", "StdBackward0", N.std, _std_rule, None, None, None)


def _norm_rule(ns, g, ans, x, axis, ord, keepdims):
    """The gradient of the 1-, 2- or inf-norm; 0 at a zero vector, as PyTorch's."""
    g, n = _expand(ns, g, x, axis, keepdims), _expand(ns, ans, x, axis, keepdims)
    if ord == 1:
        return g * np.sign(ns.data(x))
    if ord == math.inf:
        hit = (np.abs(ns.data(x)) == ns.data(n)) & (ns.data(n) > 0)
        return g * (np.sign(ns.data(x)) * hit / np.maximum(np.sum(hit, axis, keepdims=True), 1))
    zero = ns.data(n) == 0
    return ns.where(zero, 0.0, x * (g / _safe(ns, n, zero)))


NORM = primitive("norm", "LinalgVectorNormBackward0", N.norm, _norm_rule, None, None, None)

# --- along one axis ------------------------------------------------------------------------------


def _flip(ns, v, axis: int):
    return ns.select(v, _along(len(_shape(ns, v)), axis, slice(None, None, -1)))


SOFTMAX = primitive(
    "softmax", "SoftmaxBackward0", N.softmax,
    lambda ns, g, ans, x, axis: ans * (g - ns.sum(g * ans, (axis,), True)), None)
LOG_SOFTMAX = primitive(
    "log_softmax", "LogSoftmaxBackward0", N.log_softmax,
    lambda ns, g, ans, x, axis: g - ns.exp(ans) * ns.sum(g, (axis,), True), None)
CUMSUM = primitive(
    "cumsum", "CumsumBackward0", lambda x, axis: np.cumsum(x, axis),
    lambda ns, g, ans, x, axis: _flip(ns, ns.cumsum(_flip(ns, g, axis), axis), axis), None)


def _cumprod_rule(ns, g, ans, x, axis):
    """Σ_{j≥i} g_j ans_j / x_i where no x is 0; else, for each i, the running product with
    x_i replaced by 1 (O(n²) along the axis, as only zeros need)."""
    if np.all(ns.data(x) != 0):
        return _flip(ns, ns.cumsum(_flip(ns, g * ans, axis), axis), axis) / x
    ndim = len(_shape(ns, x))
    order = tuple(i for i in range(ndim) if i != axis) + (axis,)
    back = tuple(int(i) for i in np.argsort(order))
    xt, gt = ns.transpose(x, order), ns.transpose(g, order)
    n = _shape(ns, xt)[-1]
    shape = _shape(ns, xt)[:-1] + (n, n)
    rows = ns.broadcast_to(ns.reshape(xt, _shape(ns, xt)[:-1] + (1, n)), shape)
    partial = ns.cumprod(ns.where(np.eye(n, dtype=bool), 1.0, rows), len(shape) - 1)
    later = np.triu(np.ones((n, n)))  # j >= i
    gi = ns.sum(partial * (later * ns.reshape(gt, _shape(ns, gt)[:-1] + (1, n))),
                (len(shape) - 1,), False)
    return ns.transpose(gi, back)


CUMPROD = primitive("cumprod", "CumprodBackward0", lambda x, axis: np.cumprod(x, axis),
                    _cumprod_rule, None)

# --- shapes, indexing and array literals ---------------------------------------------------------

TRANSPOSE = primitive(
    "transpose", "PermuteBackward0", np.transpose,
    lambda ns, g, ans, x, axes: ns.transpose(
        g, None if axes is None else tuple(int(i) for i in np.argsort(axes))),
    None)
RESHAPE = primitive("reshape", "ViewBackward0", np.reshape,
                    lambda ns, g, ans, x, shape: ns.reshape(g, _shape(ns, x)), None)
SUM_TO = primitive("sum_to", "SumToSizeBackward0", N.sum_to,
                   lambda ns, g, ans, x, shape: ns.broadcast_to(g, _shape(ns, x)), None)
BROADCAST_TO = primitive("broadcast_to", "ExpandBackward0", np.broadcast_to,
                         lambda ns, g, ans, x, shape: ns.sum_to(g, _shape(ns, x)), None)


def _index_name(x, index) -> str:
    """PyTorch applies the entries of an index one by one, skipping a slice of a whole
    axis (`:`, `0:`, `:10` of 3), and names the node by the last one applied: an integer
    selects, a slice slices (A[1:3, 0] is a Select, A[0, 1:] a Slice). An index of one
    slice is always applied; several that all take whole axes make an alias."""
    shape = np.shape(getattr(x, "_data", x))
    if len(index) == 1 and isinstance(index[0], slice):
        return "SliceBackward0"
    for axis in range(len(index) - 1, -1, -1):
        i = index[axis]
        if not isinstance(i, slice):
            return "SelectBackward0"
        if (i.start or 0) != 0 or (i.step or 1) != 1 or (
                i.stop is not None and i.stop < shape[axis]):
            return "SliceBackward0"
    return "AliasBackward0"


# Basic indexing: a tuple of integers and slices.
SELECT = primitive(
    "select", "SelectBackward0", lambda x, index: np.array(x[index]),
    lambda ns, g, ans, x, index: ns.select_backward(g, _shape(ns, x), index), None,
    node_names=_index_name)
SELECT_BACKWARD = primitive("select_backward", "SelectBackwardBackward0", N.select_backward,
                            lambda ns, g, ans, gy, shape, index: ns.select(g, index),
                            None, None)


def _diag_rule(ns, g, ans, x):
    """A vector's gradient is the diagonal of g; a matrix's is g on its diagonal, padded
    with zeros to the matrix's shape when it is not square."""
    shape = _shape(ns, x)
    if len(shape) == 1:
        return ns.diag(g)
    out, k = ns.diag(g), min(shape)
    if shape[0] > k:
        out = ns.concat(0, out, np.zeros((shape[0] - k, k)))
    if shape[1] > k:
        out = ns.concat(1, out, np.zeros((shape[0], shape[1] - k)))
    return out


DIAG = primitive("diag", "DiagEmbedBackward0", np.diag, _diag_rule,
                 node_names=lambda x: "DiagEmbedBackward0" if np.ndim(getattr(x, "_data", x)) == 1
                 else "DiagonalBackward0")


class _VariadicRules:
    """`rules[i]` of a primitive called as `(axis, *values)`: none for the axis, and for
    value i-1 the part of g that came from it."""

    def __init__(self, part) -> None:
        self.part = part

    def __getitem__(self, i: int):
        if i == 0:
            return None
        return lambda ns, g, ans, axis, *values: self.part(ns, g, axis, values, i - 1)


def _stacked_part(ns, g, axis, values, k):
    return ns.select(g, _along(len(_shape(ns, g)), axis, k))


def _concatenated_part(ns, g, axis, values, k):
    start = sum(np.shape(ns.data(v))[axis] for v in values[:k])
    stop = start + np.shape(ns.data(values[k]))[axis]
    return ns.select(g, _along(len(_shape(ns, g)), axis, slice(start, stop)))


STACK = Primitive("stack", "StackBackward0", N.stack, _VariadicRules(_stacked_part))
CONCAT = Primitive("concat", "CatBackward0", N.concat, _VariadicRules(_concatenated_part))
PRIMITIVES["stack"] = STACK
PRIMITIVES["concat"] = CONCAT

# --- products of vectors and matrices -------------------------------------------------------------

DOT = primitive("dot", "DotBackward0", np.dot,
                lambda ns, g, ans, a, b: g * b,
                lambda ns, g, ans, a, b: g * a)
MV = primitive("mv", "MvBackward0", np.matmul,
               lambda ns, g, ans, m, v: ns.reshape(g, (-1, 1)) * v,
               lambda ns, g, ans, m, v: ns.mv(ns.transpose(m, None), g))
MM = primitive("mm", "MmBackward0", np.matmul,
               lambda ns, g, ans, a, b: ns.mm(g, ns.transpose(b, None)),
               lambda ns, g, ans, a, b: ns.mm(ns.transpose(a, None), g))

# --- linear algebra -------------------------------------------------------------------------------

TRACE = primitive("trace", "TraceBackward0", np.trace,
                  lambda ns, g, ans, a: g * np.eye(_shape(ns, a)[0]))


def _det_rule(ns, g, ans, a):
    """d det(A) = adj(A)ᵀ = det(A)·A⁻ᵀ where A is well conditioned. At or near a singular
    A (where PyTorch 2.13 gives 0, and det(A)·A⁻ᵀ is 0·inf or loses digits): the SVD's
    adjugate for a plain backward, and in operations that differentiate again the
    cofactors, signed determinants of the minors, whose own derivatives are right."""
    if not ns.recording:
        return g * N.adjugate_transposed(ns.data(a), ns.data(ans))
    if N.well_conditioned(ns.data(a)):
        return g * (ans * ns.transpose(ns.inv(a), None))
    return g * _cofactors(ns, a)


def _cofactors(ns, a):
    n = _shape(ns, a)[0]
    if n == 1:
        return np.ones((1, 1))
    rows = [ns.stack(0, *[(-1) ** (i + j) * ns.det(_without(ns, _without(ns, a, i, 0), j, 1))
                          for j in range(n)]) for i in range(n)]
    return ns.stack(0, *rows)


def _without(ns, a, k: int, axis: int):
    """Matrix `a` without its row (axis 0) or column (axis 1) number k."""
    n = _shape(ns, a)[axis]
    parts = [ns.select(a, _along(2, axis, part)) for part in (slice(0, k), slice(k + 1, n))
             if part.stop > part.start]
    return parts[0] if len(parts) == 1 else ns.concat(axis, *parts)


DET = primitive("det", "LinalgDetBackward0", N.det, _det_rule)


def _logabsdet_rule(ns, g, ans, a):
    """d log|det A| = A⁻ᵀ; at a singular A (log|det A| = -inf), where inv would raise,
    adj(A)ᵀ/det(A): infinite, as PyTorch's (a constant: nothing finite to differentiate)."""
    if np.isnan(ns.data(ans)):  # A holds a nan
        return g * np.full(np.shape(ns.data(a)), np.nan)
    if ns.data(ans) != -np.inf:
        return g * ns.transpose(ns.inv(a), None)
    with np.errstate(all="ignore"):
        return g * (N.adjugate(ns.data(a)).T / np.linalg.det(ns.data(a)))


LOGABSDET = primitive("logabsdet", "LinalgSlogdetBackward0",
                      N.logabsdet, _logabsdet_rule)
INV = primitive("inv", "LinalgInvExBackward0", np.linalg.inv,
                lambda ns, g, ans, a: -ns.mm(ns.mm(ns.transpose(ans, None), g),
                                             ns.transpose(ans, None)))


def _solve_rule_a(ns, g, ans, a, b):
    gb = ns.solve(ns.transpose(a, None), g)
    if len(_shape(ns, ans)) == 1:
        return -(ns.reshape(gb, (-1, 1)) * ns.reshape(ans, (1, -1)))
    return -ns.mm(gb, ns.transpose(ans, None))


SOLVE = primitive("solve", "LinalgSolveExBackward0", N.solve, _solve_rule_a,
                  lambda ns, g, ans, a, b: ns.solve(ns.transpose(a, None), g))


# --- the fast namespace: the same names, on plain NumPy arrays ------------------------------------

ARRAY_MATH = SimpleNamespace(
    **{p.name: p.forward for p in PRIMITIVES.values()},
    data=lambda value: value,
    recording=False,
)
