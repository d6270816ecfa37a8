"""Every primitive of the registry against an exact oracle, at random points of its domain.

Elementwise primitives (every elementwise, special and binary function of SPEC §1) are
compared with SymPy's exact value, first and second derivatives of the same expression
(evaluated with mpmath at 30 digits) and with a five-point finite difference of the
core's own forward pass; binary ones also under broadcasting. Array primitives, in every
axis form, are compared with finite differences along random directions (gradients, and
Hessian-vector products from double backward) and with hand-derived formulas. A few
smooth functions have their third derivatives compared with SymPy's. The last test fails
when a primitive is added to the registry without a case here.

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

EXAMPLES = settings(max_examples=20, deadline=None)
SEEDS = st.integers(0, 2**32 - 1)
SYMBOLS = sp.symbols("a b c", real=True)



class Floor(sp.floor):
    """floor, with the derivative it has away from the integers, 0 (SymPy leaves it
    unevaluated). ceil, round, trunc and mod are written with it."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


# Away from its kinks a derivative has no delta, and a step is 1 or 0.
_MPMATH = [
    {
        "DiracDelta": lambda *args: mpmath.mpf(0),
        "Heaviside": lambda z, *h0: mpmath.mpf(1) if z > 0 else mpmath.mpf(0),
        "Floor": mpmath.floor,
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
        # Subnormal inputs are left out: below 2.2e-308 a float has fewer digits than any
        # relative tolerance here assumes (x/y at x = 5e-324 is 1 unit off, as any formula).
        bounds = [st.floats(lo, hi, allow_subnormal=False) for lo, hi in self.ranges]
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


@functools.cache
def exact_value(case: Elementwise):
    return sp.lambdify(SYMBOLS[: case.arity], case.exact(*SYMBOLS[: case.arity]),
                       modules=_MPMATH)


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


def away_from(*points: float, margin: float):
    return lambda x: np.all([np.abs(x - p) > margin for p in points], axis=0)


def away_from_integers(margin: float, offset: float = 0.0, below: float = math.inf):
    """At least `margin` from every integer + `offset` that is below `below` (the poles of
    gamma are the integers <= 0; floor's steps all integers; round's the halves)."""

    def valid(x):
        nearest = np.round(x - offset) + offset
        return (np.abs(x - nearest) > margin) | (nearest > below)

    return valid


def both(*conditions):
    return lambda *args: np.all([c(*args) for c in conditions], axis=0)


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


def polygamma(n: int) -> Elementwise:
    # For x > 0 polygamma(n, x) has no zero, so a relative tolerance holds everywhere.
    return Elementwise(f"polygamma[{n}]", "polygamma", lambda x: ad.polygamma(n, x),
                       lambda x: sp.polygamma(n, x), ((0.1, 6.0),))


# Roots of digamma (the minimum of gamma) and the zero of digamma between -1 and 0: a
# derivative's relative error grows near a root of the function it is computed from.
DIGAMMA_ROOTS = (1.4616321449683623, -0.5040830082644554)
GAMMA_POLES = away_from_integers(0.2, below=0.5)


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
    # The rest of SPEC §1's elementwise vocabulary.
    unary("exp2", lambda x: 2**x, -5.0, 5.0),
    unary("reciprocal", lambda x: 1 / x, -5.0, 5.0, away_from_zero(0.2)),
    Elementwise("square", "pow_constant", ad.square, lambda x: x**2, ((-5.0, 5.0),)),
    Elementwise("sec", "reciprocal", ad.sec, sp.sec, ((-1.4, 1.4),)),
    Elementwise("csc", "reciprocal", ad.csc, sp.csc, ((-3.0, 3.0),),
                lambda x: np.abs(np.sin(x)) > 0.2),
    Elementwise("cot", "reciprocal", ad.cot, sp.cot, ((-3.0, 3.0),),
                lambda x: (np.abs(np.sin(x)) > 0.2) & (np.abs(np.cos(x)) > 0.2)),
    unary("floor", Floor, -5.0, 5.0, away_from_integers(0.05)),
    unary("ceil", lambda x: -Floor(-x), -5.0, 5.0, away_from_integers(0.05)),
    unary("round", lambda x: Floor(x + sp.Rational(1, 2)), -5.0, 5.0,
          away_from_integers(0.05, offset=0.5)),
    unary("trunc", lambda x: sp.sign(x) * Floor(sp.Abs(x)), -5.0, 5.0, away_from_integers(0.05)),
    unary("logit", lambda x: sp.log(x / (1 - x)), 0.05, 0.95),
    unary("gelu", lambda x: x * (1 + sp.erf(x / sp.sqrt(2))) / 2, -6.0, 6.0),
    unary("silu", lambda x: x / (1 + sp.exp(-x)), -8.0, 8.0),
    unary("elu", lambda x: sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)), -5.0, 5.0,
          away_from_zero(0.05)),
    Elementwise("softsign", "abs", ad.softsign, lambda x: x / (1 + sp.Abs(x)), ((-5.0, 5.0),),
                away_from_zero(0.05)),
    # Ours is NumPy's and PyTorch's normalised sinc; |x| < 0.1 is its series branch.
    unary("sinc", lambda x: sp.sin(sp.pi * x) / (sp.pi * x), -4.0, 4.0, away_from_zero(1e-3)),
    unary("erf", sp.erf, -4.0, 4.0),
    unary("erfc", sp.erfc, -4.0, 4.0),
    unary("erfinv", sp.erfinv, -0.95, 0.95),
    unary("gamma", sp.gamma, -2.9, 5.0,
          both(GAMMA_POLES, away_from(*DIGAMMA_ROOTS[:1], margin=0.01))),
    unary("lgamma", sp.loggamma, 0.05, 8.0, away_from(*DIGAMMA_ROOTS[:1], margin=0.01)),
    # log|Γ| where Γ < 0: the same digamma derivative.
    Elementwise("lgamma[x<0]", "lgamma", ad.lgamma, lambda x: sp.log(-sp.gamma(x)),
                ((-0.95, -0.05),), away_from(*DIGAMMA_ROOTS[1:], margin=0.01)),
    unary("digamma", sp.digamma, -2.9, 6.0, GAMMA_POLES),
    *(polygamma(n) for n in (1, 2, 3)),
    # |y| >= 0.5 and x/y at least 0.05 from an integer keep the stencil off the jumps.
    Elementwise("mod", "mod", ad.mod, lambda x, y: x - y * Floor(x / y), ((-4.0, 4.0), (-3.0, 3.0)),
                lambda x, y: (np.abs(y) > 0.5)
                & away_from_integers(0.05)(x / np.where(np.abs(y) > 0.5, y, 1.0))),
    Elementwise("logaddexp", "logaddexp", ad.logaddexp, lambda x, y: sp.log(sp.exp(x) + sp.exp(y)),
                ((-5.0, 5.0),) * 2),
    Elementwise("xlogy", "xlogy", ad.xlogy, lambda x, y: x * sp.log(y), ((-3.0, 3.0), (0.1, 5.0))),
]
CASES = [pytest.param(case, id=case.id) for case in ELEMENTWISE]


