"""Compiles program text into a `Program` while Lark parses it.

The compiler is Lark's inline transformer (Lark's examples/calc.py): Lark calls
one method per reduced rule, in source order, and each method appends its
operation to a flat instruction list and returns the new instruction's index.
No parse tree is built, so depth costs neither memory for a tree nor recursion.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from lark import Lark, Token, UnexpectedCharacters, UnexpectedToken

from autodiff_cli.errors import AdiffError
from autodiff_cli.language.functions import CONSTANTS, FUNCTIONS
from autodiff_cli.language.parser import Brackets, build_parser
from autodiff_cli.language.program import DEFAULT_MAX_ELEMENTS, Instruction, Program, line_of
from autodiff_cli.language.syntax_errors import syntax_error

if TYPE_CHECKING:
    import numpy as np

_MAX_INDEX_DIGITS = 18  # beyond any axis length; also keeps int() within Python's digit limit


def _binary(op: str) -> Callable[[_Compiler, list], int]:
    def callback(self: _Compiler, children: list) -> int:
        left, operator, right = children
        return self.emit(op, (left, right), None, operator)

    callback.__doc__ = f"`a {op} b`, placed at its operator."
    return callback


class _Compiler:
    """The callbacks, one per rule or alias of grammar/adiff.lark.

    State lives for one `compile_program` call (which holds `_lock`).
    """

    def reset(self, source: str, inputs: frozenset[str] = frozenset()) -> None:
        self.source = source
        self.shadowed = inputs  # constants given a value: inputs for this run
        self.instructions: list[Instruction] = []
        self.inputs: list[str] = []
        # What each name means at this point of the program: an input, a constant
        # or the instruction it was last bound to.
        self.scope: dict[str, int] = {}

    def error(self, kind: str, message: str, token: Token) -> AdiffError:
        return AdiffError(
            kind,
            message,
            line=token.line,
            column=token.column,
            source_line=line_of(self.source, token.line),
        )

    def emit(self, op: str, args: tuple[int, ...], param: object, token: Token) -> int:
        self.instructions.append(Instruction(op, args, param, token.line, token.column))
        return len(self.instructions) - 1

    def start(self, children: list) -> int:
        """Statements (instruction indices for expressions, NAME tokens for bindings)
        and separators: all but the last statement must bind a name."""
        expression = separator = last = None
        for item in children:
            if isinstance(item, int) or item.type == "NAME":
                if expression is not None:
                    raise self.error(
                        "syntax",
                        "only the last statement can be an expression (the output); "
                        "give this one a name (u = ...) or remove it",
                        separator,
                    )
                last = item
                if isinstance(item, int):
                    expression = item
            elif expression is not None and separator is None:
                separator = item
        if last is None:
            raise AdiffError("syntax", "the program is empty: expected an expression")
        if not isinstance(last, int):
            raise self.error(
                "syntax",
                f"the program ends with a binding of {last}; its last statement must be "
                f"an expression, the output (such as {last})",
                last,
            )
        return last

    def binding(self, children: list) -> Token:
        name, value = children
        self.scope[name.value] = value
        return name

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    matmul = _binary("matmul")
    pow = _binary("pow")

    def negative(self, children: list) -> int:
        operator, operand = children
        return self.emit("neg", (operand,), None, operator)

    def positive(self, children: list) -> int:
        """Unary plus is the identity: it needs no instruction."""
        return children[1]

    def number(self, children: list) -> int:
        (token,) = children
        return self.emit("constant", (), float(token), token)

    def name(self, children: list) -> int:
        (token,) = children
        name = token.value
        index = self.scope.get(name)
        if index is not None:
            return index
        if name in CONSTANTS and name not in self.shadowed:
            index = self.emit("constant", (), CONSTANTS[name], token)
        elif name in FUNCTIONS:
            raise self.error("name", f"{name} is a function: write {name}(...)", token)
        else:
            index = self.emit("input", (), name, token)
            self.inputs.append(name)
        self.scope[name] = index
        return index

    def call(self, children: list) -> int:
        token, arguments = children
        arguments = arguments or []
        name = token.value
        parameters = FUNCTIONS.get(name)
        if parameters is None:
            raise self.error("name", _unknown_function(name), token)
        if len(arguments) != len(parameters):
            count = len(parameters)
            raise self.error(
                "arity",
                f"{name} takes {count} argument{'s' if count > 1 else ''} "
                f"({', '.join(parameters)}), got {len(arguments)}",
                token,
            )
        return self.emit("call", tuple(arguments), name, token)

    def arguments(self, children: list) -> list[int]:
        return children

    def array(self, children: list) -> int:
        bracket, elements = children
        return self.emit("array", tuple(elements), None, bracket)

    def index(self, children: list) -> int:
        target, bracket, subscripts = children
        return self.emit("index", (target,), subscripts, bracket)

    def subscripts(self, children: list) -> tuple[int, ...]:
        return tuple(children)

    def subscript(self, children: list) -> int:
        number = children[-1]
        if not number.isdigit():
            raise self.error(
                "index", f"an index must be a whole number such as 0 or -1, not '{number}'", number
            )
        if len(number) > _MAX_INDEX_DIGITS:
            raise self.error("index", f"index {number} is out of range", number)
        return -int(number) if len(children) == 2 else int(number)


def _unknown_function(name: str) -> str:
    if name in CONSTANTS:
        return f"{name} is a constant, not a function"
    close = difflib.get_close_matches(name, FUNCTIONS, n=1)
    if close:
        return f"unknown function {name}; did you mean {close[0]}?"
    return f"unknown function {name}; the functions are {', '.join(FUNCTIONS)}"


_compiler = _Compiler()
_brackets = Brackets()
_parser: Lark | None = None
_lock = threading.Lock()  # the compiler and post-lexer hold one parse's state


def compile_program(text: str, *, shadow: frozenset[str] = frozenset()) -> Program:
    """Parse and compile program text; bad input raises AdiffError with its place.

    Constants named in `shadow` (`e` when the user gives `--e 2`) are inputs.
    """
    global _parser
    with _lock:
        if _parser is None:
            _parser = build_parser(_compiler, _brackets)
        _compiler.reset(text, shadow)
        try:
            output = _parser.parse(text)
            return Program(text, _compiler.instructions, output, _compiler.inputs)
        except (UnexpectedToken, UnexpectedCharacters) as error:
            raise syntax_error(error, text, _brackets) from None
        finally:
            _compiler.reset("")  # let go of this program's state


def evaluate_constant(text: str, *, max_elements: int = DEFAULT_MAX_ELEMENTS) -> np.ndarray:
    """The value of a constant expression such as `pi/4` or `linspace(0, 1, 5)`, as a
    float64 NumPy array: how an input's value is written on the command line."""
    program = compile_program(text)
    if program.inputs:
        names = ", ".join(program.inputs)
        raise AdiffError(
            "value",
            f"a value must be a constant expression, but {text!r} uses "
            f"{'the names' if len(program.inputs) > 1 else 'the name'} {names}",
        )
    return program.evaluate({}, max_elements=max_elements)[program.output].data
