"""Truncated Taylor series against exact oracles.

The oracle's coefficients f^(k)(x0)/k! are SymPy's derivatives evaluated by mpmath
at 50 digits (more where a formula cancels); composing them with the inner series
and multiplying series is plain polynomial algebra in mpmath, so no recurrence of
the module under test is reused.

Each coefficient must be right to a relative 1e-10 of its *size*: the same exact
computation with every coefficient made positive, which is the coefficient itself
unless its terms cancel. float64 cannot do better than that where a coefficient
is near zero (cos(2t + t³/3) has a t⁴ coefficient of 2/3 - 2/3), and does exactly
as well as a relative error where it is not.
"""

from __future__ import annotations

import functools
import math
import subprocess
import sys

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.codegen.cfunctions import expm1, log1p

from autodiff_cli.core import series as S

ORDER = 10
RTOL = 1e-10
DIGITS = 50
X = sp.Symbol("x")


# --- the oracle -------------------------------------------------------------------------

@functools.cache
def _derivative_functions(expr: sp.Expr, order: int) -> tuple:
    """expr's derivatives in x, orders 0..order, as mpmath functions.

    Common subexpressions let Γ's derivatives evaluate each polygamma once.
    """
    functions, d = [], expr
    for _ in range(order + 1):
        functions.append(sp.lambdify(X, d, "mpmath", cse=True))
        d = sp.diff(d, X)
    return tuple(functions)


def exact_coefficients(expr: sp.Expr, x0, order: int) -> list:
    """f^(k)(x0)/k! for k ≤ order, real part (log|Γ| is loggamma's real part)."""
    return [mp.re(f(mp.mpf(x0))) / mp.factorial(k)
            for k, f in enumerate(_derivative_functions(expr, order))]


def poly_mul(p: list, q: list) -> list:
    return [mp.fsum(p[j] * q[k - j] for j in range(k + 1)) for k in range(len(p))]


def poly_compose(coefficients: list, p: list) -> list:
    """Σ_n c_n (p - p_0)^n, truncated to len(p) terms (Horner)."""
    h = [mp.mpf(0), *p[1:]]
    result = [mp.mpf(0)] * len(p)
    for c in reversed(coefficients[:len(p)]):
        result = poly_mul(h, result)
        result[0] += c
    return result


class Exact:
    """A series known exactly, and its size: the same computation in magnitudes."""

    def __init__(self, value: list, size: list) -> None:
        self.value, self.size = value, size

    @classmethod
    def polynomial(cls, values, order: int) -> Exact:
        value = [mp.mpf(float(v)) for v in values]
        value += [mp.mpf(0)] * (order + 1 - len(value))
        return cls(value, [abs(v) for v in value])

    def __mul__(self, other: Exact) -> Exact:
        with mp.workdps(max(mp.mp.dps, DIGITS)):
            return Exact(poly_mul(self.value, other.value), poly_mul(self.size, other.size))

    def __add__(self, other: Exact) -> Exact:
        with mp.workdps(max(mp.mp.dps, DIGITS)):
            return Exact([u + v for u, v in zip(self.value, other.value)],
                         [u + v for u, v in zip(self.size, other.size)])


def coefficient_sizes(c: list) -> list:
    """|c_n|, but for 2 ≤ n < len(c) - 1 at least 1e-4 of its neighbours' geometric mean.

    A coefficient that vanishes by symmetry (the sigmoid's fourth at 0) is still a sum
    of terms the size of its neighbours, so rounding leaves it there. The geometric
    mean keeps a series that grows like r^-n (next to a branch point) measured
    relative to itself; c_0 (f itself) and c_1 (one derivative, no sum) are only
    their own sizes.
    """
    sizes = [abs(v) for v in c[:2]]
    for n in range(2, len(c) - 1):
        sizes.append(max(abs(c[n]), mp.sqrt(abs(c[n - 1] * c[n + 1])) / 10**4))
    return sizes


def composed(expr: sp.Expr, inner: Exact, digits: int = DIGITS,
             near_zero: bool = True) -> Exact:
    """expr(inner(t)), expr's coefficients taken at inner's constant term; `near_zero`
    False measures each of them against itself alone (see `coefficient_sizes`)."""
    with mp.workdps(digits):
        c = exact_coefficients(expr, inner.value[0], len(inner.value))
        sizes = coefficient_sizes(c) if near_zero else [abs(v) for v in c[:-1]]
        return Exact(poly_compose(c, inner.value), poly_compose(sizes, inner.size))