@pytest.mark.parametrize("case", CASES)
@EXAMPLES
@given(data=st.data())
def test_values_and_first_derivatives_match_sympy(case: Elementwise, data) -> None:
    args = data.draw(case.points, label="args")
    xs = leaves(*args)
    out = case.call(*xs)
    assert records(out, case.primitive)
    with mpmath.workdps(30):
        value = float(exact_value(case)(*map(mpmath.mpf, args)))
    # atol: lgamma and digamma near their zeros.
    np.testing.assert_allclose(out.item(), value, rtol=1e-12, atol=1e-14)
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


def with_zeros(rng, shape):
    """Non-zero values with about a third of them exactly 0 (at least one): prod and
    cumprod then take the product of the others without dividing."""
    x = nonzero(rng, shape)
    zeros = rng.random(shape) < 1 / 3
    zeros.flat[rng.integers(np.size(x))] = True
    return np.where(zeros, 0.0, x)


def separated(rng, shape):
    """Magnitudes at least 0.2 apart, signs at random: no two elements (or magnitudes)
    tie, so max, min and the inf-norm pick one element even under a stencil's steps."""
    n = math.prod(shape)
    magnitudes = 0.5 + 0.3 * rng.permutation(n) + rng.uniform(0.0, 0.1, n)
    return (rng.choice([-1.0, 1.0], n) * magnitudes).reshape(shape)


def invertible(rng, shape):
    """A square matrix with a strong diagonal (well conditioned); any other shape uniform."""
    x = uniform(rng, shape) / 2
    return x + 2.0 * np.eye(shape[0]) if len(shape) == 2 and shape[0] == shape[1] else x


def determinant_sign(sign: float):
    """Invertible matrices whose determinant has the given sign (two rows swapped if not)."""

    def sample(rng, shape):
        a = invertible(rng, shape)
        return a if np.linalg.det(a) * sign > 0 else a[[1, 0, *range(2, shape[0])]]

    return sample


