"""startup: d/dx (x²+1)³ at x = 2 from a fresh process, the way a shell user runs it.

For one small formula the whole cost is start-up. The floor is a Python that
imports what adiff is built on (NumPy, Lark, Typer, Rich) and does nothing
else, so the ratio is what adiff adds on top of its own dependencies.

The commands run in rounds, each command once per round, and each command's
ratio is the median of its per-round ratios to the floor's time in the same
round: the machine's drift cancels instead of landing on whoever ran last.
With `--before PATH` the adiff commands also run from that earlier checkout,
in the same rounds. A `-X importtime` run of `adiff grad` checks that it
imports neither SciPy nor SymPy (SPEC: a command imports only what it uses).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace

from benchmarks.harness import (
    BEFORE,
    NOT_INSTALLED,
    PYTHON,
    Config,
    Row,
    Target,
    adiff_command,
    checkout_env,
    close,
    commit_of,
    describe,
    ratio_at_most,
    run_process,
)

NAME = "startup"
EXPR = "(x**2+1)**3"
ANSWER = 300.0  # 6x(x²+1)² at x = 2
HEAVY = ("scipy", "sympy", "torch", "jax", "plotext")  # what `adiff grad` must not import


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
    checkout: str | None = None  # adiff from this checkout instead of the one under test
    imports: bool = False  # also check which heavy packages the command imports


def heavy_imports(argv: list[str], env: dict[str, str], timeout: float) -> list[str]:
    """The packages of HEAVY that the command imports, from `python -X importtime`."""
    proc = subprocess.run(
        [PYTHON, "-X", "importtime", *argv], capture_output=True, text=True, env=env,
        timeout=timeout,
    )  # fmt: skip
    found = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            top = line.rsplit("|", 1)[1].strip().split(".")[0]
            if top in HEAVY:
                found.add(top)
    return sorted(found)


def _no_heavy(row: Row) -> bool | None:
    heavy = row.facts.get("heavy")
    return None if heavy is None else not heavy


NO_HEAVY = Target("no SciPy/SymPy import", holds=_no_heavy)


def _python(code: str, *modules: str) -> Callable[[], list[str]]:
    def argv() -> list[str]:
        for name in modules:
            if importlib.util.find_spec(name) is None:
                raise ImportError(f"No module named {name!r}")
        return [PYTHON, "-c", code]

    return argv


def _adiff(*extra: str, checkout: str | None = None) -> Callable[[], list[str]]:
    return lambda: [*adiff_command(checkout), "grad", EXPR, "--x", "2", *extra]


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
        targets=(ratio_at_most(1.1), NO_HEAVY),
        imports=True,
    ),
    Command(
        "adiff grad --json",
        _adiff("--json"),
        _adiff_json,
        role="adiff",
        targets=(ratio_at_most(1.0), NO_HEAVY),
        imports=True,
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


def before_commands(path: str) -> tuple[Command, ...]:
    """adiff's commands run from an earlier checkout, shown against this one's."""
    return tuple(
        replace(
            cmd, name=f"{cmd.name} {BEFORE}", argv=_adiff(*extra, checkout=path), role=BEFORE,
            targets=(), checkout=path, imports=False,
        )  # fmt: skip
        for cmd, extra in ((COMMANDS[2], ()), (COMMANDS[3], ("--json",)))
    )


def _prepare(cmd: Command, timeout: float) -> tuple[list[str] | None, Row]:
    """Resolve, warm up and check one command; a row that is not timed says why."""
    row = Row(NAME, "x=2", cmd.name, cmd.role, targets=cmd.targets)
    if cmd.role == "adiff":
        row.versus = (f"{cmd.name} {BEFORE}",)
    if cmd.checkout:
        row.note = commit_of(cmd.checkout)
    try:
        argv = cmd.argv()
    except ImportError as e:
        row.status, row.note = NOT_INSTALLED, describe(e)
        return None, row
    except RuntimeError as e:  # adiff itself cannot be run: that fails, it is not skipped
        row.status = f"fails: {describe(e)}"
        return None, row
    env = checkout_env(cmd.checkout)
    try:
        _, stdout = run_process(argv, timeout, env)  # also the warm-up: .pyc files, page cache
        got = cmd.answer(stdout) if cmd.answer else ANSWER
        if cmd.imports:
            row.facts["heavy"] = heavy = heavy_imports(argv, env, timeout)
            if heavy:
                row.note = f"imports {', '.join(heavy)}"
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
    commands = COMMANDS + (before_commands(cfg.before) if cfg.before else ())
    prepared = [(cmd, *_prepare(cmd, cfg.timeout)) for cmd in commands]
    timed = [(cmd, argv, row) for cmd, argv, row in prepared if argv is not None]
    times: dict[str, list[float]] = {row.tool: [] for _, _, row in timed}
    for r in range(cfg.rounds):
        turn = timed[r % len(timed) :] + timed[: r % len(timed)]  # rotate who goes first
        for cmd, argv, row in turn:
            if row.status:
                continue  # failed in an earlier round
            try:
                elapsed, _ = run_process(argv, cfg.timeout, checkout_env(cmd.checkout))
                times[row.tool].append(elapsed)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                row.status = f"fails: {describe(e)}"
    ok = {row.tool: row for _, _, row in timed if not row.status}
    floor = next((row for row in ok.values() if row.role == "floor"), None)
    for row in ok.values():
        row.seconds, row.runs = statistics.median(times[row.tool]), len(times[row.tool])
        if floor is not None:
            row.ratio = _per_round(times[row.tool], times[floor.tool])
        for other in row.versus:
            if other in ok:
                row.relative[other] = _per_round(times[row.tool], times[other])
    return [row for _, _, row in prepared]


def _per_round(mine: list[float], theirs: list[float]) -> float:
    """The median of the per-round ratios: both ran in every round, one after the other."""
    return statistics.median(t / f for t, f in zip(mine, theirs, strict=True))
