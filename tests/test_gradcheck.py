"""The numeric side of `adiff check`, against exact derivatives from SymPy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autodiff_cli.core.gradcheck import compare, numeric_directional, numeric_gradient
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


@settings(max_examples=80, deadline=None)
@given(compositions())
def test_property_smooth_compositions_have_no_kink_with_eps_either(case):
    expr, point = case
    f, _ = scalar_function(expr)
    with np.errstate(all="ignore"):
        assume(abs(f(np.array(point))) < 1e6)
    assert not numeric_gradient(f, np.array(point), eps=1e-6).kink


# Where f is not differentiable: (function of a float, point, the central difference there).
KINKS = {
    "abs at 0": (abs, 0.0, 0.0),
    "relu at 0": (lambda t: max(t, 0.0), 0.0, 0.5),
    "max(x, 1) at 1": (lambda t: max(t, 1.0), 1.0, 0.5),
    "abs(x - 1) at 1": (lambda t: abs(t - 1), 1.0, 0.0),
    "clip at its lower bound": (lambda t: np.clip(t, -1.0, 2.0), -1.0, 0.5),
    "clip at its upper bound": (lambda t: np.clip(t, -1.0, 2.0), 2.0, 0.5),
    "abs(sin(50 x)) at 0": (lambda t: abs(np.sin(50 * t)), 0.0, 0.0),
}
JUMPS = {
    "floor at 1": (np.floor, 1.0),
    "sign at 0": (np.sign, 0.0),
    "round at 0.5": (np.round, 0.5),
    "round at 2.5": (np.round, 2.5),
}


def of_float(g):
    return lambda a: float(g(float(a)))


@pytest.mark.parametrize("eps", [None, 1e-6])
@pytest.mark.parametrize("name", sorted(KINKS))
def test_a_kink_is_found_and_the_central_difference_still_reported(name, eps):
    g, point, central = KINKS[name]
    estimate = numeric_gradient(of_float(g), np.array(point), eps=eps)
    assert estimate.kink
    assert float(estimate.value) == pytest.approx(central, abs=1e-9)


@pytest.mark.parametrize("eps", [None, 1e-6])
@pytest.mark.parametrize("name", sorted(JUMPS))
def test_a_jump_is_found(name, eps):
    g, point = JUMPS[name]
    assert numeric_gradient(of_float(g), np.array(point), eps=eps).kink


@pytest.mark.parametrize("eps", [None, 1e-6])
@pytest.mark.parametrize(
    ("expr", "point"),
    [
        (1 / X, 1e-3),
        (1 / X, -1e-3),
        (sp.log(X), 0.01),
        (sp.exp(50 * X), 0.3),
        (X**3, 1000.0),
        (X**3, 1e20),
        (sp.sin(X), 1e6),
        (X, 1e-300),
        (X**2, 1e-300),
        (sp.Float(1e-300) * sp.exp(X), 0.5),
        (POLY8, 0.7),
        (X**2, 0.0),
        (sp.cos(X), 0.0),
        (sp.sqrt(X), 1e-3),
        (sp.asin(X), 0.999),
    ],
)
def test_hard_smooth_cases_are_never_flagged(expr, point, eps):
    f, _ = scalar_function(expr)
    assert not numeric_gradient(f, np.array(point), eps=eps).kink


@pytest.mark.parametrize("eps", [None, 1e-6])
@pytest.mark.parametrize(
    "g",
    [lambda t: abs(t) ** 1.5, lambda t: t * abs(t), lambda t: max(t, 0.0) ** 2],
    ids=["abs(x)**1.5", "x*abs(x)", "relu(x)**2"],
)
def test_differentiable_once_at_0_is_not_a_kink(g, eps):
    # The one-sided slopes meet at 0, though more slowly than a smooth function's.
    assert not numeric_gradient(of_float(g), np.array(0.0), eps=eps).kink


@pytest.mark.parametrize("eps", [None, 1e-6])
@pytest.mark.parametrize(
    ("g", "point"),
    [(lambda t: max(t, 0.0), 1e-3), (abs, -1e-4), (np.floor, 0.5), (np.floor, 1.0 + 1e-5)],
)
def test_a_kink_or_jump_a_little_way_off_is_not_one_at_the_point(g, point, eps):
    # The longer steps straddle it; the shorter ones show f smooth at the point.
    assert not numeric_gradient(of_float(g), np.array(point), eps=eps).kink


@pytest.mark.parametrize("eps", [None, 1e-6])
@pytest.mark.parametrize("scale", [1e6, 1e10])
def test_rounding_inside_f_is_not_taken_for_a_kink(scale, eps):
    # Two sums of ~300 * scale cancel, so f's noise is far above its values' spacing.
    # At 1e6 f(x) tends to round apart from its neighbours, as at a tiny jump; at 1e10
    # the noise is as large as the differences that eps takes.
    def f(a):
        return float(np.sum(np.exp(a) * scale) - scale * np.sum(np.exp(a)) + np.sum(a**3))

    x = np.random.default_rng(2).uniform(-3, 3, 100)
    assert not numeric_gradient(f, x, eps=eps).kink.any()


@st.composite
def kinks(draw):
    """Two lines meeting at a, with slopes that differ by at least a tenth of the larger."""
    a = draw(st.floats(-5, 5, allow_nan=False))
    left, right = draw(st.floats(-3, 3)), draw(st.floats(-3, 3))
    assume(abs(left - right) >= 0.1 * max(abs(left), abs(right), 0.1))
    return a, left, right


@settings(max_examples=60, deadline=None)
@given(kinks(), st.sampled_from([None, 1e-6]))
def test_property_every_kink_between_two_lines_is_found(case, eps):
    a, left, right = case
    estimate = numeric_gradient(
        lambda u: float(np.sin(u) + (left if u < a else right) * (u - a)), np.array(a), eps=eps
    )
    assert estimate.kink


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-5, 5, allow_nan=False),
    st.floats(1e-3, 1e3).flatmap(lambda j: st.sampled_from([j, -j])),
    st.sampled_from([None, 1e-6]),
)
def test_property_every_jump_is_found(a, height, eps):
    estimate = numeric_gradient(
        lambda u: float(np.exp(u / 4) + height * (u >= a)), np.array(a), eps=eps
    )
    assert estimate.kink


def per_element(g, x, eps=None):
    """The per-element mode, one element at a time: the reference for elementwise mode."""
    estimates = [numeric_gradient(lambda a: float(g(a)), np.array(v), eps=eps) for v in x.flat]
    return tuple(
        np.array([getattr(e, field) for e in estimates]).reshape(x.shape)
        for field in ("value", "error", "kink")
    )


def mixed_magnitudes(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-3, 4, n)


def smooth_everywhere(a):
    return np.sin(a) * np.exp(-(a**2) / 1e6) + a**3 / 1e6


@pytest.mark.parametrize(
    ("g", "x", "without_estimate"),
    [
        (smooth_everywhere, mixed_magnitudes(1000), 0),
        # Steps leave the domain near 1e-3; -1 and 0 have no estimate at all.
        (np.log, np.concatenate([10.0 ** np.linspace(-3, 1, 998), [-1.0, 0.0]]), 2),
    ],
)
def test_elementwise_mode_agrees_with_the_per_element_mode(g, x, without_estimate):
    estimate = numeric_gradient(g, x, elementwise=True)
    value, error, kink = per_element(g, x)
    np.testing.assert_allclose(estimate.value, value, rtol=1e-12)
    np.testing.assert_allclose(estimate.error, error, rtol=1e-12)
    assert np.array_equal(estimate.kink, kink) and not kink.any()
    assert np.isnan(value).sum() == without_estimate


def test_elementwise_mode_with_eps_agrees_with_the_per_element_mode():
    x = mixed_magnitudes(300, seed=1)
    estimate = numeric_gradient(smooth_everywhere, x, eps=1e-6, elementwise=True)
    value, _, kink = per_element(smooth_everywhere, x, eps=1e-6)
    np.testing.assert_allclose(estimate.value, value, rtol=1e-12)
    assert np.array_equal(estimate.kink, kink) and np.isnan(estimate.error).all()


@pytest.mark.parametrize("eps", [None, 1e-6])
def test_elementwise_mode_finds_kinks_element_by_element(eps):
    x = np.array([[-2.0, 0.0, 1.0], [1.5, 0.25, 3.0]])
    g = lambda a: np.abs(a) + np.floor(a) * (a > 0.9)  # noqa: E731
    estimate = numeric_gradient(g, x, eps=eps, elementwise=True)
    assert estimate.kink.tolist() == [[False, True, True], [False, False, True]]
    assert estimate.value.shape == estimate.error.shape == x.shape


@pytest.mark.parametrize(("eps", "evaluations"), [(None, 1 + 2 * 28), (1e-6, 1 + 2 * 3)])
def test_elementwise_mode_costs_what_one_element_costs(eps, evaluations):
    x = np.linspace(-3, 3, 500)
    seen = []

    def g(a):
        seen.append(a)
        return np.sin(a) ** 2

    estimate = numeric_gradient(g, x, eps=eps, elementwise=True)
    assert len(seen) == evaluations
    assert all(a is not x and a.shape == x.shape for a in seen)
    assert x.tolist() == np.linspace(-3, 3, 500).tolist()
    np.testing.assert_allclose(estimate.value, np.sin(2 * x), atol=1e-9 if eps is None else 1e-6)


XS = sp.symbols("x0:4")


def along(expr: sp.Expr, point, direction) -> float:
    """The exact directional derivative: SymPy's gradient at the point, dotted with v."""
    at = dict(zip(XS, point))
    return float(sum(sp.diff(expr, s).subs(at) * d for s, d in zip(XS, direction)))


