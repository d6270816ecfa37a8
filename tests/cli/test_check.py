"""SPEC §3 check: kinks, your own formulas (--expect), fast mode and --full."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize(("program", "value"), [
    ("abs(x)", 0), ("relu(x)", 0), ("max(x, 1)", 1), ("abs(x - 1)", 1), ("clip(x, 0, 1)", 1),
    ("floor(x)", 2), ("sign(x)", 0),
])
@pytest.mark.parametrize("eps", [None, 1e-6])
def test_where_the_one_sided_derivatives_differ_it_is_not_differentiable(adiff, program,
                                                                          value, eps):
    extra = ("--eps", eps) if eps else ()
    result = adiff("check", program, "--x", value, *extra)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1].endswith("not differentiable")
    assert "FAILED: not differentiable at this point along x" in result.stdout
    doc = adiff.json("check", program, "--x", value, *extra, exit_code=1)
    assert doc["ok"] is False and doc["not_differentiable"] == {"x": [[]]}


def test_not_differentiable_names_the_elements(adiff):
    doc = adiff.json("check", "sum(abs(x))", "--x", "[0, 1, 0]", exit_code=1)
    assert doc["not_differentiable"] == {"x": [[0], [2]]}


def test_a_smooth_function_is_not_called_a_kink(adiff):
    doc = adiff.json("check", "sum(abs(x)**1.5 + x*abs(x) + x**2)", "--x", "[0, 1e-3, -2]")
    assert doc["ok"] is True and "not_differentiable" not in doc


def test_expect_confirms_a_correct_formula(adiff):
    result = adiff("check", "(x**2+1)**3", "--x", 2, "--expect", "6*x*(x**2+1)**2")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "ok: your formula for x agrees with autograd"
    doc = adiff.json("check", "(x**2+1)**3", "--x", 2, "--expect", "6*x*(x**2+1)**2")
    assert doc["expected"] == {"x": 300} and doc["ok"] is True


def test_expect_shows_where_a_wrong_formula_differs_and_exits_1(adiff):
    result = adiff("check", "sum(x**3)", "--x", "[1, 2, 3]", "--expect", "3*x**2 + (x > 2)")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[3].split()[-2:] == ["yours", "DIFFERS"]
    assert ("FAILED: your formula for x differs from autograd at 1 element (x[2])"
            in result.stdout)
    doc = adiff.json("check", "sum(x**3)", "--x", "[1, 2, 3]", "--expect", "3*x**2 + (x > 2)",
                     exit_code=1)
    assert doc["expected"] == {"x": [3, 12, 28]} and doc["ok"] is False


def test_expect_by_name_for_several_inputs(adiff):
    doc = adiff.json("check", "x**2*y", "--x", 3, "--y", 2, "--expect", "x=2*x*y",
                     "--expect", "y=x**2")
    assert doc["expected"] == {"x": 12, "y": 9} and doc["ok"] is True


@pytest.mark.parametrize(("expect", "words"), [
    (("2*x",), "has no name and 2 inputs are checked"),
    (("z=1",), "--expect 'z=1' names z, which is not an input; the inputs are x, y"),
    (("x=z",), "it uses z, which the program does not"),
    (("x=2*y", "x=2"), "--expect x is given twice"),
])
def test_bad_expect_is_refused(adiff, expect, words):
    args = [a for e in expect for a in ("--expect", e)]
    assert words in adiff.error("check", "x*y", "--x", 1, "--y", 2, *args)


def test_past_1000_elements_check_goes_along_4_random_directions(adiff):
    args = ("check", "sum(sin(x)**2)", "--x", "linspace(0, 10, 3000)")
    doc = adiff.json(*args)
    assert doc["ok"] is True and doc["directions"] == 4
    assert len(doc["grad"]) == len(doc["numeric"]) == 4
    np.testing.assert_allclose(doc["numeric"], doc["grad"], rtol=1e-8)
    assert adiff.json(*args) == doc  # a fixed seed: runs repeat
    out = adiff(*args).stdout
    assert "(fast mode: 3,000 elements checked along 4 random directions; --full checks each)" \
        in out


def test_fast_mode_finds_a_wrong_derivative(adiff):
    # floor(x*1e3)/1e3 has derivative 0 almost everywhere: a staircase; sum over many
    # elements of a step function disagrees with a smooth neighbour along any direction.
    doc = adiff.json("check", "sum(x**2) + 1e-3*sum(floor(x*1e6))", "--x",
                     "linspace(0.1, 1, 2000)", exit_code=1)
    assert doc["ok"] is False


def test_full_checks_every_element_past_1000(adiff):
    doc = adiff.json("check", "sum(sin(x)**2)", "--x", "linspace(0, 10, 1500)", "--full")
    assert np.shape(doc["grad"]["x"]) == (1500,) and doc["ok"] is True
    np.testing.assert_allclose(doc["numeric"]["x"], np.sin(2 * np.linspace(0, 10, 1500)),
                               rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("program", ["sin(x)**2 * y", "mean(log1p(x**2) / y)",
                                     "sum(x**2 * y) + sum(exp(-x))"])
def test_every_element_agrees_with_the_exact_derivative(adiff, program):
    doc = adiff.json("check", program, "--x", "linspace(-1, 1, 50)", "--y", 1.5,
                     *(["--seed", 1] if program.startswith("sin") else []))
    assert doc["ok"] is True
    np.testing.assert_allclose(doc["numeric"]["x"], doc["grad"]["x"], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("args", [("sqrt(x)", "--x", 0), ("log(x)", "--x", "1e-300"),
                                  ("sqrt(x)", "--x", "1e-8", "--eps", "1e-6")])
def test_without_a_numeric_estimate_check_says_so_and_exits_1(adiff, args):
    result = adiff("check", *args)
    assert result.exit_code == 1
    assert "no estimate" in result.stdout and "DIFFERS" not in result.stdout
    assert "FAILED: no numeric estimate for 1 of 1 derivative" in result.stdout
