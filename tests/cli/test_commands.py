"""SPEC §3 and §4: what each command prints, for people and for scripts."""

from __future__ import annotations

import math
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from texts import same_text

from autodiff_cli.commands.table import COMMANDS

README = Path(__file__).parents[2] / "README.md"


def readme_examples() -> list[tuple[str, str]]:
    """Each `$ adiff ...` line of the README's console blocks, with the output shown under it."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(), re.S):
        for command, output in re.findall(r"^\$ (adiff .*)\n((?:(?!\$ ).*\n)*)", block, re.M):
            examples.append((command, output.rstrip("\n") + "\n"))
    return examples


@pytest.mark.parametrize(("command", "output"), readme_examples(),
                         ids=[command for command, _ in readme_examples()])
def test_readme_examples_print_what_the_readme_shows(adiff, command, output, monkeypatch):
    monkeypatch.chdir(README.parent)  # examples name files relative to the repository
    code = re.search(r"#\s*exits (\d)", command)
    result = adiff(*shlex.split(command, comments=True)[1:])
    assert result.exit_code == (int(code[1]) if code else 0)
    assert same_text(result.stdout, output), result.stdout


# eval


def test_eval_prints_the_value(adiff):
    result = adiff("eval", "x**2+3*x+1", "--x", 2)
    assert result.exit_code == 0
    assert result.stdout == "value  11\n"
    assert result.stderr == ""


def test_eval_json_is_the_value_document(adiff):
    assert adiff.json("eval", "x**2+3*x+1", "--x", 2) == {"value": 11}


def test_eval_of_an_array_prints_nested_lists(adiff):
    assert adiff.json("eval", "x * [[1, 2], [3, 4]]", "--x", 0.5) == {
        "value": [[0.5, 1], [1.5, 2]]}


def test_eval_needs_no_inputs_for_a_constant_program(adiff):
    assert adiff.json("eval", "sum(linspace(0, 1, 5)**2)") == {"value": 1.875}


def test_eval_prints_numbers_at_full_precision(adiff):
    result = adiff("eval", "pi/3")
    assert result.stdout == f"value  {math.pi / 3!r}\n"


# grad


def test_grad_prints_value_and_derivative(adiff):
    result = adiff("grad", "(x**2+1)**3", "--x", 2)
    assert result.exit_code == 0
    assert result.stdout == "value  125\n∂/∂x   300\n"


def test_grad_json_is_value_and_grad(adiff):
    assert adiff.json("grad", "(x**2+1)**3", "--x", 2) == {"value": 125, "grad": {"x": 300}}


def test_grad_of_the_quadratic_seed_example(adiff):
    assert adiff.json("grad", "x**2+3*x+1", "--x", 2) == {"value": 11, "grad": {"x": 7}}


def test_grad_of_two_inputs_seed_example(adiff):
    result = adiff("grad", "x**2+y**3+x*y", "--x", 1, "--y", 2)
    assert result.stdout == "value  11\n∂/∂x   4\n∂/∂y   13\n"


def test_grad_lists_inputs_in_order_of_first_appearance(adiff):
    doc = adiff.json("grad", "(w*x+b)**2", "--x", 2, "--w", 3, "--b", 4)
    assert doc == {"value": 100, "grad": {"w": 40, "x": 60, "b": 20}}
    assert list(doc["grad"]) == ["w", "x", "b"]


def test_grad_of_the_cubic_seed_example(adiff):
    assert adiff.json("grad", "x**3-2*x**2+x-5", "--x", 3) == {"value": 7, "grad": {"x": 16}}


def test_grad_of_a_mean_is_pytorchs_not_the_seeds_misprint(adiff):
    doc = adiff.json("grad", "mean(3*(x+2)**2)", "--x", "[2,3]")
    assert doc == {"value": 61.5, "grad": {"x": [12, 15]}}


def test_grad_of_the_linear_model_loss_seed_example(adiff):
    doc = adiff.json("grad", "(w*x+b)**2", "--w", 2, "--b", 1, "--x", 5)
    assert doc["value"] == 121
    assert doc["grad"]["w"] == 110
    assert doc["grad"]["b"] == 22


def test_grad_wrt_orders_the_derivatives(adiff):
    result = adiff("grad", "x**2+y**3+x*y", "--x", 1, "--y", 2, "--wrt", "y,x")
    assert result.stdout == "value  11\n∂/∂y   13\n∂/∂x   4\n"
    doc = adiff.json("grad", "x**2+y**3+x*y", "--x", 1, "--y", 2, "--wrt", "y,x")
    assert list(doc["grad"].items()) == [("y", 13), ("x", 4)]


def test_grad_wrt_can_leave_inputs_out(adiff):
    doc = adiff.json("grad", "x**2+y**3+x*y", "--x", 1, "--y", 2, "--wrt", "y")
    assert doc == {"value": 11, "grad": {"y": 13}}


def test_grad_wrt_an_unused_name_is_refused(adiff):
    message = adiff.error("grad", "x**2", "--x", 1, "--wrt", "z")
    assert "--wrt names z" in message and "its inputs are x" in message


def test_grad_seed_one_gives_the_elementwise_derivative(adiff):
    doc = adiff.json("grad", "x**2", "--x", "[1,2,3]", "--seed", 1)
    assert doc == {"value": [1, 4, 9], "grad": {"x": [2, 4, 6]}}


def test_grad_seed_vector_picks_one_output_element(adiff):
    doc = adiff.json("grad", "x**2", "--x", "[1,2,3]", "--seed", "[1,0,0]")
    assert doc["grad"] == {"x": [2, 0, 0]}


def test_grad_seed_is_broadcast_to_the_output_shape(adiff):
    doc = adiff.json("grad", "x * [[1], [10]]", "--x", "[1,2]", "--seed", "[1,2]")
    # d/dx_j sum_ij seed_j * x_j * c_i = seed_j * (1 + 10)
    assert doc["grad"] == {"x": [11, 22]}


def test_grad_seed_that_does_not_broadcast_is_refused(adiff):
    message = adiff.error("grad", "x**2", "--x", "[1,2,3]", "--seed", "[1,2]")
    assert "--seed" in message and "broadcast" in message


def test_grad_of_an_output_that_does_not_depend_on_the_input_is_zero(adiff):
    assert adiff.json("grad", "0*x + 5", "--x", 3)["grad"] == {"x": 0}
    assert adiff.json("grad", "x - x", "--x", "[1,2]", "--seed", 1)["grad"] == {"x": [0, 0]}


def test_grad_of_the_readme_example(adiff):
    result = adiff("grad", "x**2*y + sin(y)", "--x", 1, "--y", 2)
    assert same_text(result.stdout, f"value  {2 + math.sin(2)!r}\n∂/∂x   4\n"
                                    f"∂/∂y   {1 + math.cos(2)!r}\n")


def test_human_output_prints_a_negative_zero_as_0_and_json_keeps_its_sign(adiff):
    rosenbrock = ("grad", "(1-x)**2 + 100*(y-x**2)**2", "--x", 1, "--y", 1)
    assert adiff(*rosenbrock).stdout == "value  0\n∂/∂x   0\n∂/∂y   0\n"
    assert adiff.parse(adiff(*rosenbrock, "--json").stdout) == {"value": 0,
                                                                "grad": {"x": -0.0, "y": 0}}
    assert adiff.parse(adiff(*rosenbrock, "--json").stdout)["grad"]["x"] == 0


def test_digits_rounds_human_output_and_json_keeps_full_precision(adiff):
    assert adiff("eval", "x*1.1", "--x", 2, "--digits", 3).stdout == "value  2.2\n"
    assert adiff("grad", "sum(x**3)", "--x", "[1.1, 2]", "--digits", 2).stdout == (
        "value  9.3\n∂/∂x   [3.6, 12]\n")
    assert adiff.json("eval", "x*1.1", "--x", 2, "--digits", 3) == {"value": 2.2}
    assert adiff.json("eval", "x*1.1", "--x", 3, "--digits", 3) == {"value": 3 * 1.1}


def test_digits_must_be_at_least_1(adiff):
    assert "--digits" in adiff.error("eval", "1", "--digits", 0)


# hessian


def test_hessian_prints_value_gradient_and_second_derivatives(adiff):
    result = adiff("hessian", "x**2*y + y**3", "--x", 1, "--y", 2)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "value    10",
        "∂/∂x     4",
        "∂/∂y     13",
        "∂²/∂x²   4",
        "∂²/∂x∂y  2",
        "∂²/∂y∂x  2",
        "∂²/∂y²   12",
    ]


def test_hessian_json_is_the_readme_document(adiff):
    assert adiff.json("hessian", "x**2*y + y**3", "--x", 1, "--y", 2) == {
        "value": 10,
        "grad": {"x": 4, "y": 13},
        "hessian": {"x": {"x": 4, "y": 2}, "y": {"x": 2, "y": 12}},
    }


def test_hessian_of_a_linear_function_is_zero(adiff):
    doc = adiff.json("hessian", "3*x + y", "--x", 1, "--y", 2)
    assert doc["grad"] == {"x": 3, "y": 1}
    assert doc["hessian"] == {"x": {"x": 0, "y": 0}, "y": {"x": 0, "y": 0}}


def test_hessian_of_a_constant_output_is_zero(adiff):
    doc = adiff.json("hessian", "sum(0*x) + 1", "--x", "[1,2]")
    assert doc["grad"] == {"x": [0, 0]}
    assert doc["hessian"] == {"x": {"x": [[0, 0], [0, 0]]}}


def test_hessian_wrt_orders_and_selects_blocks(adiff):
    doc = adiff.json("hessian", "x**2*y + y**3", "--x", 1, "--y", 2, "--wrt", "y,x")
    assert list(doc["grad"]) == ["y", "x"]
    assert list(doc["hessian"]) == ["y", "x"]
    assert list(doc["hessian"]["y"]) == ["y", "x"]
    assert adiff.json("hessian", "x**2*y + y**3", "--x", 1, "--y", 2, "--wrt", "y")[
        "hessian"] == {"y": {"y": 12}}


def _sympy_hessian(f, inputs: dict[str, np.ndarray]):
    """Value, gradient and Hessian blocks of `f` (SymPy, on one symbol per element)."""
    symbols = {n: np.array(sp.symbols(f"{n}0:{v.size}")).reshape(v.shape)
               for n, v in inputs.items()}
    expr = f(**symbols)
    point = {s: float(val) for n, v in inputs.items()
             for s, val in zip(symbols[n].ravel(), v.ravel())}

    def at(e):
        return float(e.subs(point))

    grad = {n: np.vectorize(lambda s: at(sp.diff(expr, s)))(symbols[n]) for n in inputs}
    hess = {a: {b: np.array([[at(sp.diff(expr, s, t)) for t in symbols[b].ravel()]
                             for s in symbols[a].ravel()]).reshape(
        inputs[a].shape + inputs[b].shape) for b in inputs} for a in inputs}
    return at(expr), grad, hess


def test_hessian_blocks_of_vector_inputs_have_shape_x_plus_y_and_sympys_values(adiff):
    x, y = np.array([0.5, 1.5]), np.array([1.0, 2.0, 3.0])
    doc = adiff.json("hessian", "sum(sin(x)) * sum(y**2) + x[0]*y[1]",
                     "--x", "[0.5, 1.5]", "--y", "[1, 2, 3]")

    def f(x, y):
        return (sp.sin(x[0]) + sp.sin(x[1])) * (y[0]**2 + y[1]**2 + y[2]**2) + x[0] * y[1]

    value, grad, hess = _sympy_hessian(f, {"x": x, "y": y})
    assert doc["value"] == pytest.approx(value, rel=1e-12)
    for a in ("x", "y"):
        np.testing.assert_allclose(doc["grad"][a], grad[a], rtol=1e-12)
        for b in ("x", "y"):
            block = np.array(doc["hessian"][a][b])
            assert block.shape == {"x": (2,), "y": (3,)}[a] + {"x": (2,), "y": (3,)}[b]
            np.testing.assert_allclose(block, hess[a][b], rtol=1e-12, atol=1e-15)


def test_hessian_of_a_quadratic_form_in_a_matrix_and_a_vector(adiff):
    # f = v @ A @ v: d2f/dv2 = A + A^T, d2f/dA_ij dv_k = delta_ik v_j + v_i delta_jk, d2f/dA2 = 0
    a, v = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([5.0, 7.0])
    doc = adiff.json("hessian", "v @ A @ v", "--A", "[[1, 2], [3, 4]]", "--v", "[5, 7]")
    assert list(doc["grad"]) == ["v", "A"]
    assert doc["value"] == v @ a @ v
    np.testing.assert_array_equal(doc["grad"]["A"], np.outer(v, v))
    np.testing.assert_array_equal(doc["grad"]["v"], (a + a.T) @ v)
    np.testing.assert_array_equal(doc["hessian"]["v"]["v"], a + a.T)
    np.testing.assert_array_equal(doc["hessian"]["A"]["A"], np.zeros((2, 2, 2, 2)))
    eye = np.eye(2)
    expected = np.einsum("ik,j->ijk", eye, v) + np.einsum("i,jk->ijk", v, eye)
    np.testing.assert_array_equal(doc["hessian"]["A"]["v"], expected)
    np.testing.assert_array_equal(doc["hessian"]["v"]["A"], expected.transpose(2, 0, 1))


def test_hessian_of_a_non_scalar_output_is_refused(adiff):
    message = adiff.error("hessian", "x**2", "--x", "[1,2]")
    assert "not a scalar" in message and "(2,)" in message
    assert "reduce the output, e.g. with sum(...)" in message
    assert "--seed" not in message  # hessian has no --seed


# check


def test_check_agrees_and_exits_0(adiff):
    result = adiff("check", "sin(x)*exp(x)", "--x", 0.7)
    assert result.exit_code == 0
    header, row, summary = result.stdout.splitlines()
    assert header.split() == ["input", "autograd", "numeric", "abs", "err", "rel", "err"]
    assert row.split()[0] == "x" and row.split()[-1] == "ok"
    assert float(row.split()[1]) == pytest.approx(
        math.exp(0.7) * (math.sin(0.7) + math.cos(0.7)), rel=1e-15)
    assert summary == ("ok: the derivative agrees "
                       "(|auto - numeric| <= 1e-09 + 1e-06*|numeric|)")


def test_check_json_has_ok_grad_numeric_and_errors(adiff):
    doc = adiff.json("check", "x**3 * y", "--x", 2, "--y", 0.5)
    assert set(doc) == {"ok", "grad", "numeric", "max_abs_err", "max_rel_err"}
    assert doc["ok"] is True
    assert doc["grad"] == {"x": 6, "y": 8}
    assert doc["numeric"]["x"] == pytest.approx(6, rel=1e-9)
    assert doc["numeric"]["y"] == pytest.approx(8, rel=1e-9)
    assert 0 <= doc["max_abs_err"] < 1e-8 and 0 <= doc["max_rel_err"] < 1e-9


def test_check_wrt_compares_only_the_named_inputs(adiff):
    doc = adiff.json("check", "x * y", "--x", 3, "--y", 2, "--wrt", "y")
    assert doc["grad"] == {"y": 3} and list(doc["numeric"]) == ["y"]


def test_check_compares_every_element_of_an_array_input(adiff):
    result = adiff("check", "sum(x**2)", "--x", "[1,2]")
    assert result.exit_code == 0
    rows = result.stdout.splitlines()[1:-1]
    assert [r.split()[:3] for r in rows] == [["x[0]", "2", "2"], ["x[1]", "4", "4"]]
    assert result.stdout.splitlines()[-1].startswith("ok: all 2 derivatives agree")


def test_check_of_a_non_scalar_output_takes_a_seed(adiff):
    doc = adiff.json("check", "x**2", "--x", "[1,2]", "--seed", "[1,3]")
    assert doc["ok"] is True and doc["grad"] == {"x": [2, 12]}


def test_check_eps_takes_one_plain_central_difference(adiff):
    # ((2+1)**3 - (2-1)**3) / 2 = 13, against the exact 12
    doc = adiff.json("check", "x**3", "--x", 2, "--eps", 1, exit_code=1)
    assert doc == {"ok": False, "grad": {"x": 12}, "numeric": {"x": 13},
                   "max_abs_err": 1, "max_rel_err": 1 / 13}


def test_check_disagreement_exits_1_and_says_which(adiff):
    result = adiff("check", "x**3", "--x", 2, "--eps", 1, "--rtol", 1e-12)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1].split() == ["x", "12", "13", "1", "0.077", "DIFFERS"]
    assert result.stdout.splitlines()[-1].startswith("FAILED: 1 of 1 derivative disagrees")
    assert "1e-12*|numeric|" in result.stdout


def test_check_small_eps_agrees(adiff):
    doc = adiff.json("check", "x**3", "--x", 2, "--eps", 1e-4)
    assert doc["ok"] is True
    assert doc["numeric"]["x"] == pytest.approx(12 + 1e-8, rel=1e-9)  # h**2 * f'''/6


@pytest.mark.parametrize(("option", "value", "agrees"), [
    ("--atol", 1.5, True), ("--atol", 0.5, False),
])
def test_check_atol_is_the_absolute_tolerance(adiff, option, value, agrees):
    result = adiff("check", "x**3", "--x", 2, "--eps", 1, "--rtol", 0, option, value)
    assert result.exit_code == (0 if agrees else 1)


@pytest.mark.parametrize(("value", "agrees"), [(0.1, True), (0.05, False)])
def test_check_rtol_is_relative_to_the_numeric_estimate(adiff, value, agrees):
    # |12 - 13| = 1 against rtol * 13
    result = adiff("check", "x**3", "--x", 2, "--eps", 1, "--atol", 0, "--rtol", value)
    assert result.exit_code == (0 if agrees else 1)


def test_check_eps_takes_gradchecks_tolerances_unless_given(adiff):
    # A central difference with step 1e-6 is good to ~1e-10 absolute: within gradcheck's
    # atol 1e-5 + rtol 1e-3, far outside the default 1e-9 + 1e-6.
    grid = ("check", "sum(sin(x)**2)", "--x", "linspace(0, 10, 1000)", "--eps", 1e-6)
    result = adiff(*grid)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        "ok: all 1,000 derivatives agree (|auto - numeric| <= 1e-05 + 0.001*|numeric|)")
    assert adiff(*grid, "--rtol", 1e-12, "--atol", 1e-13).exit_code == 1


def test_check_non_positive_eps_is_bad_input(adiff):
    message = adiff.error("check", "x", "--x", 1, "--eps", 0)
    assert "eps, the step, must be a positive number, got 0" in message


# graph


def test_graph_tree_names_operations_as_pytorch_does(adiff):
    out = adiff("graph", "sum(sin(x) * x**2 + x)", "--x", "[1, 2]").stdout
    for name in ("SumBackward0", "AddBackward0", "MulBackward0", "SinBackward0", "PowBackward0"):
        assert name in out


def test_graph_tree_shows_leaves_by_name_and_constants_by_value(adiff):
    out = adiff("graph", "x * 3", "--x", 2).stdout
    assert out.splitlines() == [
        "MulBackward0 #2  value 6  grad 1",
        "├── x #0  value 2  grad 3",
        "└── 3 #1",
    ]


def test_graph_tree_draws_a_shared_node_once_then_refers_to_it(adiff):
    out = adiff("graph", "u = x**2 + 1; u*sin(u)", "--x", 2).stdout
    assert out.count("AddBackward0 #4  value 5") == 1
    assert out.count("↑ AddBackward0 #4 (shown above)") == 1
    assert out.count("PowBackward0") == 1


def test_graph_tree_notes_what_max_depth_leaves_out(adiff):
    out = adiff("graph", "sin(sin(sin(sin(sin(sin(x))))))", "--x", 1, "--max-depth", 3).stdout
    lines = out.splitlines()
    assert len(lines) == 5
    assert [line.count("SinBackward0") for line in lines[:4]] == [1, 1, 1, 1]
    assert lines[-1].endswith("└── … 3 more nodes below (raise --max-depth)")


def test_graph_tree_of_a_deep_chain_stops_at_the_default_depth_with_a_note(adiff):
    program = "sin(" * 60 + "x" + ")" * 60
    out = adiff("graph", program, "--x", 1, env={"COLUMNS": "300"}).stdout
    lines = out.splitlines()
    assert len(lines) == 42  # depths 0..40, then the note
    assert lines[-1].strip() == "└── … 20 more nodes below (raise --max-depth)"


def test_graph_tree_notes_what_max_nodes_leaves_out(adiff):
    out = adiff("graph", "x*y + y*z + z*x", "--x", 1, "--y", 2, "--z", 3,
                "--max-nodes", 3).stdout
    lines = out.splitlines()
    drawn = [re.search(r"(\w+Backward0) #", line)[1] for line in lines[:3]]
    assert drawn == ["AddBackward0", "AddBackward0", "MulBackward0"]
    notes = lines[3:]
    assert notes and all(line.endswith("(raise --max-nodes)") for line in notes)
    hidden = sum(int(re.search(r"… (\d+) more nodes? below", line)[1]) for line in notes)
    assert hidden == 8 - 3  # three inputs, three products, two sums; three lines drawn


def test_graph_json_is_the_output_and_its_nodes(adiff):
    doc = adiff.json("graph", "u = x**2 + 1; u*sin(u)", "--x", 2)
    assert doc["output"] == 6
    ops = {n["id"]: (n["op"], n["inputs"]) for n in doc["nodes"]}
    assert ops == {
        0: ("x", []), 1: ("2", []), 2: ("PowBackward0", [0, 1]), 3: ("1", []),
        4: ("AddBackward0", [2, 3]), 5: ("SinBackward0", [4]), 6: ("MulBackward0", [4, 5]),
    }
    for node in doc["nodes"]:
        assert set(node) == {"id", "op", "value", "grad", "inputs"}
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes[6]["grad"] == 1
    assert nodes[1]["grad"] is None and nodes[3]["grad"] is None
    assert nodes[4]["value"] == 5
    u = 5.0
    assert nodes[4]["grad"] == pytest.approx(math.sin(u) + u * math.cos(u), rel=1e-15)
    assert nodes[0]["grad"] == pytest.approx(4 * (math.sin(u) + u * math.cos(u)), rel=1e-15)


def test_graph_json_leaf_gradients_match_grad(adiff):
    program = "sum(x * y) + prod(x)"
    args = ("--x", "[1, 2]", "--y", "3")
    graph = adiff.json("graph", program, *args)
    grad = adiff.json("grad", program, *args)
    leaves = {n["op"]: n["grad"] for n in graph["nodes"] if n["op"] in ("x", "y")}
    assert leaves == grad["grad"] == {"x": [3 + 2, 3 + 1], "y": 1 + 2}


def test_graph_json_lists_only_nodes_the_output_uses(adiff):
    doc = adiff.json("graph", "unused = x*100; x + 1", "--x", 2)
    assert sorted(n["op"] for n in doc["nodes"]) == sorted(["x", "1", "AddBackward0"])


def test_graph_dot_is_graphviz_text(adiff):
    out = adiff("graph", "u = x**2 + 1; u*sin(u)", "--x", 2, "--format", "dot").stdout
    lines = out.splitlines()
    assert lines[0] == "digraph adiff {" and lines[-1] == "}"
    label = next(line for line in lines if line.startswith("  n0 [label="))
    grad = float(re.search(r"grad ([-\d.e]+)", label)[1])
    assert label.startswith('  n0 [label="x #0\\nvalue 2\\ngrad ')
    assert grad == pytest.approx(4 * (math.sin(5) + 5 * math.cos(5)), rel=1e-14)
    assert any(line.startswith("  n6 [label=\"MulBackward0 #6") and "penwidth=2" in line
               for line in lines)
    edges = {line.strip() for line in lines if "->" in line}
    assert edges == {"n0 -> n2;", "n1 -> n2;", "n2 -> n4;", "n3 -> n4;", "n4 -> n5;",
                     "n4 -> n6;", "n5 -> n6;"}


def test_graph_mermaid_is_a_flowchart(adiff):
    out = adiff("graph", "u = x**2 + 1; u*sin(u)", "--x", 2, "--format", "mermaid").stdout
    lines = out.splitlines()
    assert lines[0] == "flowchart TD"
    node = next(line for line in lines if line.startswith('  n5["'))
    assert re.fullmatch(r'  n5\["SinBackward0 #35;5<br>value (\S+)<br>grad 5"\]', node)
    assert float(re.search(r"value (\S+)<br>", node)[1]) == pytest.approx(math.sin(5), rel=1e-15)
    edges = {line.strip() for line in lines if "-->" in line}
    assert edges == {"n0 --> n2", "n1 --> n2", "n2 --> n4", "n3 --> n4", "n4 --> n5",
                     "n4 --> n6", "n5 --> n6"}
    assert lines[-1] == "  class n6 output"


def test_graph_format_other_than_tree_dot_mermaid_is_refused(adiff):
    message = adiff.error("graph", "x", "--x", 1, "--format", "png")
    assert "--format is tree, dot or mermaid" in message


def test_graph_of_a_vector_output_takes_a_seed(adiff):
    doc = adiff.json("graph", "x * 2", "--x", "[1, 2]", "--seed", 1)
    nodes = {n["op"]: n for n in doc["nodes"]}
    assert nodes["x"]["grad"] == [2, 2]
    assert nodes["MulBackward0"]["grad"] == [1, 1]


# every command


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(adiff, command):
    result = adiff(command, "--help")
    assert result.exit_code == 0
    assert "Example: adiff " + command in re.sub(r"\s+", " ", result.stdout)


def test_version_prints_the_version(adiff):
    from autodiff_cli import __version__

    result = adiff("--version")
    assert result.exit_code == 0
    assert result.stdout == f"adiff {__version__}\n"


def test_no_command_shows_the_help_and_exits_2(adiff):
    result = adiff()
    assert result.exit_code == 2
    assert "Usage: adiff" in result.stdout
    assert "error" not in result.stderr


def test_an_unknown_command_is_bad_input(adiff):
    assert "No such command 'gradient'" in adiff.error("gradient", "x", "--x", 1)


def test_graph_rounds_its_numbers_to_digits(adiff):
    tree = adiff("graph", "sin(x)", "--x", 1, "--digits", 3).stdout
    assert "value 0.841" in tree and "grad 0.54" in tree and "0.8414" not in tree
    dot = adiff("graph", "sin(x)", "--x", 1, "--digits", 3, "--format", "dot").stdout
    assert "value 0.841" in dot and "0.8414" not in dot
