"""Numbers at full precision for people, and strict JSON for scripts."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff_cli.rendering.numbers import dumps, format_number, format_value, json_value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (125.0, "125"),
        (-3.0, "-3"),
        (0.0, "0"),
        (-0.0, "0"),
        (-1e-320 * 0, "0"),
        (0.1, "0.1"),
        (1 / 3, "0.3333333333333333"),
        (2.5, "2.5"),
        (1e-7, "1e-07"),
        (1e300, "1e+300"),
        (1e16, "1e+16"),
        (2.0**53 - 1, "9007199254740991"),
        (2.0**53, "9.007199254740992e+15"),
        (-(2.0**60), "-1.152921504606847e+18"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (np.float64(300.0), "300"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


@given(st.floats(allow_nan=False))
def test_format_number_round_trips_every_float(value):
    back = float(format_number(value))
    assert back == value  # -0.0 reads back as 0.0: equal, by IEEE comparison


def test_format_value_of_a_scalar_is_the_number():
    assert format_value(125.0) == "125"
    assert format_value(np.array(0.1)) == "0.1"


def test_format_value_of_a_vector_is_a_bracketed_list():
    assert format_value(np.array([1.0, 2.5, 3.0])) == "[1, 2.5, 3]"


def test_format_value_puts_matrix_rows_on_lines_aligned():
    assert format_value(np.array([[1.0, -2.5], [30.0, 4.0]])) == "[[   1, -2.5],\n [  30,    4]]"


def test_format_value_separates_blocks_of_a_3d_array():
    text = format_value(np.arange(8.0).reshape(2, 2, 2))
    assert text == "[[[0, 1],\n  [2, 3]],\n\n [[4, 5],\n  [6, 7]]]"


def test_format_value_of_empty_arrays():
    assert format_value(np.zeros(0)) == "[]"
    assert format_value(np.zeros((0, 3))) == "[]"


def test_format_value_reads_json_form_values():
    assert format_value([1, "nan", "-inf"]) == "[1, nan, -inf]"


def test_json_value_emits_exact_integers_as_ints():
    assert json_value(125.0) == 125 and type(json_value(125.0)) is int
    assert json_value(np.array([1.0, 2.0])) == [1, 2]
    assert all(type(v) is int for v in json_value(np.array([1.0, 2.0])))


def test_json_value_keeps_floats_that_are_not_exact_integers():
    assert json_value(0.5) == 0.5
    big = json_value(2.0**53)
    assert big == 2.0**53 and type(big) is float
    negative_zero = json_value(-0.0)
    assert type(negative_zero) is float and math.copysign(1, negative_zero) < 0


def test_json_value_spells_non_finite_values_as_strings():
    assert json_value(float("nan")) == "nan"
    assert json_value(np.array([1.5, np.inf, -np.inf, np.nan, 2.0])) == [
        1.5,
        "inf",
        "-inf",
        "nan",
        2,
    ]


def test_json_value_nests_like_the_array():
    assert json_value(np.arange(6.0).reshape(2, 3) / 2) == [[0, 0.5, 1], [1.5, 2, 2.5]]


def _refuse(constant):
    raise AssertionError(f"non-strict JSON literal {constant}")


def test_dumps_is_strict_json_on_one_line():
    doc = {"value": json_value(np.array([np.nan, np.inf, 1.0])), "grad": {"x": json_value(-np.inf)}}
    text = dumps(doc)
    assert "\n" not in text
    assert json.loads(text, parse_constant=_refuse) == {
        "value": ["nan", "inf", 1],
        "grad": {"x": "-inf"},
    }


def test_dumps_refuses_a_raw_nan_instead_of_printing_NaN():
    with pytest.raises(ValueError):
        dumps({"value": float("nan")})


def test_a_million_elements_go_through_json():
    values = np.random.default_rng(0).standard_normal(10**6)
    values[::1000] = np.nan
    values[1::1000] = 7.0
    back = json.loads(dumps({"value": json_value(values)}), parse_constant=_refuse)["value"]
    assert len(back) == 10**6
    assert back[0] == "nan" and back[1] == 7 and back[2] == values[2]


def test_a_million_element_matrix_is_summarised_row_by_row():
    text = format_value(np.arange(10**6, dtype=float).reshape(1000, 1000))
    assert text.splitlines()[:2] == ["[[0, 1, 2, ..., 997, 998, 999],",
                                     " [1000, 1001, 1002, ..., 1997, 1998, 1999],"]
    assert text.count("\n") == 6  # three rows, '...', three rows


def test_json_output_never_imports_rich():
    code = (
        "import sys, numpy as np\n"
        "from autodiff_cli.rendering.numbers import dumps, json_value\n"
        "dumps({'value': json_value(np.ones(3))})\n"
        "assert 'rich' not in sys.modules, 'rich was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

def test_a_large_array_is_summarised_for_people_at_full_precision():
    text = format_value(np.linspace(0, 1, 1001))
    assert text == ("[0, 0.001, 0.002, ..., 0.998, 0.999, 1]  "
                    "(1,001 elements; --json prints them all)")


def test_an_array_up_to_the_threshold_is_printed_whole():
    assert format_value(np.arange(1000.0)).count(",") == 999


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (-13.600000000000001, 3, "-13.6"),
        (2.8374981373070867, 4, "2.837"),
        (126.0, 2, "130"),
        (1 / 3, 1, "0.3"),
        (-1e-20, 3, "-1e-20"),
        (123456789.0, 3, "123000000"),
        (1.5e300, 2, "1.5e+300"),
        (-0.0, 3, "0"),
        (float("nan"), 3, "nan"),
    ],
)
def test_format_number_rounds_to_significant_digits(value, digits, text):
    assert format_number(value, digits) == text


def test_format_value_rounds_every_element():
    assert format_value(np.array([1 / 3, -2 / 3]), 2) == "[0.33, -0.67]"
