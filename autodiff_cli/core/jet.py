"""Taylor mode: truncated series pushed forward through a recorded graph.

`TAYLOR` is the table beside the VJP table (JAX's jet keeps one too): for each
primitive, a rule that maps the series of its arguments to the series of its
result, with `series.py`'s arithmetic. `propagate` runs the rules over the
operations between some leaves and an output, in creation order, which is also
forward mode: order 1 gives the directional derivative (a JVP) in one pass,
whatever the number of inputs.

A rule is called as `rule(ans, *args)`: `ans` is the operation's value (the
series' constant term, known from the forward pass), each differentiable
argument a series of shape (K+1, *shape) (a constant one where it does not
depend on the leaves), each parameter as it is. Kinks follow the VJP rules'
choices (relu'(0) = 0, ties split evenly), so that both modes agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from autodiff_cli.core import numerics as N
from autodiff_cli.core import series as S
from autodiff_cli.core.registry import PRIMITIVES
from autodiff_cli.core.tensor import Tensor, arguments

TAYLOR: dict[str, Callable] = {}
LN2, LN10 = math.log(2.0), math.log(10.0)


def operations_between(leaves, output: Tensor) -> list[Tensor]:
    """The operations between `leaves` and `output`, in creation order: what `propagate`
    runs, worked out once when many directions go through one graph."""
    from autodiff_cli.core.engine import _leading_to

    if output._op is None:
        return []
    _, run = _leading_to([output], dict.fromkeys(leaves))
    return sorted(run, key=lambda t: t._seq)


def propagate(output: Tensor, directions: dict[Tensor, np.ndarray], order: int,
              plan: list[Tensor] | None = None) -> np.ndarray:
    """The series (order+1, *output.shape) of the output when each leaf x of `directions`
    moves as x + t·direction (other values fixed): coefficient k is dᵏ/dtᵏ / k!.
    `plan`, from `operations_between(leaves, output)`, saves walking the graph again."""
    series: dict[Tensor, np.ndarray] = {
        x: S.variable(x._data, order, d) for x, d in directions.items()}
    if output in series:
        return series[output]
    if output._op is None:
        return S.constant(output._data, order)
    if plan is None:
        plan = operations_between(directions, output)
    with np.errstate(all="ignore"):
        for t in plan:
            op = t._op
            args = []
            for i, a in enumerate(arguments(t)):
                if op.rules[i] is None:
                    args.append(a)  # a parameter: an axis, a shape, a mask
                elif type(a) is Tensor and a in series:
                    args.append(series[a])
                else:
                    args.append(S.constant(a._data if type(a) is Tensor else a, order))
            out = np.array(TAYLOR[op.name](t._data, *args), dtype=np.float64)
            out[0] = t._data  # the forward pass's value, to the bit
            series[t] = out
    return series.get(output, S.constant(output._data, order))


def rule(*names: str):
    """Register one function as the Taylor rule of the named primitives."""

    def register(function: Callable) -> Callable:
        for name in names:
            TAYLOR[name] = function
        return function

    return register


def _each_order(forward: Callable, params: tuple[bool, ...]):
    """The rule of a linear primitive: its forward on each coefficient on its own."""

    def linear(ans, *args):
        order = next(len(a) for a, p in zip(args, params) if not p)
        return np.stack([forward(*(a if p else a[k] for a, p in zip(args, params)))
                         for k in range(order)])

    return linear


_LINEAR = ("neg", "sum", "mean", "reshape", "sum_to", "broadcast_to", "select",
           "select_backward", "transpose", "diag", "trace", "cumsum", "zero", "stack", "concat")
for _name in _LINEAR:
    _p = PRIMITIVES[_name]
    _params = (tuple(r is None for r in _p.rules) if _p.arity is not None
               else None)  # variadic: the axis first, then values
    if _params is None:
        TAYLOR[_name] = (lambda forward: lambda ans, axis, *values: np.stack(
            [forward(axis, *(v[k] for v in values)) for k in range(len(values[0]))]))(_p.forward)
    else:
        TAYLOR[_name] = _each_order(_p.forward, _params)


def _constant(ans, *args):
    """A step or a sign: its value, with no higher terms (the derivatives are 0)."""
    order = len(next(a for a in args if isinstance(a, np.ndarray) and a.ndim >= 1))
    return S.constant(ans, order - 1)


for _name in ("sign", "floor", "ceil", "round", "trunc"):
    TAYLOR[_name] = _constant


# --- arithmetic -----------------------------------------------------------------------------------

rule("add")(lambda ans, a, b: S.add(a, b))
rule("sub")(lambda ans, a, b: S.sub(a, b))
rule("mul")(lambda ans, a, b: S.mul(a, b))
rule("div")(lambda ans, a, b: S.div(a, b))
rule("pow_constant")(lambda ans, a, c: S.power(a, c, value0=ans))
rule("pow")(lambda ans, a, b: S.pow(a, b))
rule("reciprocal")(lambda ans, a: S.reciprocal(a))

# --- elementary functions -------------------------------------------------------------------------

rule("sin")(lambda ans, a: S.sin_cos(a)[0])
rule("cos")(lambda ans, a: S.sin_cos(a)[1])
rule("tan")(lambda ans, a: S.tan(a))
rule("asin")(lambda ans, a: S.asin(a))
rule("acos")(lambda ans, a: S.acos(a))
rule("atan")(lambda ans, a: S.atan(a))
rule("sinh")(lambda ans, a: S.sinh_cosh(a)[0])
rule("cosh")(lambda ans, a: S.sinh_cosh(a)[1])
rule("tanh")(lambda ans, a: S.tanh(a))
rule("asinh")(lambda ans, a: S.asinh(a))
rule("acosh")(lambda ans, a: S.acosh(a))
rule("atanh")(lambda ans, a: S.atanh(a))
rule("exp")(lambda ans, a: S.exp(a))
rule("exp2")(lambda ans, a: S.exp(a * LN2))
rule("expm1")(lambda ans, a: S.expm1(a))
rule("log")(lambda ans, a: S.log(a))
rule("log2")(lambda ans, a: S.log(a) / LN2)
rule("log10")(lambda ans, a: S.log(a) / LN10)
rule("log1p")(lambda ans, a: S.log1p(a))
rule("sqrt")(lambda ans, a: S.sqrt(a))
rule("cbrt")(lambda ans, a: S.cbrt(a))
rule("sigmoid")(lambda ans, a: S.sigmoid(a))
rule("softplus")(lambda ans, a: S.softplus(a))
rule("logit")(lambda ans, a: S.sub(S.log(a), S.log1p(-a)))
rule("gelu")(lambda ans, a: S.mul(a, 0.5 * S.erfc(-a / N.SQRT2)))
rule("silu")(lambda ans, a: S.mul(a, S.sigmoid(a)))
rule("elu")(lambda ans, a: S.where(a[0] >= 0, a, S.expm1(a)))  # elu"(0) = 0, as the VJP
rule("sinc")(lambda ans, a: S.sinc(a))
rule("erf")(lambda ans, a: S.erf(a))
rule("erfc")(lambda ans, a: S.erfc(a))
rule("erfinv")(lambda ans, a: S.erfinv(a))
rule("gamma")(lambda ans, a: S.gamma(a))
rule("lgamma")(lambda ans, a: S.lgamma(a))
rule("digamma")(lambda ans, a: S.digamma(a))
rule("polygamma")(lambda ans, a, n: S.polygamma(n, a))

# --- kinks: the VJP rules' choices, so both modes agree -------------------------------------------

rule("abs")(lambda ans, a: np.sign(a[0]) * a)
rule("relu")(lambda ans, a: (a[0] > 0) * a)


def _split(x0, y0, a, b, pick_x, pick_y):
    """a where pick_x, b where pick_y, their mean where neither (a tie: 1/2 each)."""
    return S.where(pick_x, a, S.where(pick_y, b, S.add(a, b) * 0.5))


rule("minimum")(lambda ans, a, b: _split(a[0], b[0], a, b, a[0] < b[0], b[0] < a[0]))
rule("maximum")(lambda ans, a, b: _split(a[0], b[0], a, b, a[0] > b[0], b[0] > a[0]))


@rule("clip")
def _clip(ans, x, lo, hi):
    inside = (x[0] >= lo[0]) & (x[0] <= hi[0])
    below = (x[0] < lo[0]) & (lo[0] < hi[0])
    return S.where(inside, x, S.where(below, lo, hi))


rule("where")(lambda ans, mask, a, b: S.where(mask, a, b))
rule("mod")(lambda ans, a, b: S.sub(a, S.mul(b, S.constant(np.floor(a[0] / b[0]),
                                                              len(a) - 1))))
rule("logaddexp")(lambda ans, a, b: S.logaddexp(a, b))
rule("atan2")(lambda ans, y, x: S.atan2(y, x))


@rule("hypot")
def _hypot(ans, a, b):
    """m·sqrt((a/m)² + (b/m)²) with m the larger magnitude: no overflow at 1e200."""
    a, b = _aligned(a, b)
    m = np.maximum(np.abs(a[0]), np.abs(b[0]))
    m = np.where(m == 0, 1.0, m)
    return m * S.power(S.add(S.square(a / m), S.square(b / m)), 0.5, value0=ans / m)


def _aligned(a, b):
    """Two series broadcast to one element shape (the orders axis stays first)."""
    ndim = max(a.ndim, b.ndim)
    a = a.reshape(a.shape[:1] + (1,) * (ndim - a.ndim) + a.shape[1:])
    b = b.reshape(b.shape[:1] + (1,) * (ndim - b.ndim) + b.shape[1:])
    return np.broadcast_arrays(a, b)


@rule("xlogy")
def _xlogy(ans, a, b):
    zero = ~a.any(axis=0) & ~np.isnan(b[0])
    return S.where(zero, S.constant(np.zeros(np.shape(ans)), len(a) - 1), S.mul(a, S.log(b)))


# --- reductions -----------------------------------------------------------------------------------


def _reduced_axes(ndim: int, axis) -> tuple[int, ...]:
    return tuple(range(ndim)) if axis is None else axis


def _sum(a, axis, keepdims):
    """Σ over the element axes `axis` of a series (the orders axis is 0)."""
    axes = tuple(1 + i for i in _reduced_axes(a.ndim - 1, axis))
    return np.sum(a, axis=axes, keepdims=keepdims)


def _kept(a, axis, value):
    """A reduction's value, with the reduced axes of `a`'s elements as length 1."""
    return np.reshape(value, N.kept_shape(a.shape[1:], axis))


@rule("prod")
def _prod(ans, a, axis, keepdims):
    """The product by halves: log2(n) vectorised Cauchy products, not n of them."""
    k = len(a)
    shape = a.shape[1:]
    reduced = _reduced_axes(len(shape), axis)
    kept = [i for i in range(len(shape)) if i not in reduced]
    moved = np.transpose(a, (0, *(1 + i for i in kept), *(1 + i for i in reduced)))
    flat = moved.reshape(k, *(shape[i] for i in kept), -1)
    if flat.shape[-1] == 0:
        flat = S.constant(np.ones(flat.shape[1:-1] + (1,)), k - 1)
    while flat.shape[-1] > 1:
        half = flat.shape[-1] // 2
        product = S.mul(flat[..., :half], flat[..., half:2 * half])
        flat = np.concatenate([product, flat[..., 2 * half:]], axis=-1)
    out = flat[..., 0]
    return out.reshape((k, *N.kept_shape(shape, axis))) if keepdims else out


def _extreme(ans, a, axis, keepdims):
    """amax/amin: the tied elements' series, averaged (the VJP splits ties evenly)."""
    hit = a[0] == _kept(a, axis, ans)
    share = hit / np.sum(hit, axis=_reduced_axes(a.ndim - 1, axis), keepdims=True)
    return _sum(a * share, axis, keepdims)


