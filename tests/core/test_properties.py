"""Every primitive of the registry against an exact oracle, at random points of its domain.

Elementwise primitives are compared with SymPy's exact first and second derivatives of
the same expression (evaluated with mpmath at 30 digits) and with a five-point finite
difference of the core's own forward pass; binary ones also under broadcasting. Array
primitives are compared with finite differences and with hand-derived formulas. The
last test fails when a primitive is added to the registry without a case here.

Points keep a margin from poles, branch cuts, kinks and ties: what happens exactly at
a kink is PyTorch's choice, pinned in `test_kinks.py`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff_cli as ad
from autodiff_cli.core import primitives as P
from autodiff_cli.core.registry import PRIMITIVES as REGISTRY
from autodiff_cli.core.tensor import apply, arguments

EXAMPLES = settings(max_examples=40, deadline=None)
SEEDS = st.integers(0, 2**32 - 1)
SYMBOLS = sp.symbols("a b c", real=True)

# Away from its kinks a derivative has no delta, and a step is 1 or 0.
_MPMATH = [
    {
        "DiracDelta": lambda *args: mpmath.mpf(0),
        "Heaviside": lambda z, *h0: mpmath.mpf(1) if z > 0 else mpmath.mpf(0),
    },
    "mpmath",
]


# --- the oracle ----------------------------------------------------------------------


@dataclass(frozen=True)
class Elementwise:
    """One elementwise primitive: how to call it, the same function in SymPy, its domain.

    `ranges` bound each argument; `valid` (on NumPy values, elementwise) cuts out the
    neighbourhoods of poles, kinks and ties.
    """

    id: str
    primitive: str
    call: Callable[..., ad.Tensor]
    exact: Callable[..., sp.Expr]
    ranges: tuple[tuple[float, float], ...]
    valid: Callable[..., object] = lambda *args: True

    @property
    def arity(self) -> int:
        return len(self.ranges)

    @functools.cached_property
    def points(self) -> st.SearchStrategy:
        """Valid argument tuples (built once: Hypothesis is much faster with one strategy)."""
        bounds = [st.floats(lo, hi) for lo, hi in self.ranges]
        return st.tuples(*bounds).filter(lambda args: bool(self.valid(*args)))

    def sample(self, rng: np.random.Generator, shapes) -> list[np.ndarray]:
        """Arrays of the given shapes whose every broadcast combination is valid."""
        for _ in range(10_000):
            arrays = [rng.uniform(lo, hi, shape) for (lo, hi), shape in zip(self.ranges, shapes)]
            if np.all(self.valid(*np.broadcast_arrays(*arrays))):
                return arrays
        raise AssertionError(f"no valid sample for {self.id} with shapes {shapes}")


@functools.cache
def exact_derivatives(case: Elementwise):
    """mpmath functions of the case's arguments: the gradient list and the Hessian rows."""
    syms = SYMBOLS[: case.arity]
    expr = case.exact(*syms)
    first = [sp.diff(expr, s) for s in syms]
    second = [[sp.diff(d, s) for s in syms] for d in first]
    return (sp.lambdify(syms, first, modules=_MPMATH),
            sp.lambdify(syms, second, modules=_MPMATH))


def exact_gradient(case: Elementwise, args) -> np.ndarray:
    with mpmath.workdps(30):
        return np.array([float(v) for v in exact_derivatives(case)[0](*map(mpmath.mpf, args))])


def exact_hessian(case: Elementwise, args) -> np.ndarray:
    with mpmath.workdps(30):
        rows = exact_derivatives(case)[1](*map(mpmath.mpf, args))
        return np.array([[float(v) for v in row] for row in rows])