def of_rank(rank: int):
    """Square matrices of the given rank, as a product of n×rank and rank×n factors."""

    def sample(rng, shape):
        n = shape[0]
        return uniform(rng, (n, rank)) @ uniform(rng, (rank, n))

    return sample


@dataclass(frozen=True)
class ArrayCase:
    id: str
    primitives: tuple[str, ...]
    call: Callable[..., ad.Tensor]
    shapes: tuple[tuple[int, ...], ...]
    sample: Callable = uniform


MASK = np.array([[True, False, True], [False, False, True]])

# Every axis form of a reduction, on a (2, 3, 2) array.
AXIS_FORMS = [
    ({}, "all"),
    ({"keepdims": True}, "all,keepdims"),
    ({"axis": 1}, "axis=1"),
    ({"axis": -1, "keepdims": True}, "axis=-1,keepdims"),
    ({"axis": [0, 2]}, "axis=[0,2]"),
    ({"axis": [-1, 0], "keepdims": True}, "axis=[-1,0],keepdims"),
]
REDUCTIONS = [
    # id, function, its parameters, primitive, sample
    ("sum", ad.sum, {}, "sum", uniform),
    ("mean", ad.mean, {}, "mean", uniform),
    ("prod", ad.prod, {}, "prod", nonzero),
    ("prod-zeros", ad.prod, {}, "prod", with_zeros),
    ("max", ad.max, {}, "amax", separated),
    ("min", ad.min, {}, "amin", separated),
    ("logsumexp", ad.logsumexp, {}, "logsumexp", uniform),
    ("var", ad.var, {}, "var", uniform),
    ("var-ddof=1", ad.var, {"ddof": 1}, "var", uniform),
    ("std", ad.std, {}, "std", separated),
    ("std-ddof=1", ad.std, {"ddof": 1}, "std", separated),
    ("norm", ad.norm, {}, "norm", nonzero),
    ("norm-ord=1", ad.norm, {"ord": 1}, "norm", nonzero),
    ("norm-ord=inf", ad.norm, {"ord": math.inf}, "norm", separated),
]


def reduction_cases():
    for name, f, params, primitive, sample in REDUCTIONS:
        for form, form_id in AXIS_FORMS:
            if "ord" in params and "axis" not in form:
                continue  # ord is for vectors: the whole of a vector, below
            yield ArrayCase(f"{name}({form_id})", (primitive,),
                            lambda x, f=f, kw={**params, **form}: f(x, **kw), ((2, 3, 2),), sample)
        if "ord" in params:
            yield ArrayCase(f"{name}(vector)", (primitive,),
                            lambda x, f=f, kw=params: f(x, **kw), ((5,),), sample)


def along_axis_cases():
    functions = [("softmax", ad.softmax, uniform), ("log_softmax", ad.log_softmax, uniform),
                 ("cumsum", ad.cumsum, uniform), ("cumprod", ad.cumprod, nonzero)]
    for name, f, sample in functions:
        yield ArrayCase(f"{name}(matrix)", (name,), f, ((2, 3),), sample)
        yield ArrayCase(f"{name}(matrix,axis=0)", (name,), lambda x, f=f: f(x, axis=0),
                        ((2, 3),), sample)
        yield ArrayCase(f"{name}(3-d,axis=1)", (name,), lambda x, f=f: f(x, axis=1),
                        ((2, 3, 2),), sample)
        yield ArrayCase(f"{name}(vector)", (name,), f, ((4,),), sample)
        yield ArrayCase(f"{name}(scalar)", (name,), f, ((),), sample)
    yield ArrayCase("cumprod-zeros", ("cumprod",), ad.cumprod, ((5,),), with_zeros)
    yield ArrayCase("cumprod-zeros(matrix,axis=0)", ("cumprod",),
                    lambda x: ad.cumprod(x, axis=0), ((4, 3),), with_zeros)


