"""A compiled program: a flat, already ordered list of instructions (as in JAX's jaxprs).

Evaluation, nan-origin reports and graph drawing are plain loops over it, so a
program nested 100,000 levels deep costs no recursion anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import numpy as np

    from autodiff_cli.core import Tensor

DEFAULT_MAX_ELEMENTS = 10**8

# How the user wrote each operation, for messages that point at one.
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "pow": "**",
           "neg": "unary -", "index": "[]", "array": "[...]"}


# Operators and groups of functions that act element by element.
ELEMENTWISE = frozenset({"add", "sub", "mul", "div", "pow", "neg", "compare"})
ELEMENTWISE_GROUPS = frozenset({"elementwise", "special", "binary"})


class Call(NamedTuple):
    """A call's parameter: the function's `name`, the `keywords` given (their values are
    the last arguments, in this order), and `counts`: how many arguments each
    positional argument takes, 1 for a value and n for a list such as concat's [a, b]."""

    name: str
    keywords: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()


def line_of(source: str, line: int) -> str:
    """The text of a 1-based line, counted as Lark counts them (only '\\n' ends one)."""
    lines = source.split("\n")
    return lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else ""


class Instruction(NamedTuple):
    """One operation of a program.

    `op` is one of: "input" (param: the name), "constant" (param: the float),
    "add" "sub" "mul" "div" "matmul" "pow" (two args), "neg" (one arg),
    "compare" (param: the operator, two args; 1.0 or 0.0, no gradient), "call"
    (param: a `Call`, args: its arguments), "array" (args: the elements, stacked
    along a new first axis) and "index" (param: a tuple of integers and slices,
    one arg). `args` are indices of earlier instructions.
    `line`/`column` (1-based) are those of the operator, name or '[' that wrote it.
    """

    op: str
    args: tuple[int, ...]
    param: Any
    line: int
    column: int


class Program:
    """What the compiler makes of the program text.

    `inputs` are the free names in order of first appearance; each has exactly
    one "input" instruction. A bound name used twice is the same instruction, so
    the instructions form a DAG. `output` is the index of the last statement's
    instruction. (A plain class, not a dataclass: this is on every start's path.)
    """

    __slots__ = ("source", "instructions", "output", "inputs")

    def __init__(self, source: str, instructions: list[Instruction], output: int,
                 inputs: list[str]) -> None:
        self.source = source
        self.instructions = instructions
        self.output = output
        self.inputs = inputs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Program) and (
            (self.source, self.instructions, self.output, self.inputs)
            == (other.source, other.instructions, other.output, other.inputs)
        )

    __hash__ = None  # mutable lists inside: equal programs, but not dictionary keys

    def is_elementwise(self, upto: int | None = None) -> bool:
        """Whether every element of instruction `upto` (the output by default) depends only
        on the same element of each input, broadcasting aside: no reductions, indexing,
        matrix products or shapes on the way, and array literals only of constants. Such
        a program may be run on many points at once by giving its inputs one more axis."""
        from autodiff_cli.language.functions import vocabulary

        table = vocabulary()
        top = self.output if upto is None else upto
        needed = {top}
        for k in range(top, -1, -1):
            if k in needed:
                needed.update(self.instructions[k].args)
        constant: set[int] = set()
        for k, instruction in enumerate(self.instructions[: top + 1]):
            if k not in needed:
                continue
            op, args = instruction.op, instruction.args
            if op == "constant" or (op != "input" and args and all(a in constant for a in args)):
                constant.add(k)
            elif op in ELEMENTWISE or op == "input":
                continue
            elif op == "call" and (table[instruction.param.name].group in ELEMENTWISE_GROUPS
                                   or instruction.param.counts == (1, 1) and
                                   instruction.param.name in ("min", "max")):
                continue
            else:
                return False
        return True

    def source_line(self, line: int) -> str:
        """The text of a line, to show under an error or warning placed there."""
        return line_of(self.source, line)

    def evaluate(
        self,
        values: Mapping[str, Tensor | np.ndarray | float],
        *,
        max_elements: int = DEFAULT_MAX_ELEMENTS,
    ) -> list[Tensor]:
        """Run every instruction on the core and return all their values, indexed like
        `instructions` (the output is `result[program.output]`).

        Input values are used as given when they are Tensors (so that the caller's
        leaves receive the gradients), otherwise wrapped in a Tensor without grad.
        Raises AdiffError, placed at the instruction, for a missing input, a shape
        mismatch, a bad index, or a result larger than `max_elements` (checked
        before it is allocated).
        """
        from autodiff_cli.language.evaluation import evaluate

        return evaluate(self, values, max_elements)