def node_names(out: ad.Tensor) -> set[str]:
    """The backward node names of the graph behind `out` (walked through `next_functions`)."""
    names, stack, seen = set(), [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.add(node.name())
        stack.extend(fn for fn, _ in node.next_functions)
    return names


def recorded(out: ad.Tensor) -> set[str]:
    """The primitives of the graph behind `out`, by their registry names."""
    names, stack, seen = set(), [out] if out._op is not None else [], set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        names.add(t._op.name)
        stack.extend(a for a in arguments(t) if isinstance(a, ad.Tensor) and a._op is not None)
    return names


def records(out: ad.Tensor, *primitives: str) -> bool:
    return set(primitives) <= recorded(out)


def five_point(f: Callable[[float], float], x: float) -> float:
    """f'(x) with error O(h^4); the step keeps rounding error near 1e-13 relative."""
    h = 1e-3 * max(1.0, abs(x))
    return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h)


def gradient_of(out: ad.Tensor, inputs) -> list[np.ndarray]:
    out.backward()
    return [np.zeros(x.shape) if x.grad is None else np.array(x.grad.data) for x in inputs]


def leaves(*values) -> list[ad.Tensor]:
    return [ad.tensor(v, requires_grad=True) for v in values]


# --- the elementwise table ------------------------------------------------------------


def away_from_zero(margin: float):
    return lambda x: np.abs(x) > margin


def apart(margin: float):
    """All arguments pairwise at least `margin` apart (ties of min, max and clip)."""

    def valid(*args):
        ok = True
        for i in range(len(args)):
            for j in range(i + 1, len(args)):
                ok = ok & (np.abs(args[i] - args[j]) > margin)
        return ok

    return valid


def unary(name, exact, lo, hi, valid=None, call=None) -> Elementwise:
    call = call or getattr(ad, name)
    return Elementwise(name, name, call, exact, ((lo, hi),), valid or (lambda x: True))


def pow_constant(c) -> Elementwise:
    # A fractional power needs a positive base; an integer power takes either sign.
    integer = float(c).is_integer()
    return Elementwise(
        f"pow_constant[{c}]", "pow_constant", lambda x: x**c,
        lambda x: x ** sp.nsimplify(c),
        ((-3.0, 3.0),) if integer else ((0.1, 4.0),),
        away_from_zero(0.1) if integer else (lambda x: True),
    )


def where(mask: bool) -> Elementwise:
    return Elementwise(
        f"where[{mask}]", "where", lambda a, b: ad.where(mask, a, b),
        lambda a, b: a if mask else b, ((-3.0, 3.0), (-3.0, 3.0)),
    )


