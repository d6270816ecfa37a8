"""Truncated Taylor series: the arithmetic behind `adiff taylor` and forward mode.

A series is a float64 array `s` of shape (K+1, *shape): `s[k]` is the k-th Taylor
coefficient f^(k)(t0)/k! of every element, so the order K is `len(s) - 1` and the
element shape can be anything, () included. Every function but `bilinear` works
elementwise, broadcasts the element shapes of two series as NumPy does, and loops
in Python over the orders only, never over elements.

With normalised coefficients (Griewank & Walther, "Evaluating Derivatives", 2nd
ed., ch. 13) every rule is a convolution without factorials. Differentiating
y = f(a) in t gives y' = f'(a)·a', and the coefficients of t^(k-1) on both sides
give y_k from y_0 … y_(k-1): O(K²) work. The recurrences (JAX has them, scaled by
factorials, in jax/experimental/jet.py: `_exp_taylor`, `_div_taylor_rule`,
`_integer_pow_taylor`):

    product c = a·b     c_k = Σ_{j=0..k} a_j b_(k-j)
    quotient c = a/b    c_k = (a_k - Σ_{j=1..k} b_j c_(k-j)) / b_0
    exp y = e^a         k y_k = Σ_{j=1..k} j a_j y_(k-j)                  from y' = a'·y
    power y = a^c       k a_0 y_k = Σ_{j=1..k} (c·j - (k-j)) a_j y_(k-j)    from a·y' = c·a'·y

Functions with a simpler derivative (log, atan, erf, …) are `integrate`d from the
series of that derivative, as jet's `deriv_prop` does. Special functions whose
coefficients at a point have a closed form (digamma, lgamma, gamma, polygamma,
sinc) are `compose`d with the input, which costs O(K³). SciPy is imported inside
the functions that need it, so importing this module never loads it.
"""

from __future__ import annotations

import math

import numpy as np

# Orders beyond K that sinc's downward recurrence starts from: the true coefficient
# there is below π^40/40! ≈ 1e-28 of the ones kept, so starting from 0 costs nothing.
_SINC_EXTRA_ORDERS = 40


# --- representation ------------------------------------------------------------------

