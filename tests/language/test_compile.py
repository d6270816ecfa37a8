"""What the compiler makes of program text: instructions, inputs, and compile-time errors."""

import math

import pytest

from autodiff_cli.errors import AdiffError
from autodiff_cli.language import Instruction, compile_program


def shape_of(text: str) -> str:
    """The program's output as a fully parenthesised formula, to read precedence from."""
    program = compile_program(text)
    forms: list[str] = []
    symbols = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "pow": "**"}
    for op, args, param, _, _ in program.instructions:
        if op in ("input", "constant"):
            forms.append(param if op == "input" else f"{param:g}")
        elif op == "neg":
            forms.append(f"(-{forms[args[0]]})")
        elif op in symbols:
            forms.append(f"({forms[args[0]]} {symbols[op]} {forms[args[1]]})")
        elif op == "index":
            forms.append(f"{forms[args[0]]}{list(param)}")
        else:
            name = param.name if op == "call" else op
            forms.append(f"{name}({', '.join(forms[i] for i in args)})")
    return forms[program.output]


def operations(text: str) -> list[tuple]:
    """The instructions without their places, to compare programs written differently."""
    return [(i.op, i.args, i.param) for i in compile_program(text).instructions]


# --- precedence -------------------------------------------------------------------


def test_unary_minus_binds_looser_than_power():
    assert shape_of("-x**2") == "(-(x ** 2))"


def test_power_takes_a_signed_exponent():
    assert shape_of("2**-x") == "(2 ** (-x))"


def test_power_is_right_associative():
    assert shape_of("2**3**2") == "(2 ** (3 ** 2))"


def test_caret_means_power():
    assert operations("x^2") == operations("x**2")


def test_division_is_left_associative():
    assert shape_of("a/b/c") == "((a / b) / c)"


def test_subtraction_is_left_associative():
    assert shape_of("a - b - c") == "((a - b) - c)"


def test_product_binds_tighter_than_sum():
    assert shape_of("a + b * c") == "(a + (b * c))"


def test_matmul_binds_like_product():
    assert shape_of("a @ b * c + d") == "(((a @ b) * c) + d)"


def test_parentheses_override_precedence():
    assert shape_of("(a + b) * c") == "((a + b) * c)"


def test_unary_plus_adds_no_instruction():
    assert operations("+x") == operations("x")


def test_power_of_a_call_and_of_an_index():
    assert shape_of("sin(x)**2 + y[0]**2") == "((sin(x) ** 2) + (y[0] ** 2))"


# --- numbers and names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("2", 2.0), ("2.5", 2.5), (".5", 0.5), ("1e-3", 1e-3), ("6.02E23", 6.02e23), ("2.", 2.0)],
)
def test_number_forms(text, value):
    (instruction,) = compile_program(text).instructions
    assert instruction.op == "constant"
    assert instruction.param == value


@pytest.mark.parametrize(
    ("name", "value"), [("pi", math.pi), ("e", math.e), ("tau", math.tau), ("inf", math.inf)]
)
def test_named_constants(name, value):
    program = compile_program(name)
    assert program.inputs == []
    assert program.instructions[0] == Instruction("constant", (), value, 1, 1)


def test_a_binding_shadows_a_constant():
    program = compile_program("e = x + 1; e * 2")
    assert program.inputs == ["x"]
    assert shape_of("e = x + 1; e * 2") == "((x + 1) * 2)"


def test_names_may_hold_digits_and_underscores():
    assert compile_program("_a1 + B_2").inputs == ["_a1", "B_2"]


# --- programs ----------------------------------------------------------------------


def test_inputs_are_free_names_in_order_of_first_appearance():
    assert compile_program("z * y + x * z").inputs == ["z", "y", "x"]


def test_a_free_name_used_twice_is_one_input_instruction():
    program = compile_program("x * x")
    assert program.instructions[program.output].args == (0, 0)
    assert [i.op for i in program.instructions].count("input") == 1


def test_a_bound_name_is_not_an_input():
    assert compile_program("u = x**2 + 1; u**3").inputs == ["x"]


def test_a_bound_name_used_twice_is_the_same_instruction():
    program = compile_program("u = x**2 + 1; u * u")
    product = program.instructions[program.output]
    assert product.op == "mul"
    left, right = product.args
    assert left == right
    assert program.instructions[left].op == "add"


def test_rebinding_sees_the_earlier_binding():
    assert shape_of("c = a + b; c = c + c + 1; c") == "(((a + b) + (a + b)) + 1)"
    ops = [op for op, _, _ in operations("c = a + b; c = c + c + 1; c")]
    assert ops == ["input", "input", "add", "add", "constant", "add"]


