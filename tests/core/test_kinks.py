"""At kinks, ties, thresholds and zeros the core makes PyTorch's choices: one per test.

Every expected value here is what PyTorch 2 (float64) returns for the same call, except
where a test says that adiff differs on purpose (det's gradient at a singular matrix,
softplus above 20, sinc'' at 0: adiff gives the true value there, PyTorch does not).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autodiff_cli as ad


def value_and_grad(f, *values):
    """f(*leaves) as a float and each leaf's gradient as a float (or an array)."""
    xs = [ad.tensor(v, requires_grad=True) for v in values]
    out = f(*xs)
    out.backward(np.ones(out.shape) if out.ndim else None)  # an array: the gradient of its sum
    grads = [x.grad.data if x.grad.ndim else x.grad.item() for x in xs]
    return (out.data if out.ndim else out.item()), grads


def test_abs_gradient_at_zero_is_zero() -> None:
    assert value_and_grad(ad.abs, 0.0) == (0.0, [0.0])


def test_relu_gradient_at_zero_is_zero() -> None:
    assert value_and_grad(ad.relu, 0.0) == (0.0, [0.0])


@pytest.mark.parametrize("x", [-2.5, 0.0, 3.0])
def test_sign_gradient_is_zero_everywhere(x) -> None:
    assert value_and_grad(ad.sign, x)[1] == [0.0]


@pytest.mark.parametrize(
    ("x", "lo", "hi", "result", "grads"),
    [
        (0.5, 0.0, 1.0, 0.5, [1.0, 0.0, 0.0]),   # inside
        (0.0, 0.0, 1.0, 0.0, [1.0, 0.0, 0.0]),   # at lo: the end is inclusive, x keeps it
        (1.0, 0.0, 1.0, 1.0, [1.0, 0.0, 0.0]),   # at hi: likewise
        (1.0, 1.0, 1.0, 1.0, [1.0, 0.0, 0.0]),   # lo == hi == x
        (-2.0, 0.0, 1.0, 0.0, [0.0, 1.0, 0.0]),  # below: lo binds
        (3.0, 0.0, 1.0, 1.0, [0.0, 0.0, 1.0]),   # above: hi binds
        (0.5, 1.0, 0.0, 0.0, [0.0, 0.0, 1.0]),   # lo > hi: the result is hi, whatever x is
        (-2.0, 1.0, 0.0, 0.0, [0.0, 0.0, 1.0]),
        (3.0, 1.0, 0.0, 0.0, [0.0, 0.0, 1.0]),
    ],
    ids=["inside", "at-lo", "at-hi", "lo-eq-hi", "below", "above", "crossed-between",
         "crossed-below", "crossed-above"],
)
def test_clip_sends_the_gradient_to_whichever_of_x_lo_hi_is_the_result(
    x, lo, hi, result, grads
) -> None:
    assert value_and_grad(ad.clip, x, lo, hi) == (result, grads)


@pytest.mark.parametrize("f", [ad.min, ad.max], ids=["min", "max"])
def test_min_and_max_split_a_tie_half_and_half(f) -> None:
    assert value_and_grad(f, 2.0, 2.0) == (2.0, [0.5, 0.5])


@pytest.mark.parametrize(
    ("f", "result", "grads"),
    [(ad.min, 1.0, [1.0, 0.0]), (ad.max, 2.0, [0.0, 1.0])],
    ids=["min", "max"],
)
def test_min_and_max_give_the_whole_gradient_to_the_winner(f, result, grads) -> None:
    assert value_and_grad(f, 1.0, 2.0) == (result, grads)


@pytest.mark.parametrize(("x", "result"), [(800.0, 1.0), (-800.0, 0.0)])
def test_sigmoid_saturates_without_overflow_and_with_zero_gradient(x, result) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert value_and_grad(ad.sigmoid, x) == (result, [0.0])