def _series(a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        raise ValueError("a series needs at least one axis: the orders")
    return a


def _lift(a: np.ndarray, ndim: int) -> np.ndarray:
    """`a` with singleton element axes added in front, so that NumPy's broadcasting,
    which aligns trailing axes, never pairs the order axis with an element axis."""
    return a.reshape(a.shape[:1] + (1,) * (ndim - a.ndim) + a.shape[1:])


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = _series(a), _series(b)
    if len(a) != len(b):
        raise ValueError(f"series of different orders: {len(a) - 1} and {len(b) - 1}")
    ndim = max(a.ndim, b.ndim)
    return _lift(a, ndim), _lift(b, ndim)


def _orders(n: int, like: np.ndarray) -> np.ndarray:
    """0, 1, …, n-1 as a column that broadcasts against a series like `like`."""
    return np.arange(n, dtype=np.float64).reshape((n,) + (1,) * (like.ndim - 1))


def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Σ_i u[i]·v[i] over the order axis, element shapes broadcast."""
    return np.einsum("i...,i...->...", u, v)


def _plus(a: np.ndarray, c) -> np.ndarray:
    """The series a + c for a constant c (only the constant term changes)."""
    out = a.copy()
    out[0] += c
    return out


def _one_minus_square(a: np.ndarray) -> np.ndarray:
    """1 - a², with the constant term as (1 - a_0)(1 + a_0): exact near |a_0| = 1."""
    out = -square(a)
    out[0] = (1 - a[0]) * (1 + a[0])
    return out


def constant(value, order: int) -> np.ndarray:
    """The series of a value that does not depend on t."""
    value = np.asarray(value, dtype=np.float64)
    out = np.zeros((order + 1, *value.shape))
    out[0] = value
    return out


def variable(x0, order: int, direction=1.0) -> np.ndarray:
    """The series of x0 + direction·t: the input that Taylor mode differentiates in."""
    x0, direction = np.broadcast_arrays(np.asarray(x0, np.float64),
                                        np.asarray(direction, np.float64))
    out = constant(x0, order)
    if order >= 1:
        out[1] = direction
    return out


def add(a, b) -> np.ndarray:
    """a + b, with the element shapes aligned (plain `+` would pair orders with elements)."""
    a, b = _pair(a, b)
    return a + b


def sub(a, b) -> np.ndarray:
    """a - b, with the element shapes aligned."""
    a, b = _pair(a, b)
    return a - b


def where(condition, a, b) -> np.ndarray:
    """Element by element, a where `condition` (an element-shaped mask) holds, else b;
    the mask's shape broadcasts with the elements' too (where([1, 0], 1, x) of a scalar x)."""
    a, b = _pair(a, b)
    ndim = max(a.ndim, np.ndim(condition) + 1)
    return np.where(condition, _lift(a, ndim), _lift(b, ndim))


def derivative(a) -> np.ndarray:
    """The series of da/dt, one order shorter: its k-th coefficient is (k+1)·a_(k+1)."""
    a = _series(a)
    return a[1:] * _orders(len(a), a)[1:]


def integrate(derivative_series, value0) -> np.ndarray:
    """The series that starts at `value0` and whose derivative is the given one.

    It is one order longer than the given series, so `integrate(derivative(a), a[0])`
    is `a`. Integrating f'(a)·a' gives f(a) in O(K²) for every f whose derivative
    has cheap series (log, atan, asin, erf …).
    """
    d = _series(derivative_series)
    value0 = np.asarray(value0, dtype=np.float64)
    out = np.empty((len(d) + 1, *np.broadcast_shapes(value0.shape, d.shape[1:])))
    out[0] = value0
    out[1:] = d / _orders(len(d) + 1, d)[1:]
    return out


def _antiderivative(a: np.ndarray, value0, rate) -> np.ndarray:
    """f(a) from f(a_0) and `rate(b)`, the series of f'(b) for b one order shorter than a.
    An element that does not move stays f(a_0), even where f'(a_0) is inf (log at 1e-320:
    0·inf would be nan)."""
    if len(a) == 1:
        return np.asarray(value0, dtype=np.float64)[None]
    out = integrate(mul(rate(a[:-1]), derivative(a)), value0)
    still = ~a[1:].any(axis=0)
    if still.any():
        out[1:] = np.where(still, 0.0, out[1:])
    return out


# --- products and quotients ------------------------------------------------------------

def mul(a, b) -> np.ndarray:
    """The Cauchy product a·b."""
    a, b = _pair(a, b)
    return np.stack([_dot(a[:k + 1], b[k::-1]) for k in range(len(a))])


def square(a) -> np.ndarray:
    """a², the series of a·a."""
    return mul(a, a)


def bilinear(a, b, op) -> np.ndarray:
    """c_k = Σ_j op(a_j, b_(k-j)) for a bilinear `op` (np.matmul, np.outer, np.dot …).

    It calls `op` O(K²) times on whole elements, so matrix products of series work
    whatever shapes `op` takes and gives.
    """
    a, b = _series(a), _series(b)
    if len(a) != len(b):
        raise ValueError(f"series of different orders: {len(a) - 1} and {len(b) - 1}")
    return np.stack([sum(op(a[j], b[k - j]) for j in range(k + 1)) for k in range(len(a))])


def div(a, b) -> np.ndarray:
    """The quotient a/b, by the division recurrence (b_0 = 0 gives inf or nan, as 1/0 does)."""
    a, b = _pair(a, b)
    c = np.empty((len(a), *np.broadcast_shapes(a.shape[1:], b.shape[1:])))
    c[0] = a[0] / b[0]
    for k in range(1, len(c)):
        c[k] = (a[k] - _dot(b[1:k + 1], c[k - 1::-1])) / b[0]
    return c


def reciprocal(a) -> np.ndarray:
    """1/a."""
    a = _series(a)
    return div(constant(np.ones(a.shape[1:]), len(a) - 1), a)


# --- exponential and logarithm ---------------------------------------------------------

def _exp_from(a: np.ndarray, y0) -> np.ndarray:
    """The series y with y' = a'·y and y_0 = y0: exp(a) scaled to start at y0.

    a_0 is never read, which lets `expm1`, `pow` and `gamma` supply an exact y0.
    """
    ja = a * _orders(len(a), a)
    y = np.empty_like(a)
    y[0] = y0
    for k in range(1, len(y)):
        y[k] = _dot(ja[1:k + 1], y[k - 1::-1]) / k
    return y


def exp(a) -> np.ndarray:
    """e^a."""
    a = _series(a)
    return _exp_from(a, np.exp(a[0]))


def expm1(a) -> np.ndarray:
    """e^a - 1, with the constant term exact for small a_0 (the rest are those of exp)."""
    a = _series(a)
    y = exp(a)
    y[0] = np.expm1(a[0])
    return y


def log(a) -> np.ndarray:
    """log a, integrated from a'/a (a_0 < 0 gives nan, then the derivatives of log|a|)."""
    a = _series(a)
    return _antiderivative(a, np.log(a[0]), reciprocal)