ARRAY_CASES = [
    *reduction_cases(),
    *along_axis_cases(),
    ArrayCase("dot", ("dot",), ad.dot, ((4,), (4,))),
    ArrayCase("vector@vector", ("dot",), lambda a, b: a @ b, ((4,), (4,))),
    ArrayCase("matrix@vector", ("mv",), lambda m, v: m @ v, ((2, 3), (3,))),
    ArrayCase("vector@matrix", ("mv", "transpose"), lambda v, m: v @ m, ((2,), (2, 3))),
    ArrayCase("matrix@matrix", ("mm",), lambda a, b: a @ b, ((2, 3), (3, 4))),
    ArrayCase("outer", ("reshape", "mul"), ad.outer, ((3,), (2,))),
    ArrayCase("transpose", ("transpose",), lambda a: a.T, ((2, 3),)),
    ArrayCase("transpose(3-d)", ("transpose",), ad.transpose, ((2, 3, 2),)),
    ArrayCase("transpose(axes)", ("transpose",), lambda a: apply(P.TRANSPOSE, a, (1, 2, 0)),
              ((2, 3, 2),)),
    ArrayCase("reshape", ("reshape",), lambda a: ad.reshape(a, [3, 2]), ((2, 3),)),
    ArrayCase("reshape(-1)", ("reshape",), lambda a: ad.reshape(a, [-1, 2, 1]), ((2, 3, 2),)),
    ArrayCase("reshape(scalar)", ("reshape",), lambda a: ad.reshape(a, []), ((1, 1),)),
    ArrayCase("sum_to", ("sum_to",), lambda a: apply(P.SUM_TO, a, (1, 3)), ((2, 3),)),
    ArrayCase("broadcast_to", ("broadcast_to",), lambda a: apply(P.BROADCAST_TO, a, (2, 3)),
              ((3,),)),
    ArrayCase("where", ("where",), lambda a, b: ad.where(MASK, a, b), ((2, 3), (2, 3))),
    ArrayCase("where-broadcast", ("where",), lambda a, b: ad.where(MASK, a, b), ((2, 1), ())),
    ArrayCase("x[1]", ("select",), lambda x: x[1], ((3,),)),
    ArrayCase("x[-1]", ("select",), lambda x: x[-1], ((3,),)),
    ArrayCase("A[1,0]", ("select",), lambda a: a[1, 0], ((2, 3),)),
    ArrayCase("A[1]", ("select",), lambda a: a[1], ((2, 3),)),
    ArrayCase("x[1:]", ("select",), lambda x: x[1:], ((4,),)),
    ArrayCase("x[::-1]", ("select",), lambda x: x[::-1], ((4,),)),
    ArrayCase("x[::2]", ("select",), lambda x: x[::2], ((5,),)),
    ArrayCase("A[:,0]", ("select",), lambda a: a[:, 0], ((4, 3),)),
    ArrayCase("A[1:3,:]", ("select",), lambda a: a[1:3, :], ((4, 3),)),
    ArrayCase("A[-1,1:]", ("select",), lambda a: a[-1, 1:], ((4, 3),)),
    ArrayCase("select_backward", ("select_backward",),
              lambda g: apply(P.SELECT_BACKWARD, g, (2, 3), (1,)), ((3,),)),
    ArrayCase("select_backward(slices)", ("select_backward",),
              lambda g: apply(P.SELECT_BACKWARD, g, (4, 3), (slice(1, 3), slice(None))),
              ((2, 3),)),
    ArrayCase("stack", ("stack",), lambda x: ad.stack([x, 2 * x, 3.0]), ((),)),
    ArrayCase("stack-vectors", ("stack",), lambda x, y: ad.stack([x, y * x, y]), ((2,), (2,))),
    ArrayCase("stack(axis=1)", ("stack",), lambda a, b: ad.stack([a, b, a * b], axis=1),
              ((2, 3), (2, 3))),
    ArrayCase("concat", ("concat",), lambda a, b: ad.concat([a, b, a[:1] * b]),
              ((2, 3), (1, 3))),
    ArrayCase("concat(axis=1)", ("concat",), lambda a, b: ad.concat([a, b, a], axis=1),
              ((2, 3), (2, 2))),
    ArrayCase("diag(vector)", ("diag",), ad.diag, ((3,),)),
    ArrayCase("diag(matrix)", ("diag",), ad.diag, ((3, 3),)),
    ArrayCase("diag(2x3)", ("diag",), ad.diag, ((2, 3),)),
    ArrayCase("trace", ("trace",), ad.trace, ((3, 3),)),
    ArrayCase("det", ("det",), ad.det, ((3, 3),)),
    ArrayCase("det(1x1)", ("det",), ad.det, ((1, 1),)),
    ArrayCase("det(rank n-1)", ("det",), ad.det, ((3, 3),), of_rank(2)),
    ArrayCase("det(rank n-2)", ("det",), ad.det, ((3, 3),), of_rank(1)),
    ArrayCase("logdet", ("where", "logabsdet"), ad.logdet, ((3, 3),), determinant_sign(1)),
    ArrayCase("logabsdet", ("logabsdet",), lambda a: apply(P.LOGABSDET, a), ((3, 3),),
              determinant_sign(-1)),
    ArrayCase("inv", ("inv",), ad.inv, ((3, 3),), invertible),
    ArrayCase("solve(vector)", ("solve",), ad.solve, ((3, 3), (3,)), invertible),
    ArrayCase("solve(matrix)", ("solve",), ad.solve, ((3, 3), (3, 2)), invertible),
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


def directions(rng, values, count: int = 2):
    """Random directions in the space of all inputs: a wrong element of a derivative shows
    in the derivative along any of them (PyTorch's gradcheck fast mode), and a check along
    one costs four evaluations however many elements the inputs have."""
    return [[rng.normal(size=np.shape(x)) for x in values] for _ in range(count)]


def moved(values, v, t: float):
    return [x + t * d for x, d in zip(values, v)]


@pytest.mark.parametrize("case", ARRAYS)
@settings(max_examples=10, deadline=None)
@given(seed=SEEDS)
def test_array_gradients_match_finite_differences(case: ArrayCase, seed) -> None:
    rng = np.random.default_rng(seed)
    values, loss = weighted(case, rng)
    assert records(case.call(*leaves(*values)), *case.primitives)
    got = gradient_at(loss, values)
    assert [g.shape for g in got] == [np.shape(x) for x in values]
    for v in directions(rng, values):
        along = sum(np.vdot(g, d) for g, d in zip(got, v))
        fd = five_point(lambda t, v=v: loss(*map(ad.tensor, moved(values, v, t))).item(), 0.0)
        np.testing.assert_allclose(along, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", ARRAYS)
@settings(max_examples=6, deadline=None)
@given(seed=SEEDS)
def test_array_hessians_match_finite_differences_of_the_gradient(case: ArrayCase, seed) -> None:
    rng = np.random.default_rng(seed)
    values, loss = weighted(case, rng)
    xs = leaves(*values)
    blocks = ad.hessian(loss(*xs), xs)
    # H·v for all inputs at once against the stencil of the gradient along v.
    for v in directions(rng, values):

        def gradient_along(t: float, v=v) -> np.ndarray:
            return np.concatenate([g.ravel() for g in gradient_at(loss, moved(values, v, t))])

        hv = np.concatenate([
            sum(np.tensordot(row[j], v[j], axes=np.ndim(v[j])) for j in range(len(v))).ravel()
            for row in blocks
        ])
        np.testing.assert_allclose(hv, five_point(gradient_along, 0.0), rtol=1e-6, atol=1e-8)


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


HAND = settings(max_examples=15, deadline=None)
FORMS = st.sampled_from([form for form, _ in AXIS_FORMS])


def reduced_axes(form, ndim: int) -> tuple[int, ...]:
    axis = form.get("axis")
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(a % ndim for a in ([axis] if isinstance(axis, int) else axis)))


def by_group(x, axes, f):
    """f applied to each group of elements that one reduction over `axes` combines (as a
    vector, returning one value per element), giving an array of x's shape."""
    kept = [i for i in range(x.ndim) if i not in axes]
    moved = np.transpose(x, kept + list(axes))
    rows = moved.reshape(-1, math.prod(x.shape[i] for i in axes))
    out = np.array([f(row) for row in rows], dtype=float).reshape(moved.shape)
    return np.transpose(out, np.argsort(kept + list(axes)))


def backward_with(f, x, rng):
    """x's gradient of sum(W * f(x)) for random weights W, and W."""
    t = ad.tensor(x, requires_grad=True)
    out = f(t)
    w = rng.normal(size=out.shape)
    out.backward(w)
    return t.grad.data, w


def spread(w, form, shape):
    """A reduction's weights (one per group) broadcast back over the reduced axes."""
    axes = reduced_axes(form, len(shape))
    kept = w if form.get("keepdims") else np.expand_dims(w, axes)
    return np.broadcast_to(kept, shape)


@HAND
@given(seed=SEEDS, form=FORMS)
def test_prod_gradient_is_the_product_of_the_others_with_zeros_and_over_two_axes(
    seed, form
) -> None:
    rng = np.random.default_rng(seed)
    x = with_zeros(rng, (2, 3, 2))
    grad, w = backward_with(lambda t: ad.prod(t, **form), x, rng)
    others = by_group(x, reduced_axes(form, 3),
                      lambda row: [np.prod(np.delete(row, k)) for k in range(len(row))])
    np.testing.assert_allclose(grad, spread(w, form, x.shape) * others, rtol=1e-13, atol=0)


@HAND
@given(seed=SEEDS, form=FORMS, f=st.sampled_from([ad.max, ad.min]))
def test_max_and_min_reductions_split_the_gradient_evenly_between_ties(seed, form, f) -> None:
    # Values from {0, 1, 2}: most groups tie. PyTorch's amax/amin (and max(x)) give each
    # of the k tied elements 1/k of the gradient.
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (2, 3, 2)).astype(float)
    grad, w = backward_with(lambda t: f(t, **form), x, rng)
    pick = np.max if f is ad.max else np.min
    share = by_group(x, reduced_axes(form, 3),
                     lambda row: (row == pick(row)) / np.sum(row == pick(row)))
    np.testing.assert_allclose(grad, spread(w, form, x.shape) * share, rtol=1e-15, atol=0)