TAYLOR["amax"] = TAYLOR["amin"] = _extreme


@rule("logsumexp")
def _logsumexp(ans, a, axis, keepdims):
    peak = _kept(a, axis, ans)
    inner = _sum(S.exp(S.sub(a, S.constant(peak, len(a) - 1))), axis, True)
    out = S.add(S.log(inner), S.constant(peak, len(a) - 1))
    return out if keepdims else out.reshape((len(a), *np.shape(ans)))


@rule("var")
def _var(ans, a, axis, ddof, keepdims):
    count = math.prod(a.shape[1 + i] for i in _reduced_axes(a.ndim - 1, axis))
    centred = a - _sum(a, axis, True) / count
    return _sum(S.square(centred), axis, keepdims) / (count - ddof)


@rule("std")
def _std(ans, a, axis, ddof, keepdims):
    """√var; where std is 0, constant, as PyTorch's gradient there is 0 (√ has a kink)."""
    out = S.power(_var(None, a, axis, ddof, keepdims), 0.5, value0=ans)
    return S.where(ans == 0, S.constant(ans, len(a) - 1), out)


@rule("norm")
def _norm(ans, a, axis, ord, keepdims):
    if ord == 1:
        return _sum(np.sign(a[0]) * a, axis, keepdims)
    if ord == math.inf:
        peak = _kept(a, axis, ans)
        hit = (np.abs(a[0]) == peak) & (peak > 0)
        count = np.maximum(np.sum(hit, axis=_reduced_axes(a.ndim - 1, axis), keepdims=True), 1)
        return _sum(np.sign(a[0]) * a * (hit / count), axis, keepdims)
    scale = _kept(a, axis, ans)
    scale = np.where(scale == 0, 1.0, scale)
    inner = _sum(S.square(a / scale), axis, True)
    out = scale * S.power(inner, 0.5, value0=_kept(a, axis, ans) / scale)
    out = out if keepdims else out.reshape((len(a), *np.shape(ans)))
    return S.where(ans == 0, S.constant(ans, len(a) - 1), out)  # PyTorch's 0 at x = 0