def log1p(a) -> np.ndarray:
    """log(1 + a), with the constant term exact for small a_0."""
    a = _series(a)
    return _antiderivative(a, np.log1p(a[0]), lambda b: reciprocal(_plus(b, 1.0)))


def pow(a, b) -> np.ndarray:
    """a^b for two series, as exp(b·log a); the constant term is NumPy's a_0**b_0.

    Where b is a constant (x**abs(2), x**[1, 2, 3]) the power rule serves instead, as it
    does for a number exponent, so a_0 < 0 keeps its real derivatives; where a is a
    constant 0 and b_0 >= 0, a^b is constant (PyTorch's gradient there is 0, not nan).
    """
    a, b = _pair(a, b)
    value0 = np.power(a[0], b[0])
    if not b[1:].any():
        return _constant_power(a, b[0], value0)
    general = _exp_from(mul(b, log(a)), value0)
    flat = (a[0] == 0) & ~a[1:].any(axis=0) & (b[0] >= 0)
    return where(flat, constant(value0, len(a) - 1), general) if flat.any() else general


def _constant_power(a: np.ndarray, c, value0) -> np.ndarray:
    """a^c for an element-shaped constant c: `power` for each distinct value of c where
    a_0 = 0 (integers multiply there), the recurrence with c as an array elsewhere."""
    c = np.asarray(c, dtype=np.float64)
    shape = np.broadcast_shapes(a.shape[1:], c.shape)
    a = np.broadcast_to(a, (len(a), *shape))
    c = np.broadcast_to(c, shape)
    if c.ndim == 0 or np.all(c == c.flat[0]):
        return power(a, float(c.flat[0]) if c.size else 0.0)
    if (a[0] == 0).any():
        out = np.empty(a.shape)
        for value in np.unique(c):
            hit = c == value
            out[:, hit] = power(a[:, hit], float(value))
        return out
    return _power_recurrence(a, c, value0)


# --- powers ----------------------------------------------------------------------------

def _integer_power(a: np.ndarray, n: int) -> np.ndarray:
    """a^n for an integer n ≥ 0 by repeated squaring: O(log n) products, valid at a_0 = 0."""
    result = constant(np.ones(a.shape[1:]), len(a) - 1)
    base = a
    while n:
        if n & 1:
            result = mul(result, base)
        n >>= 1
        if n:
            base = square(base)
    return result


