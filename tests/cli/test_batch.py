"""SPEC §3a: many points with --batch, grid tables and --csv for people."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest


def lines(result) -> list[dict]:
    from conftest import strict_json

    return [strict_json(line) for line in result.stdout.splitlines()]


# --batch


def test_batch_json_lines_give_one_document_per_point_in_order(adiff):
    points = '{"x": 1}\n{"x": 2}\n\n{"x": 3}\n'
    result = adiff("grad", "x**2", "--batch", "-", input=points)
    assert result.exit_code == 0
    assert lines(result) == [{"value": 1, "grad": {"x": 2}}, {"value": 4, "grad": {"x": 4}},
                             {"value": 9, "grad": {"x": 6}}]


def test_batch_documents_are_the_json_documents_of_single_runs(adiff, tmp_path):
    program = "sin(x)*exp(-y) + log1p(x*y) - sqrt(x**2 + y**2)/(1 + x)"
    rng = np.random.default_rng(1)
    points = [{"x": float(x), "y": float(y)} for x, y in rng.uniform(0.1, 3, (20, 2))]
    path = tmp_path / "points.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in points))
    for command in ("eval", "grad", "hessian", "jvp", "taylor"):
        extra = ("--wrt", "x") if command == "taylor" else ()
        batch = lines(adiff(command, program, "--batch", path, *extra))
        assert len(batch) == len(points)
        for point, document in zip(points, batch):
            single = adiff.json(command, program, "--x", repr(point["x"]), "--y",
                                repr(point["y"]), *extra)
            assert document.keys() == single.keys()
            np.testing.assert_allclose(json.dumps(document) and _numbers(document),
                                       _numbers(single), rtol=1e-15, atol=0)


def _numbers(document) -> list[float]:
    out = []
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item[k] for k in sorted(item))
        elif isinstance(item, list):
            stack.extend(item)
        elif not isinstance(item, str):
            out.append(float(item))
    return out


def test_batch_csv_has_a_header_of_input_names(adiff, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,y\n1,2\n3,pi\n")
    assert lines(adiff("eval", "x*y", "--batch", path)) == [{"value": 2},
                                                            {"value": 3 * math.pi}]


def test_batch_options_hold_for_every_point(adiff):
    result = adiff("grad", "x*y", "--y", 10, "--batch", "-", input='{"x": 1}\n{"x": 2}\n')
    assert lines(result) == [{"value": 10, "grad": {"x": 10, "y": 1}},
                             {"value": 20, "grad": {"x": 10, "y": 2}}]


def test_batch_values_may_be_arrays(adiff):
    result = adiff("grad", "sum(x**2)", "--batch", "-", input='{"x": [1, 2]}\n{"x": [3]}\n')
    assert lines(result) == [{"value": 5, "grad": {"x": [2, 4]}}, {"value": 9, "grad": {"x": [6]}}]


def test_a_bad_point_gets_an_error_line_with_its_line_number_and_the_rest_go_on(adiff):
    points = '{"x": 1}\n\nnot json\n{"y": 2}\n{}\n{"x": 2}\n'
    result = adiff("grad", "x**2", "--batch", "-", input=points)
    assert result.exit_code == 2
    docs = lines(result)
    assert docs[0] == {"value": 1, "grad": {"x": 2}} and docs[-1] == {"value": 4, "grad": {"x": 4}}
    assert [d["line"] for d in docs[1:-1]] == [3, 4, 5]
    assert docs[2]["error"]["message"] == "the program does not use y; its inputs are x"
    assert docs[3]["error"]["message"] == "no value for x"
    assert result.stderr.count("error: line ") == 3


def test_a_csv_header_line_is_line_1(adiff, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x\n1\nfoo(\n")
    docs = lines(adiff("eval", "x", "--batch", path))
    assert docs[0] == {"value": 1} and docs[1]["line"] == 3


def test_batch_check_exits_2_only_for_bad_points(adiff):
    result = adiff("check", "x**3", "--batch", "-", input='{"x": 2}\n')
    assert result.exit_code == 0 and lines(result)[0]["ok"] is True


def test_batch_from_stdin_needs_the_program_as_expr(adiff):
    assert "give the program as EXPR" in adiff.error("grad", "--batch", "-", input='{"x": 1}\n')


def test_batch_of_a_missing_file_is_refused(adiff, tmp_path):
    assert "cannot read" in adiff.error("grad", "x", "--batch", tmp_path / "none.jsonl")


def test_batch_is_not_an_option_of_every_command(adiff):
    assert "--batch is an option of" in adiff.error("graph", "x", "--x", 1, "--batch", "-")


# grid tables


def test_a_grid_result_is_a_table_with_a_row_per_point(adiff):
    result = adiff("grad", "x**2 * y", "--x", "[1, 2, 3]", "--y", 2, "--seed", 1)
    assert result.stdout.splitlines() == [
        "x  y  value  ∂/∂x",
        "1  2      2     4",
        "2  2      8     8",
        "3  2     18    12",
        "∂/∂y  14  (summed over the points)",
    ]


def test_csv_prints_the_grid_with_a_header(adiff):
    result = adiff("eval", "x**2", "--x", "[1, 2, 3]", "--csv")
    assert result.stdout == "x,value\n1,1\n2,4\n3,9\n"
    result = adiff("grad", "x*y", "--x", "[1, 2]", "--y", "[3, 4]", "--seed", 1, "--csv",
                   "--digits", 2)
    assert result.stdout == "x,y,value,d/dx,d/dy\n1,3,3,3,1\n2,4,8,4,2\n"


def test_a_grid_past_1000_rows_is_summarised(adiff):
    out = adiff("eval", "x", "--x", "linspace(0, 1, 1001)").stdout.splitlines()
    assert len(out) == 1 + 5 + 1 + 5 + 1 and out[-1] == "(1,001 rows; --csv prints them all)"
    assert out[6].split() == ["…", "…"]


def test_csv_of_a_result_that_is_not_a_grid_is_refused(adiff):
    assert "--csv prints a grid" in adiff.error("eval", "sum(x)", "--x", "[1, 2]", "--csv")


@pytest.mark.parametrize("value", ["[[1, 2]]", "2"])
def test_a_matrix_or_a_number_is_not_a_grid(adiff, value):
    assert "value" in adiff("eval", "x", "--x", value).stdout.split()[0]


def test_a_csv_header_naming_an_unknown_input_is_refused_before_any_point(adiff, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,z\n1,2\n")
    result = adiff("eval", "x", "--batch", path)
    assert result.exit_code == 2 and lines(result) == [  # no point's line: only the error
        {"error": {"kind": "name", "message": "the program does not use z; its inputs are x"}}]
    assert result.stderr == "error: the program does not use z; its inputs are x\n"


def test_batch_from_stdin_takes_the_program_from_a_file(adiff, tmp_path):
    (tmp_path / "f.txt").write_text("x**3")
    result = adiff("grad", "-f", tmp_path / "f.txt", "--batch", "-", input='{"x": 2}\n')
    assert result.exit_code == 0 and lines(result) == [{"value": 8, "grad": {"x": 12}}]


@pytest.mark.parametrize("args", [("grad", "x +", "--batch", "-"),
                                  ("grad", "x", "--batch", "/no/such/points.jsonl")])
def test_a_batch_that_fails_before_its_points_prints_the_error_document(adiff, args):
    result = adiff(*args, input='{"x": 1}\n')
    assert result.exit_code == 2
    (document,) = lines(result)
    assert set(document) == {"error"} and result.stderr.startswith("error: ")


def test_json_null_and_booleans_are_not_numbers(adiff):
    points = '{"x": null}\n{"x": [1, null]}\n{"x": true}\n{"x": 2}\n'
    result = adiff("grad", "sum(x**2)", "--batch", "-", input=points)
    assert result.exit_code == 2
    documents = lines(result)
    assert [d.get("line") for d in documents[:3]] == [1, 2, 3]
    assert all("not a number" in d["error"]["message"] for d in documents[:3])
    assert documents[3] == {"value": 4, "grad": {"x": 4}}


def test_a_csv_row_of_empty_cells_is_a_point_without_values(adiff, tmp_path):
    path = tmp_path / "points.CSV"  # the suffix in any case
    path.write_text("x,y\n5,\n,\n\n1,2\n")
    documents = lines(adiff("grad", "x*y", "--batch", path))
    assert [d.get("line") for d in documents] == [2, 3, None]
    assert documents[0]["error"]["message"] == "no value for y: its cell is empty"
    assert documents[2] == {"value": 2, "grad": {"x": 2, "y": 1}}


def test_a_csv_header_naming_an_input_twice_is_refused(adiff, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,x\n1,2\n")
    result = adiff("grad", "x", "--batch", path)
    assert result.exit_code == 2 and "names x more than once" in result.stderr


def test_check_batch_exits_1_when_a_point_does_not_agree(adiff):
    result = adiff("check", "abs(x)", "--batch", "-", input='{"x": 1}\n{"x": 0}\n')
    assert result.exit_code == 1
    assert [d["ok"] for d in lines(result)] == [True, False]


def test_a_warning_in_a_batch_names_its_point(adiff):
    result = adiff("grad", "log(x)", "--batch", "-", input='{"x": 1}\n{"x": -1}\n{"x": 2}\n')
    assert result.exit_code == 0 and len(lines(result)) == 3
    assert result.stderr == "line 2: warning: log at 1:1 produced nan from input -1\n"


def test_csv_output_and_batch_do_not_go_together(adiff):
    message = adiff.error("grad", "x**2", "--batch", "-", "--csv", input='{"x": 1}\n')
    assert message.startswith("error: --csv prints one grid result; with --batch")
