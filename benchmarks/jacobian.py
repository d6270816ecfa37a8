"""jacobian: the full Jacobian of y = tanh(A @ x) + x**2, R^n -> R^n, forward and reverse.

Reverse mode costs one backward pass per output, forward mode one tangent pass
per input: n passes of a small graph either way, so the figure is what a pass
costs. The floor is the Jacobian by hand, diag(1 - tanh²(Ax)) A + diag(2x);
the target is torch.func's jacrev/jacfwd, which batch the n passes with vmap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import Tool, adiff_core, import_torch, relative_to

NAME = "jacobian"
MODES = ("forward", "reverse")
CASES = tuple(f"{mode} 100" for mode in MODES)
QUICK_CASES = tuple(f"{mode} 30" for mode in MODES)
TORCH = "torch.func"


@dataclass(frozen=True)
class Problem:
    mode: str
    a: np.ndarray
    x: np.ndarray
    jacobian: np.ndarray


def by_hand(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    t = np.tanh(a @ x)
    return (1 - t * t)[:, None] * a + np.diag(2 * x)


def problem(case: str) -> Problem:
    mode, size = case.split()
    n = int(size)
    rng = np.random.default_rng(3)
    a = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n)
    return Problem(mode, a, x, by_hand(a, x))


def check(answer: Any, p: Problem) -> str | None:
    got = np.asarray(answer)
    if got.shape != p.jacobian.shape:
        return f"shape {got.shape} != {p.jacobian.shape}"
    err = float(np.max(np.abs(got - p.jacobian)))
    return None if err <= 1e-12 else f"off by up to {err:.3g}"


def _floor(p: Problem):
    return lambda: by_hand(p.a, p.x)


def _adiff(p: Problem):
    ad = adiff_core()
    a = ad.tensor(p.a)

    def f(x):
        return ad.tanh(a @ x) + x**2

    return lambda: ad.jacobian(f, p.x, mode=p.mode).numpy()


def _torch_func(p: Problem):
    torch = import_torch()
    from torch.func import jacfwd, jacrev

    a = torch.from_numpy(p.a)
    jac = (jacfwd if p.mode == "forward" else jacrev)(lambda x: torch.tanh(a @ x) + x**2)
    x = torch.from_numpy(p.x)
    return lambda: jac(x).numpy()


def _torch_functional(p: Problem):
    """torch.autograd.functional.jacobian without vectorize: a loop of passes, as adiff's."""
    torch = import_torch()
    from torch.autograd.functional import jacobian

    a = torch.from_numpy(p.a)
    x = torch.from_numpy(p.x)
    strategy = "forward-mode" if p.mode == "forward" else "reverse-mode"
    vectorize = p.mode == "forward"  # forward-mode needs vectorize=True

    def run():
        return jacobian(
            lambda x: torch.tanh(a @ x) + x**2, x, vectorize=vectorize, strategy=strategy
        ).numpy()

    return run


def _jax(jit: bool):
    def make(p: Problem):
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        a = jnp.asarray(p.a)
        jac = (jax.jacfwd if p.mode == "forward" else jax.jacrev)(lambda x: jnp.tanh(a @ x) + x**2)
        if jit:
            jac = jax.jit(jac)
        return lambda: np.asarray(jac(p.x))

    return make


TOOLS = (
    Tool("numpy by hand", _floor, role="floor"),
    Tool("adiff", _adiff, role="adiff", targets=lambda case: (relative_to(TORCH, 2.0),)),
    Tool(TORCH, _torch_func),
    Tool("torch.autograd.functional", _torch_functional),
    Tool("jax jit", _jax(jit=True)),
    Tool("jax no jit", _jax(jit=False)),
)