def test_softplus_is_exact_above_pytorchs_threshold_of_20() -> None:
    # PyTorch returns x and 1 from x = 20 on, off by log1p(exp(-x)); adiff keeps it:
    # softplus(30) = 30 + log1p(exp(-30)) = 30 + 9.3576229688397e-14 (mpmath), and
    # softplus'(30) = sigmoid(30) = 1 - 9.3576229688397e-14 to double precision.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, (grad,) = value_and_grad(ad.softplus, 30.0)
    assert value == 30.000000000000092 and value > 30
    assert grad == pytest.approx(1 - 9.3576229688397e-14, rel=1e-16) and grad < 1


def test_softplus_far_below_zero_underflows_to_zero_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert value_and_grad(ad.softplus, -800.0) == (0.0, [0.0])


@pytest.mark.parametrize("f", [ad.log1p, ad.expm1], ids=["log1p", "expm1"])
def test_log1p_and_expm1_keep_full_precision_near_zero(f) -> None:
    assert value_and_grad(f, 1e-20) == (1e-20, [1.0])


def test_square_has_zero_gradient_at_zero() -> None:
    assert value_and_grad(lambda x: x**2, 0.0) == (0.0, [0.0])


def test_zero_to_a_tensor_power_has_zero_gradients_not_nan() -> None:
    # d/dy 0**y = 0**y log 0 is 0 * -inf; PyTorch takes 0 for y >= 0.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert value_and_grad(ad.pow, 0.0, 2.0) == (0.0, [0.0, 0.0])


@pytest.mark.parametrize("x", [0.0, 2.5, -3.0])
def test_x_to_the_zero_has_zero_gradient_even_at_zero(x) -> None:
    assert value_and_grad(lambda t: t**0, x) == (1.0, [0.0])


def test_pow_mixed_partial_at_exponent_zero_follows_pytorch() -> None:
    # Exactly, d2(x**y)/dx dy = 1/x at y = 0. PyTorch's d/dx is where(y == 0, 0, y x**(y-1)),
    # whose mask cuts the y-dependence, so one order of the mixed partial is 0: the
    # Hessian is not symmetric there. PyTorch returns [[0, 0], [1/x, log(x)^2]] at (2, 0).
    x, y = ad.tensor(2.0, requires_grad=True), ad.tensor(0.0, requires_grad=True)
    blocks = ad.hessian(ad.pow(x, y), [x, y])
    expected = [[0.0, 0.0], [0.5, math.log(2.0) ** 2]]
    np.testing.assert_allclose(np.array(blocks, dtype=float), expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    ("values", "grad"),
    [([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]), ([1.0, 0.0, 3.0], [0.0, 3.0, 0.0]),
     ([0.0, 0.0, 3.0], [0.0, 0.0, 0.0])],
    ids=["no-zero", "one-zero", "two-zeros"],
)
def test_prod_gradient_is_the_product_of_the_others_even_with_zeros(values, grad) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(value_and_grad(ad.prod, values)[1][0], grad)