def power(a, c: float, value0=None) -> np.ndarray:
    """a^c for a constant real c.

    Integer c ≥ 0 multiplies (so a_0 = 0 works), negative integer c is the reciprocal
    of that; other c use the power recurrence, whose branch is the one through
    `value0` (default a_0**c): `power(a, 1/3, np.cbrt(a[0]))` is cbrt for a_0 < 0.
    """
    a = _series(a)
    c = float(c)
    if c.is_integer():
        if c >= 0:
            return _integer_power(a, int(c))
        return reciprocal(_integer_power(a, int(-c)))
    return _power_recurrence(a, c, np.power(a[0], c) if value0 is None else value0)


def _power_recurrence(a: np.ndarray, c, value0) -> np.ndarray:
    """a^c from a·y' = c·a'·y, starting at value0; c a number or element-shaped
    (a_0 = 0 divides by 0: integer powers multiply instead)."""
    y = np.empty(a.shape)
    y[0] = value0
    j = _orders(len(a), a)
    for k in range(1, len(y)):
        weights = (c + 1) * j[1:k + 1] - k  # c·j - (k - j)
        y[k] = _dot(weights * a[1:k + 1], y[k - 1::-1]) / (k * a[0])
    return y


def sqrt(a) -> np.ndarray:
    """√a, from y² = a: 2 y_0 y_k = a_k - Σ_{j=1..k-1} y_j y_(k-j)."""
    a = _series(a)
    y = np.empty_like(a)
    y[0] = np.sqrt(a[0])
    for k in range(1, len(y)):
        y[k] = (a[k] - _dot(y[1:k], y[k - 1:0:-1])) / (2 * y[0])
    return y


def cbrt(a) -> np.ndarray:
    """The real cube root, negative for a_0 < 0."""
    a = _series(a)
    return power(a, 1 / 3, np.cbrt(a[0]))


# --- trigonometric and hyperbolic ------------------------------------------------------

def _sin_cos_like(a: np.ndarray, s0, c0, sign: float) -> tuple[np.ndarray, np.ndarray]:
    """s' = c·a' and c' = sign·s·a', order by order (jet's `_sinusoidal_rule`)."""
    ja = a * _orders(len(a), a)
    s, c = np.empty_like(a), np.empty_like(a)
    s[0], c[0] = s0, c0
    for k in range(1, len(a)):
        s[k] = _dot(ja[1:k + 1], c[k - 1::-1]) / k
        c[k] = sign * _dot(ja[1:k + 1], s[k - 1::-1]) / k
    return s, c


def _sin_cos_pi(x) -> tuple[np.ndarray, np.ndarray]:
    """(sin πx, cos πx), exactly 0 where they vanish: x less the nearest half-integer n/2
    is exact in floating point, and n quarter turns rotate (sin, cos) without rounding."""
    n = np.round(2 * x)
    s, c = np.sin(np.pi * (x - n / 2)), np.cos(np.pi * (x - n / 2))
    turn = np.mod(n, 4)
    return (np.select([turn == 0, turn == 1, turn == 2], [s, c, -s], -c),
            np.select([turn == 0, turn == 1, turn == 2], [c, -s, -c], s))


def sin_cos(a) -> tuple[np.ndarray, np.ndarray]:
    """(sin a, cos a): each one's recurrence needs the other's."""
    a = _series(a)
    return _sin_cos_like(a, np.sin(a[0]), np.cos(a[0]), -1.0)


def sinh_cosh(a) -> tuple[np.ndarray, np.ndarray]:
    """(sinh a, cosh a)."""
    a = _series(a)
    return _sin_cos_like(a, np.sinh(a[0]), np.cosh(a[0]), 1.0)


def _tan_like(a: np.ndarray, y0, z0, sign: float) -> np.ndarray:
    """y' = z·a' with z = 1 + sign·y² and z_0 = z0 given, order by order."""
    ja = a * _orders(len(a), a)
    y, z = np.empty_like(a), np.empty_like(a)
    y[0], z[0] = y0, z0
    for k in range(1, len(a)):
        y[k] = _dot(ja[1:k + 1], z[k - 1::-1]) / k
        z[k] = sign * _dot(y[:k + 1], y[k::-1])
    return y