@HAND
@given(seed=SEEDS, form=FORMS, ddof=st.sampled_from([0, 1]))
def test_var_and_std_gradients_are_the_deviations_over_n_minus_ddof(seed, form, ddof) -> None:
    rng = np.random.default_rng(seed)
    x = separated(rng, (2, 3, 2))
    axes = reduced_axes(form, 3)
    deviation = by_group(x, axes, lambda row: row - np.mean(row))
    n = math.prod(x.shape[i] for i in axes)
    std = by_group(x, axes, lambda row: np.full(len(row), np.std(row, ddof=ddof)))
    grad, w = backward_with(lambda t: ad.var(t, ddof=ddof, **form), x, rng)
    np.testing.assert_allclose(grad, spread(w, form, x.shape) * 2 * deviation / (n - ddof),
                               rtol=1e-12, atol=1e-15)
    grad, w = backward_with(lambda t: ad.std(t, ddof=ddof, **form), x, rng)
    np.testing.assert_allclose(grad, spread(w, form, x.shape) * deviation / ((n - ddof) * std),
                               rtol=1e-12, atol=1e-15)


@HAND
@given(seed=SEEDS, form=FORMS)
def test_logsumexp_gradient_is_the_softmax_of_each_group(seed, form) -> None:
    rng = np.random.default_rng(seed)
    x = uniform(rng, (2, 3, 2))
    grad, w = backward_with(lambda t: ad.logsumexp(t, **form), x, rng)
    softmax = by_group(x, reduced_axes(form, 3), lambda row: np.exp(row) / np.sum(np.exp(row)))
    np.testing.assert_allclose(grad, spread(w, form, x.shape) * softmax, rtol=1e-13, atol=0)