@pytest.mark.parametrize(
    ("values", "hessian"),
    [([2.0, 0.0, 3.0], [[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]]),
     ([0.0, 0.0, 3.0], [[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])],
    ids=["one-zero", "two-zeros"],
)
def test_prod_hessian_is_the_product_of_all_but_the_pair_even_with_zeros(values, hessian) -> None:
    x = ad.tensor(values, requires_grad=True)
    ((block,),) = ad.hessian(ad.prod(x), [x])
    np.testing.assert_array_equal(block, hessian)


def test_sqrt_gradient_at_zero_is_infinite() -> None:
    result, (grad,) = value_and_grad(ad.sqrt, 0.0)
    assert result == 0.0
    assert grad == math.inf


# --- more kinks, ties and zeros: PyTorch 2.13.0 (CPU, float64), run once ----------------------
# Each expected value below was produced with torch 2.13.0 for the call named in the test
# (torch.floor, torch.clamp, torch.amax, torch.linalg.vector_norm, ...) and written in.


@pytest.mark.parametrize(
    ("f", "x", "result"),
    [(ad.relu, -0.0, 0.0), (ad.relu, 2.0, 2.0), (ad.abs, -0.0, 0.0),
     (ad.floor, 0.0, 0.0), (ad.floor, 2.0, 2.0), (ad.floor, -2.0, -2.0), (ad.floor, 0.5, 0.0),
     (ad.ceil, 2.0, 2.0), (ad.ceil, 0.5, 1.0), (ad.ceil, -0.5, 0.0),
     (ad.round, 0.0, 0.0), (ad.round, 2.0, 2.0), (ad.round, 0.5, 0.0), (ad.round, 2.5, 2.0),
     (ad.round, -0.5, 0.0), (ad.trunc, -2.0, -2.0), (ad.trunc, -0.5, 0.0), (ad.trunc, 2.5, 2.0)],
    ids=lambda v: getattr(v, "__name__", repr(v)),
)
def test_steps_have_zero_gradient_at_their_integers_and_halves(f, x, result) -> None:
    # round halves to even, as torch.round; relu and abs at -0 as at 0.
    expected_grad = 1.0 if f is ad.relu and x > 0 else 0.0
    assert value_and_grad(f, x) == (result, [expected_grad])


def test_relu_second_derivative_at_zero_is_zero() -> None:
    x = ad.tensor(0.0, requires_grad=True)
    ((block,),) = ad.hessian(ad.relu(x), [x])
    assert block == 0.0


@pytest.mark.parametrize("x", [0.0, -0.0])
def test_elu_at_zero_has_gradient_one_and_second_derivative_zero(x) -> None:
    # torch.nn.functional.elu: elu'(0) = 1 (the exp branch), elu''(0) = 0 (masked by x < 0).
    t = ad.tensor(x, requires_grad=True)
    (first,) = ad.grad(ad.elu(t), t, create_graph=True)
    assert first.item() == 1.0
    ((block,),) = ad.hessian(ad.elu(t), [t])
    assert block == 0.0


@pytest.mark.parametrize(
    ("x", "lo", "hi", "result", "grad"),
    [(0.0, 0.0, 1.0, 0.0, 1.0), (1.0, 0.0, 1.0, 1.0, 1.0), (-2.0, 0.0, 1.0, 0.0, 0.0),
     (3.0, 0.0, 1.0, 1.0, 0.0), (0.5, 1.0, 0.0, 0.0, 0.0)],
    ids=["at-lo", "at-hi", "below", "above", "lo-above-hi"],
)
def test_clip_with_number_bounds_is_clampbackward1(x, lo, hi, result, grad) -> None:
    t = ad.tensor(x, requires_grad=True)
    out = ad.clip(t, lo, hi)
    out.backward()
    assert out.grad_fn.name() == "ClampBackward1"
    assert (out.item(), t.grad.item()) == (result, grad)


def test_clip_with_tensor_bounds_is_clampbackward0() -> None:
    x, lo, hi = (ad.tensor(v, requires_grad=True) for v in (0.5, 0.0, 1.0))
    assert ad.clip(x, lo, hi).grad_fn.name() == "ClampBackward0"


@pytest.mark.parametrize(
    ("f", "values", "result", "grad"),
    [(ad.max, [1.0, 3.0, 3.0], 3.0, [0.0, 0.5, 0.5]),
     (ad.min, [2.0, 2.0, 2.0, 5.0], 2.0, [1 / 3, 1 / 3, 1 / 3, 0.0]),
     (lambda x: ad.max(x, axis=0), [[1.0, 2.0], [1.0, 5.0]], [1.0, 5.0],
      [[0.5, 0.0], [0.5, 1.0]]),
     (lambda x: ad.min(x, axis=1), [[1.0, 1.0], [3.0, 1.0]], [1.0, 1.0],
      [[0.5, 0.5], [0.0, 1.0]]),
     (lambda x: ad.max(x, axis=[0, 1]), [[4.0, 1.0], [4.0, 4.0]], 4.0,
      [[1 / 3, 0.0], [1 / 3, 1 / 3]])],
    ids=["max(x)", "min(x)", "max-axis-0", "min-axis-1", "max-axis-list"],
)
def test_max_and_min_reductions_split_ties_evenly(f, values, result, grad) -> None:
    # torch.max(x), torch.amax(x, dim), torch.amin(x, dim): each of k ties gets 1/k.
    got, (g,) = value_and_grad(f, values)
    np.testing.assert_array_equal(got, result)
    np.testing.assert_allclose(g, grad, rtol=1e-15, atol=0)


@pytest.mark.parametrize("order", [1, 2, math.inf], ids=["ord-1", "ord-2", "ord-inf"])
def test_norm_of_the_zero_vector_has_zero_gradient(order) -> None:
    # torch.linalg.vector_norm(zeros(3), ord): 0, with gradient 0 (not nan) for each ord.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result, (grad,) = value_and_grad(lambda x: ad.norm(x, ord=order), [0.0, 0.0, 0.0])
    assert result == 0.0
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])


