"""Running a Program on the core: values, gradients, placed errors and the size limit."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff_cli as ad
from autodiff_cli.errors import AdiffError
from autodiff_cli.language import compile_program, evaluate_constant


def run(text: str, max_elements: int = 10**8, **values):
    """The program's output for the given input values."""
    program = compile_program(text)
    return program.evaluate(values, max_elements=max_elements)[program.output]


def error_of(text: str, max_elements: int = 10**8, **values) -> AdiffError:
    with pytest.raises(AdiffError) as caught:
        run(text, max_elements, **values)
    return caught.value


# --- values ----------------------------------------------------------------------------


def test_evaluate_returns_one_value_per_instruction():
    program = compile_program("u = x + 1; u * 2")
    values = program.evaluate({"x": np.array(3.0)})
    assert len(values) == len(program.instructions)
    assert [v.item() for v in values] == [3.0, 1.0, 4.0, 2.0, 8.0]


def test_precedence_gives_the_documented_values():
    assert run("-x**2", x=3.0).item() == -9.0
    assert run("2**-x", x=1.0).item() == 0.5
    assert run("2**3**2").item() == 512.0
    assert run("2^3^2").item() == 512.0
    assert run("a/b/c", a=8.0, b=2.0, c=2.0).item() == 2.0


def test_rebinding_evaluates_with_the_earlier_binding():
    assert run("c = a + b; c = c + c + 1; c", a=1.0, b=2.0).item() == 7.0


def test_arrays_broadcast_like_numpy():
    value = run("A + b", A=np.array([[1.0, 2.0], [3.0, 4.0]]), b=np.array([10.0, 20.0]))
    assert value.data.tolist() == [[11.0, 22.0], [13.0, 24.0]]


def test_array_literals_may_hold_expressions():
    assert run("[x, 2*x, x**2]", x=3.0).data.tolist() == [3.0, 6.0, 9.0]


def test_matmul_and_dot():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert run("A @ v", A=A, v=np.array([1.0, 1.0])).data.tolist() == [3.0, 7.0]
    assert run("v @ v", v=np.array([1.0, 2.0])).item() == 5.0
    assert run("dot(v, w)", v=np.array([1.0, 2.0]), w=np.array([3.0, 4.0])).item() == 11.0


def test_indexing_with_negative_and_multiple_indices():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert run("A[1, 0] + A[0][-1]", A=A).item() == 5.0


def test_min_and_max_are_elementwise():
    assert run("min(x, [1, 5]) + max(x, [1, 5])", x=np.array([3.0, 3.0])).data.tolist() == [4, 8]


def test_reductions_take_the_whole_array():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert [run(f"{f}(x)", x=x).item() for f in ("sum", "mean", "prod")] == [10.0, 2.5, 24.0]
    assert run("norm([3, 4])").item() == 5.0


def test_a_missing_input_value_names_every_missing_name():
    error = error_of("x + y * z", y=1.0)
    assert (error.kind, error.message) == ("name", "no value for x, z")


# --- gradients ---------------------------------------------------------------------------


def test_gradient_flows_to_tensor_inputs_given_by_the_caller():
    x = ad.tensor(2.0, requires_grad=True)
    run("(x**2 + 1)**3", x=x).backward()
    assert x.grad.item() == 300.0


def test_a_shared_binding_is_differentiated_once_per_use():
    x = ad.tensor(2.0, requires_grad=True)
    run("u = x**2 + 1; u * u", x=x).backward()
    assert x.grad.item() == 40.0  # d/dx (x^2+1)^2 = 4x(x^2+1)


def test_seed_002_mean_of_a_square():
    x = ad.tensor([2.0, 3.0], requires_grad=True)
    run("mean(3*(x+2)**2)", x=x).backward()
    assert x.grad.data.tolist() == [12.0, 15.0]


def test_the_values_list_holds_the_graph_nodes():
    x = ad.tensor(2.0, requires_grad=True)
    program = compile_program("sin(x) * x")
    values = program.evaluate({"x": x})
    assert values[0] is x
    assert [v.grad_fn.name() if v.grad_fn else None for v in values] == [
        None,
        "SinBackward0",
        "MulBackward0",
    ]


