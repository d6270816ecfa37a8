"""SPEC §5: the functional forms jacobian, jvp, hessian and taylor, on functions of tensors."""

from __future__ import annotations

import math
import re
from pathlib import Path

import mpmath
import numpy as np
import pytest

import autodiff_cli as ad


def f_vector(x):
    return ad.stack([x[0] * x[1], ad.sin(x[0]) + x[1] ** 2, ad.exp(x[1])])


def jacobian_of_f_vector(x):
    return np.array([[x[1], x[0]], [math.cos(x[0]), 2 * x[1]], [0, math.exp(x[1])]])


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
def test_jacobian_of_a_function_in_every_mode(mode):
    x = np.array([0.7, -1.3])
    j = ad.jacobian(f_vector, x, mode=mode)
    np.testing.assert_allclose(j.data, jacobian_of_f_vector(x), rtol=1e-15)


def test_jacobian_of_several_inputs_is_a_tuple_of_blocks():
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -1.0])
    ja, jb = ad.jacobian(lambda a, b: a @ b, (a, b))
    assert ja.shape == (2, 2, 2) and jb.shape == (2, 2)
    np.testing.assert_array_equal(jb.data, a)
    np.testing.assert_array_equal(ja.data, np.einsum("ij,k->ijk", np.eye(2), b))  # d(Ab)_i/dA_jk


def test_jvp_is_the_jacobian_times_the_tangent_in_one_pass():
    x, t = np.array([0.7, -1.3]), np.array([2.0, 0.5])
    value, tangent = ad.jvp(f_vector, x, t)
    np.testing.assert_allclose(value.data, f_vector(ad.tensor(x)).data, rtol=0)
    np.testing.assert_allclose(tangent.data, jacobian_of_f_vector(x) @ t, rtol=1e-15)


def test_jvp_of_several_inputs():
    value, tangent = ad.jvp(lambda x, y: x * ad.exp(y), (2.0, 0.5), (1.0, -1.0))
    assert value.item() == 2 * math.exp(0.5)
    assert tangent.item() == pytest.approx(math.exp(0.5) - 2 * math.exp(0.5), rel=1e-15)


def test_hessian_of_a_function_and_of_an_output():
    x = np.array([1.0, 2.0])
    h = ad.hessian(lambda x: x[0] ** 2 * x[1] + x[1] ** 3, x)
    np.testing.assert_array_equal(h.data, [[4, 2], [2, 12]])
    leaf = ad.tensor(x, requires_grad=True)
    (block,), = ad.hessian(leaf[0] ** 2 * leaf[1] + leaf[1] ** 3, [leaf])
    np.testing.assert_array_equal(block, [[4, 2], [2, 12]])


@pytest.mark.parametrize(("build", "exact"), [
    (lambda x: ad.exp(ad.sin(x)), lambda t: mpmath.exp(mpmath.sin(t))),
    (lambda x: ad.atan(x) / (1 + x ** 2), lambda t: mpmath.atan(t) / (1 + t ** 2)),
    (lambda x: ad.sigmoid(x) * ad.log1p(x), lambda t: mpmath.log(1 + t) / (1 + mpmath.exp(-t))),
    (lambda x: ad.erf(x) * ad.lgamma(x + 3), lambda t: mpmath.erf(t) * mpmath.loggamma(t + 3)),
    (lambda x: ad.sum(ad.softmax(ad.stack([x, 2 * x, x ** 2])) * ad.tensor([1.0, 2.0, 3.0])),
     lambda t: sum(c * mpmath.exp(v) for c, v in zip((1, 2, 3), (t, 2 * t, t ** 2)))
     / sum(mpmath.exp(v) for v in (t, 2 * t, t ** 2))),
])
def test_taylor_coefficients_match_mpmath_to_order_10(build, exact):
    with mpmath.workdps(60):
        want = np.array([float(c) for c in mpmath.taylor(exact, mpmath.mpf("0.4"), 10)])
    got = ad.taylor(build, 0.4, order=10)
    scale = np.maximum(np.abs(want), 1e-3 * np.max(np.abs(want)))
    assert np.max(np.abs(got - want) / scale) < 1e-10


def test_the_readme_python_example_runs():
    """The README's block, as a reader pastes it (the project's own text, not user input)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", readme, re.S)[1]
    exec(compile(block, "README.md", "exec"), {})


def test_a_list_of_numbers_is_one_input_as_in_torch_autograd_functional():
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    j = ad.jacobian(lambda x: ad.softmax(x), [1.0, 2.0, 3.0])
    np.testing.assert_allclose(j.data, np.diag(p) - np.outer(p, p), rtol=1e-14, atol=1e-17)
    value, tangent = ad.jvp(lambda x: ad.sum(x**2), [1.0, 2.0], [1.0, 0.0])
    assert (value.item(), tangent.item()) == (5.0, 2.0)
    assert ad.hessian(lambda x: x[0] ** 2 * x[1], [1.0, 2.0]).tolist() == [[4.0, 2.0], [2.0, 0.0]]
