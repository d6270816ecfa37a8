"""The Taylor table against the VJP table: every primitive's series rule gives, along a
random direction, the first derivative that reverse mode gives and the second that the
exact Hessian (SymPy, or double backward for arrays) gives. Two tables written apart
that agree to second order at random points."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import (
    ARRAYS,
    CASES,
    SEEDS,
    Elementwise,
    exact_gradient,
    exact_hessian,
    leaves,
    weighted,
)

import autodiff_cli as ad
from autodiff_cli.core.jet import TAYLOR, propagate
from autodiff_cli.core.registry import PRIMITIVES


def test_every_primitive_has_a_taylor_rule():
    assert set(PRIMITIVES) == set(TAYLOR)


def along(loss, values, v, order: int = 2) -> np.ndarray:
    """The series of loss(values + t·v), from the jet rules."""
    xs = leaves(*values)
    out = loss(*xs)
    return propagate(out, {x: d for x, d in zip(xs, v)}, order)


@pytest.mark.parametrize("case", CASES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_elementwise_series_match_the_exact_gradient_and_hessian(case: Elementwise, data):
    point = np.array(data.draw(case.points))
    v = np.array(data.draw(st.tuples(*[st.floats(-1, 1)] * case.arity)))
    series = along(case.call, list(point), list(v))
    gradient, hessian = exact_gradient(case, point), exact_hessian(case, point)
    assert series[1] == pytest.approx(gradient @ v, rel=1e-9, abs=1e-12)
    assert series[2] == pytest.approx(0.5 * v @ hessian @ v, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("case", ARRAYS)
@settings(max_examples=6, deadline=None)
@given(seed=SEEDS)
def test_array_series_match_reverse_mode_and_double_backward(case, seed):
    rng = np.random.default_rng(seed)
    values, loss = weighted(case, rng)
    v = [rng.normal(size=np.shape(x)) for x in values]
    series = along(loss, values, v)
    xs = leaves(*values)
    out = loss(*xs)
    grads = ad.grad(out, xs, create_graph=True, allow_unused=True)
    slope = sum(ad.sum(g * d) for g, d in zip(grads, v) if g is not None)
    assert series[1] == pytest.approx(float(getattr(slope, "data", slope)), rel=1e-9,
                                      abs=1e-11)
    if not getattr(slope, "requires_grad", False):
        assert series[2] == pytest.approx(0.0, abs=1e-11)
        return
    curvature = ad.grad(slope, xs, allow_unused=True)
    second = sum(float(np.vdot(c.data, d)) for c, d in zip(curvature, v) if c is not None)
    assert series[2] == pytest.approx(0.5 * second, rel=1e-8, abs=1e-10)