def assert_series_close(got: np.ndarray, exact: list[Exact], rtol: float = RTOL,
                        atol: float = 0.0, value_atol: float = 0.0) -> None:
    """`got` of shape (K+1, n) against n exact series, each to rtol of its size; atol
    for every coefficient, value_atol for the constant term alone. Below float64's
    smallest normal number nothing is relative: tiny inputs underflow."""
    value = np.array([e.value for e in exact], dtype=np.float64).T
    size = np.array([e.size for e in exact], dtype=np.float64).T
    allowed = rtol * size + atol + np.finfo(np.float64).smallest_normal
    allowed[0] += value_atol
    got = got.reshape(value.shape)
    error = np.abs(got - value)
    worst = np.unravel_index(np.argmax(error - allowed), error.shape)
    assert np.all(error <= allowed), (
        f"at {worst}: got {got[worst]!r}, exact {value[worst]!r}, "
        f"tolerance {allowed[worst]!r}")


# --- inputs -----------------------------------------------------------------------------

def curved_input(x0s: list, tail, order: int = ORDER) -> tuple[np.ndarray, list[Exact]]:
    """a(t) = x0 + a1 t + a2 t² + a3 t³ for each x0: the float series and the exact ones."""
    a = np.zeros((order + 1, len(x0s)))
    a[0] = x0s
    a[1:4] = np.asarray(tail, dtype=np.float64)[:, None]
    return a, [Exact.polynomial([x0, *tail], order) for x0 in x0s]


# a1, a2, a3. Subnormal numbers (here and in x0) only test how float64 underflows.
TAILS = st.tuples(st.floats(-2, 2).filter(lambda v: abs(v) > 0.1),
                  st.floats(-0.5, 0.5, allow_subnormal=False),
                  st.floats(-0.5, 0.5, allow_subnormal=False))


def away_from_poles(x: float) -> bool:
    """Γ, ψ and their kin have poles at 0, -1, -2, …: stay 0.05 away."""
    return x > 0.05 or abs(x - round(x)) > 0.05


def sine(a):
    return S.sin_cos(a)[0]


def cosine(a):
    return S.sin_cos(a)[1]


def hyperbolic_sine(a):
    return S.sinh_cosh(a)[0]


def hyperbolic_cosine(a):
    return S.sinh_cosh(a)[1]


def power(c):
    return functools.partial(S.power, c=c)