@pytest.mark.parametrize("text", ["x**2", "x**-1", "x**(1/3)", "x^-0.5", "pow(x, 2*pi)"])
def test_a_constant_exponent_records_powbackward0_as_pytorch_does(text):
    x = ad.tensor(2.0, requires_grad=True)
    assert run(text, x=x).grad_fn.name() == "PowBackward0"


def test_a_tensor_exponent_records_powbackward1():
    x = ad.tensor(2.0, requires_grad=True)
    assert run("x**y", x=x, y=np.array(3.0)).grad_fn.name() == "PowBackward1"


# --- placed errors ------------------------------------------------------------------------


def test_shapes_that_do_not_broadcast_are_placed_at_the_operator():
    error = error_of("u = x * 2\nu + y", x=np.ones(3), y=np.ones(2))
    assert (error.kind, error.line, error.column, error.source_line) == ("shape", 2, 3, "u + y")
    assert error.message == "'+' cannot combine shapes (3,) and (2,): they do not broadcast"


def test_a_function_with_shapes_that_do_not_broadcast():
    error = error_of("atan2(x, y)", x=np.ones(3), y=np.ones(2))
    assert error.message == "atan2 cannot combine shapes (3,) and (2,): they do not broadcast"


def test_matmul_with_mismatched_inner_sizes():
    error = error_of("A @ v", A=np.ones((2, 3)), v=np.ones(2))
    assert (error.kind, error.column) == ("shape", 3)
    assert error.message == "'@' cannot multiply shapes (2, 3) and (2,): 3 columns against 2 rows"


def test_matmul_of_a_scalar():
    error = error_of("x @ v", x=2.0, v=np.ones(2))
    assert error.message == "'@' takes vectors and matrices, got shapes () and (2,)"


def test_dot_of_vectors_of_different_lengths():
    error = error_of("dot(v, w)", v=np.ones(2), w=np.ones(3))
    assert error.message == "dot takes two vectors of the same length, got shapes (2,) and (3,)"


def test_an_index_out_of_range_is_placed_at_its_bracket():
    error = error_of("x + v[3]", x=1.0, v=np.ones(3))
    assert (error.kind, error.line, error.column) == ("index", 1, 6)
    assert error.message == "index 3 is out of range for axis 0 of size 3"


def test_a_negative_index_out_of_range():
    error = error_of("v[-4]", v=np.ones(3))
    assert error.message == "index -4 is out of range for axis 0 of size 3"


def test_too_many_indices():
    error = error_of("A[0, 1, 2]", A=np.ones((2, 2)))
    assert error.message == "too many indices: 3 for a value with 2 dimensions, shape (2, 2)"


def test_indexing_a_scalar():
    error = error_of("x[0]", x=1.0)
    assert error.message == "too many indices: 1 for a value with 0 dimensions, shape ()"


def test_array_elements_of_different_shapes():
    error = error_of("[x, 1]", x=np.ones(2))
    assert (error.kind, error.column) == ("shape", 1)
    assert error.message == "the elements of an array must have one shape, got (2,) and ()"


@pytest.mark.parametrize("n", ["2.5", "0", "-1"])
def test_linspace_needs_a_whole_number_of_points(n):
    error = error_of(f"linspace(0, 1, {n})")
    assert error.kind == "value"
    assert error.message in (f"linspace's n must be a whole number, got {n}",
                             f"linspace: n must be a whole number of at least 1, got {n}")


def test_linspace_count_must_not_be_an_array():
    error = error_of("linspace(0, 1, [2, 3])")
    assert (error.kind, error.message) == ("value", "linspace's n must be a whole number, "
                                                    "got [2, 3]")


def test_linspace_needs_scalar_ends():
    assert error_of("linspace([0, 1], 2, 3)").kind == "shape"


# --- size limit ------------------------------------------------------------------------------


def test_a_huge_linspace_is_refused_before_it_is_made():
    error = error_of("linspace(0, 1, 1e12)")  # 8 TB: making it would fail, not return this
    assert error.kind == "size"
    assert error.message == (
        "linspace would make 1,000,000,000,000 elements (shape (1000000000000,)), "
        "more than the limit of 100,000,000 (--max-elements)"
    )


def test_a_broadcast_larger_than_the_limit_is_refused_before_it_is_made():
    error = error_of("x * y", max_elements=100, x=np.ones(11), y=np.ones((10, 1)))
    assert (error.kind, error.column) == ("size", 3)


