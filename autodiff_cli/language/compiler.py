"""Compiles program text into a `Program` while Lark parses it.

The compiler is Lark's inline transformer (Lark's examples/calc.py): Lark calls
one method per reduced rule, in source order, and each method appends its
operation to a flat instruction list and returns the new instruction's index.
No parse tree is built, so depth costs neither memory for a tree nor recursion.

Two things are held back rather than emitted at once. An array literal `[a, b]`
is emitted only when used as a value, because concat and stack take its
elements as a list. A user function's body is compiled where it is defined and
then moved out of the program into a template, which each call copies in place
with the arguments put for the parameters.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from lark import Lark, Token, UnexpectedCharacters, UnexpectedToken

from autodiff_cli.errors import AdiffError
from autodiff_cli.language.functions import CONSTANTS, MODULES, suggestion, vocabulary
from autodiff_cli.language.parser import Brackets, build_parser
from autodiff_cli.language.program import (
    DEFAULT_MAX_ELEMENTS,
    Call,
    Instruction,
    Program,
    line_of,
)
from autodiff_cli.language.syntax_errors import syntax_error

if TYPE_CHECKING:
    import numpy as np

_MAX_INDEX_DIGITS = 18  # beyond any axis length; also keeps int() within Python's digit limit
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_DEF_HEAD = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)\s*\((.*)\)\s*=\Z", re.S)


class ArrayLiteral(NamedTuple):
    """`[a, b]` not yet emitted: its elements (instructions or nested literals)."""

    elements: list
    token: Token


class Keyword(NamedTuple):
    """`name=value` among a call's arguments."""

    name: Token
    value: object


class Template(NamedTuple):
    """A user function: its parameter names and body. In `instructions`, the first
    `len(params)` are "param" placeholders; an argument below 0 refers to the template's
    own instruction -(a+1), one at or above 0 to an instruction of the program (a
    name the body took from the program, as a closure would)."""

    params: tuple[str, ...]
    instructions: list[Instruction]
    output: int


