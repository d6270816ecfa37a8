"""Errors on stderr point at the place, and the JSON error document follows SPEC §4."""

from __future__ import annotations

import json

from autodiff_cli.errors import AdiffError
from autodiff_cli.rendering.errors import error_document, format_error


def caret_column(text: str) -> int:
    """1-based column, within the shown source line, of the caret below it."""
    source, caret = text.splitlines()[-2:]
    gutter = source.index("| ") + 2
    assert caret[:gutter].strip() == "|"
    return caret.index("^") - gutter + 1


def test_an_error_without_a_place_is_one_line():
    assert format_error(AdiffError("missing_input", "no value for x")) == "error: no value for x"


def test_the_caret_stands_under_the_column():
    message = "expected a number, a name or '('"
    err = AdiffError("syntax", message, line=1, column=4, source_line="(x+)")
    assert format_error(err).splitlines() == [
        f"error: {message}",
        " --> line 1, column 4",
        "  |",
        "1 | (x+)",
        "  |    ^",
    ]


def test_the_caret_may_stand_one_past_the_end_of_the_line():
    err = AdiffError("syntax", "unexpected end of input", line=1, column=4, source_line="x +")
    text = format_error(err)
    assert text.splitlines()[-2].endswith("| x +")
    assert caret_column(text) == 4


def test_the_gutter_is_as_wide_as_the_line_number():
    err = AdiffError("syntax", "bad", line=120, column=1, source_line="y")
    assert format_error(err).splitlines()[1:] == [
        "   --> line 120, column 1",
        "    |",
        "120 | y",
        "    | ^",
    ]


def test_tabs_are_expanded_and_the_caret_follows():
    err = AdiffError("syntax", "bad", line=1, column=2, source_line="\tx")
    text = format_error(err)
    assert "\t" not in text
    source, caret = text.splitlines()[-2:]
    assert caret.index("^") == source.index("x")


def test_wide_characters_take_two_cells():
    err = AdiffError("syntax", "bad", line=1, column=3, source_line="变量 + 1")
    source, caret = format_error(err).splitlines()[-2:]
    assert caret.index("^") == source.index(" +") + 2


def test_a_very_long_line_is_shown_around_the_column():
    line = "(" * 50_000 + "@" + ")" * 50_000
    err = AdiffError("syntax", "bad", line=1, column=50_001, source_line=line)
    text = format_error(err)
    source, caret = text.splitlines()[-2:]
    assert len(source) < 120
    assert source[caret.index("^")] == "@"
    assert "…" in source


def test_a_place_without_a_source_line_still_names_line_and_column():
    err = AdiffError("unknown_name", "unknown name 'y'", line=3, column=7)
    assert format_error(err) == "error: unknown name 'y'\n --> line 3, column 7"


def test_error_document_has_kind_and_message():
    doc = error_document(AdiffError("missing_input", "no value for x"))
    assert doc == {"error": {"kind": "missing_input", "message": "no value for x"}}


def test_error_document_adds_line_and_column_when_known():
    err = AdiffError("syntax", "bad", line=2, column=5, source_line="x + )")
    doc = error_document(err)
    assert doc == {"error": {"kind": "syntax", "message": "bad", "line": 2, "column": 5}}
    assert json.loads(json.dumps(doc)) == doc
