"""SPEC §1 as it now stands: comparisons, keywords, slicing, .T, pasted text, user
functions, and the messages for what other tools write."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff_cli as ad
from autodiff_cli.errors import AdiffError
from autodiff_cli.language import compile_program


def run(text: str, max_elements: int = 10**8, **values):
    program = compile_program(text)
    return program.evaluate(values, max_elements=max_elements)[program.output]


def value(text: str, **values):
    return run(text, **values).data.tolist()


def gradient(text: str, **values):
    leaves = {n: ad.tensor(v, requires_grad=True) for n, v in values.items()}
    out = run(text, **leaves)
    if not out.requires_grad:  # computed from constants and comparisons only
        return [np.zeros(np.shape(v)).tolist() for v in values.values()]
    grads = ad.grad(out, list(leaves.values()), allow_unused=True)
    return [None if g is None else g.data.tolist() for g in grads]


def error_of(text: str, max_elements: int = 10**8, **values) -> AdiffError:
    with pytest.raises(AdiffError) as caught:
        run(text, max_elements, **values)
    return caught.value


# --- comparisons ----------------------------------------------------------------------


@pytest.mark.parametrize(("op", "expected"), [
    ("<", [1, 0, 0]), ("<=", [1, 1, 0]), (">", [0, 0, 1]), (">=", [0, 1, 1]),
    ("==", [0, 1, 0]), ("!=", [1, 0, 1]),
])
def test_comparisons_give_1_or_0(op, expected):
    assert value(f"x {op} 2", x=np.array([1.0, 2.0, 3.0])) == expected


def test_a_comparison_has_no_gradient_and_its_inputs_are_used():
    assert gradient("(x > 0) * 3", x=1.0) == [0.0]
    assert compile_program("x > 0").inputs == ["x"]


def test_a_comparison_is_looser_than_arithmetic():
    assert value("1 + 1 == 2") == 1 and value("2 * 3 > 5") == 1


def test_chained_comparisons_are_refused_with_the_product_suggested():
    error = error_of("a < b < c")
    assert (error.kind, error.column) == ("syntax", 7)
    assert "write (a < b) * (b < c)" in error.message


def test_where_takes_the_branch_and_sends_the_gradient_there():
    x = np.array([-2.0, 3.0])
    assert value("where(x > 0, x**2, -x)", x=x) == [2, 9]
    assert gradient("sum(where(x > 0, x**2, -x))", x=x) == [[-1, 6]]


def test_where_takes_a_nan_condition_as_true():
    assert value("where(c, 1, 2)", c=np.array([np.nan, 0.0])) == [1, 2]


# --- keywords --------------------------------------------------------------------------


A = np.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize(("text", "expected"), [
    ("sum(A, axis=0)", [3, 5, 7]),
    ("sum(A, axis=-1)", [3, 12]),
    ("sum(A, axis=[0, 1])", 15),
    ("sum(A, axis=1, keepdims=1)", [[3], [12]]),
    ("max(A, axis=1)", [2, 5]),
    ("mean(A, axis=0)", [1.5, 2.5, 3.5]),
    ("var([1, 2, 3, 4], ddof=1)", 5 / 3),
    ("norm([3, -4], ord=1)", 7),
    ("norm([3, -4], ord=inf)", 4),
    ("norm([3, -4])", 5),
    ("cumsum(A, axis=0)", [[0, 1, 2], [3, 5, 7]]),
    ("concat([A, A], axis=1)", [[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]),
    ("stack([[1, 2], [3, 4]], axis=1)", [[1, 3], [2, 4]]),
    ("reshape(A, [3, -1])", [[0, 1], [2, 3], [4, 5]]),
])
def test_keyword_arguments(text, expected):
    np.testing.assert_allclose(value(text, A=A), expected, rtol=1e-15)


@pytest.mark.parametrize(("text", "words"), [
    ("sum(A, axis=2)", "sum: axis 2 is out of range for a value with 2 dimensions"),
    ("sum(A, axs=0)", "sum has no keyword axs; it takes the keywords axis, keepdims"),
    ("sum(A, axis=0, axis=1)", "sum: axis is given twice"),
    ("sum(axis=0, A)", "an argument without a name follows a keyword argument"),
    ("sum(A, axis=0.5)", "sum's axis must be a whole number or a list of them, got 0.5"),
    ("sum(A, keepdims=2)", "sum's keepdims is 0 or 1, got 2"),
    ("reshape(A, [4, 2])", "reshape: 6 elements do not fit the shape (4, 2)"),
    ("sin(A, axis=0)", "sin has no keyword axis; it takes no keywords"),
    ("concat(A, axis=0)", "concat takes a list of arrays such as [a, b] as its values"),
    ("max(A, A, axis=0)", "max: with two arguments it is elementwise and takes no axis"),
    ("norm(A, ord=1)", "norm: ord is for vectors"),
])
def test_bad_keywords_and_axes_name_the_function(text, words):
    assert words in error_of(text, A=A).message


def test_a_keyword_value_must_be_a_constant():
    leaf = ad.tensor(0.0, requires_grad=True)
    with pytest.raises(AdiffError, match="sum's axis must be a constant"):
        run("sum(A, axis=k)", A=A, k=leaf)


# --- slicing, .T -------------------------------------------------------------------------


X = np.array([1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize(("text", "expected"), [
    ("x[1:]", [2, 3, 4]), ("x[:-1]", [1, 2, 3]), ("x[::2]", [1, 3]), ("x[::-1]", [4, 3, 2, 1]),
    ("x[1:10]", [2, 3, 4]), ("x[-2]", 3), ("A[:, 0]", [0, 3]), ("A[1, 1:]", [4, 5]),
    ("A[0:1, :]", [[0, 1, 2]]), ("A.T", [[0, 3], [1, 4], [2, 5]]), ("x.T", [1, 2, 3, 4]),
])
def test_numpys_basic_indexing_and_transpose(text, expected):
    assert value(text, x=X, A=A) == expected


def test_the_gradient_flows_into_the_sliced_elements_only():
    assert gradient("sum(x[1:3] * [10, 100])", x=X) == [[0, 10, 100, 0]]
    assert gradient("sum(x[::-1] * [1, 2, 3, 4])", x=X) == [[4, 3, 2, 1]]


def test_rosenbrock_in_n_dimensions():
    x = np.array([1.0, 1.0, 1.0])
    program = "sum(100*(x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)"
    assert value(program, x=x) == 0 and gradient(program, x=x) == [[0, 0, 0]]


def test_an_integer_index_out_of_range_is_an_error_and_a_slice_clamps():
    assert error_of("x[4]", x=X).message == "index 4 is out of range for axis 0 of size 4"
    assert value("x[2:100]", x=X) == [3, 4]


def test_a_slice_step_of_0_is_refused():
    assert error_of("x[::0]", x=X).message == "a slice step cannot be 0"


def test_quadratic_form_with_transpose():
    a = np.array([[2.0, 1.0], [0.0, 3.0]])
    x = np.array([1.0, 2.0])
    assert value("x.T @ A @ x", x=x, A=a) == x @ a @ x
    assert gradient("x.T @ A @ x", x=x, A=a)[0] == ((a + a.T) @ x).tolist()


# --- pasted text --------------------------------------------------------------------------


@pytest.mark.parametrize(("pasted", "plain"), [
    ("2×x", "2*x"), ("2·x", "2*x"), ("x÷2", "x/2"), ("−x", "-x"), ("π*x", "pi*x"),
    ("x²", "x**2"), ("x³", "x**3"), ("x⁴", "x**4"), ("x⁻¹", "x**-1"), ("x⁻²", "x**-2"),
    ("-x²", "-(x**2)"), ("2x²"[1:], "x**2"),
    ("2\u00a0*\u2009x\u202f+ 1", "2*x + 1"),  # no-break, thin, narrow no-break spaces
    ("y = x\n\u00a0\n2*y", "2*x"),
])
def test_text_pasted_from_papers(pasted, plain):
    assert value(pasted, x=1.5) == value(plain, x=1.5)


def test_a_decimal_comma_suggests_a_point():
    error = error_of("0,5 * x")
    assert error.message == "unexpected ',': a decimal comma? write 0.5, not 0,5"


def test_nan_is_a_constant():
    assert math.isnan(value("nan + x", x=1.0))


# --- user functions -------------------------------------------------------------------------


def test_a_user_function_is_expanded_in_place_at_each_call():
    program = compile_program("f(t) = t**2 + 1; f(x) + f(2*x)")
    assert program.inputs == ["x"]
    assert [i.op for i in program.instructions].count("pow") == 2
    assert value("f(t) = t**2 + 1; f(x) + f(2*x)", x=3.0) == 10 + 37
    assert gradient("f(t) = t**2 + 1; f(x) + f(2*x)", x=3.0) == [6 + 24]


def test_a_user_function_may_call_builtins_and_functions_defined_before():
    text = "sq(t) = t*t; norm2(a, b) = sqrt(sq(a) + sq(b)); norm2(x, 4)"
    assert value(text, x=3.0) == 5


def test_other_names_in_the_body_are_the_programs_as_a_closure_sees_them():
    assert value("k = 10; f(t) = k*t; k = 20; f(x) + k", x=1.0) == 10 + 20
    program = compile_program("f(t) = a*t; f(x)")
    assert program.inputs == ["a", "x"]


@pytest.mark.parametrize(("text", "words", "column"), [
    ("f(t) = t; g(x)", "unknown function g", 11),
    ("f(t) = t; f(x, x)", "f takes 1 argument (t), got 2", 11),
    ("f(t) = f(t - 1); f(x)", "f calls itself; a function cannot be recursive", 8),
    ("sin(t) = t; sin(x)", "sin is a built-in function; give yours another name", 1),
    ("f(t, t) = t; f(x, x)", "f names a parameter twice", 1),
    ("f(t) = t", "the program ends with a definition of f", 1),
])
def test_user_function_errors_have_their_place(text, words, column):
    error = error_of(text)
    assert words in error.message and error.column == column


# --- what other tools write -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("ln(x)", "unknown function ln; did you mean log?"),
    ("arcsin(x)", "unknown function arcsin; did you mean asin?"),
    ("np.sin(x)", "write sin(...), not np.sin(...)"),
    ("math.sqrt(x)", "write sqrt(...), not math.sqrt(...)"),
    ("torch.arctan(x)", "write atan(...), not torch.arctan(...)"),
    ("math.pi * x", "write pi, not math.pi"),
    ("x.t()", "write x.T (or transpose(x)), not x.t()"),
    ("x.sum()", "write sum(x), not x.sum()"),
    ("x.shape", "adiff has no attribute .shape; the one attribute is .T (the transpose)"),
    ("matmul(x, x)", "unknown function matmul; write a @ b for a matrix product"),
])
def test_other_tools_words_get_the_languages(text, message):
    assert error_of(text, x=X).message == message


# --- sizes are checked before anything is allocated --------------------------------------------


@pytest.mark.parametrize(("text", "made"), [
    ("outer(x, x)", "100,000,000"),
    ("diag(x)", "100,000,000"),
    ("eye(10000)", "100,000,000"),
    ("zeros([10000, 10000])", "100,000,000"),
    ("x > reshape(x, [-1, 1])", "100,000,000"),
    ("where(reshape(x, [-1, 1]) > 0, x, 0)", "100,000,000"),
])
def test_a_result_larger_than_the_limit_is_refused_before_it_is_made(text, made):
    error = error_of(text, max_elements=10**7, x=np.ones(10**4))
    assert error.kind == "size" and made in error.message


# --- linear algebra ---------------------------------------------------------------------------


def test_inv_and_solve_of_a_singular_matrix_name_the_operation():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    for text in ("inv(A)", "solve(A, [1, 2])"):
        error = error_of(text, A=singular)
        assert (error.kind, error.column) == ("singular", 1)
        assert error.message == f"{text.split('(')[0]}: the matrix is singular"


def test_det_of_a_singular_matrix_is_0_with_the_adjugate_as_its_gradient():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert value("det(A)", A=singular) == 0
    np.testing.assert_allclose(gradient("det(A)", A=singular)[0], [[4, -2], [-2, 1]],
                               rtol=1e-14)


def test_logdet_of_a_negative_determinant_is_nan():
    assert math.isnan(value("logdet(A)", A=np.array([[0.0, 1.0], [1.0, 0.0]])))
