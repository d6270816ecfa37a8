"""SPEC §2: how the program and its inputs are read from the command line."""

from __future__ import annotations

import math

import pytest


def softplus(v: float) -> float:
    return math.log1p(math.exp(v))


# values that look like options


def test_a_negative_infinite_value(adiff):
    assert adiff.json("grad", "x**2", "--x", "-inf") == {"value": "inf", "grad": {"x": "-inf"}}


def test_a_negative_value_in_exponent_notation(adiff):
    assert adiff.json("grad", "x**2", "--x", "-2.5e-3") == {
        "value": 6.25e-06, "grad": {"x": -0.005}}


def test_a_value_attached_with_equals(adiff):
    doc = adiff.json("grad", "x**2", "--x=-pi/4")
    assert doc["value"] == pytest.approx((math.pi / 4) ** 2, rel=1e-15)
    assert doc["grad"]["x"] == pytest.approx(-math.pi / 2, rel=1e-15)


def test_a_value_that_is_a_negated_call(adiff):
    doc = adiff.json("grad", "x**2", "--x", "-softplus(1)")
    assert doc["value"] == pytest.approx(softplus(1) ** 2, rel=1e-15)
    assert doc["grad"]["x"] == pytest.approx(-2 * softplus(1), rel=1e-15)


def test_an_array_value_with_a_negative_element(adiff):
    doc = adiff.json("grad", "x**2", "--x", "[1,-2]", "--seed", 1)
    assert doc == {"value": [1, 4], "grad": {"x": [2, -4]}}


def test_a_value_built_with_linspace(adiff):
    doc = adiff.json("eval", "x", "--x", "linspace(0, 1, 5)")
    assert doc == {"value": [0, 0.25, 0.5, 0.75, 1]}


def test_a_constant_value_after_two_minus_signs(adiff):
    assert adiff.json("eval", "x", "--x", "--pi")["value"] == math.pi
    assert adiff.json("eval", "x", "--x", "--1")["value"] == 1


# where the program is


def test_inputs_may_come_before_the_formula(adiff):
    assert adiff.json("grad", "--x", 2, "x**2") == {"value": 4, "grad": {"x": 4}}


def test_options_and_inputs_in_any_order(adiff):
    doc = adiff.json("grad", "--wrt", "y,x", "--y", 2, "x**2+y**3+x*y", "--x", 1)
    assert list(doc["grad"].items()) == [("y", 13), ("x", 4)]


def test_a_formula_that_starts_with_a_minus(adiff):
    assert adiff.json("grad", "-x**2", "--x", 3) == {"value": -9, "grad": {"x": -6}}


def test_a_formula_after_double_dash(adiff):
    result = adiff("grad", "--x", 3, "--", "-x**2")
    assert result.stdout == "value  -9\n∂/∂x   -6\n"


def test_dash_reads_the_program_from_standard_input(adiff):
    doc = adiff.json("grad", "-", "--x", 3, input="u = x**2 + 1  # a comment\nu**3\n")
    assert doc == {"value": 1000, "grad": {"x": 1800}}


def test_file_option_reads_the_program_from_a_file(adiff, tmp_path):
    program = tmp_path / "model.adf"
    program.write_text("u = x**2 + 1\nu**3\n")
    assert adiff.json("grad", "-f", program, "--x", 2) == {"value": 125, "grad": {"x": 300}}
    assert adiff.json("grad", "--file", program, "--x", 2)["grad"] == {"x": 300}
    assert adiff.json("grad", f"--file={program}", "--x", 2)["grad"] == {"x": 300}


def test_a_missing_file_is_bad_input(adiff, tmp_path):
    message = adiff.error("grad", "-f", tmp_path / "nowhere.adf", "--x", 2)
    assert "cannot read" in message and "nowhere.adf" in message


def test_expr_and_file_together_are_refused(adiff, tmp_path):
    program = tmp_path / "model.adf"
    program.write_text("x**2")
    message = adiff.error("grad", "x**3", "-f", program, "--x", 2)
    assert "either as EXPR or with -f/--file, not both" in message


def test_no_program_at_all_is_refused(adiff):
    message = adiff.error("grad", "--x", 2)
    assert "missing EXPR" in message


def test_two_formulas_are_refused(adiff):
    assert "unexpected extra argument" in adiff.error("grad", "x**2", "x**3", "--x", 2)


# --var