def test_inf_norm_splits_a_tie_of_magnitudes_with_their_signs() -> None:
    # torch.linalg.vector_norm([-3, 3, 1], inf): 3, gradient [-0.5, 0.5, 0].
    assert value_and_grad(lambda x: ad.norm(x, ord=math.inf), [-3.0, 3.0, 1.0])[1][0].tolist() \
        == [-0.5, 0.5, 0.0]


@pytest.mark.parametrize("f", [ad.std, lambda x: ad.std(x, ddof=1), ad.var],
                         ids=["std", "std-ddof-1", "var"])
def test_std_and_var_of_a_constant_vector_have_zero_gradient(f) -> None:
    # torch.std([2, 2, 2]) (correction 1 and 0): 0 with gradient 0, not 0/0.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result, (grad,) = value_and_grad(f, [2.0, 2.0, 2.0])
    assert result == 0.0
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("y", "x", "result", "grads"),
    [(0.0, 0.0, 0.0, [0.0, 0.0]), (0.0, -0.0, math.pi, [0.0, 0.0]),
     (-0.0, 0.0, -0.0, [0.0, 0.0]), (-0.0, -0.0, -math.pi, [0.0, 0.0]),
     (0.0, 1.0, 0.0, [1.0, 0.0]), (1.0, 0.0, math.pi / 2, [0.0, -1.0]),
     (0.0, -1.0, math.pi, [-1.0, 0.0])],
    ids=["+0,+0", "+0,-0", "-0,+0", "-0,-0", "0,1", "1,0", "0,-1"],
)
def test_atan2_at_the_origin_and_its_signed_zeros_has_zero_gradient(y, x, result, grads) -> None:
    # torch.atan2: the angle of each signed zero, and gradients 0 (not 0/0) at the origin.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got, g = value_and_grad(ad.atan2, y, x)
    assert got == result and math.copysign(1, got) == math.copysign(1, result)
    assert g == grads


def test_sinc_at_zero_is_one_with_gradient_zero() -> None:
    assert value_and_grad(ad.sinc, 0.0) == (1.0, [0.0])


def test_sinc_second_derivative_at_zero_is_minus_pi_squared_over_three() -> None:
    # adiff differs from PyTorch here on purpose: torch.sinc's double backward is nan at 0
    # (0/0); adiff's rule uses its Taylor series near 0 and gives the true -π²/3.
    x = ad.tensor(0.0, requires_grad=True)
    ((block,),) = ad.hessian(ad.sinc(x), [x])
    assert float(block) == pytest.approx(-math.pi**2 / 3, rel=1e-15)


@pytest.mark.parametrize(
    ("x", "y", "result", "grads"),
    [(0.0, 0.0, 0.0, [0.0, math.nan]), (0.0, -1.0, 0.0, [0.0, 0.0]),
     (0.0, 2.0, 0.0, [math.log(2.0), 0.0]), (1.0, 0.0, -math.inf, [-math.inf, math.inf])],
    ids=["x=0,y=0", "x=0,y<0", "x=0,y>0", "x=1,y=0"],
)
def test_xlogy_at_x_zero_follows_pytorch(x, y, result, grads) -> None:
    # torch.xlogy: 0 where x = 0 (even for y <= 0); d/dx is 0 there when y <= 0 and log(y)
    # otherwise; d/dy = x/y is 0/0 = nan at (0, 0), as in PyTorch.
    got, g = value_and_grad(ad.xlogy, x, y)
    assert got == result
    np.testing.assert_array_equal(g, grads)