@HAND
@given(seed=SEEDS, axis=st.sampled_from([0, 1, -1]))
def test_softmax_and_log_softmax_jacobians(seed, axis) -> None:
    # d softmax = diag(s) - s sᵀ; d log_softmax = I - 1 sᵀ, along the axis.
    rng = np.random.default_rng(seed)
    x = uniform(rng, (3, 4))
    s = np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)
    grad, w = backward_with(lambda t: ad.softmax(t, axis=axis), x, rng)
    np.testing.assert_allclose(grad, s * (w - np.sum(w * s, axis=axis, keepdims=True)),
                               rtol=1e-12, atol=1e-15)
    grad, w = backward_with(lambda t: ad.log_softmax(t, axis=axis), x, rng)
    np.testing.assert_allclose(grad, w - s * np.sum(w, axis=axis, keepdims=True),
                               rtol=1e-12, atol=1e-15)


@HAND
@given(seed=SEEDS, axis=st.sampled_from([0, 1]))
def test_cumsum_and_cumprod_gradients_are_sums_over_the_later_elements(seed, axis) -> None:
    # d/dx_i Σ_j w_j Π_{k<=j} x_k = Σ_{j>=i} w_j Π_{k<=j, k!=i} x_k, zeros included.
    rng = np.random.default_rng(seed)
    x = with_zeros(rng, (3, 4))
    grad, w = backward_with(lambda t: ad.cumsum(t, axis=axis), x, rng)
    np.testing.assert_allclose(grad, np.flip(np.cumsum(np.flip(w, axis), axis), axis),
                               rtol=1e-13, atol=1e-15)
    grad, w = backward_with(lambda t: ad.cumprod(t, axis=axis), x, rng)
    xs, ws = np.moveaxis(x, axis, -1), np.moveaxis(w, axis, -1)
    expected = np.zeros_like(xs)
    n = xs.shape[-1]
    for row in np.ndindex(xs.shape[:-1]):
        for i in range(n):
            expected[row][i] = sum(ws[row][j] * np.prod(np.delete(xs[row][: j + 1], i))
                                   for j in range(i, n))
    np.testing.assert_allclose(grad, np.moveaxis(expected, -1, axis), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("matrix", "adjugate"),
    [([[1.0, 2.0], [2.0, 4.0]], [[4.0, -2.0], [-2.0, 1.0]]),
     ([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]],
      [[-2.0, 4.0, -2.0], [1.0, -2.0, 1.0], [0.0, 0.0, 0.0]]),
     ([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]], np.zeros((3, 3)))],
    ids=["2x2-rank-1", "3x3-rank-2", "3x3-rank-1"],
)
def test_det_gradient_at_a_singular_matrix_is_the_adjugate_transposed(matrix, adjugate) -> None:
    # adj(A)ᵀ, the cofactor matrix; of rank n-2 or less every cofactor is 0.
    a = ad.tensor(matrix, requires_grad=True)
    out = ad.det(a)
    out.backward()
    assert abs(out.item()) < 1e-15
    np.testing.assert_allclose(a.grad.data, adjugate, rtol=0, atol=1e-14)


