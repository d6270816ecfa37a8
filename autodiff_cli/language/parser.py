"""The Lark parser for grammar/adiff.lark: where the grammar is, and how it is built cheaply.

Lark's analysis of the grammar costs tens of milliseconds, so the built parser
is pickled into the user's cache directory (Lark's own `cache` option) and a
fresh process loads it instead. A missing, read-only or unusable cache only
costs that time again.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark import __version__ as lark_version

_HERE = Path(__file__).parent
GRAMMAR_LOCATIONS = (
    _HERE.parent / "grammar" / "adiff.lark",  # inside the wheel (hatch force-include)
    _HERE.parents[1] / "grammar" / "adiff.lark",  # the repository, for an editable install
)


def grammar_text() -> str:
    """The grammar from the first place it is found in `GRAMMAR_LOCATIONS`."""
    for path in GRAMMAR_LOCATIONS:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"adiff's grammar is missing; looked in {GRAMMAR_LOCATIONS}")


def cache_path(grammar: str) -> str | None:
    """Where the built parser is kept, or None when there is no usable cache directory.

    A per-user directory, not Lark's default in the shared temp directory, since
    the file is unpickled. The name carries the grammar's hash and the versions
    so that two installs never overwrite each other's file.
    """
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        directory = Path(base) / "adiff"
        directory.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home directory
        return None
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    python = f"{sys.version_info[0]}{sys.version_info[1]}"
    return str(directory / f"parser-{digest}-lark{lark_version}-py{python}.pickle")


class Brackets:
    """Lark post-lexer that drops new lines inside () and [], so that an expression may
    span lines there; it keeps the open brackets for error messages."""

    always_accept = ("NEWLINE",)

    def __init__(self) -> None:
        self.open: list[Token] = []
        self.matched: Token | None = None  # the last closer that matched its opener

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        self.open = open_brackets = []
        self.matched = None
        push, pop = open_brackets.append, open_brackets.pop
        for token in stream:
            kind = token.type
            if kind == "NEWLINE":
                if open_brackets:
                    continue
            elif kind == "_LPAR" or kind == "LSQB":
                push(token)
            # A closer that does not match stays unpopped: the parser stops there anyway.
            elif kind == "_RPAR":
                if open_brackets and open_brackets[-1].type == "_LPAR":
                    pop()
                    self.matched = token
            elif kind == "_RSQB":
                if open_brackets and open_brackets[-1].type == "LSQB":
                    pop()
                    self.matched = token
            yield token


def build_parser(transformer: Any, postlex: Brackets, *, cache: bool = True) -> Lark:
    """The LALR parser that compiles as it parses by calling `transformer`'s methods."""
    grammar = grammar_text()
    cache_file = cache_path(grammar) if cache else None
    return Lark(
        grammar,
        parser="lalr",
        # No terminal of the language is a prefix-ambiguous keyword, so one scanner for
        # the whole grammar suffices; the contextual lexer compiles one per parser state,
        # which made loading the cached parser cost more than the rest of a start.
        lexer="basic",
        transformer=transformer,
        postlex=postlex,
        cache=cache_file or False,
    )
