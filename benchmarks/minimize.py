"""minimize: the n-dimensional Rosenbrock function from zeros with L-BFGS.

`adiff minimize` drives SciPy's L-BFGS-B with its exact gradients; the floor
is the same SciPy method given `scipy.optimize.rosen` and its hand-written
derivative `rosen_der`, stopped by the same test (gradient 2-norm below 1e-8,
which adiff turns into gtol = 1e-8/√n and ftol = 0). The same method given no
gradient (jac=None) estimates one by finite differences: n + 1 evaluations a
gradient, and only about 8 digits, so it stops short of that test; its answer
is held to 1e-4 instead of 1e-6, and its evaluation limit is lifted (SciPy's
default of 15,000 stops it far from the minimum at n = 100). The notes give
each tool's iterations and evaluations (adiff's from its engine, in-process).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import Tool, adiff_command, adiff_core, run_process

NAME = "minimize"
CASES = ("rosenbrock 100",)
QUICK_CASES = ("rosenbrock 20",)
TOL = 1e-8


@dataclass(frozen=True)
class Problem:
    n: int

    @property
    def argv(self) -> list[str]:
        return [
            "minimize", "sum(100*(x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)",
            "--x", f"zeros({self.n})", "--method", "lbfgs", "--json",
        ]  # fmt: skip


@dataclass(frozen=True)
class Answer:
    x: np.ndarray
    evaluations: int | None  # of the function and gradient together; None: unknown
    exact: bool = True  # False: numeric gradients, held to a looser tolerance
    steps: int | None = None


def problem(case: str) -> Problem:
    return Problem(int(case.split()[1]))


def check(answer: Answer, p: Problem) -> str | None:
    """The minimum is at x = 1 everywhere."""
    err = float(np.max(np.abs(answer.x - 1)))
    tol = 1e-6 if answer.exact else 1e-4
    return None if err <= tol else f"x is off the minimum by up to {err:.3g}"


def note(answer: Answer, p: Problem) -> str:
    parts = []
    if answer.steps is not None:
        parts.append(f"{answer.steps} steps")
    if answer.evaluations is not None:
        parts.append(f"{answer.evaluations} evaluations")
    return ", ".join(parts)


def _scipy(exact: bool):
    def make(p: Problem):
        from scipy import optimize

        # maxfun: SciPy's default of 15,000 evaluations stops the numeric one at n = 100
        # far from the minimum (each gradient costs n + 1 of them).
        options = {"gtol": TOL / np.sqrt(p.n), "ftol": 0.0, "maxiter": 1000, "maxfun": 10**6}

        def run():
            x0 = np.zeros(p.n)
            jac = optimize.rosen_der if exact else None
            result = optimize.minimize(
                optimize.rosen, x0, jac=jac, method="L-BFGS-B", options=options
            )
            return Answer(result.x, int(result.nfev), exact, int(result.nit))

        return run

    return make


def _adiff_in_process(p: Problem):
    """adiff's command-line entry point in-process, counting the engine's evaluations."""
    adiff_core()  # the checkout under test's, or it refuses
    from autodiff_cli.__main__ import main
    from autodiff_cli.core import optimize

    counted: list[int] = []
    engine = optimize.minimize

    def counting(*args: Any, **kwargs: Any) -> Any:
        found = engine(*args, **kwargs)
        counted.append(getattr(found, "evaluations", None))
        return found

    def run():
        out, argv = io.StringIO(), sys.argv
        sys.argv = ["adiff", *p.argv]
        optimize.minimize = counting
        try:
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                main()
        finally:
            sys.argv, optimize.minimize = argv, engine
        doc = json.loads(out.getvalue())
        return Answer(np.array(doc["at"]["x"]), counted[-1] if counted else None,
                      steps=doc["steps"])  # fmt: skip

    return run


def _adiff_process(p: Problem):
    argv = [*adiff_command(), *p.argv]

    def run():
        doc = json.loads(run_process(argv, timeout=300)[1])
        return Answer(np.array(doc["at"]["x"]), None, steps=doc["steps"])

    return run


TOOLS = (
    Tool("scipy L-BFGS-B + rosen_der", _scipy(exact=True), role="floor"),
    Tool("adiff minimize --method lbfgs", _adiff_in_process, role="adiff"),
    Tool("adiff minimize (process)", _adiff_process, role="adiff", process=True),
    Tool("scipy L-BFGS-B, numeric gradient", _scipy(exact=False)),
)
