"""adiff formula's pieces: every function's SymPy builder has PyTorch's derivative, kinks
included, and the printer writes formulas that the language reads back.

Printed formulas are evaluated here by Python's own `eval`, whose grammar is the
language's for everything the printer writes, over exact mpmath references of the
language's functions (or NumPy's IEEE floats where a kink divides by zero).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

import mpmath
import numpy as np
import pytest
import sympy

from autodiff_cli.language import compile_program, symbolic
from autodiff_cli.language.symbolic import (
    SYMPY_COMPARISONS,
    SYMPY_FUNCTIONS,
    derivative,
    simplified,
)
from autodiff_cli.rendering.formula import to_source


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


# The language's functions, exactly (SPEC §1), for evaluating printed formulas.
REFERENCE = {
    **{name: getattr(mpmath, name) for name in (
        "sin cos tan sec csc cot asin acos atan sinh cosh tanh asinh acosh atanh exp expm1 "
        "log log10 log1p sqrt sign floor ceil erf erfc erfinv gamma digamma atan2 hypot").split()},
    "exp2": lambda x: 2**x,
    "log2": lambda x: mpmath.log(x, 2),
    "cbrt": lambda x: mpmath.sign(x) * mpmath.cbrt(abs(x)),
    "square": lambda x: x**2,
    "reciprocal": lambda x: 1 / x,
    "abs": abs,
    "relu": lambda x: max(x, 0),
    "sigmoid": _sigmoid,
    "softplus": lambda x: mpmath.log1p(mpmath.exp(x)),
    "logit": lambda x: mpmath.log(x / (1 - x)),
    "gelu": lambda x: x * (1 + mpmath.erf(x / mpmath.sqrt(2))) / 2,
    "silu": lambda x: x * _sigmoid(x),
    "elu": lambda x: x if x > 0 else mpmath.expm1(x),
    "softsign": lambda x: x / (1 + abs(x)),
    "sinc": lambda x: mpmath.sinpi(x) / (mpmath.pi * x),
    "round": mpmath.nint,
    "trunc": lambda x: mpmath.floor(x) if x >= 0 else mpmath.ceil(x),
    "lgamma": lambda x: mpmath.log(abs(mpmath.gamma(x))),
    "polygamma": lambda n, x: mpmath.polygamma(int(n), x),
    "pow": lambda x, y: x**y,
    "min": min,
    "max": max,
    "mod": lambda x, y: x - y * mpmath.floor(x / y),
    "logaddexp": lambda a, b: mpmath.log(mpmath.exp(a) + mpmath.exp(b)),
    "xlogy": lambda x, y: x * mpmath.log(y),
    "clip": lambda x, lo, hi: min(max(x, lo), hi),
    "where": lambda c, a, b: a if c != 0 else b,
}
CONSTANTS = {"pi": mpmath.pi, "e": mpmath.e, "inf": mpmath.inf, "nan": mpmath.nan}


def evaluate(text: str, point: dict) -> mpmath.mpf:
    """A printed formula's value at `point`, at mpmath's working precision."""
    return eval(text, {"__builtins__": {}}, {**REFERENCE, **CONSTANTS, **point})


SIDES = [(-2.0, -0.1), (0.1, 2.0)]  # both signs, away from a kink at 0
POSITIVE = [(0.1, 3.0)]
UNIT = [(-0.9, 0.9)]
WIDE = [(-2.0, 2.0)]
# Between integers and away from halves: no jump of floor, ceil, round or trunc.
BETWEEN_JUMPS = [(-1.9, -1.6), (-1.4, -1.1), (0.1, 0.4), (1.6, 1.9)]


@dataclass(frozen=True)
class Case:
    """A function, where to sample each argument, and the arguments to differentiate in.

    `constant` fixes an argument to a number instead (polygamma's order n).
    """

    name: str
    domains: tuple
    wrt: tuple = (0,)
    constant: dict | None = None


CASES = [
    *(Case(name, (WIDE,)) for name in
      "sin cos atan sinh cosh tanh asinh exp exp2 expm1 square sigmoid softplus gelu silu "
      "erf erfc".split()),
    *(Case(name, ([(-1.4, 1.4)],)) for name in ("tan", "sec")),
    *(Case(name, ([(0.1, 3.0)],)) for name in ("csc", "cot")),
    *(Case(name, (UNIT,)) for name in ("asin", "acos", "atanh", "erfinv")),
    Case("acosh", ([(1.1, 3.0)],)),
    *(Case(name, (POSITIVE,)) for name in
      "log log2 log10 sqrt gamma lgamma digamma".split()),
    Case("log1p", ([(-0.9, 2.0)],)),
    Case("logit", ([(0.05, 0.95)],)),
    *(Case(name, (SIDES,)) for name in
      "cbrt reciprocal abs sign relu elu softsign sinc".split()),
    *(Case(name, (BETWEEN_JUMPS,)) for name in ("floor", "ceil", "round", "trunc")),
    Case("polygamma", ((), POSITIVE), wrt=(1,), constant={0: 1}),
    Case("pow", (POSITIVE, WIDE), wrt=(0, 1)),
    Case("atan2", (SIDES, SIDES), wrt=(0, 1)),
    Case("hypot", (SIDES, SIDES), wrt=(0, 1)),
    # One argument far from 0, the other near it: both orders, never a tie.
    Case("min", ([(-2.0, -1.0), (1.0, 2.0)], [(-0.5, 0.5)]), wrt=(0, 1)),
    Case("max", ([(-0.5, 0.5)], [(-2.0, -1.0), (1.0, 2.0)]), wrt=(0, 1)),
    Case("mod", ([(-3.0, 3.0)], [(-2.0, -0.5), (0.5, 2.0)]), wrt=(0, 1)),
    Case("logaddexp", (WIDE, WIDE), wrt=(0, 1)),
    Case("xlogy", (WIDE, POSITIVE), wrt=(0, 1)),
    # x below lo, between lo and hi, above hi.
    Case("clip", ([(-2.0, -1.1), (-0.4, 0.4), (1.1, 2.0)], [(-1.0, -0.5)], [(0.5, 1.0)]),
         wrt=(0, 1, 2)),
    # A condition of exactly 0 takes b; a jump in c is no place for a difference quotient.
    Case("where", ([(0.0, 0.0), (0.5, 1.0), (-1.0, -0.5)], WIDE, WIDE), wrt=(1, 2)),
]


def test_the_cases_cover_every_function_of_the_table():
    assert sorted(case.name for case in CASES) == sorted(SYMPY_FUNCTIONS)


def _symbols(case: Case) -> list:
    names = [f"a{i}" for i in range(len(case.domains))]
    constant = case.constant or {}
    return [sympy.Integer(constant[i]) if i in constant else sympy.Symbol(name)
            for i, name in enumerate(names)]


def _points(case: Case, count: int = 3) -> list[dict]:
    rng = random.Random(case.name)
    points = []
    for _ in range(count):
        point = {}
        for i, domain in enumerate(case.domains):
            if domain:
                low, high = rng.choice(domain)
                point[f"a{i}"] = mpmath.mpf(rng.uniform(low, high))
        points.append(point)
    return points


def _reference_at(case: Case, point: dict, wrt: int | None = None):
    """The function's value at `point`, or its exact derivative in argument `wrt`."""
    symbols = _symbols(case)
    free = [i for i, s in enumerate(symbols) if s.is_Symbol]

    def function(*values):
        args = dict(zip(free, values))
        return REFERENCE[case.name](*(args.get(i, s) for i, s in enumerate(symbols)))

    at = [point[f"a{i}"] for i in free]
    if wrt is None:
        return function(*at)
    return mpmath.diff(function, at, tuple(int(i == wrt) for i in free))


def _close(got, expected) -> bool:
    return abs(got - expected) <= 1e-12 * (1 + abs(expected))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_builder_is_the_language_function(case):
    printed = to_source(SYMPY_FUNCTIONS[case.name](*_symbols(case)))
    with mpmath.workdps(30):
        for point in _points(case):
            assert _close(evaluate(printed, point), _reference_at(case, point)), (printed, point)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_printed_derivative_is_the_exact_derivative(case):
    symbols = _symbols(case)
    expr = SYMPY_FUNCTIONS[case.name](*symbols)
    for i in case.wrt:
        printed = to_source(simplified(derivative(expr, symbols[i])))
        with mpmath.workdps(30):
            for point in _points(case):
                expected = _reference_at(case, point, wrt=i)
                assert _close(evaluate(printed, point), expected), (printed, point)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_printed_derivative_is_a_difference_quotient_of_the_builder(case):
    symbols = _symbols(case)
    expr = SYMPY_FUNCTIONS[case.name](*symbols)
    function_text = to_source(expr)
    for i in case.wrt:
        printed = to_source(derivative(expr, symbols[i]))
        name = f"a{i}"
        with mpmath.workdps(30):
            for point in _points(case):
                quotient = mpmath.diff(
                    lambda t, point=point, name=name: evaluate(function_text, {**point, name: t}),
                    point[name])
                assert _close(evaluate(printed, point), quotient), (printed, point)


# --- PyTorch's choices at kinks ----------------------------------------------------------

nan, inf = math.nan, math.inf

# torch.autograd.grad in PyTorch 2.13 (float64) at these points, one value per argument;
# where's condition has no gradient in PyTorch (None), which is 0 here.
TORCH_GRADIENTS = [
    ("abs", (0.0,), (0.0,)),
    ("relu", (0.0,), (0.0,)),
    ("sign", (0.0,), (0.0,)),
    ("floor", (1.0,), (0.0,)),
    ("ceil", (1.0,), (0.0,)),
    ("round", (1.0,), (0.0,)),
    ("trunc", (1.0,), (0.0,)),
    ("max", (1.0, 1.0), (0.5, 0.5)),
    ("max", (2.0, 1.0), (1.0, 0.0)),
    ("min", (1.0, 1.0), (0.5, 0.5)),
    ("min", (1.0, 2.0), (1.0, 0.0)),
    ("clip", (0.0, 0.0, 1.0), (1.0, 0.0, 0.0)),
    ("clip", (1.0, 0.0, 1.0), (1.0, 0.0, 0.0)),
    ("clip", (-1.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
    ("clip", (2.0, 0.0, 1.0), (0.0, 0.0, 1.0)),
    ("clip", (0.5, 1.0, 0.0), (0.0, 0.0, 1.0)),
    ("clip", (-1.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    ("clip", (1.0, 1.0, 1.0), (1.0, 0.0, 0.0)),
    ("mod", (5.0, 3.0), (1.0, -1.0)),
    ("mod", (-5.0, 3.0), (1.0, 2.0)),
    ("mod", (5.0, -3.0), (1.0, 2.0)),
    ("mod", (7.5, 2.5), (1.0, -3.0)),
    ("where", (1.0, 2.0, 3.0), (0.0, 1.0, 0.0)),
    ("where", (0.0, 2.0, 3.0), (0.0, 0.0, 1.0)),
    ("where", (nan, 2.0, 3.0), (0.0, 1.0, 0.0)),
    ("elu", (0.0,), (1.0,)),
    ("sinc", (0.0,), (0.0,)),
    ("xlogy", (0.0, 0.0), (0.0, nan)),
    ("xlogy", (0.0, -1.0), (0.0, -0.0)),
    ("pow", (0.0, 2.0), (0.0, 0.0)),
    ("pow", (0.0, 0.0), (0.0, 0.0)),
    ("pow", (0.0, -1.0), (-inf, -inf)),
    ("pow", (0.0, 0.5), (inf, 0.0)),
    ("logaddexp", (1000.0, 1000.0), (0.5, 0.5)),
]

# Second derivatives from the same PyTorch run (create_graph=True, then grad again).
TORCH_SECOND_DERIVATIVES = [
    ("relu", 0.0, 0.0), ("relu", 1.0, 0.0),
    ("abs", 0.0, 0.0), ("abs", 1.0, 0.0),
    ("elu", 0.0, 0.0), ("elu", -1.0, 0.36787944117144233),
    ("softsign", 0.0, 0.0), ("softsign", 1.0, -0.25),
]

# IEEE floats, as adiff and PyTorch compute: 0/0 is nan, 0**-1 is inf.
FLOATS = {
    "where": lambda c, a, b: np.where(c, a, b),
    "sign": np.sign, "floor": np.floor, "exp": np.exp, "log": np.log, "cos": np.cos,
    "sinc": np.sinc, "abs": np.abs, "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "pi": np.pi, "nan": np.nan, "inf": np.inf,
}


def evaluate_floats(text: str, values: tuple) -> float:
    point = {f"a{i}": np.float64(v) for i, v in enumerate(values)}
    with np.errstate(all="ignore"):
        return float(eval(text, {"__builtins__": {}}, {**FLOATS, **point}))


def _same(got: float, expected: float) -> bool:
    return got == expected or (math.isnan(got) and math.isnan(expected))


@pytest.mark.parametrize(("name", "point", "gradient"), TORCH_GRADIENTS)
def test_kinks_have_pytorchs_gradient(name, point, gradient):
    symbols = sympy.symbols(f"a0:{len(point)}")
    expr = SYMPY_FUNCTIONS[name](*symbols)
    got = [evaluate_floats(to_source(derivative(expr, s)), point) for s in symbols]
    assert all(_same(g, e) for g, e in zip(got, gradient)), got


@pytest.mark.parametrize(("name", "x", "second"), TORCH_SECOND_DERIVATIVES)
def test_kinks_have_pytorchs_second_derivative(name, x, second):
    a0 = sympy.Symbol("a0")
    text = to_source(derivative(derivative(SYMPY_FUNCTIONS[name](a0), a0), a0))
    assert evaluate_floats(text, (x,)) == pytest.approx(second, rel=1e-15)


def test_kinks_print_as_pytorchs_choice():
    x, y = sympy.symbols("x y")
    assert to_source(derivative(SYMPY_FUNCTIONS["abs"](x), x)) == "sign(x)"
    assert to_source(derivative(SYMPY_FUNCTIONS["relu"](x), x)) == "where(x > 0, 1, 0)"
    assert to_source(derivative(SYMPY_FUNCTIONS["max"](x, y), x)) == \
        "where(x > y, 1, where(x == y, 1/2, 0))"
    assert to_source(derivative(SYMPY_FUNCTIONS["clip"](x, 0, 1), x)) == \
        "where((x >= 0)*(x <= 1), 1, 0)"


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "==", "!="])
def test_comparisons_are_one_or_zero_with_derivative_zero(op):
    x, y = sympy.symbols("x y")
    expr = SYMPY_COMPARISONS[op](x, y)
    text = to_source(expr)
    for a, b in [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)]:
        assert evaluate_floats(text.replace("x", "a0").replace("y", "a1"), (a, b)) == \
            float(eval(f"{a} {op} {b}"))
    assert derivative(expr, x) == 0 and derivative(expr, y) == 0


def test_comparisons_with_nan_are_false_but_not_equal_is_true():
    x = sympy.Symbol("x")
    assert SYMPY_COMPARISONS["<"](sympy.nan, x) == 0
    assert SYMPY_COMPARISONS["=="](x, sympy.nan) == 0
    assert SYMPY_COMPARISONS["!="](sympy.nan, x) == 1


def test_where_of_a_comparison_tests_the_comparison_itself():
    x = sympy.Symbol("x")
    expr = SYMPY_FUNCTIONS["where"](SYMPY_COMPARISONS[">"](x, 0), x**2, -x)
    assert to_source(expr) == "where(x > 0, x**2, -x)"
    assert to_source(simplified(derivative(expr, x))) == "where(x > 0, 2*x, -1)"


# --- simplification ----------------------------------------------------------------------

x, y = sympy.symbols("x y")


def formula(expr, symbol) -> str:
    return to_source(simplified(derivative(expr, symbol)))


def test_the_readme_example_factors():
    assert formula((x**2 + 1)**3, x) == "6*x*(x**2 + 1)**2"


def test_exp_times_sin_is_factored():
    assert formula(sympy.sin(x) * sympy.exp(x), x) == "(sin(x) + cos(x))*exp(x)"


def test_partials_of_a_polynomial_in_two_inputs():
    expr = x**2 * y + sympy.sin(y)
    assert formula(expr, x) == "2*x*y"
    assert formula(expr, y) == "x**2 + cos(y)"


def test_functions_keep_their_names_in_derivatives():
    assert formula(SYMPY_FUNCTIONS["sigmoid"](x), x) == "(1 - sigmoid(x))*sigmoid(x)"
    assert formula(SYMPY_FUNCTIONS["softplus"](2 * x), x) == "2*sigmoid(2*x)"
    assert formula(SYMPY_FUNCTIONS["lgamma"](x), x) == "digamma(x)"
    assert formula(SYMPY_FUNCTIONS["log2"](x) * y, y) == "log2(x)"


def test_simplify_wins_when_it_is_shortest(monkeypatch):
    monkeypatch.setattr(symbolic, "SIMPLIFY_SECONDS", 60.0)  # room for any machine
    assert simplified(sympy.sin(x)**2 + sympy.cos(x)**2 + x) == x + 1


def test_without_time_for_factor_or_simplify_the_raw_form_is_kept(monkeypatch):
    monkeypatch.setattr(symbolic, "SIMPLIFY_SECONDS", 0.0)
    raw = sympy.exp(x) * sympy.sin(x) + sympy.exp(x) * sympy.cos(x)
    assert simplified(raw) == raw


# --- printing ----------------------------------------------------------------------------

PRECEDENCE_CASES = [
    (-x**2, "-x**2"),
    (sympy.Pow(-x, 2, evaluate=False), "(-x)**2"),
    (2**-x, "2**(-x)"),
    (x**sympy.Rational(1, 2), "sqrt(x)"),
    (1 / (x * y), "1/(x*y)"),
    (sympy.E**x, "exp(x)"),
    (sympy.Pow(sympy.Pow(x, y, evaluate=False), 2, evaluate=False), "(x**y)**2"),
    (x**(y**2), "x**(y**2)"),
    ((-2)**x, "(-2)**x"),
    (x**sympy.Rational(-3, 2), "x**(-3/2)"),
    (sympy.Rational(1, 2) * x - 1, "x/2 - 1"),
    (sympy.Float(0.1) * x, "0.1*x"),
    (sympy.E * sympy.pi, "e*pi"),
]


@pytest.mark.parametrize(("expr", "text"), PRECEDENCE_CASES, ids=[t for _, t in PRECEDENCE_CASES])
def test_precedence_prints_as_the_language_reads_it(expr, text):
    assert to_source(expr) == text
    program = compile_program(text)
    values = {"x": 3.0, "y": 0.5}
    got = program.evaluate({n: values[n] for n in program.inputs})[program.output].item()
    assert got == pytest.approx(float(expr.subs({x: 3, y: sympy.Rational(1, 2)})), rel=1e-15)


def test_special_values_print_in_the_language():
    assert to_source(sympy.oo) == "inf"
    assert to_source(-sympy.oo) == "-inf"
    assert to_source(sympy.nan) == "nan"
    assert to_source(sympy.Float(1 / 3) * x) == "0.3333333333333333*x"
    assert to_source(sympy.EulerGamma * x) == "0.5772156649015329*x"


def test_sympys_own_functions_print_under_the_languages_names():
    assert to_source(sympy.log(x, 10) * 3 / y) == "3*log10(x)/y"
    assert to_source(sympy.loggamma(x)) == "lgamma(x)"
    assert to_source(sympy.polygamma(0, x)) == "digamma(x)"
    assert to_source(sympy.polygamma(2, x)) == "polygamma(2, x)"
    assert to_source(sympy.Max(x, y, 1)) == "max(1, max(x, y))"
    assert to_source(sympy.Min(x, y)) == "min(x, y)"
    assert to_source(sympy.Abs(x) + sympy.ceiling(y)) == "abs(x) + ceil(y)"
    assert to_source(sympy.Heaviside(x, 0)) == "where(x > 0, 1, 0)"


def test_conditions_print_as_values():
    piecewise = sympy.Piecewise((1, sympy.And(x > 0, sympy.Eq(y, 1))), (2, x < y), (3, True))
    assert to_source(piecewise) == "where((y == 1)*(x > 0), 1, where(x < y, 2, 3))"
    assert to_source(sympy.Piecewise((1, sympy.Or(x > 0, y > 0)), (0, True))) == \
        "where((x > 0) + (y > 0), 1, 0)"
    assert to_source(sympy.Piecewise((x, x > 0))) == "where(x > 0, x, nan)"


def test_a_power_of_two_inputs_prints_as_a_power():
    assert to_source(SYMPY_FUNCTIONS["pow"](x, y) ** 2) == "(x**y)**2"
    assert to_source(derivative(SYMPY_FUNCTIONS["pow"](x, y), y)) == \
        "where((x == 0)*(y >= 0), 0, log(x)*x**y)"


# --- refusals ----------------------------------------------------------------------------

def _nested(depth: int) -> sympy.Expr:
    expr = x
    for _ in range(depth):
        expr = x * expr + 1
    return expr


REFUSALS = {
    "polygamma in n": (lambda: derivative(sympy.polygamma(x, y), x),
                       "the derivative of polygamma in its argument 1 (x)"),
    "polygamma in 2*n": (lambda: derivative(sympy.polygamma(2 * x, y), x),
                         "the derivative of polygamma in its argument 1 (2*x)"),
    "impulse": (lambda: derivative(sympy.Heaviside(x), x), "DiracDelta(x), an impulse"),
    "bessel": (lambda: derivative(sympy.besselj(0, x), x),
               "besselj is not a function of the language"),
    "imaginary": (lambda: to_source(sympy.I * x), "the imaginary unit I"),
    "zoo": (lambda: to_source(sympy.zoo), "complex infinity zoo"),
    "re": (lambda: to_source(sympy.re(x)), "re is not a function of the language"),
    "deep derivative": (lambda: derivative(_nested(100), x), "nested too deeply"),
    "deep printing": (lambda: to_source(_nested(400)), "nested too deeply"),
}


@pytest.mark.parametrize(("attempt", "named"), REFUSALS.values(), ids=REFUSALS.keys())
def test_what_the_language_cannot_write_is_refused_by_name(attempt, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        attempt()
