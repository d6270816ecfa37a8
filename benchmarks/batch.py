"""batch: value and gradient of one 10-operation formula at 10,000 points.

`adiff grad --batch FILE` compiles the formula once and answers one JSON line
per point; the alternative a shell user has is a loop of single invocations,
each paying start-up. Loops are slow, so each loop tool runs a subset of the
points (its note says how many) and its time is per point: the total for
10,000 points is an extrapolation, and the notes say so. The floor is one
Python process that reads the same JSON lines, computes the formula and its
gradient by hand with NumPy, and writes JSON lines: the least a process can do.
GNU parallel splits the file into 2500-point blocks over the cores.
"""

from __future__ import annotations

import atexit
import json
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.harness import PYTHON, Row, Tool, adiff_command, faster_than, run_process

NAME = "batch"
CASES = ("10000 points",)
QUICK_CASES = ("1000 points",)
FORMULA = "sin(x)*exp(y) + log(1 + x**2)/(1 + y**2)"  # ten operations
LOOP = "adiff grad (shell loop)"
BATCH = "adiff grad --batch"
BLOCK = 2500  # points per GNU parallel job


@dataclass(frozen=True)
class Problem:
    points: int
    x: np.ndarray
    y: np.ndarray
    value: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    jsonl: Path  # one {"x": .., "y": ..} per line
    unit: str = "point"

    @property
    def ops(self) -> int:
        return self.points


def by_hand(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s, ey, q = np.sin(x), np.exp(y), 1 + y * y
    value = s * ey + np.log1p(x * x) / q
    return value, np.cos(x) * ey + 2 * x / ((1 + x * x) * q), s * ey - 2 * y * np.log1p(x * x) / (
        q * q
    )


_workdir: Path | None = None


def scratch(name: str) -> Path:
    """A file in a scratch folder that lives as long as the worker."""
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="adiff-bench-"))
        atexit.register(shutil.rmtree, _workdir, True)
    return _workdir / name


def problem(case: str) -> Problem:
    n = int(case.split()[0])
    rng = np.random.default_rng(11)
    x = np.round(rng.uniform(-3, 3, n), 6)
    y = np.round(rng.uniform(-2, 2, n), 6)
    path = scratch(f"points-{n}.jsonl")
    lines = (f'{{"x": {a!r}, "y": {b!r}}}\n' for a, b in zip(x.tolist(), y.tolist()))
    path.write_text("".join(lines))
    return Problem(n, x, y, *by_hand(x, y), path)


def check(answer: np.ndarray, p: Problem) -> str | None:
    """(points, 3) rows of value, d/dx, d/dy for the first points, to 1e-9."""
    got = np.asarray(answer, dtype=float)
    m = len(got)
    if m == 0:
        return "no answers"
    want = np.stack([p.value[:m], p.gx[:m], p.gy[:m]], axis=1)
    bad = np.abs(got - want) > 1e-9 * np.abs(want) + 1e-12
    if bad.any():
        i, j = np.argwhere(bad)[0]
        return f"point {i + 1}: {('value', 'd/dx', 'd/dy')[j]} {got[i, j]!r} != {want[i, j]!r}"
    return None


def from_documents(stdout: str) -> np.ndarray:
    """adiff's JSON lines (and the floor's, the same documents) as rows."""
    rows = []
    for line in stdout.splitlines():
        if line.strip():
            doc = json.loads(line)
            rows.append((doc["value"], doc["grad"]["x"], doc["grad"]["y"]))
    return np.array(rows, dtype=float)


def from_numbers(stdout: str) -> np.ndarray:
    """Three numbers a line (or in qalc's brackets)."""
    rows = []
    for line in stdout.replace("\u2212", "-").splitlines():  # qalc's minus sign
        words = line.replace("[", " ").replace("]", " ").split()
        if len(words) == 3:
            rows.append([float(w) for w in words])
    return np.array(rows, dtype=float)


# --- one process for all points ----------------------------------------------------------

FLOOR_SCRIPT = """
import json, sys
import numpy as np
points = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
x = np.array([p["x"] for p in points]); y = np.array([p["y"] for p in points])
s, ey, q, l = np.sin(x), np.exp(y), 1 + y * y, np.log1p(x * x)
value = s * ey + l / q
gx = np.cos(x) * ey + 2 * x / ((1 + x * x) * q)
gy = s * ey - 2 * y * l / (q * q)
sys.stdout.write("".join(json.dumps({"value": v, "grad": {"x": a, "y": b}}) + "\\n"
                         for v, a, b in zip(value.tolist(), gx.tolist(), gy.tolist())))
"""

JAX_SCRIPT = """
import json, sys
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np
points = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
x = np.array([p["x"] for p in points]); y = np.array([p["y"] for p in points])
f = lambda x, y: jnp.sin(x) * jnp.exp(y) + jnp.log(1 + x**2) / (1 + y**2)
value, (gx, gy) = jax.jit(jax.vmap(jax.value_and_grad(f, argnums=(0, 1))))(x, y)
sys.stdout.write("".join(json.dumps({"value": v, "grad": {"x": a, "y": b}}) + "\\n"
                         for v, a, b in zip(value.tolist(), gx.tolist(), gy.tolist())))
"""


def _script(code: str, *modules: str):
    def make(p: Problem):
        import importlib.util

        for name in modules:
            if importlib.util.find_spec(name) is None:
                raise ImportError(f"No module named {name!r}")
        argv = [PYTHON, "-c", code, str(p.jsonl)]
        return lambda: from_documents(run_process(argv, timeout=300)[1])

    return make