def test_var_short_and_long_give_a_value(adiff):
    assert adiff.json("grad", "x**2", "-v", "x=2") == {"value": 4, "grad": {"x": 4}}
    assert adiff.json("grad", "x**2", "--var", "x=2") == {"value": 4, "grad": {"x": 4}}


def test_var_value_may_be_negative_or_contain_equals_free_expressions(adiff):
    assert adiff.json("eval", "x", "-v", "x=-pi/4")["value"] == -math.pi / 4


def test_var_names_inputs_that_collide_with_options(adiff):
    doc = adiff.json("grad", "json * seed + wrt", "--var", "json=2", "--var", "seed=3",
                     "-v", "wrt=1")
    assert doc == {"value": 7, "grad": {"json": 3, "seed": 2, "wrt": 1}}


def test_var_without_equals_is_refused(adiff):
    assert "--var takes NAME=VALUE" in adiff.error("grad", "x", "--var", "x")


# names


def test_a_misspelled_option_is_an_unknown_name_with_a_hint(adiff):
    message = adiff.error("grad", "x**2", "--x", 2, "--jsn")
    assert "the program does not use jsn" in message
    assert "did you mean --json?" in message


def test_a_misspelled_option_before_other_inputs_gets_the_same_hint(adiff):
    message = adiff.error("grad", "x**2", "--jsn", "--x", 2)
    assert "the program does not use jsn" in message
    assert "did you mean --json?" in message


def test_missing_values_are_all_named_in_one_message(adiff):
    result = adiff("grad", "x*y + z")
    assert result.exit_code == 2
    assert result.stderr == ("error: no value for x, y and z: give them with "
                             "--x VALUE --y VALUE --z VALUE\n")


def test_one_missing_value_is_named(adiff):
    message = adiff.error("grad", "x*y", "--x", 1)
    assert message == "error: no value for y: give it with --y VALUE\n"


def test_an_input_without_a_value_is_missing(adiff):
    assert "no value for x" in adiff.error("grad", "x**2", "--x")


def test_unused_values_are_named_with_the_names_the_program_uses(adiff):
    message = adiff.error("grad", "x + w", "--x", 1, "--w", 2, "--y", 3, "--z", 4)
    assert message == "error: the program does not use y and z; its inputs are x and w\n"


def test_a_value_for_a_program_without_inputs_is_refused(adiff):
    message = adiff.error("eval", "2 + 3", "--x", 1)
    assert "does not use x" in message and "it has no inputs" in message


def test_a_bound_name_is_not_an_input(adiff):
    message = adiff.error("eval", "u = x + 1; u * 2", "--x", 1, "--u", 5)
    assert "does not use u" in message and "its inputs are x" in message


def test_a_duplicate_input_is_refused(adiff):
    assert "x is given twice" in adiff.error("grad", "x", "--x", 1, "--x", 2)
    assert "x is given twice" in adiff.error("grad", "x", "--x", 1, "-v", "x=2")


def test_a_value_that_is_not_a_constant_expression(adiff):
    message = adiff.error("grad", "x", "--x", "y")
    assert "the value of --x ('y')" in message
    assert "constant expression" in message


def test_a_value_with_a_syntax_error_names_the_input(adiff):
    message = adiff.error("grad", "x", "--x", "[1,2")
    assert message.startswith("error: the value of --x ('[1,2'): ")
    assert "-->" not in message  # the place is in the value, not in the program


def test_an_option_without_its_value_is_refused(adiff):
    assert adiff.error("grad", "x", "--x", 1, "--seed") == "error: --seed needs a value\n"
    assert adiff.error("grad", "x", "--x", 1, "-f") == "error: -f needs a value\n"


def test_a_seed_that_is_not_a_constant_names_seed(adiff):
    message = adiff.error("grad", "x", "--x", "[1,2]", "--seed", "y")
    assert message.startswith("error: the value of --seed ('y'): ")
    assert "constant expression" in message
    message = adiff.error("grad", "x", "--x", "[1,2]", "--seed", "[1,")
    assert message.startswith("error: the value of --seed ('[1,'): ")
    assert "-->" not in message  # the place is in the seed, not in the program


def test_an_input_name_must_be_a_name(adiff):
    message = adiff.error("grad", "x", "--1x", 3)
    assert "--1x is neither an option nor an input" in message