@pytest.mark.parametrize(
    ("x", "y", "grads"),
    [(6.0, 3.0, [1.0, -2.0]), (-6.0, 3.0, [1.0, 2.0]), (6.0, -3.0, [1.0, 2.0]),
     (-1.0, 3.0, [1.0, 1.0])],
    ids=["6,3", "-6,3", "6,-3", "-1,3"],
)
def test_mod_at_a_multiple_of_y_has_d_dy_minus_floor_x_over_y(x, y, grads) -> None:
    # torch.remainder: the value takes the sign of y (0 at a multiple), d/dx = 1 and
    # d/dy = -floor(x/y), the floor taken at the multiple itself.
    got, g = value_and_grad(ad.mod, x, y)
    assert got == np.mod(x, y) and g == grads


@pytest.mark.parametrize(
    ("values", "result", "grad"),
    [([-math.inf, -math.inf], -math.inf, [math.nan, math.nan]),
     ([math.inf, 1.0], math.inf, [math.nan, 0.0]),
     ([-math.inf, 1.0], 1.0, [0.0, 1.0])],
    ids=["-inf,-inf", "inf,1", "-inf,1"],
)
def test_logsumexp_with_infinite_elements_follows_pytorch(values, result, grad) -> None:
    # torch.logsumexp: exp(x - result) is exp(nan) where both are the same infinity.
    got, (g,) = value_and_grad(ad.logsumexp, values)
    assert got == result
    np.testing.assert_array_equal(g, grad)


def test_logaddexp_of_two_minus_infinities_follows_pytorch() -> None:
    # torch.logaddexp(-inf, -inf): -inf, gradients nan.
    got, g = value_and_grad(ad.logaddexp, -math.inf, -math.inf)
    assert got == -math.inf
    np.testing.assert_array_equal(g, [math.nan, math.nan])


def test_hypot_at_the_origin_has_nan_gradients_as_pytorch() -> None:
    got, g = value_and_grad(ad.hypot, 0.0, 0.0)
    assert got == 0.0
    np.testing.assert_array_equal(g, [math.nan, math.nan])


def test_cumprod_with_a_zero_gives_the_products_of_the_others() -> None:
    # torch.cumprod([2, 0, 3]): [2, 0, 0], gradient of the sum [1, 8, 0].
    got, (g,) = value_and_grad(ad.cumprod, [2.0, 0.0, 3.0])
    assert got.tolist() == [2.0, 0.0, 0.0] and g.tolist() == [1.0, 8.0, 0.0]


def test_det_of_a_singular_matrix_has_the_adjugate_as_gradient() -> None:
    # adiff differs from PyTorch here on purpose (SPEC §1): torch.linalg.det of
    # [[1, 2], [2, 4]] is 0 with gradient 0 in PyTorch 2.13; the true gradient, adj(A)ᵀ, is
    # [[4, -2], [-2, 1]], which is also what PyTorch's own double backward gives.
    result, (grad,) = value_and_grad(ad.det, [[1.0, 2.0], [2.0, 4.0]])
    assert result == 0.0
    np.testing.assert_allclose(grad, [[4.0, -2.0], [-2.0, 1.0]], rtol=0, atol=1e-14)


def test_logdet_of_a_negative_determinant_is_nan_with_zero_gradient() -> None:
    # torch.logdet([[0, 1], [1, 0]]): nan, gradient [[0, 0], [0, 0]].
    result, (grad,) = value_and_grad(ad.logdet, [[0.0, 1.0], [1.0, 0.0]])
    assert math.isnan(result)
    np.testing.assert_array_equal(grad, np.zeros((2, 2)))


