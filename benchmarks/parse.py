"""parse: the gradient of a K-term polynomial read from a file.

Big programs cost what reading them costs, so the floor is Lark's bare LALR
parse of the same text with the project's own grammar: the ratio is what
adiff adds on top of the parser it is built on. `depth` reuses these tools.

adiff is timed in-process, by calling its command-line entry point with the
arguments a user types, after a warm-up: like for like with the in-process
floor. A fresh process would only add the start-up that `startup` measures,
a small part of the time at these sizes. (`depth` times one too: its target
is the time a user waits.)
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import (
    GRAMMAR,
    Target,
    Tool,
    adiff_command,
    adiff_core,
    close,
    no_slower_than_before,
    ratio_at_most,
    run_process,
)

NAME = "parse"
CASES = ("1e3", "1e4", "1e5")
QUICK_CASES = ("1e3",)
X = 0.5  # the point: every program has the one input x


@dataclass(frozen=True)
class Program:
    """A program on disk and its exact value and derivative at x = X."""

    path: Path
    text: str
    value: float
    grad: float

    @property
    def argv(self) -> list[str]:
        return ["grad", "-f", str(self.path), "--x", repr(X), "--json"]


_workdir: Path | None = None


def write_program(name: str, text: str, value: float, grad: float) -> Program:
    """Write the text to a scratch file that lives as long as the worker."""
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="adiff-bench-"))
        atexit.register(shutil.rmtree, _workdir, True)
    path = _workdir / f"{name}.adiff"
    path.write_text(text + "\n")
    return Program(path, text, value, grad)


def problem(case: str) -> Program:
    """c1*x**p1 + c2*x**p2 + ...: decimal coefficients, powers 1 to 7, all terms positive."""
    terms, value, grad = [], 0.0, 0.0
    for k in range(int(float(case))):
        n, p = (k * 7919) % 997 + 1, k % 7 + 1
        coef = f"{n // 100}.{n % 100:02d}"
        c = float(coef)
        terms.append(f"{coef}*x**{p}")
        value += c * X**p
        grad += c * p * X ** (p - 1)
    return write_program(f"poly-{case}", " + ".join(terms), value, grad)


def check(answer: tuple[float, float] | None, p: Program) -> str | None:
    """Parse-only tools answer None: they have no derivative to compare."""
    if answer is None:
        return None
    value, grad = answer
    if not close(value, p.value):
        return f"value {value!r} != {p.value!r}"
    return None if close(grad, p.grad) else f"gradient {grad!r} != {p.grad!r}"


def from_json(stdout: str) -> tuple[float, float]:
    doc = json.loads(stdout)
    return float(doc["value"]), float(doc["grad"]["x"])


def _lark(p: Program):
    import lark

    parser = lark.Lark(GRAMMAR.read_text(), parser="lalr")  # a parse tree, no transformer

    def run():
        parser.parse(p.text)

    return run


def _adiff_in_process(p: Program):
    adiff_core()  # the checkout under test's, or it refuses
    from autodiff_cli.__main__ import main

    def run():
        out, argv = io.StringIO(), sys.argv
        sys.argv = ["adiff", *p.argv]
        code = 0
        try:
            with contextlib.redirect_stdout(out):
                main()
        except SystemExit as e:
            code = e.code or 0
        finally:
            sys.argv = argv
        if code:
            raise RuntimeError(f"adiff exited with {code}: {out.getvalue().strip()[:100]}")
        return from_json(out.getvalue())

    return run


def _adiff_process(p: Program):
    argv = [*adiff_command(), *p.argv]
    return lambda: from_json(run_process(argv, timeout=600)[1])


def _ast(p: Program):
    import ast

    def run():
        ast.parse(p.text)

    return run


def _sympy(p: Program):
    import sympy

    x = sympy.Symbol("x")

    def run():
        try:
            f = sympy.sympify(p.text)
        except sympy.SympifyError as e:  # its message repeats the whole program
            raise e.base_exc or e from None
        return float(f.subs(x, X)), float(sympy.diff(f, x).subs(x, X))

    return run


Targets = Callable[[str], tuple[Target, ...]]


def program_tools(
    in_process: Targets, process: Targets | None = None, extra: tuple[Tool, ...] = ()
) -> tuple[Tool, ...]:
    """The contenders on program text, shared with `depth`: the targets differ.

    With `process` targets, a fresh `adiff` process is timed too. With --before, both
    are also measured from the earlier checkout: the language grew, and big or deep
    programs must not read slower for it.
    """
    adiff = {"role": "adiff", "before": True}

    def and_before(targets: Targets) -> Targets:
        return lambda case: (*targets(case), no_slower_than_before(1.05))

    tools = [
        Tool("lark parse (bare)", _lark, role="floor"),
        Tool("adiff grad -f", _adiff_in_process, targets=and_before(in_process), **adiff),
    ]
    if process:
        tools.append(
            Tool(
                "adiff grad -f (process)", _adiff_process, targets=and_before(process),
                process=True, **adiff,
            )  # fmt: skip
        )
    return (*tools, Tool("ast.parse (no grad)", _ast), Tool("sympy sympify+diff", _sympy), *extra)


TOOLS = program_tools(lambda case: (ratio_at_most(1.5),) if case == "1e5" else ())
