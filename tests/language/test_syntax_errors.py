"""Syntax errors: a place, the source line, and what was expected in plain words."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff_cli.errors import AdiffError
from autodiff_cli.language import compile_program
from autodiff_cli.language.syntax_errors import WORDS, expected_words


def error_of(text: str) -> AdiffError:
    with pytest.raises(AdiffError) as caught:
        compile_program(text)
    assert caught.value.kind == "syntax"
    return caught.value


def place(error: AdiffError) -> tuple:
    return error.line, error.column, error.source_line


def test_a_missing_operand_says_what_was_expected():
    error = error_of("1 + * 2")
    assert place(error) == (1, 5, "1 + * 2")
    assert error.message == "unexpected '*': expected a number, a name or '('"


def test_end_of_input_is_placed_one_past_the_last_character():
    error = error_of("x +")
    assert place(error) == (1, 4, "x +")
    assert error.message == "unexpected end of the program: expected a number, a name or '('"


def test_end_of_input_after_trailing_spaces_and_a_comment_points_past_the_last_token():
    assert place(error_of("(x + 1  # note")) == (1, 7, "(x + 1  # note")


def test_an_unclosed_bracket_is_named_with_its_place():
    error = error_of("u = 2\nv = sin(u\n  + 1")
    assert place(error) == (3, 6, "  + 1")
    assert error.message == (
        "unexpected end of the program: expected ')' or ',' (the '(' at 2:8 is not closed)"
    )


def test_a_statement_that_stops_at_the_end_of_a_line():
    error = error_of("u = x**2\nv = u +\nv")
    assert place(error) == (2, 8, "v = u +")
    assert error.message == "unexpected end of line: expected a number, a name or '('"


def test_missing_operator_between_two_operands():
    error = error_of("2 x")
    assert place(error) == (1, 3, "2 x")
    assert error.message == "missing operator between '2' and 'x'"


def test_missing_operator_before_a_parenthesis():
    assert error_of("(x + 1) (x - 1)").message == "missing operator before '('"


def test_a_function_written_without_parentheses():
    assert error_of("sin x").message == "sin is a function: write sin(...)"


def test_an_unmatched_closing_bracket():
    error = error_of("(x + 1))")
    assert place(error)[:2] == (1, 8)
    assert error.message == "unmatched ')'"


def test_a_closing_bracket_of_the_wrong_kind():
    error = error_of("[x, (1]")
    assert place(error)[:2] == (1, 7)
    assert error.message == "']' does not match the '(' at 1:5"


def test_an_unexpected_character_is_placed_and_named():
    error = error_of("x $ 1")
    assert place(error) == (1, 3, "x $ 1")
    assert error.message == (
        "unexpected character '$': expected an operator or the end of the statement"
    )


def test_an_unexpected_backslash_is_shown_as_typed():
    assert error_of("x \\ 2").message.startswith("unexpected character '\\':")


def test_an_unexpected_control_character_is_shown_escaped():
    assert error_of("x \x0b 2").message.startswith("unexpected character '\\x0b':")


def test_an_unexpected_character_on_a_later_line():
    error = error_of("u = 1\nu ! 2")
    assert place(error) == (2, 3, "u ! 2")


def test_an_index_that_is_not_a_number():
    assert error_of("x[i]").message == "an index must be a whole number such as 0 or -1, not 'i'"


def test_a_trailing_comma_in_an_array():
    assert error_of("[1, 2,]").message == "unexpected ']': expected a number, a name or '('"


def test_assignment_to_something_that_is_not_a_name():
    error = error_of("x + 1 = 2")
    assert place(error)[:2] == (1, 7)
    assert error.message.startswith("unexpected '=': expected an operator")


def test_expected_words_group_the_common_sets():
    assert expected_words({"_RPAR"}) == "')'"
    assert expected_words({"_RPAR", "_COMMA"}) == "')' or ','"
    assert expected_words({"PLUS", "MINUS", "STAR", "SLASH", "AT", "POW", "_RPAR"}) == (
        "an operator or ')'"
    )


def test_messages_never_show_lark_terminal_names():
    internal = re.compile(r"\b(_?[A-Z]{2,}\w*|\$END|__ANON\w*)\b")
    for text in ["1 +", "(1", "[1 2]", "x $", "f(x,", "x[", "a = = 2", "2 3", "x)"]:
        message = error_of(text).message
        assert not internal.search(message), message


def test_every_word_is_plain_text():
    assert all(not word.isupper() for word in WORDS.values())


# Random text built from the language's own pieces, so that most of it gets deep
# into the parser before it goes wrong.
_pieces = st.sampled_from(
    ["x", "y", "u", "sin", "clip", "linspace", "pi", "2", ".5", "1e3", "+", "-", "*", "/", "@",
     "**", "^", "(", ")", "[", "]", ",", "=", ";", "\n", " ", "#", "$", "1.5", "-1", "é"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.lists(_pieces, max_size=25).map("".join), st.text(max_size=30)))
def test_any_text_compiles_or_raises_adiff_error(text):
    try:
        compile_program(text)
    except AdiffError as error:
        assert error.message
        if error.line is not None:
            assert error.line >= 1 and error.column >= 1
            assert error.source_line == text.split("\n")[error.line - 1].rstrip("\r")


def test_numbers_are_ascii_digits_only():
    with pytest.raises(AdiffError) as info:
        compile_program("\u0661+1")  # ARABIC-INDIC DIGIT ONE
    assert info.value.kind == "syntax" and info.value.column == 1
