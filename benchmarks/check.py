"""check: `adiff check` against the `adiff grad` it checks, on the same input.

A numeric check costs evaluations: per element, ~57 of them for each element
(central differences over 28 steps, extrapolated), so a per-element check of n
elements is ~57 n evaluations of an n-element program. SPEC §3 asks for two
ways out: past 1000 elements, 4 random directions instead of every element
(PyTorch gradcheck's fast mode, a constant number of evaluations); and for an
elementwise program, every element stepped at once. Both are timed here as a
user runs them, as fresh processes; the floor is `adiff grad` on the same
input. Where this adiff has no fast mode (no `check --full`), that case is
skipped; `--before` measures the per-element check of an earlier commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import (
    NotInThisAdiff,
    Target,
    Tool,
    adiff_command,
    adiff_has_option,
    import_torch,
    ratio_at_most,
    run_process,
)

NAME = "check"
CASES = ("fast 1e6", "per element 3000")
QUICK_CASES = ("fast 1e5", "per element 1000")
EXPR = "sum(sin(x)**2)"
FAST_FROM = 1000  # SPEC: inputs of more elements are checked along directions
FASTER_THAN_BEFORE = Target("≥ 5x faster than before", ratio=0.2, before=True)


@dataclass(frozen=True)
class Problem:
    kind: str  # fast | per element
    n: int
    x: np.ndarray
    value: float
    grad: np.ndarray  # d/dx sum(sin(x)**2) = sin(2x)

    @property
    def inputs(self) -> list[str]:
        return ["--x", f"linspace(0, 10, {self.n})"]


def problem(case: str) -> Problem:
    *kind, size = case.split()
    n = int(float(size))
    x = np.linspace(0, 10, n)
    return Problem(" ".join(kind), n, x, float(np.sum(np.sin(x) ** 2)), np.sin(2 * x))


def check(answer: Any, p: Problem) -> str | None:
    kind, doc = answer
    if kind == "value":
        return None if abs(doc - p.value) <= 1e-9 * p.value else f"value {doc!r} != {p.value!r}"
    if kind == "torch":
        return None if doc else "gradcheck says the gradient is wrong"
    numeric = doc["numeric"]
    if p.kind == "fast":
        if "directions" not in doc:
            return "no fast mode: checked element by element"
        numeric, auto = np.array(numeric, dtype=float), np.array(doc["grad"], dtype=float)
        err = float(np.max(np.abs(numeric - auto) / np.maximum(1, np.abs(auto))))
        return None if err <= 1e-6 else f"directional estimates off by up to {err:.3g}"
    err = float(np.max(np.abs(np.array(numeric["x"], dtype=float) - p.grad)))
    return None if err <= 1e-6 else f"numeric derivatives off by up to {err:.3g}"


def note(answer: Any, p: Problem) -> str:
    """adiff's own verdict: its tolerances are its business, but a false alarm is news."""
    kind, doc = answer
    if kind != "check":
        return ""
    if doc.get("ok"):
        return "adiff says ok"
    return f"adiff says DIFFERS (max abs err {doc['max_abs_err']:.3g})"


def _value_line(stdout: str) -> float:
    line = next(ln for ln in stdout.splitlines() if ln.startswith("value"))
    return float(line.split()[-1])


def _grad(p: Problem):
    """Human output, as a user runs it: --json would print all n derivatives."""
    argv = [*adiff_command(), "grad", EXPR, *p.inputs]
    return lambda: ("value", _value_line(run_process(argv, timeout=300)[1]))


def _check(p: Problem):
    full = adiff_has_option("check", "--full")
    if p.kind == "fast" and not full:
        raise NotInThisAdiff("no fast mode: `adiff check` has no --full")
    # Past FAST_FROM elements an adiff with fast mode needs --full to check every element;
    # one without it (the earlier commit) checks every element anyway.
    per_element = ["--full"] if full and p.kind != "fast" and p.n > FAST_FROM else []
    argv = [*adiff_command(), "check", EXPR, *p.inputs, *per_element, "--json"]
    # exit 1 is a verdict (some element differs), not a failure: `check` judges the numbers
    return lambda: ("check", json.loads(run_process(argv, timeout=300, ok=(0, 1))[1]))


def _torch_gradcheck(p: Problem):
    torch = import_torch()
    x = torch.from_numpy(p.x).requires_grad_()

    def run():
        fast = p.kind == "fast"
        ok = torch.autograd.gradcheck(lambda x: torch.sum(torch.sin(x) ** 2), (x,), fast_mode=fast)
        return "torch", ok

    return run


TOOLS = (
    Tool("adiff grad (process)", _grad, role="floor", process=True),
    Tool(
        "adiff check (process)", _check, role="adiff", process=True, before=True, timeout=180,
        targets=lambda case: (
            (ratio_at_most(20),) if case.startswith("fast") else (FASTER_THAN_BEFORE,)
        ),
    ),  # fmt: skip
    Tool("torch gradcheck (in-process)", _torch_gradcheck),
)
