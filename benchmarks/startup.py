"""startup: d/dx (x²+1)³ at x = 2 from a fresh process, the way a shell user runs it.

For one small formula the whole cost is start-up. The floor is a Python that
imports what adiff is built on (NumPy, Lark, Typer, Rich) and does nothing
else, so the ratio is what adiff adds on top of its own dependencies.

The commands run in rounds, each command once per round, and each command's
ratio is the median of its per-round ratios to the floor's time in the same
round: the machine's drift cancels instead of landing on whoever ran last.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.harness import (
    ADIFF_MISSING,
    NOT_INSTALLED,
    PYTHON,
    Config,
    Row,
    Target,
    adiff_command,
    close,
    describe,
    ratio_at_most,
    run_process,
)

NAME = "startup"
EXPR = "(x**2+1)**3"
ANSWER = 300.0  # 6x(x²+1)² at x = 2


def _last_number(stdout: str) -> float:
    return float(stdout.split()[-1])


def _adiff_human(stdout: str) -> float:
    """The number on the ∂/∂x line of the human output."""
    line = next(ln for ln in stdout.splitlines() if "∂" in ln)
    return float(line.split()[-1])


def _adiff_json(stdout: str) -> float:
    return float(json.loads(stdout)["grad"]["x"])


@dataclass(frozen=True)
class Command:
    name: str
    argv: Callable[[], list[str]]  # raises ImportError when the tool is not there
    answer: Callable[[str], float] | None = _last_number  # None: prints nothing to check
    role: str = "peer"
    targets: tuple[Target, ...] = ()
    missing: str = NOT_INSTALLED


def _python(code: str, *modules: str) -> Callable[[], list[str]]:
    def argv() -> list[str]:
        for name in modules:
            if importlib.util.find_spec(name) is None:
                raise ImportError(f"No module named {name!r}")
        return [PYTHON, "-c", code]

    return argv


def _adiff(*extra: str) -> Callable[[], list[str]]:
    return lambda: [*adiff_command(), "grad", EXPR, "--x", "2", *extra]


def _qalc() -> list[str]:
    found = shutil.which("qalc")
    if found is None:
        raise ImportError("no qalc on PATH")
    return [found, "-t", "diff((x^2+1)^3, x, 1, 2)"]


COMMANDS = (
    Command("python -c pass", _python("pass"), answer=None, role="context"),
    Command(
        "import numpy, lark, typer, rich",
        _python("import numpy, lark, typer, rich", "numpy", "lark", "typer", "rich"),
        answer=None,
        role="floor",
    ),
    Command(
        "adiff grad",
        _adiff(),
        _adiff_human,
        role="adiff",
        targets=(ratio_at_most(1.1),),
        missing=ADIFF_MISSING,
    ),
    Command(
        "adiff grad --json",
        _adiff("--json"),
        _adiff_json,
        role="adiff",
        targets=(ratio_at_most(1.0),),
        missing=ADIFF_MISSING,
    ),
    Command(
        "torch",
        _python(
            "import torch; x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True); "
            "((x**2 + 1)**3).backward(); print(x.grad.item())",
            "torch",
        ),
    ),
    Command("jax", _python("import jax; print(jax.grad(lambda x: (x**2 + 1)**3)(2.0))", "jax")),
    Command(
        "autograd (HIPS)",
        _python("import autograd; print(autograd.grad(lambda x: (x**2 + 1)**3)(2.0))", "autograd"),
    ),
    Command(
        "sympy",
        _python(
            "import sympy; x = sympy.Symbol('x'); print(sympy.diff((x**2 + 1)**3, x).subs(x, 2))",
            "sympy",
        ),
    ),
    Command("qalc", _qalc),
)


def _prepare(cmd: Command, timeout: float) -> tuple[list[str] | None, Row]:
    """Resolve, warm up and check one command; a row that is not timed says why."""
    row = Row(NAME, "x=2", cmd.name, cmd.role, targets=cmd.targets)
    try:
        argv = cmd.argv()
    except ImportError as e:
        row.status, row.note = cmd.missing, describe(e)
        return None, row
    try:
        _, stdout = run_process(argv, timeout)  # also the warm-up: page cache, .pyc files
        got = cmd.answer(stdout) if cmd.answer else ANSWER
    except subprocess.TimeoutExpired:
        row.status = f"fails: timeout after {timeout:g} s"
        return None, row
    except (RuntimeError, ValueError, KeyError, IndexError, StopIteration) as e:
        row.status = f"fails: {describe(e)}"
        return None, row
    if not close(got, ANSWER):
        row.status = f"disagrees: {got!r} != {ANSWER!r}"
        return None, row
    return argv, row


def run(cfg: Config) -> list[Row]:
    prepared = [_prepare(cmd, cfg.timeout) for cmd in COMMANDS]
    timed = [(argv, row) for argv, row in prepared if argv is not None]
    times: dict[str, list[float]] = {row.tool: [] for _, row in timed}
    for r in range(cfg.rounds):
        turn = timed[r % len(timed) :] + timed[: r % len(timed)]  # rotate who goes first
        for argv, row in turn:
            if row.status:
                continue  # failed in an earlier round
            try:
                times[row.tool].append(run_process(argv, cfg.timeout)[0])
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                row.status = f"fails: {describe(e)}"
    ok = [row for _, row in timed if not row.status]
    floor = next((row for row in ok if row.role == "floor"), None)
    for row in ok:
        row.seconds, row.runs = statistics.median(times[row.tool]), len(times[row.tool])
        if floor is not None:
            pairs = zip(times[row.tool], times[floor.tool], strict=True)
            row.ratio = statistics.median(t / f for t, f in pairs)
    return [row for _, row in prepared]