# --- along an axis --------------------------------------------------------------------------------


@rule("softmax")
def _softmax(ans, a, axis):
    shifted = a.copy()
    shifted[0] -= np.max(a[0], axis=axis, keepdims=True)
    e = S.exp(shifted)
    return S.div(e, np.sum(e, axis=1 + axis, keepdims=True))


@rule("log_softmax")
def _log_softmax(ans, a, axis):
    lse = _logsumexp(N.logsumexp(a[0], (axis,), True), a, (axis,), True)
    return S.sub(a, lse)


@rule("cumprod")
def _cumprod(ans, a, axis):
    """Running products by doubling (Hillis–Steele): log2(n) vectorised products."""
    moved = np.moveaxis(a, 1 + axis, -1)
    n, shift = moved.shape[-1], 1
    while shift < n:
        head = moved[..., :shift]
        tail = S.mul(moved[..., shift:], moved[..., :n - shift])
        moved = np.concatenate([head, tail], axis=-1)
        shift *= 2
    return np.moveaxis(moved, -1, 1 + axis)


# --- products and linear algebra ------------------------------------------------------------------

rule("dot")(lambda ans, a, b: S.bilinear(a, b, np.dot))
rule("mv", "mm")(lambda ans, a, b: S.bilinear(a, b, np.matmul))