def tan(a) -> np.ndarray:
    """tan a, from tan' = 1 + tan²."""
    a = _series(a)
    y0 = np.tan(a[0])
    return _tan_like(a, y0, 1 + y0 * y0, 1.0)


def tanh(a) -> np.ndarray:
    """tanh a, from tanh' = 1 - tanh², whose constant term 1/cosh² keeps its precision
    where 1 - tanh² would cancel."""
    a = _series(a)
    return _tan_like(a, np.tanh(a[0]), 1 / np.cosh(a[0]) ** 2, -1.0)


def atan(a) -> np.ndarray:
    """atan a = ∫ a'/(1 + a²)."""
    a = _series(a)
    return _antiderivative(a, np.arctan(a[0]), lambda b: reciprocal(_plus(square(b), 1.0)))


def asin(a) -> np.ndarray:
    """asin a = ∫ a'/√(1 - a²)."""
    a = _series(a)
    return _antiderivative(a, np.arcsin(a[0]), lambda b: power(_one_minus_square(b), -0.5))


def acos(a) -> np.ndarray:
    """acos a = ∫ -a'/√(1 - a²)."""
    a = _series(a)
    return _antiderivative(a, np.arccos(a[0]), lambda b: -power(_one_minus_square(b), -0.5))


def asinh(a) -> np.ndarray:
    """asinh a = ∫ a'/√(1 + a²)."""
    a = _series(a)
    return _antiderivative(a, np.arcsinh(a[0]), lambda b: power(_plus(square(b), 1.0), -0.5))


def acosh(a) -> np.ndarray:
    """acosh a = ∫ a'/√(a² - 1)."""
    a = _series(a)
    return _antiderivative(a, np.arccosh(a[0]), lambda b: power(-_one_minus_square(b), -0.5))


def atanh(a) -> np.ndarray:
    """atanh a = ∫ a'/(1 - a²)."""
    a = _series(a)
    return _antiderivative(a, np.arctanh(a[0]), lambda b: reciprocal(_one_minus_square(b)))


def atan2(y, x) -> np.ndarray:
    """atan2(y, x) = ∫ (x·y' - y·x')/(x² + y²), on the branch of np.arctan2(y_0, x_0)."""
    y, x = _pair(y, x)
    value0 = np.arctan2(y[0], x[0])
    if len(y) == 1:
        return value0[None]
    yb, xb = y[:-1], x[:-1]
    rate = div(sub(mul(xb, derivative(y)), mul(yb, derivative(x))),
               add(square(xb), square(yb)))
    return integrate(rate, value0)


# --- logistic functions, stable at large |a_0| -----------------------------------------

def _exp_minus_abs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(e^(-|a|), a_0 ≥ 0), the sign of |a| taken from a_0: a series that starts in (0, 1]."""
    positive = a[0] >= 0
    return exp(np.where(positive, -a, a)), positive


def sigmoid(a) -> np.ndarray:
    """1/(1 + e^(-a)), as 1/(1 + e) or e/(1 + e) with e = e^(-|a|), so nothing overflows."""
    a = _series(a)
    e, positive = _exp_minus_abs(a)
    one = constant(np.ones(a.shape[1:]), len(a) - 1)
    return div(np.where(positive, one, e), _plus(e, 1.0))


def softplus(a) -> np.ndarray:
    """log(1 + e^a) = max(a, 0) + log1p(e^(-|a|)), finite wherever the value is.

    These are the true function's coefficients; PyTorch's forward returns a itself
    above a = 20, where the two differ by less than e^-20.
    """
    a = _series(a)
    e, positive = _exp_minus_abs(a)
    return np.where(positive, a, 0.0) + log1p(e)


def logaddexp(a, b) -> np.ndarray:
    """log(e^a + e^b) = max + log1p(e^(min - max)), max and min taken on the constant terms."""
    a, b = _pair(a, b)
    a_larger = a[0] >= b[0]
    return np.where(a_larger, a, b) + log1p(exp(np.where(a_larger, b - a, a - b)))


# --- error functions -------------------------------------------------------------------

def erf(a) -> np.ndarray:
    """erf a = ∫ (2/√π)·e^(-a²)·a'."""
    from scipy import special

    a = _series(a)
    return _antiderivative(a, special.erf(a[0]),
                           lambda b: 2 / math.sqrt(math.pi) * exp(-square(b)))


