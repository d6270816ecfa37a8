"""SPEC §1 and §4: bad input exits 2 with one clear message, never a traceback."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff_cli.commands.table import COMMANDS as TABLE
from autodiff_cli.language.functions import vocabulary

COMMANDS = sorted(name for name, command in TABLE.items() if command.inputs == "values")
LARK_WORDS = ["RPAR", "LPAR", "LSQB", "RSQB", "__ANON", "Token(", "$END", "_NL", "NEWLINE",
              "SIGNED", "NUMBER", "NAME", "Traceback"]


def caret_column(stderr: str) -> int:
    """The 1-based column the caret points at, read off the source line and the caret line."""
    lines = stderr.splitlines()
    caret = next(line for line in lines if line.rstrip().endswith("^"))
    gutter = caret.index("|") + 2
    return caret.index("^") - gutter + 1


# syntax errors


def test_a_syntax_error_shows_the_place_the_line_and_a_caret(adiff):
    message = adiff.error("eval", "(x+)", "--x", 1)
    assert message.splitlines() == [
        "error: unexpected ')': expected a number, a name or '('",
        " --> line 1, column 4",
        "  |",
        "1 | (x+)",
        "  |    ^",
    ]


def test_a_syntax_error_at_the_end_puts_the_caret_one_past_the_last_character(adiff):
    message = adiff.error("eval", "(x+1", "--x", 1)
    assert "unexpected end of the program" in message
    assert "expected ')'" in message
    assert " --> line 1, column 5" in message
    assert caret_column(message) == len("(x+1") + 1


def test_a_syntax_error_on_a_later_line_shows_that_line(adiff):
    message = adiff.error("eval", "-", "--x", 1, input="u = x + 1\nv = u *\nv\n")
    assert " --> line 2, column 8" in message
    assert "2 | v = u *" in message.splitlines()
    assert caret_column(message) == 8


def test_a_syntax_error_json_document_has_kind_message_line_and_column(adiff):
    result = adiff("eval", "(x+)", "--x", 1, "--json")
    assert result.exit_code == 2
    assert adiff.parse(result.stdout) == {"error": {
        "kind": "syntax",
        "message": "unexpected ')': expected a number, a name or '('",
        "line": 1,
        "column": 4,
    }}
    assert result.stderr.startswith("error: unexpected ')': expected a number, a name or '('\n")


@pytest.mark.parametrize("program", [
    "(x+)", "(x+1", "x +* 2", "2 3", "x = ", "= 2", "sin(", "[1,2", "x]", "1 +", "x[",
    "3 $ 4", "x**", "f(x)=2", "1,2", "(((", "sin(x,", "[1,,2]", "x[1,]", "a = 1;",
])
def test_syntax_errors_are_in_plain_words(adiff, program):
    result = adiff("eval", program, "--x", 1)
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ")
    for word in LARK_WORDS:
        assert word not in result.stderr, (word, result.stderr)


def test_an_empty_program_is_refused(adiff):
    assert "the program is empty" in adiff.error("eval", "# nothing but a comment")


# errors the compiler or evaluation finds


def test_a_wrong_argument_count_names_the_function_and_the_count(adiff):
    message = adiff.error("eval", "atan2(x)", "--x", 1)
    assert message.startswith("error: atan2 takes 2 arguments (y, x), got 1\n")
    assert "sin takes 1 argument (x), got 2" in adiff.error("eval", "sin(x, 2)", "--x", 1)
    assert "clip takes 3 arguments" in adiff.error("eval", "clip(x, 1)", "--x", 1)


def test_an_unknown_function_is_named(adiff):
    result = adiff("eval", "foo(x)", "--x", 1, "--json")
    error = adiff.parse(result.stdout)["error"]
    assert result.exit_code == 2
    assert error["kind"] == "name"
    assert error["message"].startswith("unknown function foo")
    assert (error["line"], error["column"]) == (1, 1)


def test_a_shape_mismatch_is_placed_at_the_operator(adiff):
    message = adiff.error("eval", "[1,2] + [1,2,3]")
    assert "'+' cannot combine shapes (2,) and (3,)" in message
    assert " --> line 1, column 7" in message
    assert caret_column(message) == 7


def test_a_shape_mismatch_json_has_kind_shape(adiff):
    result = adiff("eval", "[1,2] + [1,2,3]", "--json")
    assert adiff.parse(result.stdout)["error"]["kind"] == "shape"


def test_an_index_out_of_range_is_placed_at_the_index(adiff):
    message = adiff.error("eval", "x[5]", "--x", "[1,2]")
    assert "index 5 is out of range for axis 0 of size 2" in message
    assert caret_column(message) == 2


def test_a_non_scalar_output_without_seed_names_seed(adiff):
    result = adiff("grad", "x*2", "--x", "[1,2]", "--json")
    assert result.exit_code == 2
    error = adiff.parse(result.stdout)["error"]
    assert error["kind"] == "not_scalar"
    assert "not a scalar" in error["message"] and "--seed" in error["message"]
    assert set(error) == {"kind", "message"}  # not a place in the program
    assert result.stderr == f"error: {error['message']}\n"


def test_max_elements_stops_a_large_array(adiff):
    message = adiff.error("eval", "linspace(0,1,100)", "--max-elements", 10)
    assert "linspace would make 100 elements" in message
    assert "more than the limit of 10 (--max-elements)" in message


def test_max_elements_applies_to_input_values(adiff):
    message = adiff.error("eval", "x", "--x", "linspace(0,1,100)", "--max-elements", 10)
    assert "the value of --x" in message and "more than the limit of 10" in message


def test_a_huge_array_is_refused_without_allocating(adiff):
    message = adiff.error("eval", "linspace(0, 1, 10**12)")  # 8 TB: making it would crash
    assert "1,000,000,000,000 elements" in message and "--max-elements" in message


def test_max_elements_applies_to_the_hessian(adiff):
    message = adiff.error("hessian", "sum(x**2)", "--x", "linspace(0,1,20)", "--max-elements", 300)
    assert message == ("error: the Hessian would have 400 elements, more than the limit of 300 "
                       "(--max-elements)\n")


def test_a_bad_option_value_is_a_usage_error(adiff):
    result = adiff("graph", "x", "--x", 1, "--max-depth", "abc", "--json")
    assert result.exit_code == 2
    assert adiff.parse(result.stdout)["error"]["kind"] == "usage"
    assert "--max-depth" in result.stderr and "Traceback" not in result.stderr


# json errors


def test_an_error_without_a_place_has_only_kind_and_message(adiff):
    result = adiff("grad", "x*y", "--x", 1, "--json")
    assert result.exit_code == 2
    assert adiff.parse(result.stdout) == {"error": {
        "kind": "name", "message": "no value for y: give it with --y VALUE"}}
    assert result.stderr == "error: no value for y: give it with --y VALUE\n"


# nan and inf


def test_a_nan_is_printed_and_its_origin_warned_about(adiff):
    result = adiff("grad", "log(x)", "--x", -1)
    assert result.exit_code == 0
    assert result.stdout == "value  nan\n∂/∂x   -1\n"
    assert result.stderr == "warning: log at 1:1 produced nan from input -1\n"


def test_a_nan_warning_names_the_operator_and_its_place(adiff):
    result = adiff("eval", "u = x + 1\nu / (x - 2)", "--x", 2)
    assert result.stderr == "warning: '/' at 2:3 produced inf from inputs 3, 0\n"


def test_a_derivative_warning_names_the_operation_and_the_inputs_the_program_gave_it(adiff):
    result = adiff("grad", "sqrt(x)*y", "--x", 0, "--y", 2)
    assert result.stderr == "warning: the derivative of sqrt at 1:1 is inf at input 0\n"
    result = adiff("grad", "logsumexp(x, axis=0)", "--x", "[-inf, -inf]")  # not its axis
    assert result.stderr == ("warning: the derivative of logsumexp at 1:1 is nan at input "
                             "[-inf, -inf]\n")


def test_nan_and_inf_are_strings_in_strict_json(adiff):
    result = adiff("grad", "log(x)", "--x", -1, "--json")
    assert adiff.parse(result.stdout) == {"value": "nan", "grad": {"x": -1}}
    assert "warning: log at 1:1 produced nan" in result.stderr
    doc = adiff.json("eval", "[1, -1, 0] / x", "--x", 0)
    assert doc == {"value": ["inf", "-inf", "nan"]}


def test_infinite_gradients_are_strings_in_strict_json(adiff):
    assert adiff.json("grad", "sqrt(x)", "--x", 0) == {"value": 0, "grad": {"x": "inf"}}


def test_check_with_a_nan_still_writes_strict_json(adiff):
    result = adiff("check", "sqrt(x)", "--x", -1, "--json")
    assert result.exit_code in (0, 1)
    doc = adiff.parse(result.stdout)
    assert doc["grad"] == {"x": "nan"}


# no input makes a traceback

TOKENS = [
    "0", "1", "2", "2.5", ".5", "1e-3", "6.02E23", "10", "x", "y", "u", "pi", "e", "tau", "inf",
    "nan", "+", "-", "*", "/", "@", "**", "^", "=", "(", ")", "[", "]", ",", ";", "\n", "#",
    " ", "<", "==", ":", ".T", "axis=", "f(t) =", "×", "²", "π",
    *sorted(vocabulary()),
]
programs_from_tokens = st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join) | st.lists(
    st.sampled_from(TOKENS), max_size=14).map("".join)
random_programs = st.text(alphabet=st.sampled_from("xyu0123456789.eE+-*/@^=()[],;#\n _sinlog$\"'")
                          | st.characters(), max_size=24)


def _never_a_traceback(adiff, command: str, program: str, as_json: bool) -> None:
    args = [command, program, "--x", "1", "--max-elements", "100000"]
    result = adiff(*args, *(["--json"] if as_json else []))
    allowed = (0, 1, 2) if command == "check" else (0, 2)
    assert result.exit_code in allowed, (args, result.output)
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text, (args, text)
    if as_json and program not in ("-h", "--help"):
        doc = adiff.parse(result.stdout)
        assert ("error" in doc) == (result.exit_code == 2), (args, doc)


FUZZ = settings(max_examples=75, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(command=st.sampled_from(COMMANDS), program=programs_from_tokens, as_json=st.booleans())
def test_token_sequences_never_make_a_traceback(adiff, command, program, as_json):
    _never_a_traceback(adiff, command, program, as_json)


@FUZZ
@given(command=st.sampled_from(COMMANDS), program=random_programs, as_json=st.booleans())
def test_random_strings_never_make_a_traceback(adiff, command, program, as_json):
    _never_a_traceback(adiff, command, program, as_json)


def test_calling_a_constant_says_it_is_a_constant(adiff):
    assert adiff.error("eval", "e(1)").startswith("error: e is a constant, not a function\n")


def test_an_empty_wrt_names_no_input(adiff):
    message = adiff.error("grad", "x", "--x", 1, "--wrt", "")
    assert message == "error: --wrt names no input; the program's inputs are x\n"


def test_a_nan_made_from_infinite_inputs_is_warned_about(adiff):
    result = adiff("grad", "x - y", "--x", "inf", "--y", "inf")
    assert result.exit_code == 0
    assert result.stderr == "warning: '-' at 1:3 produced nan from inputs inf, inf\n"
    assert adiff("eval", "0*inf").stderr == "warning: '*' at 1:2 produced nan from inputs 0, inf\n"


def test_an_inf_passed_on_is_not_warned_about(adiff):
    assert adiff("eval", "x + 1", "--x", "inf").stderr == ""


@pytest.mark.parametrize("args", [
    ("hessian", "var(y, ddof=1)", "--y", 1),  # n - ddof = 0: nan, as in PyTorch
    ("grad", "std(y, ddof=1)", "--y", 1),
    ("grad", "det(B + inf + eye(3))", "--B", 1),  # the SVD of an inf matrix does not converge
])
def test_degenerate_values_are_nan_not_a_crash(adiff, args):
    result = adiff(*args, "--json")
    assert result.exit_code == 0 and "warning:" in result.stderr
    assert "nan" in adiff.parse(result.stdout).values().__repr__()


@pytest.mark.parametrize("program", ["det(A)", "logdet(A)"])
def test_det_of_a_matrix_holding_nan_is_nan_as_in_pytorch(adiff, program):
    """LAPACK's LU pivots past the nan of [[nan, 1], [1, 1]] and gives det 0."""
    doc = adiff.json("grad", program, "--A", "[[nan, 1], [1, 1]]")
    assert doc == {"value": "nan", "grad": {"A": [["nan", "nan"], ["nan", "nan"]]}}