def _inverse_series(a):
    """Y = A⁻¹ as a series: A₀Yₖ = -Σ_{j=1..k} AⱼYₖ₋ⱼ, with Y₀ = A₀⁻¹."""
    y = np.empty_like(a)
    try:
        y0 = np.linalg.inv(a[0])
    except np.linalg.LinAlgError:  # logdet at a singular matrix: nan, as its gradient
        return np.full_like(a, np.nan)
    y[0] = y0
    for k in range(1, len(a)):
        y[k] = -y0 @ sum(a[j] @ y[k - j] for j in range(1, k + 1))
    return y


rule("inv")(lambda ans, a: _inverse_series(a))


@rule("solve")
def _solve(ans, a, b):
    x = np.empty((len(a), *np.shape(ans)))
    x[0] = ans
    for k in range(1, len(a)):
        x[k] = np.linalg.solve(a[0], b[k] - sum(a[j] @ x[k - j] for j in range(1, k + 1)))
    return x


def _logdet_series(a, value0):
    """log|det A| from d/dt log|det A| = tr(A⁻¹ A'), integrated from `value0`."""
    if len(a) == 1:
        return np.array([value0])
    rate = S.bilinear(_inverse_series(a[:-1]), S.derivative(a), lambda y, d: np.trace(y @ d))
    return S.integrate(rate, value0)


rule("logabsdet")(lambda ans, a: _logdet_series(a, ans))


# Beyond this condition number of A₀, det's series comes from a contour integral.
ILL_CONDITIONED = 1e8


@rule("det")
def _det(ans, a):
    """det A = det A₀ · exp(log|det A| - log|det A₀|) where A₀ is well conditioned; at a
    singular or nearly singular A₀, Cauchy's integral on a circle (`_det_on_a_circle`)."""
    if not np.all(np.isfinite(a[0])):  # no SVD converges: nothing is known
        return np.full(len(a), np.nan)
    if np.linalg.cond(a[0]) < ILL_CONDITIONED:
        return ans * S.exp(_logdet_series(a, 0.0))
    return _det_on_a_circle(a)


def _det_on_a_circle(a):
    """The coefficients of det(Σ Aₖtᵏ), a polynomial of degree n·K in t, from its values at
    n·K + 1 points of a circle (an inverse DFT; exact but for rounding, singular A₀ or
    not). The radius makes the terms Aₖrᵏ of one size, so no coefficient is lost."""
    order, n = len(a) - 1, a.shape[-1]
    points = n * order + 1
    scale = [np.max(np.abs(a[k])) for k in range(len(a))]
    radii = [(max(scale[0], 1e-300) / scale[k]) ** (1 / k)
             for k in range(1, len(a)) if scale[k] > 0]
    r = float(np.clip(min(radii, default=1.0), 1e-3, 1e3))
    t = r * np.exp(2j * np.pi * np.arange(points) / points)
    powers = t[:, None] ** np.arange(len(a))  # (points, K+1)
    values = np.linalg.det(np.tensordot(powers, a, axes=(1, 0)))
    coefficients = np.fft.fft(values)[: len(a)] / points
    return (coefficients / r ** np.arange(len(a))).real
