"""Runs a Program's instructions on the autograd core, in one plain loop.

Every shape is checked here before the core is called, for two reasons: a
mistake in the program (shapes that do not broadcast, an index out of range)
becomes an AdiffError placed at the operation that made it, and no result
larger than `max_elements` is ever allocated.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping

import numpy as np

from autodiff_cli.core import functions as core
from autodiff_cli.core.tensor import Tensor, constant, tensor
from autodiff_cli.errors import AdiffError
from autodiff_cli.language.program import SYMBOLS, Instruction, Program

# The elementwise operators: how the user wrote each (for messages) and the core's function.
_ARITHMETIC = {
    op: (f"'{SYMBOLS[op]}'", function)
    for op, function in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                         ("div", operator.truediv), ("pow", core.pow))
}
_ELEMENTWISE_CALLS = {"pow", "atan2", "hypot", "min", "max", "clip"}
_MAX_DIMENSIONS = 32  # adiff's own cap on nested array literals (NumPy 1.x's limit)


def evaluate(program: Program, values: Mapping, max_elements: int) -> list[Tensor]:
    """The value of every instruction of `program` (see `Program.evaluate`)."""
    missing = [name for name in program.inputs if name not in values]
    if missing:
        raise AdiffError("name", f"no value for {', '.join(missing)}")
    results: list[Tensor] = []
    # Instructions whose value is a constant number, such as `2` or `-1/3`: as an
    # exponent it is passed as a number, so that x**2 records PowBackward0 as in PyTorch.
    numbers: set[int] = set()
    for position, instruction in enumerate(program.instructions):
        op, args = instruction.op, instruction.args
        try:
            if op in _ARITHMETIC:  # the bulk of every program: kept short
                symbol, function = _ARITHMETIC[op]
                left, right = results[args[0]], results[args[1]]
                left_shape, right_shape = left._data.shape, right._data.shape
                if left_shape != right_shape and left_shape and right_shape:
                    _check_size(symbol, _broadcast(symbol, (left, right)), max_elements)
                if args[1] in numbers:
                    if op == "pow":
                        right = float(right._data)
                    if args[0] in numbers:
                        numbers.add(position)
                results.append(function(left, right))
            elif op == "constant":
                results.append(constant(instruction.param))
                numbers.add(position)
            elif op == "input":
                value = values[instruction.param]
                results.append(value if isinstance(value, Tensor) else tensor(value))
            else:
                results.append(_run(instruction, [results[i] for i in args], numbers, max_elements))
                if op == "neg" and args[0] in numbers:
                    numbers.add(position)
        except AdiffError as error:
            line, column = instruction.line, instruction.column
            raise error.located(line, column, program.source_line(line)) from None
    return results


def _run(instruction: Instruction, args: list[Tensor], numbers: set[int], limit: int) -> Tensor:
    op, param = instruction.op, instruction.param
    if op == "neg":
        return -args[0]
    if op == "matmul":
        _check_size("'@'", _matmul_shape(args[0].shape, args[1].shape), limit)
        return args[0] @ args[1]
    if op == "call":
        return _call(instruction, args, numbers, limit)
    if op == "array":
        return _array(args, limit)
    if op == "index":
        _check_index(args[0].shape, param)
        return args[0][param]
    raise AssertionError(f"unknown instruction {op}")


def _call(instruction: Instruction, args: list[Tensor], numbers: set[int], limit: int) -> Tensor:
    name = instruction.param
    if name in _ELEMENTWISE_CALLS:
        _check_size(name, _broadcast(name, args), limit)
        if name == "pow":
            args = [args[0], _exponent(instruction.args[1], args[1], numbers)]
    elif name == "dot":
        shapes = args[0].shape, args[1].shape
        if len(shapes[0]) != 1 or shapes[0] != shapes[1]:
            raise AdiffError(
                "shape", f"dot takes two vectors of the same length, got shapes {_pair(shapes)}"
            )
    elif name == "linspace":
        return _linspace(args, limit)
    return getattr(core, name)(*args)


def _exponent(index: int, value: Tensor, numbers: set[int]) -> Tensor | float:
    return float(value._data) if index in numbers else value


def _linspace(args: list[Tensor], limit: int) -> Tensor:
    start, stop, count = args
    if start.shape or stop.shape:
        raise AdiffError("shape", "linspace's a and b must be numbers, not arrays")
    if count.shape:
        raise AdiffError("value", f"linspace's n must be a number, not an array of shape "
                                  f"{count.shape}")
    n = count.item()
    if not (math.isfinite(n) and n == int(n) and n >= 1):
        raise AdiffError("value", f"linspace's n must be a whole number of at least 1, got {n:g}")
    _check_size("linspace", (int(n),), limit)
    # Ends that need no gradient go in as numbers, for exactly NumPy's points.
    start, stop = (end if end.requires_grad else end.item() for end in (start, stop))
    return core.linspace(start, stop, int(n))


def _array(elements: list[Tensor], limit: int) -> Tensor:
    shape = elements[0].shape
    for element in elements[1:]:
        if element.shape != shape:
            raise AdiffError(
                "shape",
                f"the elements of an array must have one shape, got {shape} and {element.shape}",
            )
    if len(shape) >= _MAX_DIMENSIONS:
        raise AdiffError("shape", f"an array can have at most {_MAX_DIMENSIONS} dimensions")
    _check_size("an array", (len(elements), *shape), limit)
    return core.stack(elements)


def _broadcast(name: str, args: list[Tensor]) -> tuple[int, ...]:
    shapes = [a._data.shape for a in args]
    first = shapes[0]
    if all(s == first or not s for s in shapes):  # the common cases, without NumPy's machinery
        return first if first else max(shapes, key=len)
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise AdiffError(
            "shape", f"{name} cannot combine shapes {_pair(shapes)}: they do not broadcast"
        ) from None


def _matmul_shape(left: tuple[int, ...], right: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy's result shape for vectors and matrices, the ranks the core supports."""
    if len(left) not in (1, 2) or len(right) not in (1, 2):
        raise AdiffError(
            "shape", f"'@' takes vectors and matrices, got shapes {_pair((left, right))}"
        )
    inner_left = left[-1]
    inner_right = right[0]
    if inner_left != inner_right:
        raise AdiffError(
            "shape",
            f"'@' cannot multiply shapes {_pair((left, right))}: "
            f"{inner_left} column{'s' * (inner_left != 1)} against "
            f"{inner_right} row{'s' * (inner_right != 1)}",
        )
    return left[:-1] + right[1:]


def _check_index(shape: tuple[int, ...], index: tuple[int, ...]) -> None:
    if len(index) > len(shape):
        dimensions = f"{len(shape)} dimension{'' if len(shape) == 1 else 's'}"
        raise AdiffError(
            "index", f"too many indices: {len(index)} for a value with {dimensions}, shape {shape}"
        )
    for axis, (i, size) in enumerate(zip(index, shape, strict=False)):
        if not -size <= i < size:
            raise AdiffError("index", f"index {i} is out of range for axis {axis} of size {size}")


def _check_size(what: str, shape: tuple[int, ...], limit: int) -> None:
    size = math.prod(shape)
    if size > limit:
        raise AdiffError(
            "size",
            f"{what} would make {size:,} elements (shape {shape}), more than the limit "
            f"of {limit:,} (--max-elements)",
        )


def _pair(shapes) -> str:
    return " and ".join(str(tuple(s)) for s in shapes)
