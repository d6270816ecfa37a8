"""The numeric side of `adiff check`, against exact derivatives from SymPy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autodiff_cli.core.gradcheck import compare, numeric_gradient
from autodiff_cli.errors import AdiffError

X = sp.Symbol("x")


def scalar_function(expr: sp.Expr):
    """A function of a 0-d array, as numeric_gradient calls it, and its exact derivative."""
    f = sp.lambdify(X, expr, "numpy")
    df = sp.lambdify(X, sp.diff(expr, X), "numpy")
    return (lambda a: float(f(a[()]))), (lambda v: float(df(v)))


def relative_error(estimate: float, exact: float) -> float:
    return abs(estimate - exact) / abs(exact)


POLY8 = 3 * X**8 - 2 * X**7 + 5 * X**6 + X**5 - 7 * X**4 + 2 * X**3 + X**2 / 2 - X + 4


@pytest.mark.parametrize(
    ("expr", "point"),
    [
        (sp.sin(X) * sp.exp(X), 0.5),
        (sp.sin(X) * sp.exp(X), 3.7),
        (sp.sin(X) * sp.exp(X), -2.0),
        (X**3, 2.0),
        (X**3, -5.0),
        (X**3, 1000.0),
        (sp.log(X), 0.01),
        (sp.log(X), 100.0),
        (sp.exp(50 * X), 0.3),
        (sp.exp(50 * X), -1.0),
        (1 / X, 1e-3),
        (1 / X, -1e-3),
        (POLY8, 0.7),
        (POLY8, -1.3),
        (POLY8, 10.0),
        (sp.atan(X), 30.0),
        (sp.tanh(X), 3.0),
    ],
)
def test_default_estimate_has_ten_significant_digits(expr, point):
    f, df = scalar_function(expr)
    estimate = numeric_gradient(f, np.array(point))
    assert estimate.value.shape == estimate.error.shape == estimate.kink.shape == ()
    assert relative_error(float(estimate.value), df(point)) < 1e-10
    assert not estimate.kink


def test_error_estimate_is_small_where_the_estimate_is_good():
    f, df = scalar_function(sp.sin(X) * sp.exp(X))
    estimate = numeric_gradient(f, np.array(1.0))
    assert 0 < estimate.error < 1e-10 * abs(df(1.0))


def test_error_estimate_is_large_at_a_jump():
    estimate = numeric_gradient(lambda a: float(np.sign(a)), np.array(0.0))
    assert estimate.error > 1


def test_every_element_of_an_array_input_gets_its_partial_derivative():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    estimate = numeric_gradient(lambda a: float(np.sum(a**2 * np.sin(a))), x)
    exact = 2 * x * np.sin(x) + x**2 * np.cos(x)
    assert estimate.value.shape == estimate.error.shape == estimate.kink.shape == x.shape
    np.testing.assert_allclose(estimate.value, exact, rtol=1e-10)
    assert not estimate.kink.any()


def test_partial_derivatives_hold_the_other_elements_fixed():
    estimate = numeric_gradient(lambda a: float(a[0] * a[1] ** 2), np.array([3.0, 2.0]))
    np.testing.assert_allclose(estimate.value, [4.0, 12.0], rtol=1e-12)


def test_the_callers_array_is_left_alone():
    x = np.array([1.0, 2.0])
    seen = []
    numeric_gradient(lambda a: seen.append(a) or float(np.sum(a)), x)
    assert x.tolist() == [1.0, 2.0]
    assert all(a is not x and a.shape == x.shape for a in seen)


@pytest.mark.parametrize(
    ("expr", "point"),
    [(sp.log(X), 1e-3), (sp.sqrt(X), 1e-6), (sp.log(X), 1e-5), (sp.acos(X), 0.999)],
)
def test_steps_that_leave_the_domain_are_skipped(expr, point):
    f, df = scalar_function(expr)
    estimate = numeric_gradient(f, np.array(point))
    assert np.isfinite(estimate.error)
    assert relative_error(float(estimate.value), df(point)) < 1e-8
    assert not estimate.kink


def test_floating_point_errors_off_the_domain_count_as_skipped_steps():
    def strict_log(a):
        with np.errstate(all="raise"):
            return float(np.log(a))

    estimate = numeric_gradient(strict_log, np.array(1e-3))
    assert relative_error(float(estimate.value), 1e3) < 1e-10


def test_no_estimate_where_every_step_leaves_the_domain():
    estimate = numeric_gradient(lambda a: float(np.sqrt(a)), np.array(0.0))
    assert np.isnan(estimate.value) and np.isnan(estimate.error)
    assert not estimate.kink  # with no left side there is nothing to compare


def test_eps_takes_one_plain_central_difference():
    eps = 1e-6
    estimate = numeric_gradient(lambda a: float(a**3), np.array(2.0), eps=eps)
    assert float(estimate.value) == ((2.0 + eps) ** 3 - (2.0 - eps) ** 3) / (2 * eps)
    assert np.isnan(estimate.error)
    assert not estimate.kink


def test_eps_is_less_accurate_than_the_default():
    f, df = scalar_function(sp.exp(50 * X))
    plain = numeric_gradient(f, np.array(0.3), eps=1e-6).value
    extrapolated = numeric_gradient(f, np.array(0.3)).value
    exact = df(0.3)
    assert relative_error(float(extrapolated), exact) < relative_error(float(plain), exact)


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf")])
def test_eps_must_be_a_positive_number(eps):
    with pytest.raises(AdiffError) as info:
        numeric_gradient(lambda a: float(a), np.array(1.0), eps=eps)
    assert info.value.kind == "value"
    assert info.value.message.startswith("eps, the step, must be a positive number")


UNARY = {
    "sin": sp.sin,
    "exp": sp.exp,
    "square_plus": lambda u: u**2 + u / 3,
}


@st.composite
def compositions(draw):
    """A polynomial of degree <= 4 passed through up to two of sin, exp, u**2 + u/3."""
    coefficients = draw(st.lists(st.integers(-3, 3), min_size=1, max_size=5))
    expr = sum(c * X**k for k, c in enumerate(coefficients)) / 2
    for name in draw(st.lists(st.sampled_from(sorted(UNARY)), max_size=2)):
        expr = UNARY[name](expr)
    point = draw(st.floats(-1.5, 1.5, allow_nan=False))
    return sp.sympify(expr), point


@settings(max_examples=80, deadline=None)
@given(compositions())
def test_property_smooth_compositions_match_sympy(case):
    expr, point = case
    f, df = scalar_function(expr)
    with np.errstate(all="ignore"):  # exp(exp(...)) may overflow; assume() skips it
        exact, value = df(point), f(np.array(point))
    assume(np.isfinite(exact) and abs(value) < 1e6)
    estimate = numeric_gradient(f, np.array(point))
    # Relative to the function's own scale: where f' crosses zero, digits of f' are lost
    # to cancellation in f itself, by any finite-difference method.
    assert abs(float(estimate.value) - exact) <= 1e-8 * (1 + abs(exact) + abs(value))
    assert not estimate.kink


def test_compare_uses_atol_plus_rtol_times_numeric():
    result = compare([1.0 + 2e-6, 1.0 + 0.5e-6], [1.0, 1.0], rtol=1e-6, atol=0.0)
    assert result.agree.tolist() == [False, True]
    assert not result.ok


def test_compare_allows_atol_near_zero_and_reports_infinite_relative_error():
    result = compare([1e-12], [0.0])
    assert result.ok
    assert result.abs_err.tolist() == [1e-12]
    assert result.rel_err.tolist() == [np.inf]


def test_compare_exact_agreement_has_zero_errors():
    result = compare([0.0, 3.0], [0.0, 3.0])
    assert result.ok
    assert result.abs_err.tolist() == [0.0, 0.0] and result.rel_err.tolist() == [0.0, 0.0]


def test_compare_relative_error_is_divided_by_the_numeric_side():
    result = compare([2.0], [4.0])
    assert result.rel_err.tolist() == [0.5]


@pytest.mark.parametrize(
    ("auto", "numeric"),
    [
        (np.nan, np.nan),
        (np.inf, np.inf),
        (-np.inf, -np.inf),
        (np.nan, 1.0),
        (1.0, np.nan),
        (1.0, np.inf),
        (np.inf, -np.inf),
        (np.inf, np.nan),
    ],
)
def test_compare_never_confirms_a_non_finite_derivative(auto, numeric):
    result = compare([auto], [numeric])
    assert result.agree.tolist() == [False]
    assert result.ok is False


def test_compare_max_errors_do_not_hide_nan():
    result = compare([1.0, 2.0], [1.5, np.nan])
    assert np.isnan(result.max_abs_err) and np.isnan(result.max_rel_err)
    finite = compare([1.0, 2.0], [1.5, 2.0])
    assert finite.max_abs_err == 0.5 and finite.max_rel_err == pytest.approx(1 / 3)


def test_compare_of_empty_arrays_is_ok_with_zero_errors():
    result = compare(np.zeros(0), np.zeros(0))
    assert result.ok and result.max_abs_err == 0.0 and result.max_rel_err == 0.0
