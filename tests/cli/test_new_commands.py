"""SPEC §3 and §4: jacobian, jvp, taylor, minimize, solve, plot and functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

# jacobian


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
def test_jacobian_of_a_vector_output_in_every_mode(adiff, mode):
    doc = adiff.json("jacobian", "[x*y, x+y, sin(x)]", "--x", 1, "--y", 2, "--mode", mode)
    assert doc["value"][:2] == [2, 3]
    assert doc["jacobian"]["x"][:2] == [2, 1] and doc["jacobian"]["y"] == [1, 1, 0]
    assert doc["jacobian"]["x"][2] == pytest.approx(math.cos(1), rel=1e-15)


def test_jacobian_blocks_have_shape_output_plus_input(adiff):
    doc = adiff.json("jacobian", "A @ x", "--A", "[[1, 2], [3, 4], [5, 6]]", "--x", "[1, -1]")
    assert np.shape(doc["jacobian"]["A"]) == (3, 3, 2)
    assert doc["jacobian"]["x"] == [[1, 2], [3, 4], [5, 6]]
    expected = np.zeros((3, 3, 2))
    for i in range(3):
        expected[i, i] = [1, -1]
    assert np.array_equal(doc["jacobian"]["A"], expected)


def test_jacobian_forward_and_reverse_agree_on_a_softmax(adiff):
    args = ("jacobian", "softmax(x)", "--x", "[1, 2, 3]")
    forward = np.array(adiff.json(*args, "--mode", "forward")["jacobian"]["x"])
    reverse = np.array(adiff.json(*args, "--mode", "reverse")["jacobian"]["x"])
    s = np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()
    np.testing.assert_allclose(forward, np.diag(s) - np.outer(s, s), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(reverse, forward, rtol=1e-14, atol=1e-16)


def test_jacobian_of_a_scalar_output_is_the_gradient(adiff):
    doc = adiff.json("jacobian", "x**2*y", "--x", 3, "--y", 2)
    assert doc == {"value": 18, "jacobian": {"x": 12, "y": 9}}


def test_jacobian_mode_must_be_known(adiff):
    message = adiff.error("jacobian", "x", "--x", 1, "--mode", "sideways")
    assert "--mode is auto, forward or reverse, not 'sideways'" in message


# jvp


def test_jvp_with_one_tangent_is_a_partial_derivative(adiff):
    assert adiff.json("jvp", "x**2*y", "--x", 1, "--y", 2, "--tangent", "x=1") == {
        "value": 2, "jvp": 4}


def test_jvp_without_tangents_moves_every_input_by_1(adiff):
    assert adiff.json("jvp", "x**2*y", "--x", 1, "--y", 2) == {"value": 2, "jvp": 5}


def test_jvp_tangents_broadcast_and_the_result_has_the_outputs_shape(adiff):
    doc = adiff.json("jvp", "x*y", "--x", "[1, 2]", "--y", 3, "--tangent", "x=[1, 0]",
                     "--tangent", "y=2")
    assert doc == {"value": [3, 6], "jvp": [1 * 3 + 1 * 2, 0 * 3 + 2 * 2]}


def test_jvp_agrees_with_grad(adiff):
    args = ("sum(exp(-x**2) * log1p(y**2))", "--x", "[0.5, -1.5]", "--y", "[2, 3]")
    grad = adiff.json("grad", *args)["grad"]
    tangent_x, tangent_y = np.array([0.3, -2.0]), np.array([1.0, 0.25])
    jvp = adiff.json("jvp", *args, "--tangent", "x=[0.3, -2]", "--tangent", "y=[1, 0.25]")["jvp"]
    assert jvp == pytest.approx(np.dot(grad["x"], tangent_x) + np.dot(grad["y"], tangent_y),
                                rel=1e-14)


@pytest.mark.parametrize(("tangent", "words"), [
    ("z=1", "--tangent names z, which the program does not use"),
    ("x=[1, 2, 3]", "does not broadcast to x's shape (2,)"),
    ("x", "--tangent takes NAME=VALUE"),
])
def test_jvp_bad_tangents_are_refused(adiff, tangent, words):
    assert words in adiff.error("jvp", "sum(x)", "--x", "[1, 2]", "--tangent", tangent)


# taylor


def test_taylor_of_exp_sin_matches_sympy(adiff):
    doc = adiff.json("taylor", "exp(sin(x))", "--x", 0.3, "--order", 10)
    t = sp.Symbol("t")
    f = sp.exp(sp.sin(t))
    exact = [float(sp.diff(f, t, k).subs(t, sp.Rational(3, 10))) for k in range(11)]
    assert doc["wrt"] == "x"
    np.testing.assert_allclose(doc["derivatives"], exact, rtol=1e-10)
    np.testing.assert_allclose(doc["coefficients"], [d / math.factorial(k)
                                                     for k, d in enumerate(exact)], rtol=1e-10)


def test_taylor_to_order_100_of_exp_at_0_is_one_over_k_factorial(adiff):
    doc = adiff.json("taylor", "exp(x)", "--x", 0, "--order", 100)
    np.testing.assert_allclose(doc["coefficients"], [1 / math.factorial(k) for k in range(101)],
                               rtol=1e-13)
    assert doc["derivatives"] == pytest.approx([1.0] * 101, rel=1e-13)


def test_taylor_holds_the_other_inputs_fixed(adiff):
    doc = adiff.json("taylor", "x**3 * y", "--x", 2, "--y", 5, "--wrt", "x", "--order", 4)
    assert doc["derivatives"] == [40, 60, 60, 30, 0]


def test_taylor_order_defaults_to_6(adiff):
    assert len(adiff.json("taylor", "sin(x)", "--x", 1)["derivatives"]) == 7


@pytest.mark.parametrize(("args", "words"), [
    (("x*y", "--x", 1, "--y", 2), "taylor differentiates in one input"),
    (("sum(x)", "--x", "[1, 2]"), "taylor needs a scalar input"),
    (("x*[1, 2]", "--x", 1), "taylor needs a scalar output"),
    (("x", "--x", 1, "--order", 171), "--order goes up to 170"),
    (("x", "--x", 1, "--order", -1), "--order"),
])
def test_taylor_bad_input_is_refused(adiff, args, words):
    assert words in adiff.error("taylor", *args)


# minimize and solve


SEEDS_REGRESSION = ("mean((w*X + b - Y)**2)", "--X", "[1,2,3,4]", "--Y", "[3,5,7,9]",
                    "--w", 0, "--b", 0, "--wrt", "w,b")


@pytest.mark.parametrize("method", ["bfgs", "lbfgs", "newton", "cg", "gd", "adam"])
def test_minimize_learns_the_seeds_line_by_every_method(adiff, method):
    doc = adiff.json("minimize", *SEEDS_REGRESSION, "--method", method)
    assert doc["converged"] is True and doc["method"] == method
    assert doc["at"]["w"] == pytest.approx(2, abs=1e-6)
    assert doc["at"]["b"] == pytest.approx(1, abs=1e-6)
    assert doc["grad_norm"] < 1e-8 and doc["steps"] >= 1
    assert set(doc) == {"converged", "value", "at", "grad_norm", "steps", "method"}


def test_minimize_that_runs_out_of_steps_exits_1_with_a_warning(adiff):
    result = adiff("minimize", "(1-x)**2 + 100*(y-x**2)**2", "--x", -1.2, "--y", 1,
                   "--steps", 3, "--json")
    assert result.exit_code == 1
    doc = adiff.parse(result.stdout)
    assert doc["converged"] is False and doc["steps"] == 3
    assert result.stderr.startswith("warning: not converged")


def test_minimize_of_the_100_dimensional_rosenbrock_with_lbfgs(adiff):
    program = "sum(100*(x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)"
    doc = adiff.json("minimize", program, "--x", "zeros(100)", "--method", "lbfgs")
    assert doc["converged"] is True
    np.testing.assert_allclose(doc["at"]["x"], np.ones(100), atol=1e-7)


def test_minimize_needs_a_scalar_output(adiff):
    assert "minimize needs a scalar output" in adiff.error("minimize", "x**2", "--x", "[1, 2]")


def test_minimize_method_must_be_known(adiff):
    message = adiff.error("minimize", "x**2", "--x", 1, "--method", "simplex")
    assert "--method is bfgs, lbfgs, newton, cg, gd or adam, not 'simplex'" in message


def test_solve_finds_a_cube_root(adiff):
    doc = adiff.json("solve", "x**3 - 2", "--x", 1)
    assert doc["converged"] is True and doc["root"]["x"] == pytest.approx(2 ** (1 / 3),
                                                                          rel=1e-15)
    assert doc["residual_norm"] < 1e-12
    assert set(doc) == {"converged", "root", "residual_norm", "steps"}


def test_solve_a_square_system(adiff):
    doc = adiff.json("solve", "[x**2 + y**2 - 4, x - y]", "--x", 1, "--y", 0.5)
    assert doc["root"]["x"] == pytest.approx(math.sqrt(2), rel=1e-14)
    assert doc["root"]["y"] == pytest.approx(math.sqrt(2), rel=1e-14)


def test_solve_without_a_root_exits_1(adiff):
    result = adiff("solve", "x**2 + 1", "--x", 1, "--json")
    assert result.exit_code == 1 and adiff.parse(result.stdout)["converged"] is False


def test_solve_of_a_system_that_is_not_square_exits_2(adiff):
    message = adiff.error("solve", "x**2 + y", "--x", 1, "--y", 1)
    assert "the system is not square: 1 equation in 2 unknowns (x, y)" in message


# plot


def test_plot_json_has_the_grid_and_each_order(adiff):
    doc = adiff.json("plot", "x**3", "--x", "linspace(-1, 1, 5)", "--order", "0,1,2,3")
    x = np.linspace(-1, 1, 5)
    assert doc["x"] == x.tolist()
    np.testing.assert_allclose(doc["order"]["0"], x**3, rtol=1e-15)
    np.testing.assert_allclose(doc["order"]["1"], 3 * x**2, rtol=1e-15)
    np.testing.assert_allclose(doc["order"]["2"], 6 * x, rtol=1e-15)
    assert doc["order"]["3"] == [6] * 5


def test_plot_draws_one_curve_per_order_with_a_legend(adiff):
    result = adiff("plot", "sin(x)", "--x", "linspace(0, 6, 100)", "--order", "0,1",
                   env={"COLUMNS": "60", "LINES": "20"})
    assert result.exit_code == 0
    assert "f′" in result.stdout and "\x1b" not in result.stdout
    assert len(result.stdout.splitlines()) <= 20


def test_plot_output_writes_the_picture_to_a_file(adiff, tmp_path):
    target = tmp_path / "plot.txt"
    result = adiff("plot", "x**2", "--x", "linspace(0, 1, 20)", "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert "f′" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "words"), [
    (("x*y", "--x", "linspace(0, 1, 3)", "--y", "[1, 2, 3]"), "exactly one input that is a 1-D"),
    (("x", "--x", 1), "exactly one input that is a 1-D"),
    (("cumsum(x)", "--x", "linspace(0, 1, 3)"), "the program must be elementwise"),
    (("x", "--x", "linspace(0, 1, 3)", "--order", "0,a"), "--order takes orders"),
])
def test_plot_bad_input_is_refused(adiff, args, words):
    assert words in adiff.error("plot", *args)


# functions


def test_functions_lists_every_function_of_the_spec(adiff):
    doc = adiff.json("functions")
    names = {f["name"] for f in doc["functions"]}
    spec = ("sin cos tan sec csc cot asin acos atan sinh cosh tanh asinh acosh atanh exp exp2 "
            "expm1 log log2 log10 log1p sqrt cbrt square reciprocal abs sign relu sigmoid "
            "softplus logit gelu silu elu softsign sinc floor ceil round trunc erf erfc erfinv "
            "gamma lgamma digamma pow atan2 hypot min max mod logaddexp xlogy clip where sum mean "
            "prod logsumexp var std norm softmax log_softmax cumsum cumprod transpose reshape "
            "concat stack diag outer dot trace det logdet inv solve linspace arange zeros ones "
            "eye full").split()
    assert set(spec) <= names
    entry = next(f for f in doc["functions"] if f["name"] == "var")
    assert entry == {"name": "var", "arguments": ["x"], "keywords": ["axis", "ddof", "keepdims"],
                     "group": "reductions", "doc": entry["doc"]} and entry["doc"]


def test_functions_for_people_has_a_line_per_function(adiff):
    out = adiff("functions").stdout
    assert "sum(x, axis=, keepdims=)" in out and "clip(x, lo, hi)" in out


@pytest.mark.parametrize("command", ["minimize", "solve"])
def test_a_program_without_inputs_has_nothing_to_vary(adiff, command):
    result = adiff(command, "2")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {command} needs an input to vary")


@pytest.mark.parametrize("args", [
    ("check", "x", "--x", 1, "--rtol", -1), ("check", "x", "--x", 1, "--atol", "nan"),
    ("minimize", "x**2", "--x", 1, "--tol", -1),
    ("minimize", "x**2", "--x", 1, "--method", "gd", "--lr", -1),
    ("minimize", "x**2", "--x", 1, "--method", "adam", "--lr", "nan"),
])
def test_tolerances_and_learning_rates_must_be_finite_and_not_negative(adiff, args):
    result = adiff(*args)
    assert result.exit_code == 2
    assert "takes a finite number of at least 0" in result.stderr


def test_solve_a_residual_whose_square_overflows(adiff):
    doc = adiff.json("solve", "x - 1e160", "--x", 0)
    assert doc["converged"] and doc["root"]["x"] == 1e160


def test_minimize_advises_more_steps_only_when_they_ran_out(adiff):
    assert "raise --steps" in adiff("minimize", "x**4", "--x", 1, "--steps", 3).stderr
    stalled = adiff("minimize", "x", "--x", 1)  # unbounded below: bfgs stops on its own
    assert stalled.exit_code == 1 and "raise --steps" not in stalled.stderr
    assert "nan or inf" in adiff("minimize", "nan*x", "--x", 1).stderr


@pytest.mark.parametrize(("program", "value", "tangent"), [
    ("where([1, 0], 1, x)", [1, 2], [0, 1]),  # a mask of more elements than the input
    ("clip([0, 2, 5], x, 4)", [2, 2, 4], [1, 0, 0]),  # at 2 = lo the element passes
    ("where([[1]], 3, x)", [[3]], [[0]]),
])
def test_jvp_through_where_and_clip_broadcasts_a_scalar_input(adiff, program, value, tangent):
    doc = adiff.json("jvp", program, "--x", 2)
    assert doc == {"value": value, "jvp": tangent}
    assert adiff.json("jacobian", program, "--x", 2, "--mode", "forward")["jacobian"]["x"] \
        == adiff.json("jacobian", program, "--x", 2, "--mode", "reverse")["jacobian"]["x"]


def test_newton_stops_where_the_hessian_is_not_finite(adiff):
    """SciPy's trust-exact refuses a nan Hessian (ValueError) or fails inside on one."""
    result = adiff("minimize", "xlogy(1, b)", "--b", 3, "--method", "newton")
    assert result.exit_code == 1 and "converged  no" in result.stdout