def erfc(a) -> np.ndarray:
    """erfc a = 1 - erf a, with the constant term exact in the tail."""
    from scipy import special

    a = _series(a)
    return _antiderivative(a, special.erfc(a[0]),
                           lambda b: -2 / math.sqrt(math.pi) * exp(-square(b)))


def erfinv(a) -> np.ndarray:
    """The inverse of erf, order by order from y' = (√π/2)·e^(y²)·a' (jet's `_erf_inv_rule`).

    Step k makes y_k from the exponential's coefficients below k, then the k-th
    coefficients of q = y² and of e^q, so the whole is O(K²).
    """
    from scipy import special

    a = _series(a)
    orders = _orders(len(a), a)
    ja = a * orders
    y, q, e = np.empty_like(a), np.empty_like(a), np.empty_like(a)
    y[0] = special.erfinv(a[0])
    q[0] = y[0] * y[0]
    e[0] = np.exp(q[0])
    half_sqrt_pi = math.sqrt(math.pi) / 2
    for k in range(1, len(a)):
        y[k] = half_sqrt_pi * _dot(ja[1:k + 1], e[k - 1::-1]) / k
        q[k] = _dot(y[:k + 1], y[k::-1])
        e[k] = _dot((orders[1:k + 1] * q[1:k + 1]), e[k - 1::-1]) / k
    return y


# --- composition: special functions with known coefficients ----------------------------

def compose(coefficients, a) -> np.ndarray:
    """f(a) for a univariate f whose Taylor coefficients at a_0 are given, shape (K+1, *shape).

    Horner's scheme in h = a - a_0: K products of series, O(K³) in all (the order-n
    step only keeps the K-n orders that h^n leaves), for functions with no cheaper
    recurrence.
    """
    c, a = _pair(coefficients, a)
    order = len(a) - 1
    shape = np.broadcast_shapes(c.shape[1:], a.shape[1:])
    h = a[1:]  # (a - a_0)/t: h·t starts at order 1, which is what truncates each step
    r = np.broadcast_to(c[order], shape)[None]
    for n in range(order - 1, -1, -1):
        r = np.concatenate([np.broadcast_to(c[n], shape)[None], mul(h[:order - n], r)])
    return r


def digamma_coefficients(x0, order: int) -> np.ndarray:
    """The Taylor coefficients of ψ(x0 + t) up to `order`.

    ψ^(k)(x)/k! = (-1)^(k+1) ζ(k+1, x) for k ≥ 1. For x0 ≤ 0 the reflection
    ψ(x) = ψ(1 - x) - π·cot(πx) takes ζ to 1 - x0 ≥ 1 instead, so no loop grows with
    |x0| (SciPy's own ζ at -1e6 + 0.3 takes 25 ms and has no correct digit); cot's
    series is O(K²), from sin and cos of πx0 that are exact where they vanish.
    """
    from scipy import special

    x0 = np.asarray(x0, dtype=np.float64)
    c = np.empty((order + 1, *x0.shape))
    c[0] = special.psi(x0)
    k = np.arange(1.0, order + 1).reshape((order,) + (1,) * x0.ndim)
    left = x0 <= 0
    zeta = special.zeta(k + 1, np.where(left, 1 - x0, x0))
    c[1:] = (-1) ** (k + 1) * zeta
    if left.any():
        sin, cos = _sin_cos_like(variable(np.pi * x0, order, np.pi), *_sin_cos_pi(x0), -1.0)
        c[1:] = np.where(left, -zeta - np.pi * div(cos, sin)[1:], c[1:])
    return c


