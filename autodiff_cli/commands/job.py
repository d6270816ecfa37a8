"""What every command does first: read the program and its inputs, and run it.

A `Job` is a compiled program with a value for each of its inputs. Its
methods run the program on the core, and report where the first nan or inf
came from (a plain loop over the instructions, as the program is flat).
"""

from __future__ import annotations

import difflib
import sys

import numpy as np

import autodiff_cli.core as ad
from autodiff_cli.commands.argv import parse_assignment
from autodiff_cli.core import anomaly
from autodiff_cli.errors import AdiffError
from autodiff_cli.language import Program, compile_program, evaluate_constant
from autodiff_cli.language.functions import CONSTANTS
from autodiff_cli.language.program import SYMBOLS
from autodiff_cli.rendering.numbers import format_value


class Result:
    """A command's document, its warnings for stderr, its exit code, and for people
    anything beyond the document (check's per-element comparisons)."""

    def __init__(self, document: dict, warnings: list[str], exit_code: int = 0,
                 details: dict | None = None) -> None:
        self.document = document
        self.warnings = [w for w in warnings if w]
        self.exit_code = exit_code
        self.details = details


class Job:
    """A program and a value for each of its inputs (in the program's order)."""

    def __init__(self, program: Program, values: dict[str, np.ndarray],
                 max_elements: int) -> None:
        self.program = program
        self.values = values
        self.max_elements = max_elements

    def run(self, *, requires_grad: bool) -> tuple[list[ad.Tensor], dict[str, ad.Tensor]]:
        """All instruction values, and the input leaves (requiring grad if asked)."""
        leaves = {n: ad.tensor(v, requires_grad=requires_grad) for n, v in self.values.items()}
        with np.errstate(all="ignore"), ad.set_grad_enabled(requires_grad):
            values = self.program.evaluate(leaves, max_elements=self.max_elements)
        return values, leaves

    def values_at(self, values: dict[str, np.ndarray]) -> list[ad.Tensor]:
        """Every instruction's value for other input values, without a graph.

        The arrays are wrapped, not copied (a numeric check makes hundreds of
        evaluations; without a graph nothing writes to them)."""
        leaves = {n: ad.Tensor(v) for n, v in values.items()}
        with np.errstate(all="ignore"), ad.no_grad():
            return self.program.evaluate(leaves, max_elements=self.max_elements)

    def output_at(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """The output for other input values, without a graph: the numeric side of check."""
        return self.values_at(values)[self.program.output].data

    def place(self, index: int) -> str:
        instruction = self.program.instructions[index]
        return f"{instruction.line}:{instruction.column}"

    def describe(self, index: int) -> str:
        """An instruction in the user's words: `log`, `'/'`."""
        instruction = self.program.instructions[index]
        if instruction.op == "call":
            return instruction.param.name
        if instruction.op == "compare":
            return f"'{instruction.param}'"
        return f"'{SYMBOLS.get(instruction.op, instruction.op)}'"

    def operands(self, index: int, values: list[ad.Tensor]) -> list[ad.Tensor]:
        """The values an instruction works on, without its keywords' (axis=0, ...)."""
        instruction = self.program.instructions[index]
        args = instruction.args
        if instruction.op == "call" and instruction.param.keywords:
            args = args[:len(args) - len(instruction.param.keywords)]
        return [values[a] for a in args]

    def forward_warning(self, values: list[ad.Tensor]) -> str | None:
        """The first instruction that made a nan/inf (see `anomaly.made_nonfinite`)."""
        for k, instruction in enumerate(self.program.instructions):
            if instruction.op in ("input", "constant"):
                continue
            inputs = self.operands(k, values)
            if anomaly.made_nonfinite(values[k], inputs):
                return (f"warning: {self.describe(k)} at {self.place(k)} produced "
                        f"{_bad_word(values[k].data)} from input{'s' if len(inputs) > 1 else ''} "
                        f"{', '.join(_short(v.data) for v in inputs)}")
        return None

    def backward_warning(self, seen: anomaly.Anomaly | None,
                         values: list[ad.Tensor]) -> str | None:
        """The first derivative rule that made a nan/inf, as a warning."""
        if seen is None:
            return None
        for k, value in enumerate(values):
            if value is seen.tensor:
                inputs = self.operands(k, values)
                return (f"warning: the derivative of {self.describe(k)} at {self.place(k)} is "
                        f"{_bad_word(seen.result)} at input{'s' if len(inputs) > 1 else ''} "
                        f"{', '.join(_short(v.data) for v in inputs)}")
        return None


def _bad_word(data) -> str:
    bad = np.asarray(data)[~np.isfinite(data)]
    if np.isnan(bad).any():
        return "nan"
    return "inf" if (bad > 0).all() else "-inf" if (bad < 0).all() else "inf and -inf"


def _short(value) -> str:
    return format_value(value) if np.size(value) <= 6 else f"(an array of shape {np.shape(value)})"


def read_program(options) -> str:
    """The program text: EXPR, `-` for standard input, `-f PATH`, or standard input when
    EXPR is missing and standard input is not a terminal (nor the `--batch -` points)."""
    expr, file = options.expr, options.file
    if file is not None:
        if expr is not None:
            raise AdiffError("usage", "give the program either as EXPR or with -f/--file, not both")
        return _read_utf8(lambda: file.read_bytes(), str(file))
    if expr is None:
        if sys.stdin is None or sys.stdin.isatty() or options.batch == "-":
            raise AdiffError("usage",
                             "missing EXPR: give a formula, '-' to read standard input, or -f FILE")
        text = _read_stdin()
        if not text.strip():
            raise AdiffError("usage", "missing EXPR: standard input was empty; give a formula, "
                                      "'-' to read standard input, or -f FILE")
        return text
    if expr == "-":
        if sys.stdin is None:
            raise AdiffError("file", "cannot read the program: standard input is closed")
        return _read_stdin()
    return expr


def _read_stdin() -> str:
    return _read_utf8(lambda: sys.stdin.buffer.read(), "standard input")


def _read_utf8(read, where: str) -> str:
    """The text, without the byte-order mark some editors put at the start of a file."""
    try:
        return read().decode("utf-8").removeprefix("\ufeff")
    except OSError as err:
        raise AdiffError("file", f"cannot read {where}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise AdiffError("file", f"{where} is not UTF-8 text") from None


def load(command, options) -> Job | None:
    """The command's program with its inputs' values, from the command line (a program
    without values for `formula`, nothing for `functions`)."""
    if command.inputs == "none":
        return None
    given = [*options.inputs, *(parse_assignment(v) for v in options.var or [])]
    texts: dict[str, str | None] = {}
    for name, text in given:
        if name in texts:
            raise AdiffError("name", f"--{name} is given twice")
        texts[name] = text
    shadowed = frozenset(texts) & CONSTANTS.keys()
    program = compile_program(read_program(options), shadow=shadowed)
    if command.inputs == "program":
        if texts:
            raise AdiffError("usage", f"{command.name} needs no input values; it works on the "
                                      f"program alone (got --{next(iter(texts))})")
        return Job(program, {}, options.max_elements)
    for name in sorted(shadowed & set(program.inputs)):
        sys.stderr.write(f"note: {name} is an input here ({name} = {texts[name]}), not the "
                         f"constant {name} = {CONSTANTS[name]!r}\n")
    unused = [name for name in texts if name not in program.inputs]
    if unused:
        raise AdiffError("name", _unused_message(unused, program.inputs, command))
    missing = [name for name in program.inputs if texts.get(name) is None]
    if missing:
        flags = " ".join(f"--{name} VALUE" for name in missing)
        raise AdiffError(
            "name",
            f"no value for {_names(missing)}: give {'it' if len(missing) == 1 else 'them'} "
            f"with {flags}",
        )
    values = {name: option_value(f"--{name}", texts[name], options.max_elements)
              for name in program.inputs}
    return Job(program, values, options.max_elements)


def option_value(flag: str, text: str, max_elements: int) -> np.ndarray:
    """The value of an option such as `--x` or `--seed`: a constant expression.

    A mistake in it has no place in the program, so it is told without a caret.
    """
    try:
        return evaluate_constant(text, max_elements=max_elements)
    except AdiffError as err:
        raise AdiffError(err.kind if err.kind != "syntax" else "value",
                         f"the value of {flag} ({text!r}): {err.message}") from None


def _unused_message(unused: list[str], inputs: list[str], command) -> str:
    """Names the program does not use, with what the user may have meant by each."""
    from autodiff_cli.commands.table import option_owners

    uses = f"its inputs are {_names(inputs)}" if inputs else "it has no inputs"
    own = sorted(flag for flag in command.flags() if flag.startswith("--"))
    hints = []
    for name in unused:
        owners = option_owners(f"--{name}")
        if owners:
            hints.append(f"--{name} is an option of {_names(owners)}, not of {command.name}")
        elif close := difflib.get_close_matches(f"--{name}", own, n=1, cutoff=0.6):
            hints.append(f"--{name} is not an option (did you mean {close[0]}?)")
    hint = "; " + "; ".join(hints) if hints else ""
    return f"the program does not use {_names(unused)}; {uses}{hint}"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