def test_a_matmul_result_larger_than_the_limit():
    error = error_of("c @ r", max_elements=100, c=np.ones((11, 1)), r=np.ones((1, 10)))
    assert error.kind == "size"


def test_an_array_literal_larger_than_the_limit():
    assert error_of("[x, x]", max_elements=100, x=np.ones(51)).kind == "size"


def test_results_at_the_limit_are_allowed():
    assert run("x * y", max_elements=100, x=np.ones(10), y=np.ones((10, 1))).shape == (10, 10)


def test_arrays_nested_deeper_than_numpy_allows():
    error = error_of("[" * 40 + "1" + "]" * 40)
    assert error.message == "an array can have at most 32 dimensions"


# --- constants on the command line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", 2.0),
        ("-2", -2.0),
        ("pi/4", np.pi / 4),
        ("1e-3", 1e-3),
        ("[1,2,3]", [1.0, 2.0, 3.0]),
        ("linspace(0, 1, 5)", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("[[1, 2], [3, 4]][1]", [3.0, 4.0]),
    ],
)
def test_constant_values(text, value):
    result = evaluate_constant(text)
    assert isinstance(result, np.ndarray)
    assert result.dtype == np.float64
    assert result.tolist() == value


def test_a_constant_linspace_has_exactly_numpys_points():
    assert evaluate_constant("linspace(1e-3, 1, 13)").tolist() == np.linspace(1e-3, 1, 13).tolist()


def test_linspace_is_differentiable_in_its_ends():
    a = ad.tensor(1.0, requires_grad=True)
    ad.sum(run("linspace(a, 3, 3)", a=a)).backward()
    assert a.grad.item() == 1.5  # points a, (a+3)/2, 3


def test_a_constant_value_may_not_use_free_names():
    with pytest.raises(AdiffError) as caught:
        evaluate_constant("2*x + y")
    assert caught.value.kind == "value"
    assert caught.value.message == (
        "a value must be a constant expression, but '2*x + y' uses the names x, y"
    )


def test_a_constant_value_respects_the_size_limit():
    with pytest.raises(AdiffError) as caught:
        evaluate_constant("linspace(0, 1, 1000)", max_elements=999)
    assert caught.value.kind == "size"


def test_a_constant_value_with_a_syntax_error_is_placed_in_its_text():
    with pytest.raises(AdiffError) as caught:
        evaluate_constant("[1, 2")
    assert (caught.value.kind, caught.value.column, caught.value.source_line) == (
        "syntax",
        6,
        "[1, 2",
    )


# --- any program, any values -----------------------------------------------------------------

_inputs = {"x": np.array(0.5), "v": np.array([1.0, -2.0]), "A": np.array([[1.0, 2.0], [3.0, 4.0]])}
_leaves = st.sampled_from(["x", "v", "A", "2", "-1", ".5", "0", "pi", "[1, 2]", "v[1]", "A[1, 0]"])
_unary = st.sampled_from(["-", "sin", "log", "sqrt", "sum", "norm", "relu", "sigmoid", "abs"])
_binary = st.sampled_from(["+", "-", "*", "/", "@", "**", "min", "max", "dot", "atan2", "pow"])


def _combine(expressions):
    def binary(op, a, b):
        return f"({a} {op} {b})" if not op[0].isalpha() else f"{op}({a}, {b})"

    return st.one_of(
        st.builds(lambda f, a: f"{f}({a})", _unary, expressions),
        st.builds(binary, _binary, expressions, expressions),
        st.builds(lambda a, b: f"[{a}, {b}]", expressions, expressions),
        st.builds(lambda a, b, c: f"clip({a}, {b}, {c})", expressions, expressions, expressions),
        st.builds(lambda a: f"{a}[0]", expressions),
    )


@settings(max_examples=300, deadline=None)
@given(st.recursive(_leaves, _combine, max_leaves=12))
def test_any_well_formed_program_evaluates_and_differentiates_or_raises_adiff_error(text):
    program = compile_program(text)
    values = {name: ad.tensor(_inputs[name], requires_grad=True) for name in program.inputs}
    try:
        with np.errstate(all="ignore"):
            output = program.evaluate(values)[program.output]
            if output.requires_grad:
                ad.sum(output).backward()
    except AdiffError as error:
        assert error.kind in ("shape", "index", "size")
        assert error.line == 1