def polygamma(n: int, a) -> np.ndarray:
    """ψ^(n)(a), composed from ψ^(n+k)(a_0)/k! = ψ's (n+k)-th coefficient · (n+k)!/k!."""
    if n != int(n) or n < 0:
        raise ValueError(f"polygamma's order must be an integer n >= 0, not {n}")
    n = int(n)
    a = _series(a)
    c = digamma_coefficients(a[0], len(a) - 1 + n)
    k = np.arange(len(a), dtype=np.float64)
    rising = np.prod(k[:, None] + np.arange(1, n + 1), axis=1)  # (k+1)(k+2)…(k+n)
    return compose(c[n:] * _lift(rising, c.ndim), a)


def digamma(a) -> np.ndarray:
    """ψ(a) = Γ'(a)/Γ(a)."""
    return polygamma(0, a)


def _lgamma_coefficients(x0, order: int) -> np.ndarray:
    """log|Γ(x0 + t)|'s coefficients: gammaln(x0), then ψ's (k-1)-th over k."""
    from scipy import special

    c = digamma_coefficients(x0, order)
    out = np.empty_like(c)
    out[0] = special.gammaln(x0)
    out[1:] = c[:-1] / _orders(order + 1, c)[1:]
    return out


def lgamma(a) -> np.ndarray:
    """log|Γ(a)|, as PyTorch's lgamma."""
    a = _series(a)
    return compose(_lgamma_coefficients(a[0], len(a) - 1), a)


def gamma(a) -> np.ndarray:
    """Γ(a) = Γ(a_0)·exp(lgamma(a) - lgamma(a_0)): the sign comes from Γ(a_0)."""
    from scipy import special

    a = _series(a)
    return _exp_from(lgamma(a), special.gamma(a[0]))


def _sinc_coefficients(x0, order: int) -> np.ndarray:
    """The Taylor coefficients G_k of sinc(x0 + t) = sin(π(x0 + t))/(π(x0 + t)).

    From (x0 + t)·G = S = sin(π(x0 + t))/π: x0·G_k + G_(k-1) = S_k. Solving upwards
    for G_k multiplies rounding errors by 1/|x0| per order, so for |x0| ≤ 1 it runs
    downwards from a higher order where G is negligible (Miller's algorithm), which
    multiplies them by |x0| instead. Both ways are O(K) vectorised steps.
    """
    x0 = np.asarray(x0, dtype=np.float64)
    top = order + _SINC_EXTRA_ORDERS
    sin0, cos0 = _sin_cos_pi(x0)
    phases = (sin0, cos0, -sin0, -cos0)  # sin(πx0 + kπ/2) for k mod 4
    s = np.empty((top + 1, *x0.shape))
    scale = 1 / np.pi  # π^(k-1)/k!
    for k in range(top + 1):
        s[k] = scale * phases[k % 4]
        scale *= np.pi / (k + 1)

    upwards = np.empty((order + 1, *x0.shape))
    upwards[0] = s[0] / x0
    for k in range(1, order + 1):
        upwards[k] = (s[k] - upwards[k - 1]) / x0
    downwards = np.zeros((top + 1, *x0.shape))
    for k in range(top, 0, -1):
        downwards[k - 1] = s[k] - x0 * downwards[k]

    g = np.where(np.abs(x0) > 1, upwards, downwards[:order + 1])
    # The value exact at the integers, where NumPy's sin(π·x)/(π·x) leaves about 1e-17.
    g[0] = np.where(x0 == 0, 1.0, sin0 / (np.pi * np.where(x0 == 0, 1.0, x0)))
    return g


def sinc(a) -> np.ndarray:
    """sin(πa)/(πa), and 1 at a = 0, composed from its coefficients at a_0 (O(K³))."""
    a = _series(a)
    return compose(_sinc_coefficients(a[0], len(a) - 1), a)