@pytest.mark.parametrize(
    ("expr", "point"),
    [
        (
            sp.sin(XS[0]) * sp.exp(XS[1]) + XS[2] ** 2 * XS[0] + sp.log(1 + XS[3] ** 2),
            [0.7, -0.3, 1.9, 2.5],
        ),
        (sp.exp(XS[0]) / (1 + XS[1] ** 2) + sp.sqrt(XS[2]) * XS[3], [1.2, 0.4, 1e-3, 5.0]),
        # Steps follow the largest element: one sized for 3.0 would leave 1e20 unmoved.
        (XS[0] ** 3 + XS[0] * XS[1] + sp.sin(XS[2]) + XS[3], [1e20, 3.0, 0.5, -2.0]),
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_directional_derivative_matches_sympy(expr, point, seed):
    f = sp.lambdify([XS], expr, "numpy")
    v = np.random.default_rng(seed).normal(size=4)
    estimate = numeric_directional(lambda a: float(f(a)), np.array(point), v)
    assert estimate.value.shape == estimate.error.shape == estimate.kink.shape == ()
    assert relative_error(float(estimate.value), along(expr, point, v)) < 1e-10
    assert not estimate.kink


def test_directional_eps_takes_one_plain_central_difference():
    def f(a):
        return float(np.sum(np.sin(a) * a))

    x, v, eps = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, -2.0]), 1e-6
    estimate = numeric_directional(f, x, v, eps=eps)
    assert float(estimate.value) == (f(x + eps * v) - f(x - eps * v)) / (2 * eps)
    assert np.isnan(estimate.error) and not estimate.kink


