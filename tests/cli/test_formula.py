"""SPEC §3 formula: derivatives as formulas in the language, which adiff eval accepts back."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff_cli.language import compile_program


def inputs_of(text: str, values: dict) -> list[str]:
    """`--x 1.5 --y 0.3` for the inputs a printed formula uses."""
    return [arg for name in compile_program(text).inputs for arg in (f"--{name}",
                                                                     repr(values[name]))]

PROGRAMS = [
    ("(x**2+1)**3", ("x",)),
    ("x**2*y + sin(y)", ("x", "y")),
    ("exp(-x**2/2) * log1p(y**2) / (1 + x*y)", ("x", "y")),
    ("u = x**2 + 1; f(t) = sin(t)*t; f(u) + tanh(y)", ("x", "y")),
    ("sigmoid(x) * softplus(y) + gelu(x*y)", ("x", "y")),
    ("atan2(y, x) + hypot(x, y) + logaddexp(x, y)", ("x", "y")),
    ("relu(x - 0.3) * y + abs(y) + max(x, y)", ("x", "y")),
    ("where(x > y, x**2, y**3) + erf(x) * lgamma(y + 3)", ("x", "y")),
    ("sqrt(x**2 + 1) + cbrt(y) + x⁻¹ + 2×y", ("x", "y")),
]


@pytest.mark.parametrize(("program", "names"), PROGRAMS, ids=[p for p, _ in PROGRAMS])
@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(point=st.tuples(st.floats(0.2, 2.0), st.floats(0.2, 2.0)))
def test_the_printed_derivative_evaluated_by_adiff_equals_grad(adiff, program, names, point):
    doc = adiff.json("formula", program)
    values = dict(zip(("x", "y"), point))
    inputs = [arg for name in names for arg in (f"--{name}", repr(values[name]))]
    grad = adiff.json("grad", program, *inputs)["grad"]
    for name in names:
        value = adiff.json("eval", doc["grad"][name], *inputs_of(doc["grad"][name],
                                                                 values))["value"]
        assert value == pytest.approx(grad[name], rel=1e-12, abs=1e-12), doc["grad"][name]


def test_the_printed_output_evaluates_to_the_value(adiff):
    doc = adiff.json("formula", "u = x**2 + 1; f(t) = t*exp(t); f(u)")
    assert adiff.json("eval", doc["output"], "--x", 0.5)["value"] == pytest.approx(
        adiff.json("eval", "u = x**2 + 1; u*exp(u)", "--x", 0.5)["value"], rel=1e-15)


def test_formula_of_the_spec_example(adiff):
    assert adiff.json("formula", "(x**2+1)**3") == {"output": "(x**2 + 1)**3",
                                                    "grad": {"x": "6*x*(x**2 + 1)**2"}}
    assert adiff("formula", "(x**2+1)**3").stdout == ("f     (x**2 + 1)**3\n"
                                                      "∂/∂x  6*x*(x**2 + 1)**2\n")


def test_formula_prints_pytorchs_choices_at_kinks(adiff):
    assert adiff.json("formula", "abs(x)")["grad"]["x"] == "sign(x)"
    assert adiff.json("formula", "relu(x)")["grad"]["x"] == "where(x > 0, 1, 0)"


def test_simplifying_keeps_pytorchs_choice_for_a_power_at_0_to_the_0(adiff):
    """simplify reads where(y == 0, 0, y*x**(y - 1)) as y*x**(y - 1): nan at x = y = 0."""
    derivative = adiff.json("formula", "x**y")["grad"]["x"]
    assert derivative == "where(y == 0, 0, y*x**(y - 1))"
    at_origin = adiff.json("eval", derivative, "--x", 0, "--y", 0)["value"]
    assert at_origin == adiff.json("grad", "x**y", "--x", 0, "--y", 0)["grad"]["x"] == 0


def test_formula_wrt_names_and_orders_the_derivatives(adiff):
    doc = adiff.json("formula", "x**2*y", "--wrt", "y")
    assert doc["grad"] == {"y": "x**2"}


@pytest.mark.parametrize(("program", "words"), [
    ("sum(x)", "sum(...) at 1:1 needs arrays"),
    ("x[0]", "indexing at 1:2 needs arrays"),
    ("x @ y", "@ at 1:3 needs arrays"),
    ("softmax(x, axis=0)", "softmax(...) at 1:1 needs arrays"),
])
def test_formula_refuses_programs_of_arrays(adiff, program, words):
    assert words in adiff.error("formula", program)


def test_formula_takes_no_input_values(adiff):
    assert "formula needs no input values" in adiff.error("formula", "x**2", "--x", 1)


def test_formula_of_a_program_too_deep_for_sympy_is_refused(adiff):
    deep = "sin(" * 2000 + "x" + ")" * 2000
    message = adiff.error("formula", deep)
    assert "nested too deeply" in message


def test_the_formula_of_a_random_expression_agrees_with_grad(adiff):
    rng = np.random.default_rng(5)
    for program in ["tan(x)/(1 + y**2)", "log(x + y) * expm1(x)", "asinh(x*y) - acosh(1 + y)"]:
        x, y = (float(v) for v in rng.uniform(0.3, 1.0, 2))
        doc = adiff.json("formula", program)
        grad = adiff.json("grad", program, "--x", repr(x), "--y", repr(y))["grad"]
        for name in ("x", "y"):
            text = doc["grad"][name]
            got = adiff.json("eval", text, *inputs_of(text, {"x": x, "y": y}))["value"]
            assert got == pytest.approx(grad[name], rel=1e-12)


@pytest.mark.parametrize("program", ["min(x, nan)", "clip(4, nan, x)", "x <= where(x, nan, 1)",
                                     "1 > log2(0)"])
def test_formula_refuses_comparisons_sympy_cannot_order(adiff, program):
    message = adiff.error("formula", program)
    assert message == ("error: formula cannot write this program: it compares nan or an "
                       "infinity SymPy cannot order\n")
