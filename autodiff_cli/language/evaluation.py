"""Runs a Program's instructions on the autograd core, in one plain loop.

Every shape is checked here before the core is called, for two reasons: a
mistake in the program (shapes that do not broadcast, an index out of range, a
bad axis) becomes an AdiffError placed at the operation that made it, and no
result larger than `max_elements` is ever allocated. A function's own shape
rule (from the core's table) says what it would make; what the core raises for
an argument it cannot take is told in the same way.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping

import numpy as np

from autodiff_cli.core import primitives as P
from autodiff_cli.core.functions import SingularMatrixError
from autodiff_cli.core.registry import FUNCTIONS, Function, ShapeError
from autodiff_cli.core.tensor import Tensor, apply, constant, power, select, tensor
from autodiff_cli.errors import AdiffError
from autodiff_cli.language.program import SYMBOLS, Instruction, Program

# The elementwise operators: how the user wrote each (for messages) and the core's function.
_ARITHMETIC = {
    op: (f"'{SYMBOLS[op]}'", function)
    for op, function in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                         ("div", operator.truediv), ("pow", power))
}
_COMPARISONS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
                "==": np.equal, "!=": np.not_equal}
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
                results.append(_run(instruction, [results[i] for i in args], numbers,
                                    max_elements))
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
    if op == "compare":
        shape = _broadcast(f"'{param}'", args)
        _check_size(f"'{param}'", shape, limit)
        return tensor(_COMPARISONS[param](args[0]._data, args[1]._data).astype(np.float64))
    if op == "array":
        return _array(args, limit)
    if op == "index":
        _check_index(args[0].shape, param)
        return select(args[0], param)
    raise AssertionError(f"unknown instruction {op}")


def _call(instruction: Instruction, args: list[Tensor], numbers: set[int], limit: int) -> Tensor:
    """A function of the core's table, its parameters read from the argument values."""
    call = instruction.param
    function = FUNCTIONS[call.name]
    if len(call.counts) == len(args) and not call.keywords and all(
            p.kind is None for p in function.arguments[: len(args)]) and call.name != "pow":
        positional, keywords = args, {}  # values only: the common case, kept short
    else:
        positional, keywords = _arguments(instruction, function, args, numbers)
    try:
        if function.shape is not None:
            _check_size(call.name, tuple(function.shape(*positional, **keywords)), limit)
        return function.call(*positional, **keywords)
    except SingularMatrixError as error:
        raise AdiffError("singular", _told(call.name, error)) from None
    except ShapeError as error:
        raise AdiffError("shape", _told(call.name, error)) from None
    except (ValueError, IndexError, TypeError) as error:
        raise AdiffError("value", _told(call.name, error)) from None


def _arguments(instruction: Instruction, function: Function, args: list[Tensor],
               numbers: set[int]) -> tuple[list, dict]:
    """The call's positional and keyword arguments as the function's parameters take them."""
    call = instruction.param
    positional, at = [], 0
    for count, parameter in zip(call.counts, function.arguments):
        if parameter.kind == "Values":
            positional.append(args[at:at + count])
        elif call.name == "pow" and parameter.name == "y" and instruction.args[at] in numbers:
            positional.append(float(args[at]._data))  # a number exponent: PowBackward0
        else:
            positional.append(_read(function, parameter, args[at]))
        at += count
    by_name = {p.name: p for p in function.keywords}
    keywords = {name: _read(function, by_name[name], value)
                for name, value in zip(call.keywords, args[at:])}
    return positional, keywords


def _told(name: str, error: Exception) -> str:
    """The core's message with the function's name: "dot takes two vectors ...",
    "sum: axis 2 is out of range ..."."""
    message = str(error)
    return f"{name} {message}" if message.startswith(("takes ", "cannot ")) else \
        f"{name}: {message}"


def _read(function: Function, parameter, value: Tensor):
    """An argument as its parameter's kind: a tensor for a value, else a Python number,
    integer, flag or list of integers read from a constant."""
    kind = parameter.kind
    if kind is None:
        return value
    data = value._data
    where = f"{function.name}'s {parameter.name}"
    if value.requires_grad:
        raise AdiffError("value", f"{where} must be a constant, not computed from the inputs")
    if kind == "Number":
        if np.ndim(data):
            raise AdiffError("value", f"{where} must be a number, not an array of shape "
                                      f"{np.shape(data)}")
        return float(data)
    if kind == "Flag":
        if np.ndim(data) or float(data) not in (0.0, 1.0):
            raise AdiffError("value", f"{where} is 0 or 1, got {_shown(data)}")
        return bool(data)
    if np.ndim(data) > (0 if kind == "Integer" else 1) or not np.all(np.isfinite(data)) or \
            not np.all(np.asarray(data) == np.round(data)):
        raise AdiffError("value", f"{where} must be {_KINDS_IN_WORDS[kind]}, got {_shown(data)}")
    if np.ndim(data) == 0:
        return int(data)
    return [int(v) for v in np.ravel(data)]


_KINDS_IN_WORDS = {"Integer": "a whole number", "Axis": "a whole number or a list of them",
                   "Shape": "a whole number or a list of them"}


def _shown(data) -> str:
    from autodiff_cli.rendering.numbers import format_value

    return format_value(data)


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
    return apply(P.STACK, 0, *elements)


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


def _check_index(shape: tuple[int, ...], index: tuple) -> None:
    """Integer indices must be in range; slices clamp, as in NumPy."""
    if len(index) > len(shape):
        dimensions = f"{len(shape)} dimension{'' if len(shape) == 1 else 's'}"
        raise AdiffError(
            "index", f"too many indices: {len(index)} for a value with {dimensions}, shape {shape}"
        )
    for axis, (i, size) in enumerate(zip(index, shape, strict=False)):
        if not isinstance(i, slice) and not -size <= i < size:
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