def test_det_hessian_at_a_singular_matrix_is_that_of_ad_minus_bc() -> None:
    # det [[a, b], [c, d]] = ad - bc everywhere, [[1, 2], [2, 4]] included (PyTorch agrees).
    a = ad.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    ((block,),) = ad.hessian(ad.det(a), [a])
    expected = [[0, 0, 0, 1], [0, 0, -1, 0], [0, -1, 0, 0], [1, 0, 0, 0]]
    np.testing.assert_array_equal(block.reshape(4, 4), expected)


@HAND
@given(seed=SEEDS)
def test_det_logdet_and_inv_gradients_are_the_inverse_formulas(seed) -> None:
    rng = np.random.default_rng(seed)
    a = determinant_sign(1)(rng, (3, 3))
    inv_t = np.linalg.inv(a).T
    grad, w = backward_with(ad.det, a, rng)
    np.testing.assert_allclose(grad, w * np.linalg.det(a) * inv_t, rtol=1e-12, atol=1e-14)
    grad, w = backward_with(ad.logdet, a, rng)
    np.testing.assert_allclose(grad, w * inv_t, rtol=1e-12, atol=1e-14)
    grad, w = backward_with(ad.inv, a, rng)  # -A⁻ᵀ W A⁻ᵀ
    np.testing.assert_allclose(grad, -inv_t @ w @ inv_t, rtol=1e-11, atol=1e-14)


@HAND
@given(seed=SEEDS, columns=st.sampled_from([None, 2]))
def test_solve_gradients_are_a_solve_with_a_transposed(seed, columns) -> None:
    # x = A⁻¹b: the gradient of b is A⁻ᵀw, of A minus that times xᵀ.
    rng = np.random.default_rng(seed)
    a = invertible(rng, (3, 3))
    b = uniform(rng, (3,) if columns is None else (3, columns))
    ta, tb = leaves(a, b)
    x = ad.solve(ta, tb)
    w = rng.normal(size=x.shape)
    x.backward(w)
    gb = np.linalg.solve(a.T, w)
    np.testing.assert_allclose(tb.grad.data, gb, rtol=1e-12, atol=1e-14)
    expected = -np.outer(gb, x.data) if columns is None else -gb @ x.data.T
    np.testing.assert_allclose(ta.grad.data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("f", "shape"),
    [(ad.transpose, (2, 3)), (ad.transpose, (2, 3, 4)), (lambda x: x.T, (2, 3)),
     (lambda x: ad.reshape(x, [3, -1]), (2, 3)), (ad.diag, (3,)), (ad.diag, (3, 3)),
     (ad.diag, (2, 3)), (ad.diag, (3, 2))],
    ids=["transpose", "transpose-3d", ".T", "reshape", "diag-vector", "diag-matrix",
         "diag-2x3", "diag-3x2"],
)
def test_shape_gradients_put_each_weight_back_where_its_element_came_from(f, shape) -> None:
    # Each output element is one input element (or a zero of diag's embedding): run on the
    # elements' positions, the function says which weight goes where.
    positions = np.arange(1.0, 1.0 + math.prod(shape)).reshape(shape)
    x = ad.tensor(np.zeros(shape), requires_grad=True)
    out = f(x)
    w = np.arange(1.0, 1.0 + out.size).reshape(out.shape) * 10
    out.backward(w)
    source = np.asarray(f(ad.tensor(positions)).data).ravel()
    expected = np.zeros(positions.size)
    for k, wk in zip(source, w.ravel()):
        if k:  # 0 marks an element made of no input (off diag's diagonal)
            expected[int(k) - 1] += wk
    np.testing.assert_array_equal(x.grad.data, expected.reshape(shape))