def test_a_name_used_before_it_is_bound_is_an_input():
    program = compile_program("y = x + 1; x = 2; x * y")
    assert program.inputs == ["x"]
    assert shape_of("y = x + 1; x = 2; x * y") == "(2 * (x + 1))"


def test_newlines_separate_statements_like_semicolons():
    assert operations("u = x\nu * 2") == operations("u = x; u * 2")


def test_blank_lines_comments_and_extra_separators_are_ignored():
    text = "# a comment\n\nu = x  # why\n;;\n  # another\nu + 1\n\n"
    assert shape_of(text) == "(x + 1)"


def test_windows_line_endings_separate_statements():
    assert shape_of("u = x\r\nu + 1\r\n") == "(x + 1)"


def test_newlines_inside_brackets_do_not_end_a_statement():
    assert shape_of("f = (x +\n 1) * [x,\n 2][0]\nf") == "((x + 1) * array(x, 2)[0])"


def test_instructions_are_placed_at_their_operator():
    program = compile_program("u = 1\nv = (u +\n  sin(x)[0])\nv")
    add, call, index = (program.instructions[i] for i in (4, 2, 3))
    assert (add.op, add.line, add.column) == ("add", 2, 8)
    assert (call.op, call.line, call.column) == ("call", 3, 3)
    assert (index.op, index.line, index.column) == ("index", 3, 9)


def test_calls_arrays_and_indexing_compile_to_their_instructions():
    program = compile_program("clip(x, 0, 1) + [[1, 2], [3, 4]][1, -1] + linspace(0, 1, 5)")
    ops = [(i.op, i.param.name if i.op == "call" else i.param)
           for i in program.instructions if i.op in ("call", "array", "index")]
    assert ops == [
        ("call", "clip"),
        ("array", None),
        ("array", None),
        ("array", None),
        ("index", (1, -1)),
        ("call", "linspace"),
    ]


def test_a_program_is_deterministic():
    text = "u = sin(x) * y; u @ u"
    assert compile_program(text) == compile_program(text)


# --- compile-time errors -------------------------------------------------------------


def error_of(text: str) -> AdiffError:
    with pytest.raises(AdiffError) as caught:
        compile_program(text)
    return caught.value


def test_wrong_argument_count_names_the_function_and_its_parameters():
    error = error_of("clip(x, 1)")
    assert (error.kind, error.line, error.column) == ("arity", 1, 1)
    assert error.message == "clip takes 3 arguments (x, lo, hi), got 2"


def test_wrong_argument_count_of_a_one_argument_function():
    assert error_of("y + sin(x, y)").message == "sin takes 1 argument (x), got 2"


def test_a_call_without_arguments_is_an_arity_error():
    assert error_of("sum()").message == "sum takes 1 argument (x), got 0"


def test_unknown_function_suggests_a_close_name():
    error = error_of("1 + sine(x)")
    assert (error.kind, error.column) == ("name", 5)
    assert error.message == "unknown function sine; did you mean sin?"


def test_unknown_function_without_a_close_name_points_to_the_list():
    message = error_of("frobnicate(x)").message
    assert message == "unknown function frobnicate; adiff functions lists them all"


def test_a_function_name_used_as_a_value_says_to_call_it():
    assert error_of("sin * x").message == "sin is a function: write sin(...)"


def test_an_index_must_be_a_whole_number():
    error = error_of("x[1.5]")
    assert (error.kind, error.column) == ("index", 3)
    assert error.message == "an index must be a whole number such as 0 or -1, not '1.5'"


def test_an_expression_before_the_last_statement_is_an_error_at_its_separator():
    error = error_of("x * 2; y")
    assert (error.kind, error.line, error.column) == ("syntax", 1, 6)
    assert error.message.startswith("only the last statement can be an expression")


def test_a_program_that_ends_with_a_binding_is_an_error_at_the_name():
    error = error_of("u = 1\nv = u * 2\n")
    assert (error.kind, error.line, error.column) == ("syntax", 2, 1)
    assert "ends with a binding of v" in error.message


@pytest.mark.parametrize("text", ["", "   ", "# only a comment\n", "\n;\n"])
def test_an_empty_program_is_an_error(text):
    error = error_of(text)
    assert error.kind == "syntax"
    assert error.message.startswith("the program is empty")


def test_every_function_of_the_core_can_be_called_from_the_language():
    from autodiff_cli.core.registry import FUNCTIONS

    for name, function in FUNCTIONS.items():
        required = [p for p in function.arguments if p.required]
        args = ", ".join("[a, b]" if p.kind == "Values" else "x" for p in required)
        (call,) = [i for i in compile_program(f"{name}({args})").instructions if i.op == "call"]
        assert call.param.name == name