# name: (function of a series, SymPy's f(x), the interval x0 is drawn from)
UNARY = {
    "exp": (S.exp, sp.exp(X), (-5, 5)),
    "expm1": (S.expm1, expm1(X), (-5, 5)),
    "log": (S.log, sp.log(X), (0.1, 10)),
    "log1p": (S.log1p, log1p(X), (-0.9, 10)),
    "sin": (sine, sp.sin(X), (-10, 10)),
    "cos": (cosine, sp.cos(X), (-10, 10)),
    "sinh": (hyperbolic_sine, sp.sinh(X), (-5, 5)),
    "cosh": (hyperbolic_cosine, sp.cosh(X), (-5, 5)),
    "tan": (S.tan, sp.tan(X), (-1.4, 1.4)),
    "tanh": (S.tanh, sp.tanh(X), (-5, 5)),
    "sqrt": (S.sqrt, sp.sqrt(X), (0.1, 10)),
    "cbrt of a positive": (S.cbrt, X ** sp.Rational(1, 3), (0.1, 10)),
    "cbrt of a negative": (S.cbrt, -((-X) ** sp.Rational(1, 3)), (-10, -0.1)),
    "square": (S.square, X**2, (-5, 5)),
    "reciprocal": (S.reciprocal, 1 / X, (0.2, 5)),
    "reciprocal of a negative": (S.reciprocal, 1 / X, (-5, -0.2)),
    "power 0.5": (power(0.5), sp.sqrt(X), (0.1, 10)),
    "power -1.5": (power(-1.5), X ** sp.Rational(-3, 2), (0.1, 10)),
    "power 2.7": (power(2.7), X ** sp.Rational(27, 10), (0.1, 10)),
    "power 3": (power(3), X**3, (-5, 5)),
    "power 0": (power(0), sp.Integer(1), (-5, 5)),
    "power -2": (power(-2), X**-2, (0.2, 5)),
    "power -3 of a negative": (power(-3), X**-3, (-5, -0.2)),
    "atan": (S.atan, sp.atan(X), (-5, 5)),
    "asin": (S.asin, sp.asin(X), (-0.9, 0.9)),
    "acos": (S.acos, sp.acos(X), (-0.9, 0.9)),
    "asinh": (S.asinh, sp.asinh(X), (-5, 5)),
    "acosh": (S.acosh, sp.acosh(X), (1.1, 10)),
    "atanh": (S.atanh, sp.atanh(X), (-0.9, 0.9)),
    "erf": (S.erf, sp.erf(X), (-3, 3)),
    "erfc": (S.erfc, sp.erfc(X), (-3, 5)),
    "erfinv": (S.erfinv, sp.erfinv(X), (-0.95, 0.95)),
    "sigmoid": (S.sigmoid, 1 / (1 + sp.exp(-X)), (-10, 10)),
    "softplus": (S.softplus, sp.log(1 + sp.exp(X)), (-10, 10)),
    "digamma": (S.digamma, sp.polygamma(0, X), (-5, 10)),
    "polygamma 1": (functools.partial(S.polygamma, 1), sp.polygamma(1, X), (-5, 10)),
    "polygamma 3": (functools.partial(S.polygamma, 3), sp.polygamma(3, X), (-5, 10)),
    "lgamma": (S.lgamma, sp.loggamma(X), (-5, 10)),
    "gamma": (S.gamma, sp.gamma(X), (-5, 8)),
    "sinc": (S.sinc, sp.sin(sp.pi * X) / (sp.pi * X), (-5, 5)),
}

POLES = {"digamma", "polygamma 1", "polygamma 3", "lgamma", "gamma"}

# SciPy's gammaln, lgamma's constant term, is good to 1e-16 absolute but not relative
# next to its zeros (x0 = 1, 2, -2.457…).
VALUE_ATOL = {"lgamma": 4 * np.finfo(np.float64).eps}


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_function_matches_the_exact_series(name, data) -> None:
    function, expr, (lo, hi) = UNARY[name]
    points = st.floats(lo, hi, allow_subnormal=False)
    if name in POLES:
        points = points.filter(away_from_poles)
    if name == "sinc":
        points = points.filter(lambda x: abs(x) > 1e-6)  # near 0: its own test below
    x0s = data.draw(st.lists(points, min_size=1, max_size=3), label="x0")
    a, inners = curved_input(x0s, data.draw(TAILS, label="a1, a2, a3"))
    # sinc's derivatives, as formulas, cancel like x0^-k: they need more digits, and
    # π to 120 digits leaves sin(kπ) at about 1e-120 instead of 0.
    digits, atol = (120, 1e-100) if name == "sinc" else (DIGITS, 0.0)
    assert_series_close(function(a), [composed(expr, inner, digits) for inner in inners],
                        atol=atol, value_atol=VALUE_ATOL.get(name, 0.0))