def test_solve_stops_where_the_jacobian_is_not_finite(adiff):
    result = adiff("solve", "hypot(b, 1e308)", "--b", "[-1, 2, inf]")
    assert result.exit_code == 1 and "DLASCL" not in result.stdout + result.stderr


@pytest.mark.parametrize(("program", "a"), [("logdet(A)", "[[0, 0], [0, 0]]"),
                                            ("det(A*x)", "[[1, 2], [2, 4]]")])
def test_forward_mode_through_a_singular_or_nan_matrix_is_nan(adiff, program, a):
    doc = adiff.json("jvp", program, "--A", a, *(("--x", "nan") if "x" in program else ()))
    assert doc["jvp"] == "nan"


@pytest.mark.parametrize(("program", "inputs"), [
    ("x**abs(2)", ("--x=-2",)),  # a computed constant exponent of a negative base
    ("x**[1, 2, 3]", ("--x=-1",)),
    ("[0, 2, -1]**[2, 0.5, 3]*x", ("--x", 1)),
    ("[0, 1, 2]**y", ("--y", 3)),  # 0**y: PyTorch's 0, not 0·log(0)
    ("std(x)", ("--x", "[1, 1]")),  # at a zero std or norm PyTorch's gradient is 0
    ("norm(x)", ("--x", "[0, 0]")),
    ("norm(x, axis=1)", ("--x", "[[0, 0], [3, 4]]")),
    ("xlogy(x, 1e-320)", ("--x", 1)),  # log's derivative at 1e-320 is inf, times 0
])
def test_forward_mode_agrees_with_reverse_mode_where_pytorch_chooses(adiff, program, inputs):
    (forward,) = adiff.json("jacobian", program, *inputs, "--mode", "forward")["jacobian"].values()
    (reverse,) = adiff.json("jacobian", program, *inputs, "--mode", "reverse")["jacobian"].values()
    np.testing.assert_allclose(forward, reverse, rtol=1e-15, atol=0)  # no nan on either side