ELEMENTWISE: list[Elementwise] = [
    Elementwise("neg", "neg", lambda x: -x, lambda x: -x, ((-5.0, 5.0),)),
    Elementwise("add", "add", lambda x, y: x + y, lambda x, y: x + y, ((-5.0, 5.0),) * 2),
    Elementwise("sub", "sub", lambda x, y: x - y, lambda x, y: x - y, ((-5.0, 5.0),) * 2),
    Elementwise("mul", "mul", lambda x, y: x * y, lambda x, y: x * y, ((-5.0, 5.0),) * 2),
    Elementwise("div", "div", lambda x, y: x / y, lambda x, y: x / y,
                ((-5.0, 5.0), (-3.0, 3.0)), lambda x, y: np.abs(y) > 0.2),
    *(pow_constant(c) for c in (2, 3, 1, 0, -1, 0.5, 2.5, -1.5, 4)),
    # At y = 0 exactly, PyTorch's mask for d/dx also cuts its y-dependence (test_kinks.py).
    Elementwise("pow", "pow", ad.pow, lambda x, y: x**y, ((0.1, 4.0), (-3.0, 3.0)),
                lambda x, y: np.abs(y) > 0.05),
    unary("sin", sp.sin, -6.0, 6.0),
    unary("cos", sp.cos, -6.0, 6.0),
    unary("tan", sp.tan, -1.3, 1.3),
    unary("asin", sp.asin, -0.9, 0.9),
    unary("acos", sp.acos, -0.9, 0.9),
    unary("atan", sp.atan, -5.0, 5.0),
    unary("sinh", sp.sinh, -4.0, 4.0),
    unary("cosh", sp.cosh, -4.0, 4.0),
    # tanh' = 1 - tanh^2 (PyTorch's formula) loses digits where tanh nears 1.
    unary("tanh", sp.tanh, -3.0, 3.0),
    unary("asinh", sp.asinh, -5.0, 5.0),
    unary("acosh", sp.acosh, 1.1, 6.0),
    unary("atanh", sp.atanh, -0.9, 0.9),
    unary("exp", sp.exp, -5.0, 5.0),
    unary("expm1", lambda x: sp.exp(x) - 1, -5.0, 5.0),
    unary("log", sp.log, 0.1, 10.0),
    unary("log2", lambda x: sp.log(x, 2), 0.1, 10.0),
    unary("log10", lambda x: sp.log(x, 10), 0.1, 10.0),
    unary("log1p", lambda x: sp.log(1 + x), -0.9, 10.0),
    unary("sqrt", sp.sqrt, 0.1, 10.0),
    unary("cbrt", lambda x: sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3), -8.0, 8.0,
          away_from_zero(0.1)),
    unary("abs", sp.Abs, -5.0, 5.0, away_from_zero(0.05)),
    unary("sign", sp.sign, -5.0, 5.0, away_from_zero(0.05)),
    unary("relu", lambda x: sp.Max(x, 0), -5.0, 5.0, away_from_zero(0.05)),
    # sigmoid' = s (1 - s) loses digits where s nears 1.
    unary("sigmoid", lambda x: 1 / (1 + sp.exp(-x)), -5.0, 5.0),
    unary("softplus", lambda x: sp.log(1 + sp.exp(x)), -10.0, 10.0),
    unary("zero", lambda x: sp.Integer(0), -5.0, 5.0, call=lambda x: apply(P.ZERO, x)),
    Elementwise("atan2", "atan2", ad.atan2, sp.atan2, ((-3.0, 3.0),) * 2,
                lambda y, x: (np.abs(y) > 0.2) & (np.abs(x) > 0.2)),
    Elementwise("hypot", "hypot", ad.hypot, lambda x, y: sp.sqrt(x**2 + y**2),
                ((-3.0, 3.0),) * 2, lambda x, y: np.hypot(x, y) > 0.2),
    Elementwise("min", "minimum", ad.min, sp.Min, ((-3.0, 3.0),) * 2, apart(0.1)),
    Elementwise("max", "maximum", ad.max, sp.Max, ((-3.0, 3.0),) * 2, apart(0.1)),
    # Any order of x, lo and hi, lo > hi included (the result is then hi).
    Elementwise("clip", "clip", ad.clip, lambda x, lo, hi: sp.Min(sp.Max(x, lo), hi),
                ((-3.0, 3.0),) * 3, apart(0.05)),
    where(True),
    where(False),
]
CASES = [pytest.param(case, id=case.id) for case in ELEMENTWISE]


@pytest.mark.parametrize("case", CASES)
@EXAMPLES
@given(data=st.data())
def test_first_derivatives_match_sympy(case: Elementwise, data) -> None:
    args = data.draw(case.points, label="args")
    xs = leaves(*args)
    out = case.call(*xs)
    assert records(out, case.primitive)
    got = np.array([g.item() for g in gradient_of(out, xs)])
    np.testing.assert_allclose(got, exact_gradient(case, args), rtol=1e-10, atol=0)