def exact_sinc(inner: Exact, terms: int = 80) -> Exact:
    """Σ_m s_m a(t)^m from sinc's power series at 0, which needs no division by a_0."""
    order = len(inner.value) - 1

    def constant(c) -> Exact:
        return Exact([c] + [mp.mpf(0)] * order, [abs(c)] + [mp.mpf(0)] * order)

    with mp.workdps(DIGITS):
        result = constant(mp.mpf(0))
        for m in reversed(range(terms)):
            term = 0 if m % 2 else (-1) ** (m // 2) * mp.pi**m / mp.factorial(m + 1)
            result = result * inner + constant(mp.mpf(term))
    return result


@pytest.mark.parametrize("x0", [0.0, 1e-9, -3e-5, 0.5, -1.0, 1.0])
def test_sinc_near_zero_matches_its_power_series(x0) -> None:
    a, [inner] = curved_input([x0], (0.7, 0.3, -0.1))
    assert_series_close(S.sinc(a), [exact_sinc(inner)])


def exact_product(p: Exact, q: Exact) -> Exact:
    return p * q


def exact_quotient(p: Exact, q: Exact) -> Exact:
    return p * composed(1 / X, q)


def exact_pow(p: Exact, q: Exact) -> Exact:
    return composed(sp.exp(X), q * composed(sp.log(X), p))


def exact_atan2(y: Exact, x: Exact) -> Exact:
    out = composed(sp.atan(X), exact_quotient(y, x))
    with mp.workdps(DIGITS):
        out.value[0] = mp.atan2(y.value[0], x.value[0])
    out.size[0] = abs(out.value[0])
    return out


def exact_logaddexp(p: Exact, q: Exact) -> Exact:
    return composed(sp.log(X), composed(sp.exp(X), p) + composed(sp.exp(X), q))


# name: (function of two series, its exact series, the intervals x0 and y0 are drawn from)
BINARY = {
    "mul": (S.mul, exact_product, (-5, 5), (-5, 5)),
    "div": (S.div, exact_quotient, (-5, 5), (0.2, 5)),
    "div by a negative": (S.div, exact_quotient, (-5, 5), (-5, -0.2)),
    "pow": (S.pow, exact_pow, (0.1, 5), (-3, 3)),
    "atan2 right": (S.atan2, exact_atan2, (-3, 3), (0.2, 3)),
    # Left of the origin, atan2 jumps from π to -π across y = 0 (and -0.0 is below).
    "atan2 upper left": (S.atan2, exact_atan2, (0.01, 3), (-3, -0.2)),
    "atan2 lower left": (S.atan2, exact_atan2, (-3, -0.01), (-3, -0.2)),
    "logaddexp": (S.logaddexp, exact_logaddexp, (-30, 30), (-30, 30)),
}


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_two_argument_function_matches_the_exact_series(name, data) -> None:
    function, exact_function, first, second = BINARY[name]
    x0 = data.draw(st.floats(*first, allow_subnormal=False), label="x0")
    y0 = data.draw(st.floats(*second, allow_subnormal=False), label="y0")
    a, [p] = curved_input([x0], data.draw(TAILS, label="a tail"))
    b, [q] = curved_input([y0], data.draw(TAILS, label="b tail"))
    assert_series_close(function(a, b), [exact_function(p, q)])


# --- exact patterns at high order -------------------------------------------------------

def test_exp_at_zero_gives_one_over_k_factorial_to_a_few_ulps() -> None:
    got = S.exp(S.variable(0.0, 100))
    with mp.workdps(DIGITS):
        exact = np.array([1 / mp.factorial(k) for k in range(101)], dtype=np.float64)
    assert np.all(np.abs(got - exact) <= 4 * np.spacing(exact))


def test_log_of_one_plus_t_gives_the_alternating_harmonic_series_exactly() -> None:
    exact = [0.0] + [(-1) ** (k + 1) / k for k in range(1, 151)]
    assert S.log1p(S.variable(0.0, 150)).tolist() == exact
    assert S.log(S.variable(1.0, 150)).tolist() == exact


def test_sin_and_cos_at_zero_alternate() -> None:
    sin, cos = S.sin_cos(S.variable(0.0, 100))
    with mp.workdps(DIGITS):
        inverse_factorials = np.array([1 / mp.factorial(k) for k in range(101)], np.float64)
    signs = np.array([1, 1, -1, -1] * 26)[:101]  # k = 0, 1 → +; k = 2, 3 → -
    odd = np.arange(101) % 2 == 1
    np.testing.assert_allclose(sin, np.where(odd, signs * inverse_factorials, 0), rtol=1e-14)
    np.testing.assert_allclose(cos, np.where(odd, 0, signs * inverse_factorials), rtol=1e-14)
    assert np.all(sin[~odd] == 0) and np.all(cos[odd] == 0)


def test_one_over_one_minus_t_is_all_ones() -> None:
    assert np.all(S.reciprocal(S.variable(1.0, 150, -1.0)) == 1.0)


def test_square_root_of_one_plus_t_gives_binomial_coefficients() -> None:
    with mp.workdps(DIGITS):
        exact = np.array([mp.binomial(0.5, k) for k in range(151)], dtype=np.float64)
    np.testing.assert_allclose(S.power(S.variable(1.0, 150), 0.5), exact, rtol=1e-13)
    np.testing.assert_allclose(S.sqrt(S.variable(1.0, 150)), exact, rtol=1e-13)


def odd_only(values: list) -> list:
    """A series with `values` at the odd orders 1, 3, 5, … and zeros between."""
    return [x for value in values for x in (0, value)]


HIGH = 150
# name: (the series at order HIGH, its closed form in mpmath)
CLOSED_FORMS = {
    "log(1/2 + t)": (lambda: S.log(S.variable(0.5, HIGH)),
                     lambda: [mp.log(0.5)] + [(-1) ** (k + 1) * mp.mpf(2)**k / k
                                              for k in range(1, HIGH + 1)]),
    "atan(t)": (lambda: S.atan(S.variable(0.0, HIGH)),
                lambda: odd_only([mp.mpf(-1) ** m / (2 * m + 1)
                                  for m in range(HIGH // 2 + 1)])[:HIGH + 1]),
    "erf(t)": (lambda: S.erf(S.variable(0.0, HIGH)),
               lambda: odd_only([2 / mp.sqrt(mp.pi) * (-1) ** m / (mp.factorial(m) * (2 * m + 1))
                                 for m in range(HIGH // 2 + 1)])[:HIGH + 1]),
    "tan(t)": (lambda: S.tan(S.variable(0.0, HIGH)),
               lambda: odd_only([(-1) ** (n - 1) * mp.mpf(4) ** n * (mp.mpf(4) ** n - 1)
                                 * mp.bernoulli(2 * n) / mp.factorial(2 * n)
                                 for n in range(1, HIGH // 2 + 2)])[:HIGH + 1]),
    "sinc(t)": (lambda: S.sinc(S.variable(0.0, HIGH)),
                lambda: [0 if k % 2 else (-1) ** (k // 2) * mp.pi**k / mp.factorial(k + 1)
                         for k in range(HIGH + 1)]),
    "digamma(1 + t)": (lambda: S.digamma(S.variable(1.0, HIGH)),
                       lambda: [-mp.euler] + [(-1) ** (k + 1) * mp.zeta(k + 1)
                                              for k in range(1, HIGH + 1)]),
    "exp(t)": (lambda: S.exp(S.variable(0.0, HIGH)),
               lambda: [1 / mp.factorial(k) for k in range(HIGH + 1)]),
}


@pytest.mark.parametrize("name", CLOSED_FORMS)
def test_order_150_matches_the_closed_form(name) -> None:
    compute, closed_form = CLOSED_FORMS[name]
    with mp.workdps(DIGITS):
        exact = np.array(closed_form(), dtype=np.float64)
    got = compute()
    assert got.shape == (HIGH + 1,)
    np.testing.assert_allclose(got, exact, rtol=1e-12, atol=0)


@pytest.mark.parametrize("function", [
    S.exp, S.expm1, S.log, S.log1p, sine, cosine, hyperbolic_sine, S.tan, S.tanh, S.sqrt,
    S.cbrt, power(-1.5), power(7), S.atan, S.asin, S.acos, S.asinh, S.atanh, S.erf, S.erfc,
    S.erfinv, S.sigmoid, S.softplus, S.digamma, S.lgamma, S.gamma, S.sinc,
], ids=lambda f: getattr(f, "__name__", "power"))
def test_order_150_stays_finite(function) -> None:
    got = function(S.variable(0.3, HIGH, 0.5))
    assert np.all(np.isfinite(got))


# --- stability where the naive formulas overflow or cancel ------------------------------

def exact_at(expr: sp.Expr, x0: float, tail=(1.0, 0.3, -0.1), order: int = ORDER,
             digits: int = DIGITS, near_zero: bool = True) -> tuple[np.ndarray, list[Exact]]:
    """The float input x0 + a1 t + a2 t² + a3 t³ and the exact series of expr at it."""
    a, [inner] = curved_input([x0], tail, order)
    return a, [composed(expr, inner, digits, near_zero)]


def logistic_digits(x0: float) -> int:
    """Digits for the logistic family's derivatives as formulas: they cancel to e^-|x0|."""
    return 50 + int(abs(x0) / math.log(10))


@pytest.mark.parametrize("x0", [-1000.0, -30.0, 30.0, 1000.0])
def test_sigmoid_is_finite_and_exact_far_from_zero(x0) -> None:
    a, exact = exact_at(1 / (1 + sp.exp(-X)), x0, digits=logistic_digits(x0))
    assert_series_close(S.sigmoid(a), exact)
    assert np.all(np.isfinite(S.sigmoid(S.variable(x0, HIGH))))


@pytest.mark.parametrize("x0", [-1000.0, -30.0, 30.0, 1000.0])
def test_softplus_is_finite_and_exact_far_from_zero(x0) -> None:
    a, exact = exact_at(sp.log(1 + sp.exp(X)), x0, digits=logistic_digits(x0))
    assert_series_close(S.softplus(a), exact)
    assert np.all(np.isfinite(S.softplus(S.variable(x0, HIGH))))


def test_softplus_far_out_is_the_input_or_zero() -> None:
    got = S.softplus(S.variable(np.array([1000.0, -1000.0]), 4, 2.0))
    np.testing.assert_array_equal(got, [[1000, 0], [2, 0], [0, 0], [0, 0], [0, 0]])


@pytest.mark.parametrize("x0", [-20.0, 12.0, 20.0])
def test_tanh_keeps_its_precision_where_one_minus_tanh_squared_cancels(x0) -> None:
    a, exact = exact_at(sp.tanh(X), x0, digits=logistic_digits(2 * x0))
    assert_series_close(S.tanh(a), exact)


@pytest.mark.parametrize("x0", [0.99, 0.999, -0.995, 0.999999])
def test_erfinv_near_one(x0) -> None:
    a, exact = exact_at(sp.erfinv(X), x0, tail=(1e-3, 1e-4, -1e-4))
    assert_series_close(S.erfinv(a), exact)


@pytest.mark.parametrize("c", [2, 3, 4, -1, -2, -3])
def test_integer_power_of_a_negative_base(c) -> None:
    a, exact = exact_at(X**c, -2.0)
    assert_series_close(S.power(a, c), exact)


def test_integer_power_at_zero_multiplies() -> None:
    t_plus_t2 = np.array([0.0, 1.0, 1.0, 0, 0, 0, 0, 0])  # t(1 + t)
    np.testing.assert_array_equal(S.power(t_plus_t2, 3), [0, 0, 0, 1, 3, 3, 1, 0])
    np.testing.assert_array_equal(S.power(t_plus_t2, 0), [1, 0, 0, 0, 0, 0, 0, 0])


def test_cube_root_takes_the_real_branch() -> None:
    a, exact = exact_at(-((-X) ** sp.Rational(1, 3)), -8.0)
    assert_series_close(S.cbrt(a), exact)
    assert S.cbrt(a)[0] == -2.0


def test_power_follows_the_branch_it_is_given() -> None:
    a, exact = exact_at(-(X ** sp.Rational(5, 2)), 4.0)
    assert_series_close(S.power(a, 2.5, value0=-32.0), exact)


@pytest.mark.parametrize("x0", [-2.5, 3.0, 1e-3, -0.999, -1000.3, 1e6])
def test_digamma_composes_its_coefficients(x0) -> None:
    a, exact = exact_at(sp.polygamma(0, X), x0, order=20)
    assert_series_close(S.digamma(a), exact)


@pytest.mark.parametrize("x0", [-0.5, -1.5, -2.5])
def test_digamma_at_half_integers_keeps_the_even_coefficients(x0) -> None:
    # There the reflection's π·cot(πx) is odd about x0: its even coefficients are 0
    # and ψ's come from ζ alone, unless cos(π·x0) is taken as 6e-17 instead of 0.
    # They are 10^8 times smaller than their neighbours, but not near zero.
    a, exact = exact_at(sp.polygamma(0, X), x0, tail=(1.0, 0.0, 0.0), order=20,
                        near_zero=False)
    assert_series_close(S.digamma(a), exact)


@pytest.mark.parametrize(("name", "function", "expr", "x0"), [
    ("asin", S.asin, sp.asin(X), 1 - 2.0**-30),
    ("acos", S.acos, sp.acos(X), -1 + 2.0**-30),
    ("atanh", S.atanh, sp.atanh(X), 1 - 2.0**-30),
    ("acosh", S.acosh, sp.acosh(X), 1 + 2.0**-30),
])
def test_inverse_functions_next_to_their_branch_points(name, function, expr, x0) -> None:
    a, exact = exact_at(expr, x0)
    assert_series_close(function(a), exact)


@pytest.mark.parametrize("x0", [-2.5, -0.3, 3.0])
def test_gamma_keeps_the_sign_of_gamma_at_the_point(x0) -> None:
    a, exact = exact_at(sp.gamma(X), x0, order=6)
    got = S.gamma(a)
    assert np.sign(got[0]) == np.sign(math.gamma(x0))
    assert_series_close(got, exact)


def test_log_of_a_negative_is_nan_then_the_derivatives_of_log_abs() -> None:
    got = S.log(S.variable(-2.0, 3))
    assert np.isnan(got[0])
    np.testing.assert_allclose(got[1:], [-0.5, -0.125, -1 / 24], rtol=1e-15)


# --- identities between functions -------------------------------------------------------

def series_strategy(first: tuple[float, float], rest: float = 1.0, order: int = 8):
    """Series with a_0 drawn from `first` and the other coefficients from ±rest."""
    rest = st.floats(-rest, rest, allow_subnormal=False)
    first = st.floats(*first, allow_subnormal=False)
    return st.tuples(first, st.lists(rest, min_size=order, max_size=order)).map(
        lambda pair: np.array([pair[0], *pair[1]]))


@settings(max_examples=50, deadline=None)
@given(a=series_strategy((-5, 5)), value0=st.floats(-5, 5))
def test_integrate_undoes_derivative(a, value0) -> None:
    np.testing.assert_allclose(S.integrate(S.derivative(a), a[0]), a, rtol=1e-15)
    np.testing.assert_allclose(S.derivative(S.integrate(a, value0)), a, rtol=1e-15)
    assert S.integrate(a, value0)[0] == value0


@settings(max_examples=50, deadline=None)
@given(a=series_strategy((-5, 5)), b=series_strategy((1, 2), rest=0.2))
def test_division_undoes_multiplication(a, b) -> None:
    np.testing.assert_allclose(S.div(S.mul(a, b), b), a, rtol=1e-12, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(a=series_strategy((1, 2), rest=0.2))
def test_exp_undoes_log(a) -> None:
    np.testing.assert_allclose(S.exp(S.log(a)), a, rtol=1e-12, atol=1e-13)


@settings(max_examples=50, deadline=None)
@given(a=series_strategy((-5, 5)))
def test_sine_and_cosine_squared_sum_to_one(a) -> None:
    sin, cos = S.sin_cos(a)
    total = S.add(S.square(sin), S.square(cos))
    size = S.add(S.square(np.abs(sin)), S.square(np.abs(cos)))  # what the sums cancel from
    # (Plus float64's smallest normal number: below it, products lose digits anyway.)
    tolerance = 1e-11 * size + np.finfo(np.float64).smallest_normal
    assert np.all(np.abs(total - np.eye(len(a))[0]) <= tolerance)


@settings(max_examples=50, deadline=None)
@given(a=series_strategy((-1.2, 1.2), rest=0.3))
def test_tan_is_sine_over_cosine(a) -> None:
    np.testing.assert_allclose(S.tan(a), S.div(*S.sin_cos(a)), rtol=1e-11, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(a=series_strategy((-40, 40)))
def test_logistic_symmetries(a) -> None:
    np.testing.assert_allclose(S.add(S.sigmoid(a), S.sigmoid(-a)), np.eye(len(a))[0],
                               atol=1e-14)
    np.testing.assert_allclose(S.sub(S.softplus(a), S.softplus(-a)), a, rtol=1e-13,
                               atol=1e-13)


@settings(max_examples=50, deadline=None)
@given(a=series_strategy((-5, 5)))
def test_second_power_is_the_square(a) -> None:
    np.testing.assert_array_equal(S.power(a, 2), S.square(a))


@settings(max_examples=50, deadline=None)
@given(a=series_strategy((-3, 3)))
def test_compose_with_exp_coefficients_is_exp(a) -> None:
    k = np.arange(len(a))
    coefficients = math.exp(a[0]) / np.array([math.factorial(i) for i in k], dtype=float)
    np.testing.assert_allclose(S.compose(coefficients, a), S.exp(a), rtol=1e-13, atol=1e-13)


# --- shapes -----------------------------------------------------------------------------

SHAPED = [S.add, S.sub, S.mul, S.div, S.pow, S.atan2, S.logaddexp]


@pytest.mark.parametrize("function", SHAPED, ids=lambda f: f.__name__)
def test_two_series_broadcast_their_element_shapes_not_their_orders(function) -> None:
    rng = np.random.default_rng(0)
    scalar = np.array([1.5, 0.3, -0.2])              # order 2, element shape ()
    vector = np.abs(rng.normal(size=(3, 3))) + [[1], [0], [0]]  # order 2, element shape (3,)
    got = function(scalar, vector)
    assert got.shape == (3, 3)
    for i in range(3):
        np.testing.assert_allclose(got[:, i], function(scalar, vector[:, i]), rtol=1e-15)
    grid = function(vector[:, :, None], vector[:, None, :])
    assert grid.shape == (3, 3, 3)
    np.testing.assert_allclose(grid[:, 1, 2], function(vector[:, 1], vector[:, 2]), rtol=1e-15)


def test_where_chooses_whole_series_per_element() -> None:
    a = S.variable(np.array([1.0, 2.0]), 2)
    b = S.constant(7.0, 2)
    np.testing.assert_array_equal(S.where(np.array([True, False]), a, b),
                                  [[1, 7], [1, 0], [0, 0]])


def test_compose_broadcasts_coefficients_against_the_input() -> None:
    a = S.variable(np.array([0.0, 1.0, 2.0]), 5)
    coefficients = 1 / np.array([math.factorial(k) for k in range(6)], dtype=float)
    got = S.compose(coefficients, a)  # e^(a - a_0), the same series at every element
    np.testing.assert_allclose(got, np.repeat(coefficients[:, None], 3, axis=1), rtol=1e-15)


def test_bilinear_products_of_matrix_series() -> None:
    a = np.array([[[1.0, 2], [3, 4]], [[0, 1], [1, 0]], [[2, 0], [0, 2]]])  # A0 + A1 t + A2 t²
    b = np.array([[[5.0, 6], [7, 8]], [[1, 1], [0, 1]], [[0, 0], [0, 0]]])
    got = S.bilinear(a, b, np.matmul)
    np.testing.assert_array_equal(got, [a[0] @ b[0], a[0] @ b[1] + a[1] @ b[0],
                                        a[1] @ b[1] + a[2] @ b[0]])
    elementwise = sum(S.mul(a[:, :, j, None], b[:, None, j, :]) for j in range(2))
    np.testing.assert_allclose(got, elementwise, rtol=1e-15)


def test_bilinear_with_outer_and_dot() -> None:
    u = np.array([[1.0, 2, 3], [0, 1, 0]])
    v = np.array([[4.0, 5], [1, -1]])
    np.testing.assert_array_equal(S.bilinear(u, v, np.outer),
                                  [np.outer(u[0], v[0]),
                                   np.outer(u[0], v[1]) + np.outer(u[1], v[0])])
    np.testing.assert_array_equal(S.bilinear(u, u, np.dot), S.mul(u, u).sum(axis=1))


def test_constant_and_variable() -> None:
    np.testing.assert_array_equal(S.constant([1.0, 2.0], 2), [[1, 2], [0, 0], [0, 0]])
    np.testing.assert_array_equal(S.variable([1.0, 2.0], 2, direction=[3.0, 4.0]),
                                  [[1, 2], [3, 4], [0, 0]])
    np.testing.assert_array_equal(S.variable(5.0, 0), [5.0])


ALL_UNARY = {name: function for name, (function, _, _) in UNARY.items()}


@pytest.mark.parametrize("name", ALL_UNARY)
def test_order_zero_gives_the_value(name) -> None:
    function = ALL_UNARY[name]
    x0 = np.array([0.6, 0.7])
    got = function(S.variable(x0, 0))
    assert got.shape == (1, 2)
    np.testing.assert_array_equal(got[0], function(S.variable(x0, 3))[0])


def test_series_of_different_orders_do_not_mix() -> None:
    with pytest.raises(ValueError, match="different orders: 2 and 3"):
        S.mul(S.variable(1.0, 2), S.variable(1.0, 3))


def test_a_bare_number_is_not_a_series() -> None:
    with pytest.raises(ValueError, match="order"):
        S.exp(1.0)


def test_polygamma_needs_a_natural_order() -> None:
    with pytest.raises(ValueError, match="integer n >= 0"):
        S.polygamma(-1, S.variable(1.0, 2))


def test_importing_the_module_does_not_load_scipy() -> None:
    code = "import sys, autodiff_cli.core.series; print('scipy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
