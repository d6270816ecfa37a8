"""Lark's parse errors turned into AdiffErrors that say in plain words what was expected.

Lark reports the terminals the parser could have accepted (`UnexpectedToken.accepts`);
`WORDS` names each terminal of the grammar the way a user would, and a few common
mistakes (a missing operator, an unclosed or unmatched bracket) get a message
of their own.
"""

from __future__ import annotations

from lark import Token, UnexpectedCharacters, UnexpectedToken

from autodiff_cli.errors import AdiffError
from autodiff_cli.language.functions import vocabulary
from autodiff_cli.language.parser import Brackets
from autodiff_cli.language.program import line_of

WORDS = {
    "NUMBER": "a number",
    "NAME": "a name",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "AT": "'@'",
    "POW": "'**'",
    "SUPERSCRIPT": "a superscript exponent",
    "COMPARE": "a comparison",
    "COLON": "':'",
    "DOT": "'.'",
    "DEF_HEAD": "a function definition",
    "LSQB": "'['",
    "_RSQB": "']'",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_COMMA": "','",
    "_ASSIGN": "'='",
    "SEMICOLON": "';'",
    "NEWLINE": "a new line",
    "COMMENT": "a comment",
    "WHITESPACE": "a space",
    "$END": "the end of the program",
}

# Groups of terminals that read better as one phrase. A group is used when all
# of its terminals are expected; `hides` are then left unsaid as less likely.
_GROUPS = (
    ("a number, a name or '('", {"NUMBER", "NAME", "_LPAR"}, {"LSQB", "PLUS", "MINUS"}),
    ("an operator", {"PLUS", "MINUS", "STAR", "SLASH", "AT", "POW"},
     {"LSQB", "_LPAR", "_ASSIGN", "SUPERSCRIPT", "COMPARE", "DOT"}),
    ("the end of the statement", {"SEMICOLON", "NEWLINE", "$END"}, set()),
)
_OPERANDS = {"NUMBER", "NAME", "_LPAR"}
_OPENER_OF = {"_RPAR": "_LPAR", "_RSQB": "LSQB"}


def expected_words(terminals: set[str]) -> str:
    """'a number, a name or '('' for the set of terminals a parser state accepts."""
    remaining = set(terminals)
    phrases = []
    for phrase, members, hides in _GROUPS:
        if members <= remaining:
            phrases.append(phrase)
            remaining -= members | hides
    phrases += sorted(WORDS.get(name, name) for name in remaining)
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def syntax_error(
    error: UnexpectedToken | UnexpectedCharacters, source: str, brackets: Brackets
) -> AdiffError:
    """The AdiffError for a Lark parse error of `source` (the two kinds LALR raises)."""
    if isinstance(error, UnexpectedToken):
        expected = error.accepts or error.expected
        line, column = error.line, error.column
        token = error.token
        if token.type == "$END":
            # Lark places the end at the start of the last token; the end is one past it.
            if token.end_line is not None:
                line, column = token.end_line, token.end_column
            message = f"unexpected end of the program: expected {expected_words(expected)}"
            if brackets.open:
                bracket = brackets.open[-1]
                message += f" (the '{bracket}' at {bracket.line}:{bracket.column} is not closed)"
        elif token.type in _OPENER_OF and (mismatch := _bracket_mismatch(token, brackets)):
            message = mismatch
        elif token.type == "COMPARE" and _after_comparison(error):
            message = (f"comparisons do not chain: for a < b < c write (a < b) * (b < c); "
                       f"'{token}' follows a comparison")
        elif token.type == "_COMMA" and (comma := _decimal_comma(source, token)):
            message = comma
        elif {"MINUS", "NUMBER"} <= set(expected) and "NAME" not in expected:
            message = f"an index must be a whole number such as 0 or -1, not '{token}'"
        elif token.type in _OPERANDS and "STAR" in expected:
            message = _missing_operator(error, token)
        elif token.type == "NEWLINE":
            message = f"unexpected end of line: expected {expected_words(expected)}"
        else:
            message = f"unexpected '{token}': expected {expected_words(expected)}"
    else:
        parser = error.interactive_parser
        expected = parser.accepts() if parser is not None else error.allowed
        line, column = error.line, error.column
        character = source[error.pos_in_stream]
        shown = f"'{character}'" if character.isprintable() else repr(character)
        message = f"unexpected character {shown}: expected {expected_words(expected)}"
    return AdiffError(
        "syntax", message, line=line, column=column, source_line=line_of(source, line)
    )


def _bracket_mismatch(closer: Token, brackets: Brackets) -> str | None:
    """What is wrong with a closing bracket, if it is the bracket that is wrong."""
    if closer is brackets.matched:  # it closed its opener; what came before it is wrong
        return None
    if not brackets.open:
        return f"unmatched '{closer}'"
    opener = brackets.open[-1]
    if opener.type != _OPENER_OF[closer.type]:
        return f"'{closer}' does not match the '{opener}' at {opener.line}:{opener.column}"
    return None


def _missing_operator(error: UnexpectedToken, token: Token) -> str:
    """Two operands in a row: name the one before when the parser still holds it."""
    stack = error.interactive_parser.parser_state.value_stack if error.interactive_parser else []
    before = stack[-1] if stack else None
    if isinstance(before, Token) and before.type == "NAME" and before in vocabulary():
        return f"{before} is a function: write {before}(...)"
    if isinstance(before, Token) and before.type in ("NUMBER", "NAME"):
        return f"missing operator between '{before}' and '{token}'"
    return f"missing operator before '{token}'"


def _after_comparison(error: UnexpectedToken) -> bool:
    """Whether the parser holds `a <op> b` when another comparison comes."""
    parser = error.interactive_parser
    stack = parser.parser_state.value_stack if parser else []
    return len(stack) >= 2 and isinstance(stack[-2], Token) and stack[-2].type == "COMPARE"


def _decimal_comma(source: str, comma: Token) -> str | None:
    """`0,5`: a number, a comma and digits with no space, where no comma may stand."""
    at = comma.start_pos
    before, after = source[:at], source[at + 1:]
    if before[-1:].isdigit() and after[:1].isdigit():
        whole = before[len(before.rstrip("0123456789")):]
        fraction = after[: len(after) - len(after.lstrip("0123456789"))]
        return (f"unexpected ',': a decimal comma? write {whole}.{fraction}, "
                f"not {whole},{fraction}")
    return None