def test_logdet_of_a_singular_matrix_is_minus_inf_with_infinite_gradients() -> None:
    # torch.logdet([[1, 2], [2, 4]]): -inf, gradient [[-inf, inf], [inf, -inf]]. adiff gives
    # infinities too (adj(A)ᵀ/det(A)); their signs follow the sign of a zero determinant.
    result, (grad,) = value_and_grad(ad.logdet, [[1.0, 2.0], [2.0, 4.0]])
    assert result == -math.inf
    assert np.all(np.isinf(grad))


@pytest.mark.parametrize(
    ("f", "x", "result", "grad"),
    [(ad.logit, 0.0, -math.inf, math.inf), (ad.logit, 1.0, math.inf, math.inf),
     (ad.erfinv, 1.0, math.inf, math.inf)],
    ids=["logit(0)", "logit(1)", "erfinv(1)"],
)
def test_logit_and_erfinv_at_the_ends_of_their_domain_are_infinite(f, x, result, grad) -> None:
    # torch.logit and torch.erfinv: infinite values and gradients, not nan.
    assert value_and_grad(f, x) == (result, [grad])


@pytest.mark.parametrize(
    ("x", "y", "result", "grads"),
    [(0.0, 0.0, 1.0, [0.0, 0.0]), (0.0, -1.0, math.inf, [-math.inf, -math.inf])],
    ids=["0**0", "0**-1"],
)
def test_zero_to_a_tensor_power_zero_or_negative_follows_pytorch(x, y, result, grads) -> None:
    assert value_and_grad(ad.pow, x, y) == (result, grads)


# --- node names: what PyTorch 2.13.0 names the same operation ---------------------------------