def test_max_elements_may_be_given_before_the_command(adiff):
    message = adiff.error("--max-elements", 10, "eval", "linspace(0, 1, 100)")
    assert "more than the limit of 10" in message
    assert adiff.json("--max-elements", 10, "eval", "linspace(0, 1, 3)") == {
        "value": [0, 0.5, 1]}


def test_the_command_max_elements_wins_over_the_global_one(adiff):
    doc = adiff.json("--max-elements", 10, "eval", "sum(linspace(0, 1, 100))",
                     "--max-elements", 1000)
    assert doc["value"] == pytest.approx(50, rel=1e-12)


def test_a_formula_may_start_like_a_short_option(adiff):
    assert adiff.json("eval", "-v*2", "--v", 3) == {"value": -6}


def test_standard_input_must_be_utf8(adiff):
    message = adiff.error("eval", "-", "--x", 1, input=b"x*\xff")
    assert message == "error: standard input is not UTF-8 text\n"


# constants given a value (SPEC §1)


def test_a_constant_given_a_value_is_an_input_and_a_note_says_so(adiff):
    result = adiff("grad", "e*x", "--e", 2, "--x", 3, "--json")
    assert result.exit_code == 0
    assert adiff.parse(result.stdout) == {"value": 6, "grad": {"e": 3, "x": 2}}
    assert result.stderr == "note: e is an input here (e = 2), not the constant e = " \
                            f"{math.e!r}\n"


def test_a_constant_given_with_var_is_an_input(adiff):
    assert adiff.json("eval", "pi * r**2", "-v", "pi=3", "--r", 2) == {"value": 12}


def test_a_constant_not_given_a_value_stays_the_constant(adiff):
    assert adiff.json("eval", "e*x", "--x", 1) == {"value": math.e}


# options in the wrong place


def test_an_option_given_twice_is_refused(adiff):
    message = adiff.error("grad", "x*y", "--x", 1, "--y", 2, "--wrt", "x", "--wrt", "y")
    assert message == "error: --wrt is given twice; give it once\n"


def test_an_option_of_another_command_says_which_commands_take_it(adiff):
    message = adiff.error("hessian", "x*y", "--x", 1, "--y", 2, "--seed", 1)
    assert "--seed is an option of grad, check and graph, not of hessian" in message
    message = adiff.error("eval", "x", "--x", 1, "--wrt", "x")
    assert "--wrt is an option of grad, hessian, " in message and ", not of eval" in message


def test_an_input_named_like_an_option_of_another_command_is_an_input(adiff):
    assert adiff.json("hessian", "seed**2", "--seed", 3)["hessian"] == {"seed": {"seed": 2}}


def test_json_and_other_common_options_may_stand_before_the_command(adiff):
    result = adiff("--json", "grad", "(x**2+1)**3", "--x", 2)
    assert adiff.parse(result.stdout) == {"value": 125, "grad": {"x": 300}}
    result = adiff("--digits", 3, "eval", "pi")
    assert result.stdout == "value  3.14\n"


def test_json_before_an_unknown_command_reports_the_command(adiff):
    result = adiff("--json", "grda", "x", "--x", 1)
    assert result.exit_code == 2
    message = adiff.parse(result.stdout)["error"]["message"]
    assert message.startswith("No such command 'grda'. Did you mean 'grad'")
    assert adiff("--digits", 3, "--version").stdout.startswith("adiff ")


def test_a_short_input_option_says_to_use_two_dashes(adiff):
    message = adiff.error("grad", "x*y", "-x", 1, "-y", 2)
    assert message == "error: -x 1: an input is given with two dashes, --x 1 (or -v x=1)\n"


def test_a_bare_assignment_says_how_inputs_are_given(adiff):
    message = adiff.error("grad", "x*y", "x=1", "--y", 2)
    assert message == "error: x=1: an input is given as --x 1 or -v x=1\n"


# the program on standard input


def test_without_expr_the_program_is_read_from_standard_input(adiff):
    assert adiff.json("grad", "--x", 2, input="x**3\n") == {"value": 8, "grad": {"x": 12}}


def test_without_expr_and_with_empty_standard_input_expr_is_missing(adiff):
    assert "missing EXPR: standard input was empty" in adiff.error("grad", "--x", 2, input="")


def test_a_byte_order_mark_at_the_start_of_a_file_is_ignored(adiff, tmp_path):
    program = tmp_path / "model.adf"
    program.write_bytes("\ufeffx**2\n".encode())
    assert adiff.json("grad", "-f", program, "--x", 3) == {"value": 9, "grad": {"x": 6}}