def _binary(op: str) -> Callable[[_Compiler, list], int]:
    def callback(self: _Compiler, children: list) -> int:
        left, operator, right = children
        return self.emit(op, (self.value(left), self.value(right)), None, operator)

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
        self.functions: dict[str, Template] = {}
        self.defining: tuple | None = None  # (name, parameters, first body instruction, scope)
        self.table = vocabulary() if source else {}  # the built-ins

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

    def value(self, item) -> int:
        """An operand as an instruction: array literals are emitted when used as values."""
        if type(item) is int:
            return item
        done: list[int] = []
        todo: list = [(False, item)]
        while todo:  # nested literals, innermost first, without recursion
            ready, element = todo.pop()
            if type(element) is int:
                done.append(element)
            elif not ready:
                todo.append((True, element))
                todo.extend((False, e) for e in reversed(element.elements))
            else:
                count = len(element.elements)
                elements = tuple(done[len(done) - count:])
                del done[len(done) - count:]
                done.append(self.emit("array", elements, None, element.token))
        return done[0]

    # -- statements -----------------------------------------------------------------------

    def start(self, children: list) -> int:
        """Statements (instruction indices for expressions, NAME or DEF_HEAD tokens for
        bindings and definitions) and separators: all but the last statement must bind."""
        expression = separator = last = None
        for item in children:
            if isinstance(item, ArrayLiteral):  # a program whose output is `[a, b]`
                item = self.value(item)
            if isinstance(item, int) or item.type in ("NAME", "DEF_HEAD"):
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
            what = "binding of" if last.type == "NAME" else "definition of"
            name = last.value if last.type == "NAME" else last.value.split("(")[0].strip()
            example = name if last.type == "NAME" else f"{name}(...)"
            raise self.error(
                "syntax",
                f"the program ends with a {what} {name}; its last statement must be "
                f"an expression, the output (such as {example})",
                last,
            )
        return last

    def binding(self, children: list) -> Token:
        name, value = children
        self.scope[_constant_name(name.value)] = self.value(value)
        return name

    def def_head(self, children: list) -> Token:
        """`f(t) =`: the parameters are in scope for the body that follows."""
        (head,) = children
        match = _DEF_HEAD.match(head.value)
        name = match[1]
        params = tuple(p.strip() for p in match[2].split(",") if p.strip())
        if name in vocabulary():
            raise self.error("name", f"{name} is a built-in function; give yours another name",
                             head)
        if name in CONSTANTS:
            raise self.error("name", f"{name} is a constant; give your function another name",
                             head)
        if len(set(params)) != len(params):
            raise self.error("name", f"{name} names a parameter twice", head)
        start = len(self.instructions)
        self.defining = (name, params, start, dict(self.scope))
        for i, param in enumerate(params):
            self.scope[param] = self.emit("param", (), i, head)
        return head

    def definition(self, children: list) -> Token:
        """The end of `f(t) = body`: the body moves from the program into a template."""
        head, body = children
        body = self.value(body)
        name, params, start, scope = self.defining
        self.defining = None
        moved = self.instructions[start:]
        del self.instructions[start:]
        where: dict[int, int] = {}  # body instruction -> program index (>= 0) or template (< 0)
        template: list[Instruction] = []
        for k, instruction in enumerate(moved, start):
            if instruction.op == "input":  # a free name of the body is the program's input
                where[k] = len(self.instructions)
                self.instructions.append(instruction)
                scope[instruction.param] = where[k]
                continue
            args = tuple(where.get(a, a) for a in instruction.args)
            where[k] = -(len(template) + 1)
            template.append(instruction._replace(args=args))
        self.scope = scope
        self.functions[name] = Template(params, template, where.get(body, body))
        return head

    # -- operators ------------------------------------------------------------------------

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    matmul = _binary("matmul")
    pow = _binary("pow")

    def compare(self, children: list) -> int:
        left, operator, right = children
        return self.emit("compare", (self.value(left), self.value(right)), operator.value,
                         operator)

    def superscript(self, children: list) -> int:
        """x² is x**2: the exponent is the superscript's digits, placed at them."""
        base, digits = children
        exponent = self.emit("constant", (), float(digits.value.translate(_SUPERSCRIPTS)), digits)
        return self.emit("pow", (self.value(base), exponent), None, digits)

    def negative(self, children: list) -> int:
        operator, operand = children
        return self.emit("neg", (self.value(operand),), None, operator)

    def positive(self, children: list) -> int:
        """Unary plus is the identity: it needs no instruction."""
        return self.value(children[1])

    def number(self, children: list) -> int:
        (token,) = children
        return self.emit("constant", (), float(token), token)

    def name(self, children: list) -> int:
        (token,) = children
        name = _constant_name(token.value)
        index = self.scope.get(name)
        if index is not None:
            return index
        if name in CONSTANTS and name not in self.shadowed:
            index = self.emit("constant", (), CONSTANTS[name], token)
        elif name in self.table or name in self.functions:
            raise self.error("name", f"{name} is a function: write {name}(...)", token)
        else:
            index = self.emit("input", (), name, token)
            self.inputs.append(name)
        self.scope[name] = index
        return index

    # -- calls ----------------------------------------------------------------------------

    def call(self, children: list) -> int:
        token, arguments = children
        return self._call(token, token.value, arguments or [])

    def _call(self, token: Token, name: str, arguments: list) -> int:
        function = self.table.get(name)
        if (function is not None and name not in self.functions
                and len(arguments) == len(function.arguments)
                and all(type(a) is int for a in arguments)
                and all(p.kind is None for p in function.arguments)):
            # Values only, as many as the built-in takes: most calls, kept short.
            return self.emit("call", tuple(arguments), Call(name, (), (1,) * len(arguments)),
                             token)
        positional = [a for a in arguments if not isinstance(a, Keyword)]
        keywords = [a for a in arguments if isinstance(a, Keyword)]
        if keywords and arguments[len(positional):] != keywords:
            raise self.error("syntax", f"{name}: an argument without a name follows a "
                                       f"keyword argument ({keywords[0][0]}=...)", token)
        template = self.functions.get(name)
        if template is not None:
            return self._expand(token, name, template, positional, keywords)
        if self.defining is not None and name == self.defining[0]:
            raise self.error("name", f"{name} calls itself; a function cannot be recursive",
                             token)
        if function is None:
            raise self.error("name", _unknown_function(name, self.shadowed), token)
        self._check_arity(token, function, positional, keywords)
        counts = []
        flat: list[int] = []
        for value, parameter in zip(positional, function.arguments):
            if parameter.kind == "Values":
                if not isinstance(value, ArrayLiteral):
                    raise self.error("value", f"{name} takes a list of arrays such as [a, b] "
                                              f"as its {parameter.name}", token)
                elements = [self.value(e) for e in value.elements]
                counts.append(len(elements))
                flat.extend(elements)
            else:
                counts.append(1)
                flat.append(self.value(value))
        flat.extend(self.value(v) for _, v in keywords)
        call = Call(name, tuple(k.value for k, _ in keywords), tuple(counts))
        return self.emit("call", tuple(flat), call, token)

    def _check_arity(self, token: Token, function, positional: list, keywords: list) -> None:
        """A wrong number of arguments or an unknown keyword, named with what it takes."""
        name = function.name
        params = function.arguments
        required = sum(p.required for p in params)
        if not required <= len(positional) <= len(params):
            count = (f"{len(params)}" if required == len(params)
                     else f"{required} or {len(params)}" if len(params) - required == 1
                     else f"{required} to {len(params)}")
            takes = f"{name} takes {count} argument{'s' if len(params) != 1 else ''} " \
                    f"({', '.join(p.name for p in params)})"
            hint = ""
            if len(positional) == len(params) + 1 and re.search(r"\d,\d", self._call_text(token)):
                hint = " (a decimal comma? write 0.5, not 0,5)"
            raise self.error("arity", f"{takes}, got {len(positional)}{hint}", token)
        known = {p.name for p in function.keywords}
        seen = set()
        for keyword, _ in keywords:
            if keyword.value not in known:
                takes = (f"takes the keywords {', '.join(sorted(known))}" if known
                         else "takes no keywords")
                raise self.error("arity", f"{name} has no keyword {keyword.value}; it {takes}",
                                 keyword)
            if keyword.value in seen:
                raise self.error("arity", f"{name}: {keyword.value} is given twice", keyword)
            seen.add(keyword.value)

    def _call_text(self, token: Token) -> str:
        line = line_of(self.source, token.line)
        return line[token.column - 1:]

    def _expand(self, token: Token, name: str, template: Template, positional: list,
                keywords: list) -> int:
        """A user function's call, expanded in place: the graph shows its operations."""
        if keywords:
            raise self.error("arity", f"{name} takes no keywords", keywords[0][0])
        if len(positional) != len(template.params):
            count = len(template.params)
            raise self.error("arity", f"{name} takes {count} argument{'s' * (count != 1)} "
                                      f"({', '.join(template.params)}), got {len(positional)}",
                             token)
        args = [self.value(a) for a in positional]
        local: list[int] = []
        for instruction in template.instructions:
            if instruction.op == "param":
                local.append(args[instruction.param])
                continue
            mapped = tuple(local[-a - 1] if a < 0 else a for a in instruction.args)
            self.instructions.append(instruction._replace(args=mapped))
            local.append(len(self.instructions) - 1)
        output = template.output
        return local[-output - 1] if output < 0 else output

    def arguments(self, children: list) -> list:
        return children

    def keyword(self, children: list) -> Keyword:
        name, value = children
        return Keyword(name, value)

    def array(self, children: list) -> ArrayLiteral:
        bracket, elements = children
        return ArrayLiteral(elements, bracket)

    # -- indexing and attributes ------------------------------------------------------------

    def index(self, children: list) -> int:
        target, bracket, subscripts = children
        return self.emit("index", (self.value(target),), subscripts, bracket)

    def subscripts(self, children: list) -> tuple:
        return tuple(children)

    def integer(self, children: list) -> int:
        number = children[-1]
        if not number.isdigit():
            raise self.error(
                "index", f"an index must be a whole number such as 0 or -1, not '{number}'", number
            )
        if len(number) > _MAX_INDEX_DIGITS:
            raise self.error("index", f"index {number} is out of range", number)
        return -int(number) if len(children) == 2 else int(number)

    def slice(self, children: list) -> slice:
        parts = [c for c in children if not isinstance(c, Token)]
        if len(parts) == 2:
            parts.append(None)
        start, stop, step = parts
        if step == 0:
            colon = [c for c in children if isinstance(c, Token)][-1]
            raise self.error("index", "a slice step cannot be 0", colon)
        return slice(start, stop, step)

    def attribute(self, children: list) -> int:
        """`.T`, and a plain message for what other tools write after a dot."""
        target, dot, name = children
        module = self._module(target)
        if module is not None:
            if name.value in CONSTANTS:
                raise self.error("name", f"write {name.value}, not {module}.{name.value}", dot)
            raise self.error("name", f"write {_language_name(name.value)}(...), not "
                                     f"{module}.{name.value}", dot)
        if name.value == "T":
            return self.emit("call", (self.value(target),), Call("transpose", (), (1,)), name)
        raise self.error("name", f"adiff has no attribute .{name.value}; the one attribute is "
                                 ".T (the transpose)", name)

    def method(self, children: list) -> int:
        """`np.sin(x)` and `x.t()` in the language's words."""
        target, dot, name, _ = children
        module = self._module(target)
        if module is not None:
            raise self.error("name", f"write {_language_name(name.value)}(...), not "
                                     f"{module}.{name.value}(...)", dot)
        if name.value in ("t", "T", "transpose"):
            raise self.error("name", f"write x.T (or transpose(x)), not x.{name.value}()", dot)
        if name.value in vocabulary():
            raise self.error("name", f"write {name.value}(x), not x.{name.value}()", dot)
        raise self.error("name", f"adiff has no method .{name.value}(); the one attribute is "
                                 ".T (the transpose)", name)

    def _module(self, target) -> str | None:
        """The module name a dotted call starts with (np, math, torch...), if it is one."""
        if type(target) is not int:
            return None
        instruction = self.instructions[target]
        if instruction.op == "input" and instruction.param in MODULES:
            return instruction.param
        return None