x = ad.tensor(0.4, requires_grad=True)
v = ad.tensor([0.3, 0.6, 0.2], requires_grad=True)
A = ad.tensor([[2.0, 0.5, 0.1], [0.3, 1.5, 0.2], [0.1, 0.4, 1.8]], requires_grad=True)
NAMES = [
    # (adiff, PyTorch's node name, the PyTorch call it was checked with)
    (lambda: ad.sin(x), "SinBackward0", "torch.sin(x)"),
    (lambda: ad.exp2(x), "Exp2Backward0", "torch.exp2(x)"),
    (lambda: ad.expm1(x), "Expm1Backward0", "torch.expm1(x)"),
    (lambda: ad.log1p(x), "Log1PBackward0", "torch.log1p(x)"),
    (lambda: ad.log2(x), "Log2Backward0", "torch.log2(x)"),
    (lambda: ad.log10(x), "Log10Backward0", "torch.log10(x)"),
    (lambda: ad.square(x), "PowBackward0", "torch.square(x)"),
    (lambda: ad.reciprocal(x), "ReciprocalBackward0", "torch.reciprocal(x)"),
    (lambda: ad.sec(x), "ReciprocalBackward0", "torch.reciprocal(torch.cos(x))"),
    (lambda: ad.sign(x), "SignBackward0", "torch.sign(x)"),
    (lambda: ad.relu(x), "ReluBackward0", "torch.relu(x)"),
    (lambda: ad.sigmoid(x), "SigmoidBackward0", "torch.sigmoid(x)"),
    (lambda: ad.softplus(x), "SoftplusBackward0", "F.softplus(x)"),
    (lambda: ad.logit(x), "LogitBackward0", "torch.logit(x)"),
    (lambda: ad.gelu(x), "GeluBackward0", "F.gelu(x)"),
    (lambda: ad.silu(x), "SiluBackward0", "F.silu(x)"),
    (lambda: ad.elu(x), "EluBackward0", "F.elu(x)"),
    (lambda: ad.softsign(x), "DivBackward0", "F.softsign(x)"),
    (lambda: ad.sinc(x), "SincBackward0", "torch.sinc(x)"),
    (lambda: ad.floor(x), "FloorBackward0", "torch.floor(x)"),
    (lambda: ad.ceil(x), "CeilBackward0", "torch.ceil(x)"),
    (lambda: ad.round(x), "RoundBackward0", "torch.round(x)"),
    (lambda: ad.trunc(x), "TruncBackward0", "torch.trunc(x)"),
    (lambda: ad.erf(x), "ErfBackward0", "torch.erf(x)"),
    (lambda: ad.erfc(x), "ErfcBackward0", "torch.erfc(x)"),
    (lambda: ad.erfinv(x), "ErfinvBackward0", "torch.erfinv(x)"),
    (lambda: ad.lgamma(x), "LgammaBackward0", "torch.lgamma(x)"),
    (lambda: ad.digamma(x), "DigammaBackward0", "torch.digamma(x)"),
    (lambda: ad.polygamma(2, x), "PolygammaBackward0", "torch.polygamma(2, x)"),
    (lambda: x**2, "PowBackward0", "x**2"),
    (lambda: x**x, "PowBackward1", "x**x"),
    (lambda: 2**x, "PowBackward2", "2**x"),
    (lambda: ad.atan2(x, x), "Atan2Backward0", "torch.atan2(x, x)"),
    (lambda: ad.hypot(x, x), "HypotBackward0", "torch.hypot(x, x)"),
    (lambda: ad.max(x, x), "MaximumBackward0", "torch.maximum(x, x)"),
    (lambda: ad.min(x, x), "MinimumBackward0", "torch.minimum(x, x)"),
    (lambda: ad.mod(x, 3.0), "RemainderBackward0", "torch.remainder(x, 3.0)"),
    (lambda: ad.mod(x, x), "RemainderBackward1", "torch.remainder(x, x)"),
    (lambda: ad.logaddexp(x, x), "LogaddexpBackward0", "torch.logaddexp(x, x)"),
    (lambda: ad.xlogy(x, x), "XlogyBackward0", "torch.xlogy(x, x)"),
    (lambda: ad.xlogy(2.0, x), "XlogyBackward1", "torch.xlogy(2.0, x)"),
    (lambda: ad.xlogy(x, 3.0), "XlogyBackward2", "torch.xlogy(x, 3.0)"),
    (lambda: ad.where(1.0, x, x), "WhereBackward0", "torch.where(c, x, x)"),
    (lambda: ad.sum(v), "SumBackward0", "torch.sum(v)"),
    (lambda: ad.sum(A, axis=0), "SumBackward1", "torch.sum(A, 0)"),
    (lambda: ad.mean(v), "MeanBackward0", "torch.mean(v)"),
    (lambda: ad.mean(A, axis=0), "MeanBackward1", "torch.mean(A, 0)"),
    (lambda: ad.prod(v), "ProdBackward0", "torch.prod(v)"),
    (lambda: ad.prod(A, axis=0), "ProdBackward1", "torch.prod(A, 0)"),
    (lambda: ad.max(v), "MaxBackward1", "torch.max(v)"),
    (lambda: ad.max(A, axis=0), "AmaxBackward0", "torch.amax(A, 0)"),
    (lambda: ad.max(A, axis=[0, 1]), "AmaxBackward0", "torch.amax(A, (0, 1))"),
    (lambda: ad.min(v), "MinBackward1", "torch.min(v)"),
    (lambda: ad.min(A, axis=0), "AminBackward0", "torch.amin(A, 0)"),
    (lambda: ad.logsumexp(A, axis=0), "LogsumexpBackward0", "torch.logsumexp(A, 0)"),
    (lambda: ad.var(v), "VarBackward0", "torch.var(v)"),
    (lambda: ad.std(A, axis=0), "StdBackward0", "torch.std(A, 0)"),
    (lambda: ad.norm(v), "LinalgVectorNormBackward0", "torch.linalg.vector_norm(v)"),
    (lambda: ad.norm(v, ord=1), "LinalgVectorNormBackward0", "torch.linalg.vector_norm(v, 1)"),
    (lambda: ad.norm(A), "LinalgVectorNormBackward0", "torch.linalg.vector_norm(A)"),
    (lambda: ad.softmax(A), "SoftmaxBackward0", "torch.softmax(A, -1)"),
    (lambda: ad.log_softmax(A), "LogSoftmaxBackward0", "torch.log_softmax(A, -1)"),
    (lambda: ad.cumsum(A), "CumsumBackward0", "torch.cumsum(A, -1)"),
    (lambda: ad.cumprod(A), "CumprodBackward0", "torch.cumprod(A, -1)"),
    (lambda: A.T, "PermuteBackward0", "A.T"),
    (lambda: ad.transpose(A), "PermuteBackward0", "A.T"),
    (lambda: ad.reshape(A, [9]), "ViewBackward0", "A.reshape(9)"),
    (lambda: ad.concat([A, A]), "CatBackward0", "torch.cat([A, A])"),
    (lambda: ad.stack([A, A]), "StackBackward0", "torch.stack([A, A])"),
    (lambda: ad.diag(v), "DiagEmbedBackward0", "torch.diag(v)"),
    # torch.diag(A) of a matrix is DiagonalBackward0_copy in 2.13 (a copy variant of
    # torch.diagonal's DiagonalBackward0); adiff keeps the name of the operation itself.
    (lambda: ad.diag(A), "DiagonalBackward0", "torch.diagonal(A)"),
    (lambda: ad.outer(v, v), "MulBackward0", "torch.outer(v, v)"),
    (lambda: ad.dot(v, v), "DotBackward0", "torch.dot(v, v)"),
    (lambda: A @ v, "MvBackward0", "A @ v"),
    (lambda: A @ A, "MmBackward0", "A @ A"),
    (lambda: ad.trace(A), "TraceBackward0", "torch.trace(A)"),
    (lambda: ad.det(A), "LinalgDetBackward0", "torch.linalg.det(A)"),
    (lambda: ad.logdet(A), "WhereBackward0", "torch.logdet(A)"),
    (lambda: ad.inv(A), "LinalgInvExBackward0", "torch.linalg.inv(A)"),
    (lambda: ad.solve(A, v), "LinalgSolveExBackward0", "torch.linalg.solve(A, v)"),
    (lambda: ad.solve(A, A), "LinalgSolveExBackward0", "torch.linalg.solve(A, A)"),
    (lambda: v[0], "SelectBackward0", "v[0]"),
    (lambda: v[-1], "SelectBackward0", "v[-1]"),
    (lambda: v[1:], "SliceBackward0", "v[1:]"),
    (lambda: v[::2], "SliceBackward0", "v[::2]"),
    (lambda: A[:, 0], "SelectBackward0", "A[:, 0]"),
    (lambda: A[1:3, :], "SliceBackward0", "A[1:3, :]"),
    (lambda: A[1, 0], "SelectBackward0", "A[1, 0]"),
    (lambda: A[-1, 1:], "SliceBackward0", "A[-1, 1:]"),
    (lambda: A[1:3, 0], "SelectBackward0", "A[1:3, 0]"),
    (lambda: A[0, :], "SelectBackward0", "A[0, :]"),
    (lambda: A[0, 0:3], "SelectBackward0", "A[0, 0:3]"),
    (lambda: A[:], "SliceBackward0", "A[:]"),
    (lambda: A[:, :], "AliasBackward0", "A[:, :]"),
]


@pytest.mark.parametrize(("call", "name", "torch_call"), NAMES,
                         ids=[torch_call for _, _, torch_call in NAMES])
def test_node_names_are_pytorchs(call, name, torch_call) -> None:
    assert call().grad_fn.name() == name


def test_logdet_is_a_where_over_slogdet_as_torch_logdet() -> None:
    # torch.logdet(A).grad_fn.next_functions: (None, LinalgSlogdetBackward0): the nan branch
    # is a constant.
    (first, _), (second, _) = ad.logdet(A).grad_fn.next_functions
    assert first is None and second.name() == "LinalgSlogdetBackward0"
