"""At kinks, ties, thresholds and zeros the core makes PyTorch's choices: one per test.

Every expected value here is what PyTorch 2 (float64) returns for the same call.
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
    out.backward()
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


def test_norm_gradient_at_zero_is_zero_not_nan() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result, (grad,) = value_and_grad(ad.norm, [0.0, 0.0, 0.0])
    assert result == 0.0
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])


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