@pytest.mark.parametrize("case", CASES)
@EXAMPLES
@given(data=st.data())
def test_first_derivatives_match_finite_differences(case: Elementwise, data) -> None:
    args = data.draw(case.points, label="args")
    xs = leaves(*args)
    got = np.array([g.item() for g in gradient_of(case.call(*xs), xs)])
    for i, a in enumerate(args):

        def along_i(t: float, i=i) -> float:
            moved = list(args)
            moved[i] = t
            return case.call(*map(ad.tensor, moved)).item()

        np.testing.assert_allclose(got[i], five_point(along_i, a), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", CASES)
@EXAMPLES
@given(data=st.data())
def test_second_derivatives_and_mixed_partials_match_sympy(case: Elementwise, data) -> None:
    args = data.draw(case.points, label="args")
    xs = leaves(*args)
    blocks = ad.hessian(case.call(*xs), xs)
    got = np.array([[float(block) for block in row] for row in blocks])
    # Where the exact value is zero or nearly (sigmoid'' near 0, mixed partials of atan2)
    # the rule's float formula leaves a difference of rounded terms, ~1e-17.
    np.testing.assert_allclose(got, exact_hessian(case, args), rtol=1e-10, atol=1e-13)


def test_second_derivative_by_differentiating_the_gradient_twice() -> None:
    x = ad.tensor(0.7, requires_grad=True)
    (first,) = ad.grad(ad.sin(x) * ad.exp(x), x, create_graph=True)
    (second,) = ad.grad(first, x)
    assert second.item() == pytest.approx(2 * math.cos(0.7) * math.exp(0.7), rel=1e-14)


def test_third_derivative_of_x_to_the_fourth_at_2_is_48() -> None:
    x = ad.tensor(2.0, requires_grad=True)
    y = x**4
    for _ in range(3):
        (y,) = ad.grad(y, x, create_graph=True)
    assert y.item() == 48.0


def test_fourth_derivative_of_sin_is_sin() -> None:
    x = ad.tensor(0.3, requires_grad=True)
    y = ad.sin(x)
    for _ in range(4):
        (y,) = ad.grad(y, x, create_graph=True)
    # d4/dx4 sin = sin: the fourth derivative is NumPy's own sin(0.3), to the bit
    assert y.item() == np.sin(0.3)


# --- broadcasting ----------------------------------------------------------------------

# How a gradient of the output's shape comes back to an input's shape, written out.
REDUCE = {
    ((3, 1), (3, 4)): lambda g: g.sum(axis=1, keepdims=True),
    ((4,), (3, 4)): lambda g: g.sum(axis=0),
    ((), (3, 4)): lambda g: g.sum(),
    ((), (2, 3)): lambda g: g.sum(),
    ((2, 3), (2, 3)): lambda g: g,
    ((2, 1), (2, 3)): lambda g: g.sum(axis=1, keepdims=True),
    ((1, 3, 1), (2, 3, 4)): lambda g: g.sum(axis=(0, 2), keepdims=True),
    ((2, 1, 4), (2, 3, 4)): lambda g: g.sum(axis=1, keepdims=True),
}
LAYOUTS = {
    2: [((3, 1), (4,)), ((), (2, 3)), ((2, 3), ()), ((1, 3, 1), (2, 1, 4))],
    3: [((3, 1), (4,), ()), ((2, 3), (), (2, 1))],
}
BROADCAST = [
    pytest.param(case, shapes, id=f"{case.id}-{'-'.join(map(str, shapes))}")
    for case in ELEMENTWISE
    if case.arity > 1 and case.primitive != "where"
    for shapes in LAYOUTS[case.arity]
]


@pytest.mark.parametrize(("case", "shapes"), BROADCAST)
@settings(max_examples=10, deadline=None)
@given(seed=SEEDS)
def test_broadcast_gradients_sum_over_the_broadcast_axes(case, shapes, seed) -> None:
    rng = np.random.default_rng(seed)
    arrays = case.sample(rng, shapes)
    xs = leaves(*arrays)
    out = case.call(*xs)
    weights = rng.normal(size=out.shape)
    out.backward(weights)

    expanded = np.broadcast_arrays(*arrays)
    signature = ",".join(["()"] * case.arity) + "->(n)"
    partials = np.vectorize(lambda *a: exact_gradient(case, a), signature=signature)(*expanded)
    for i, (x, shape) in enumerate(zip(xs, shapes)):
        expected = REDUCE[shape, out.shape](weights * partials[..., i])
        assert x.grad.shape == shape
        np.testing.assert_allclose(x.grad.data, expected, rtol=1e-10, atol=1e-14)


# --- array primitives ------------------------------------------------------------------


def uniform(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def nonzero(rng, shape):
    """Values away from zero, where prod's gradient is the quotient ans / x."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 1.5, shape)


@dataclass(frozen=True)
class ArrayCase:
    id: str
    primitives: tuple[str, ...]
    call: Callable[..., ad.Tensor]
    shapes: tuple[tuple[int, ...], ...]
    sample: Callable = uniform


MASK = np.array([[True, False, True], [False, False, True]])

ARRAY_CASES = [
    ArrayCase("sum", ("sum",), ad.sum, ((2, 3),)),
    ArrayCase("mean", ("mean",), ad.mean, ((2, 3),)),
    ArrayCase("prod", ("prod",), ad.prod, ((5,),), nonzero),
    ArrayCase("prod-matrix", ("prod",), ad.prod, ((2, 2),), nonzero),
    ArrayCase("norm", ("norm",), ad.norm, ((2, 3),), nonzero),
    ArrayCase("dot", ("dot",), ad.dot, ((4,), (4,))),
    ArrayCase("vector@vector", ("dot",), lambda a, b: a @ b, ((4,), (4,))),
    ArrayCase("matrix@vector", ("mv",), lambda m, v: m @ v, ((2, 3), (3,))),
    ArrayCase("vector@matrix", ("mv", "transpose"), lambda v, m: v @ m, ((2,), (2, 3))),
    ArrayCase("matrix@matrix", ("mm",), lambda a, b: a @ b, ((2, 3), (3, 4))),
    ArrayCase("transpose", ("transpose",), lambda a: a.T, ((2, 3),)),
    ArrayCase("reshape", ("reshape",), lambda a: apply(P.RESHAPE, a, (3, 2)), ((2, 3),)),
    ArrayCase("sum_to", ("sum_to",), lambda a: apply(P.SUM_TO, a, (1, 3)), ((2, 3),)),
    ArrayCase("broadcast_to", ("broadcast_to",), lambda a: apply(P.BROADCAST_TO, a, (2, 3)),
              ((3,),)),
    ArrayCase("where", ("where",), lambda a, b: ad.where(MASK, a, b), ((2, 3), (2, 3))),
    ArrayCase("where-broadcast", ("where",), lambda a, b: ad.where(MASK, a, b), ((2, 1), ())),
    ArrayCase("x[1]", ("select",), lambda x: x[1], ((3,),)),
    ArrayCase("x[-1]", ("select",), lambda x: x[-1], ((3,),)),
    ArrayCase("A[1,0]", ("select",), lambda a: a[1, 0], ((2, 3),)),
    ArrayCase("A[1]", ("select",), lambda a: a[1], ((2, 3),)),
    ArrayCase("select_backward", ("select_backward",),
              lambda g: apply(P.SELECT_BACKWARD, g, (2, 3), (1,)), ((3,),)),
    ArrayCase("stack", ("stack",), lambda x: ad.stack([x, 2 * x, 3.0]), ((),)),
    ArrayCase("stack-vectors", ("stack",), lambda x, y: ad.stack([x, y * x, y]), ((2,), (2,))),
]
ARRAYS = [pytest.param(case, id=case.id) for case in ARRAY_CASES]


def weighted(case: ArrayCase, rng: np.random.Generator):
    """Inputs, and a scalar L = sum(W * f(inputs)) with fixed random weights W."""
    values = [case.sample(rng, shape) for shape in case.shapes]
    out_shape = case.call(*map(ad.tensor, values)).shape
    weights = rng.normal(size=out_shape)

    def loss(*xs):
        return ad.sum(weights * case.call(*xs))

    return values, loss


def gradient_at(loss, values) -> list[np.ndarray]:
    xs = leaves(*values)
    return gradient_of(loss(*xs), xs)


def finite_difference(f, values, i):
    """d f / d values[i], element by element, with a five-point stencil; f may be array-valued."""
    out = []
    for k in range(np.size(values[i])):

        def along(t, k=k):
            moved = [np.array(v, dtype=float) for v in values]
            moved[i].flat[k] = t
            return np.asarray(f(moved), dtype=float)

        out.append(five_point(along, float(np.ravel(values[i])[k])))
    out = np.array(out)
    return np.moveaxis(out, 0, -1).reshape(out.shape[1:] + np.shape(values[i]))


@pytest.mark.parametrize("case", ARRAYS)
@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_array_gradients_match_finite_differences(case: ArrayCase, seed) -> None:
    values, loss = weighted(case, np.random.default_rng(seed))
    assert records(case.call(*leaves(*values)), *case.primitives)
    got = gradient_at(loss, values)
    for i, g in enumerate(got):
        assert g.shape == np.shape(values[i])
        fd = finite_difference(lambda v: loss(*map(ad.tensor, v)).item(), values, i)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", ARRAYS)
@settings(max_examples=10, deadline=None)
@given(seed=SEEDS)
def test_array_hessians_match_finite_differences_of_the_gradient(case: ArrayCase, seed) -> None:
    values, loss = weighted(case, np.random.default_rng(seed))
    xs = leaves(*values)
    blocks = ad.hessian(loss(*xs), xs)
    for j in range(len(values)):
        # fd[i] has shape values[i].shape + values[j].shape, like blocks[i][j].
        for i in range(len(values)):
            fd = finite_difference(lambda v, i=i: gradient_at(loss, v)[i], values, j)
            np.testing.assert_allclose(blocks[i][j], fd, rtol=1e-6, atol=1e-9)


# Exact formulas, derived by hand.


@EXAMPLES
@given(seed=SEEDS)
def test_prod_gradient_is_the_product_of_the_others_and_its_hessian_of_pairs(seed) -> None:
    x = nonzero(np.random.default_rng(seed), 4)
    p = np.prod(x)
    (gradient,), ((hess,),) = ad.gradient_and_hessian(ad.prod(t := ad.tensor(x, True)), [t])
    np.testing.assert_allclose(gradient, p / x, rtol=1e-13)
    expected = p / np.outer(x, x)
    np.fill_diagonal(expected, 0.0)
    # The diagonal is (ans / x_i) / x_i - ans / x_i^2: zero up to rounding.
    np.testing.assert_allclose(hess, expected, rtol=1e-13, atol=1e-14)


@EXAMPLES
@given(seed=SEEDS)
def test_norm_gradient_is_the_unit_vector_and_its_hessian_the_projection(seed) -> None:
    x = nonzero(np.random.default_rng(seed), (2, 2))
    r = np.sqrt(np.sum(x * x))
    (gradient,), ((hess,),) = ad.gradient_and_hessian(ad.norm(t := ad.tensor(x, True)), [t])
    np.testing.assert_allclose(gradient, x / r, rtol=1e-13)
    u = x.ravel() / r
    expected = (np.eye(4) - np.outer(u, u)) / r
    np.testing.assert_allclose(hess.reshape(4, 4), expected, rtol=1e-12, atol=1e-15)


@EXAMPLES
@given(seed=SEEDS)
def test_dot_gradients_are_the_other_vector_and_its_hessian_the_swap(seed) -> None:
    rng = np.random.default_rng(seed)
    a, b = uniform(rng, 3), uniform(rng, 3)
    ta, tb = leaves(a, b)
    gradients, blocks = ad.gradient_and_hessian(ta @ tb, [ta, tb])
    np.testing.assert_array_equal(gradients[0], b)
    np.testing.assert_array_equal(gradients[1], a)
    zero, eye = np.zeros((3, 3)), np.eye(3)
    for got, expected in zip([*blocks[0], *blocks[1]], [zero, eye, eye, zero]):
        np.testing.assert_array_equal(got, expected)


MATMUL_SHAPES = [((4,), (4,)), ((2, 3), (3,)), ((2,), (2, 3)), ((2, 3), (3, 4))]


@pytest.mark.parametrize(("a_shape", "b_shape"), MATMUL_SHAPES)
@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_matmul_gradients_are_w_times_b_transposed_and_a_transposed_times_w(
    a_shape, b_shape, seed
) -> None:
    rng = np.random.default_rng(seed)
    a, b = uniform(rng, a_shape), uniform(rng, b_shape)
    w = rng.normal(size=np.shape(a @ b))
    ta, tb = leaves(a, b)
    (ta @ tb).backward(w)
    # A vector on the left is a row, on the right a column: then both rules are matrix ones.
    a2, b2 = a.reshape(-1, a.shape[-1]), b.reshape(b.shape[0], -1)
    w2 = np.reshape(w, (a2.shape[0], b2.shape[1]))
    np.testing.assert_allclose(ta.grad.data, (w2 @ b2.T).reshape(a_shape), rtol=1e-13)
    np.testing.assert_allclose(tb.grad.data, (a2.T @ w2).reshape(b_shape), rtol=1e-13)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_matmul_mixed_second_derivative_is_w_il_when_j_equals_k(seed) -> None:
    # d^2 sum(W * (A @ B)) / dA_ij dB_kl = [j == k] W_il; the pure blocks are zero.
    rng = np.random.default_rng(seed)
    a, b, w = uniform(rng, (2, 3)), uniform(rng, (3, 4)), rng.normal(size=(2, 4))
    ta, tb = leaves(a, b)
    blocks = ad.hessian(ad.sum(w * (ta @ tb)), [ta, tb])
    expected = np.einsum("jk,il->ijkl", np.eye(3), w)
    np.testing.assert_array_equal(blocks[0][1], expected)
    np.testing.assert_array_equal(blocks[1][0], expected.transpose(2, 3, 0, 1))
    np.testing.assert_array_equal(blocks[0][0], np.zeros((2, 3, 2, 3)))
    np.testing.assert_array_equal(blocks[1][1], np.zeros((3, 4, 3, 4)))


@pytest.mark.parametrize(
    ("shape", "index"), [((3,), 1), ((3,), -1), ((2, 3), (1, 0)), ((2, 3), 1)],
    ids=["x[1]", "x[-1]", "A[1,0]", "A[1]"],
)
def test_select_sends_the_gradient_to_the_selected_elements_only(shape, index) -> None:
    x = ad.tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape), requires_grad=True)
    out = x[index]
    w = np.arange(2.0, 2.0 + out.size).reshape(out.shape)
    out.backward(w)
    expected = np.zeros(shape)
    expected[index] = w
    np.testing.assert_array_equal(x.grad.data, expected)


def test_stack_gradient_is_the_weighted_sum_of_its_rows() -> None:
    x = ad.tensor(1.5, requires_grad=True)
    ad.stack([x, 2 * x, 3.0]).backward(np.array([5.0, 7.0, 11.0]))
    assert x.grad.item() == 5.0 + 2 * 7.0


def test_mean_gradient_is_one_over_the_size() -> None:
    x = ad.tensor(np.ones((2, 3)), requires_grad=True)
    ad.mean(x).backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 1 / 6))


# --- coverage ------------------------------------------------------------------------------

COVERED = {case.primitive for case in ELEMENTWISE} | {
    p for case in ARRAY_CASES for p in case.primitives
}


def test_every_registered_primitive_has_a_property_case() -> None:
    assert set(REGISTRY) - COVERED == set(), "primitives without a case in this file"
    assert COVERED - set(REGISTRY) == set(), "cases for primitives that are not registered"