def _adiff_batch(p: Problem):
    argv = [*adiff_command(), "grad", FORMULA, "--batch", str(p.jsonl)]
    return lambda: from_documents(run_process(argv, timeout=300)[1])


def _parallel(p: Problem):
    found = shutil.which("parallel")
    if found is None:
        raise ImportError("no GNU parallel on PATH")
    command = shlex.join([*adiff_command(), "grad", FORMULA, "--batch", "-"])
    argv = [found, "--pipe", "--keep-order", "-N", str(BLOCK), command]
    text = p.jsonl.read_text()
    return lambda: from_documents(run_process(argv, timeout=300, stdin=text)[1])


# --- a shell loop of one process per point -----------------------------------------------


def loop_points(tool: str, p: Problem) -> int:
    """How many points a loop runs: 1 in 200 for the fast starters, 1 in 1000 else."""
    share = 200 if tool in (LOOP, "qalc (shell loop)") else 1000
    return max(1, p.points // share)


def _loop(tool: str, command):
    """`command()` gives `one(x, y)`, one point's argv; the loop is a shell script of
    those lines, one process after another, as a `while read` loop would run them."""

    def make(p: Problem):
        one = command()
        m = loop_points(tool, p)
        lines = [shlex.join(one(x, y)) for x, y in zip(p.x[:m].tolist(), p.y[:m].tolist())]
        script = scratch(f"{tool.split()[0]}-{p.points}.sh")
        script.write_text("set -e\n" + "\n".join(lines) + "\n")
        parse = from_documents if tool == LOOP else from_numbers
        return lambda: parse(run_process(["bash", str(script)], timeout=300)[1])

    return make


def _adiff_one():
    prefix = adiff_command()
    return lambda x, y: [*prefix, "grad", FORMULA, f"--x={x!r}", f"--y={y!r}", "--json"]


def _qalc_one():
    found = shutil.which("qalc")
    if found is None:
        raise ImportError("no qalc on PATH")
    f = "sin({x})*exp({y}) + ln(1 + ({x})^2)/(1 + ({y})^2)"

    def argv(x: float, y: float) -> list[str]:
        expr = (
            f"[{f.format(x=x, y=y)}, diff({f.format(x='x', y=y)}, x, 1, {x!r}), "
            f"diff({f.format(x=x, y='y')}, y, 1, {y!r})]"
        )
        return [found, "-t", "-s", "precision 16", expr]

    return argv


def _python_one(code: str, module: str):
    def command():
        import importlib.util

        if importlib.util.find_spec(module) is None:
            raise ImportError(f"No module named {module!r}")
        return lambda x, y: [PYTHON, "-c", code.format(x=repr(x), y=repr(y))]

    return command


TORCH_ONE = (
    "import torch; x = torch.tensor({x}, dtype=torch.float64, requires_grad=True); "
    "y = torch.tensor({y}, dtype=torch.float64, requires_grad=True); "
    "f = torch.sin(x)*torch.exp(y) + torch.log(1 + x**2)/(1 + y**2); f.backward(); "
    "print(f.item(), x.grad.item(), y.grad.item())"
)
JAX_ONE = (
    "import jax; jax.config.update('jax_enable_x64', True); import jax.numpy as jnp; "
    "v, (a, b) = jax.value_and_grad(lambda x, y: jnp.sin(x)*jnp.exp(y) + "
    "jnp.log(1 + x**2)/(1 + y**2), argnums=(0, 1))({x}, {y}); print(float(v), float(a), float(b))"
)
SYMPY_ONE = (
    "import sympy as s; x, y = s.symbols('x y'); "
    "f = s.sin(x)*s.exp(y) + s.log(1 + x**2)/(1 + y**2); at = {{x: {x}, y: {y}}}; "
    "print(float(f.subs(at)), float(s.diff(f, x).subs(at)), float(s.diff(f, y).subs(at)))"
)


def finish(rows: list[Row]) -> None:
    """Say what the loops' per-point times come to for every point (an extrapolation)."""
    for row in rows:
        if row.seconds is not None and "loop" in row.tool and row.ops:
            problem_points = int(row.case.split()[0])
            total = row.per_unit * problem_points
            row.note = "; ".join(
                filter(None, [f"{row.ops} of {problem_points} points timed, "
                              f"~{total:.0f} s for all (extrapolated)", row.note])
            )  # fmt: skip


def _units(tool: str):
    return lambda p: loop_points(tool, p)


TOOLS = (
    Tool("python + numpy by hand (one process)", _script(FLOOR_SCRIPT), role="floor",
         process=True),
    Tool(BATCH, _adiff_batch, role="adiff", process=True,
         targets=lambda case: (faster_than(LOOP, 100),)),
    Tool(f"parallel -N {BLOCK} {BATCH} -", _parallel, role="adiff", process=True,
         versus=(BATCH,)),
    Tool("jax.vmap (one process)", _script(JAX_SCRIPT, "jax"), process=True),
    Tool(LOOP, _loop(LOOP, _adiff_one), role="adiff", process=True, units=_units(LOOP)),
    Tool("qalc (shell loop)", _loop("qalc (shell loop)", _qalc_one), process=True,
         units=_units("qalc (shell loop)")),
    Tool("python -c torch (shell loop)", _loop("torch loop", _python_one(TORCH_ONE, "torch")),
         process=True, units=_units("torch loop")),
    Tool("python -c jax (shell loop)", _loop("jax loop", _python_one(JAX_ONE, "jax")),
         process=True, units=_units("jax loop")),
    Tool("python -c sympy (shell loop)", _loop("sympy loop", _python_one(SYMPY_ONE, "sympy")),
         process=True, units=_units("sympy loop")),
)  # fmt: skip