@pytest.mark.parametrize("eps", [None, 1e-6])
def test_a_direction_through_a_kink_is_flagged_and_one_along_it_is_not(eps):
    def f(a):
        return float(np.sum(np.abs(a)))

    x = np.array([1.0, 0.0, -2.0])
    assert numeric_directional(f, x, np.array([1.0, 1.0, 1.0]), eps=eps).kink
    along_the_kink = numeric_directional(f, x, np.array([1.0, 0.0, 1.0]), eps=eps)
    assert not along_the_kink.kink
    assert float(along_the_kink.value) == pytest.approx(0.0, abs=1e-9)


def test_no_direction_has_derivative_zero():
    estimate = numeric_directional(lambda a: float(np.sum(a**2)), np.array([1.0, 2.0]), [0, 0])
    assert float(estimate.value) == 0.0 and float(estimate.error) == 0.0 and not estimate.kink


@pytest.mark.parametrize(
    ("v", "message"),
    [
        ([1.0, 2.0, 3.0], "the direction's shape (3,) does not fit the input's (2,)"),
        ([1.0, np.inf], "the direction must be finite"),
    ],
)
def test_a_direction_must_fit_the_input(v, message):
    with pytest.raises(AdiffError) as info:
        numeric_directional(lambda a: float(np.sum(a)), np.array([1.0, 2.0]), v)
    assert info.value.kind == "value" and info.value.message == message


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