def _constant_name(name: str) -> str:
    return "pi" if name == "π" else name


def _language_name(name: str) -> str:
    """The language's name for a function of another tool, or the name itself."""
    if name in vocabulary():
        return name
    found = suggestion(name)
    return found if found and found != "@" else name


def _unknown_function(name: str, shadowed: frozenset[str]) -> str:
    if name in CONSTANTS and name not in shadowed:
        return f"{name} is a constant, not a function"
    found = suggestion(name)
    if found == "@":
        return f"unknown function {name}; write a @ b for a matrix product"
    if found:
        return f"unknown function {name}; did you mean {found}?"
    return f"unknown function {name}; adiff functions lists them all"


_compiler = _Compiler()
_brackets = Brackets()
_parser: Lark | None = None
_lock = threading.Lock()  # the compiler and post-lexer hold one parse's state


# Unicode's spaces (no-break, thin, ...), as pasted text has them, are spaces. Here, not
# in the grammar's WHITESPACE: a Unicode class there cost 11 ms of every start.
_SPACES = dict.fromkeys([0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000], " ")


def compile_program(text: str, *, shadow: frozenset[str] = frozenset()) -> Program:
    """Parse and compile program text; bad input raises AdiffError with its place.

    Constants named in `shadow` (`e` when the user gives `--e 2`) are inputs.
    """
    global _parser
    with _lock:
        if _parser is None:
            _parser = build_parser(_compiler, _brackets)
        written = text.removeprefix("\ufeff")  # messages quote it; the parser reads
        _compiler.reset(written, shadow)        # Unicode's spaces as spaces, column for column
        try:
            output = _parser.parse(written if written.isascii() else written.translate(_SPACES))
            return Program(text, _compiler.instructions, output, _compiler.inputs)
        except (UnexpectedToken, UnexpectedCharacters) as error:
            raise syntax_error(error, written, _brackets) from None  # the line as written
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
