"""The grammar file: conflict-free, every terminal named in words, found and cached."""

import os
import subprocess
import sys
from pathlib import Path

import lark
import pytest
from lark import Lark

from autodiff_cli.language import parser
from autodiff_cli.language.syntax_errors import WORDS


def test_grammar_builds_in_strict_mode_so_it_has_no_lalr_conflicts():
    # strict=True also checks that no two terminals collide; it needs `interegular`.
    Lark(parser.grammar_text(), parser="lalr", strict=True)


def test_every_terminal_of_the_grammar_has_a_word_and_no_word_is_stale():
    terminals = {t.name for t in Lark(parser.grammar_text(), parser="lalr").terminals}
    assert set(WORDS) == terminals | {"$END"}


def test_every_terminal_is_named_so_none_is_anonymous():
    terminals = {t.name for t in Lark(parser.grammar_text(), parser="lalr").terminals}
    assert not [name for name in terminals if name.startswith("__ANON")]


def test_packaged_grammar_is_looked_for_before_the_repository_copy():
    package = parser.GRAMMAR_LOCATIONS[0]
    repository = parser.GRAMMAR_LOCATIONS[1]
    assert package.parts[-3:] == ("autodiff_cli", "grammar", "adiff.lark")
    assert repository.parent.parent == package.parent.parent.parent


def test_grammar_text_reads_the_first_location_that_exists(tmp_path, monkeypatch):
    packaged, repository = tmp_path / "packaged.lark", tmp_path / "repository.lark"
    repository.write_text("repository")
    monkeypatch.setattr(parser, "GRAMMAR_LOCATIONS", (packaged, repository))
    assert parser.grammar_text() == "repository"
    packaged.write_text("packaged")
    assert parser.grammar_text() == "packaged"


def test_missing_grammar_is_reported_with_the_places_looked_in(tmp_path, monkeypatch):
    monkeypatch.setattr(parser, "GRAMMAR_LOCATIONS", (tmp_path / "nowhere.lark",))
    with pytest.raises(FileNotFoundError, match="nowhere.lark"):
        parser.grammar_text()


def test_cache_file_lives_in_the_users_cache_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = parser.cache_path("grammar")
    assert os.path.dirname(path) == str(tmp_path / "adiff")
    assert lark.__version__ in os.path.basename(path)


def test_no_cache_when_the_cache_directory_cannot_be_made(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert parser.cache_path("grammar") is None


def test_second_build_loads_the_cached_parser_without_analysing_the_grammar(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parser.build_parser(None, parser.Brackets())
    assert list((tmp_path / "adiff").iterdir())

    def no_analysis(*args, **kwargs):
        raise AssertionError("the grammar was analysed again")

    monkeypatch.setattr(lark.lark, "load_grammar", no_analysis)
    cached = parser.build_parser(None, parser.Brackets())
    assert cached.parse("x + 1").data == "start"


def _compile_in_fresh_process(cache_home) -> subprocess.CompletedProcess:
    code = (
        "from autodiff_cli.language import compile_program\n"
        "print(compile_program('2*x + 1').instructions)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )


def test_a_fresh_process_compiles_with_the_cached_inline_transformer(tmp_path):
    first = _compile_in_fresh_process(tmp_path)
    second = _compile_in_fresh_process(tmp_path)
    assert "'mul'" in first.stdout
    assert second.stdout == first.stdout
    assert second.stderr == ""


def test_a_corrupt_cache_file_is_rebuilt_silently(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache_file = Path(parser.cache_path(parser.grammar_text()))
    cache_file.write_bytes(b"not a pickle")
    result = _compile_in_fresh_process(tmp_path)
    assert "'mul'" in result.stdout
    assert result.stderr == ""
    assert cache_file.read_bytes() != b"not a pickle"


def test_an_unusable_cache_directory_costs_time_only(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _compile_in_fresh_process(blocker)
    assert "'mul'" in result.stdout
    assert result.stderr == ""
