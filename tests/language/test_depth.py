"""Programs 100,000 levels deep compile, evaluate and differentiate with no RecursionError,
under Python's default recursion limit; and the compiler keeps up with a bare Lark parse."""

import math
import random
import sys

import numpy as np
import pytest

import autodiff_cli as ad
from autodiff_cli.language import compile_program

DEPTH = 100_000
pytestmark = pytest.mark.deep


@pytest.fixture(autouse=True)
def default_recursion_limit():
    assert sys.getrecursionlimit() <= 1000


def value_and_gradient(text: str, x: float) -> tuple[float, float]:
    program = compile_program(text)
    leaf = ad.tensor(x, requires_grad=True)
    output = program.evaluate({"x": leaf})[program.output]
    output.backward()
    return output.item(), leaf.grad.item()


def test_nested_parentheses():
    assert value_and_gradient("(" * DEPTH + "x" + ")" * DEPTH, 0.5) == (0.5, 1.0)


def test_nested_calls():
    value, gradient = value_and_gradient("sin(" * DEPTH + "x" + ")" * DEPTH, 0.5)
    expected_value, expected_gradient = 0.5, 1.0
    for _ in range(DEPTH):
        expected_gradient *= math.cos(expected_value)
        expected_value = math.sin(expected_value)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert gradient == pytest.approx(expected_gradient, rel=1e-9)


def test_repeated_unary_minus():
    assert value_and_gradient("-" * DEPTH + "x", 0.5) == (0.5, 1.0)


def test_a_right_associative_power_tower():
    # At x = 1 every level of x**x**...**x is 1 and its derivative is 1.
    assert value_and_gradient("x" + "**x" * DEPTH, 1.0) == (1.0, 1.0)


def test_a_chain_of_bindings():
    lines = ["a0 = x"] + [f"a{i} = a{i - 1} + 1" for i in range(1, DEPTH)] + [f"a{DEPTH - 1}"]
    assert value_and_gradient("\n".join(lines), 0.5) == (DEPTH - 0.5, 1.0)


def _polynomial(terms: int) -> str:
    rng = random.Random(1)
    return " + ".join(
        f"{rng.randint(1, 99)}.{rng.randint(0, 9)}*x**{rng.randint(0, 99)}" for _ in range(terms)
    )


def test_a_polynomial_evaluates_to_its_value():
    text = _polynomial(1000)
    coefficients = [(float(c), int(p)) for c, p in (t.split("*x**") for t in text.split(" + "))]
    expected = sum(c * 0.9**p for c, p in coefficients)
    assert value_and_gradient(text, 0.9)[0] == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(expected)