def test_trace_gradient_is_the_identity() -> None:
    a = ad.tensor(np.ones((3, 3)), requires_grad=True)
    ad.trace(a).backward(np.float64(2.0))
    np.testing.assert_array_equal(a.grad.data, 2 * np.eye(3))


@pytest.mark.parametrize("axis", [0, 1])
def test_concat_and_stack_gradients_are_the_parts_of_the_weights(axis) -> None:
    a = ad.tensor(np.ones((2, 3)), requires_grad=True)
    b = ad.tensor(np.ones((2, 3)), requires_grad=True)
    w = np.arange(12.0).reshape((4, 3) if axis == 0 else (2, 6))
    ad.concat([a, b], axis=axis).backward(w)
    first, second = np.split(w, 2, axis=axis)
    np.testing.assert_array_equal(a.grad.data, first)
    np.testing.assert_array_equal(b.grad.data, second)
    a.grad = b.grad = None
    w = np.arange(12.0).reshape(2, 2, 3)
    ad.stack([a, b], axis=axis).backward(w)
    np.testing.assert_array_equal(a.grad.data, np.take(w, 0, axis=axis))
    np.testing.assert_array_equal(b.grad.data, np.take(w, 1, axis=axis))


def test_outer_gradients_are_the_weights_times_the_other_vector() -> None:
    a, b = leaves([1.0, 2.0, 3.0], [4.0, 5.0])
    w = np.arange(6.0).reshape(3, 2)
    ad.outer(a, b).backward(w)
    np.testing.assert_array_equal(a.grad.data, w @ [4.0, 5.0])
    np.testing.assert_array_equal(b.grad.data, w.T @ [1.0, 2.0, 3.0])


# --- third derivatives -----------------------------------------------------------------------

THIRD = [
    unary("atan", sp.atan, -5.0, 5.0),
    unary("tanh", sp.tanh, -3.0, 3.0),
    unary("sigmoid", lambda x: 1 / (1 + sp.exp(-x)), -6.0, 6.0),
    unary("softplus", lambda x: sp.log(1 + sp.exp(x)), -10.0, 10.0),
    unary("erf", sp.erf, -3.0, 3.0),
    unary("lgamma", sp.loggamma, 0.1, 8.0),
    unary("gelu", lambda x: x * (1 + sp.erf(x / sp.sqrt(2))) / 2, -4.0, 4.0),
    unary("sinc", lambda x: sp.sin(sp.pi * x) / (sp.pi * x), -3.0, 3.0, away_from_zero(1e-2)),
    Elementwise("logsumexp", "logsumexp", lambda x: ad.logsumexp(ad.stack([x, 0.5, -1.0])),
                lambda x: sp.log(sp.exp(x) + sp.exp(sp.Rational(1, 2)) + sp.exp(-1)),
                ((-5.0, 5.0),)),
]


@functools.cache
def exact_third(case: Elementwise):
    x = SYMBOLS[0]
    return sp.lambdify([x], sp.diff(case.exact(x), x, 3), modules=_MPMATH)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in THIRD])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_third_derivatives_match_sympy(case: Elementwise, data) -> None:
    # Three backward passes, the first two with create_graph: the rules differentiate
    # their own derivatives.
    (a,) = data.draw(case.points, label="args")
    x = ad.tensor(a, requires_grad=True)
    y = case.call(x)
    for _ in range(2):
        (y,) = ad.grad(y, x, create_graph=True)
    (y,) = ad.grad(y, x)
    with mpmath.workdps(30):
        expected = float(exact_third(case)(mpmath.mpf(a)))
    # atol: a third derivative crosses zero (tanh's at 0.66), where rounding is absolute.
    np.testing.assert_allclose(y.item(), expected, rtol=1e-9, atol=1e-12)


# --- coverage ------------------------------------------------------------------------------

COVERED = {case.primitive for case in ELEMENTWISE} | {
    p for case in ARRAY_CASES for p in case.primitives
}


def test_every_registered_primitive_has_a_property_case() -> None:
    assert set(REGISTRY) - COVERED == set(), "primitives without a case in this file"
    assert COVERED - set(REGISTRY) == set(), "cases for primitives that are not registered"
