"""linalg: det, inv and solve of an n×n matrix, value and gradient.

Each is one LAPACK factorisation forward and a little more backward, so the
floor is NumPy's own calls with the backward formula written by hand:
d det(A) = det(A) A⁻ᵀ; d <W, A⁻¹> = -A⁻ᵀ W A⁻ᵀ; for x = A⁻¹b and <w, x>,
λ = A⁻ᵀw, then dA = -λ xᵀ and db = λ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import THREADED, Tool, adiff_core, import_torch, ratio_at_most

NAME = "linalg"
CASES = ("det 200", "inv 200", "solve 200")
QUICK_CASES = ("det 100", "inv 100", "solve 100")


@dataclass(frozen=True)
class Problem:
    kind: str  # det: det(A); inv: sum(inv(A) * W); solve: sum(solve(A, b) * w)
    a: np.ndarray
    b: np.ndarray  # solve's right-hand side
    w: np.ndarray  # the weights that make inv and solve scalar
    value: float
    grads: tuple[np.ndarray, ...]  # d/dA, and d/db for solve


def by_hand(kind: str, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[float, tuple]:
    if kind == "det":
        d = np.linalg.det(a)
        return float(d), (d * np.linalg.inv(a).T,)
    if kind == "inv":
        ainv = np.linalg.inv(a)
        return float(np.sum(ainv * w)), (-(ainv.T @ w @ ainv.T),)
    x = np.linalg.solve(a, b)
    lam = np.linalg.solve(a.T, w)
    return float(w @ x), (-np.outer(lam, x), lam)


def problem(case: str) -> Problem:
    kind, size = case.split()
    n = int(size)
    rng = np.random.default_rng(7)
    a = np.eye(n) + rng.standard_normal((n, n)) / (2 * np.sqrt(n))  # well conditioned
    b = rng.standard_normal(n)
    w = rng.standard_normal((n, n)) if kind == "inv" else rng.standard_normal(n)
    return Problem(kind, a, b, w, *by_hand(kind, a, b, w))


def check(answer: tuple[float, tuple], p: Problem) -> str | None:
    value, grads = answer
    if not abs(value - p.value) <= 1e-9 * max(1.0, abs(p.value)):
        return f"value {value!r} != {p.value!r}"
    for got, want in zip(grads, p.grads, strict=True):
        err = float(np.max(np.abs(np.asarray(got) - want)))
        scale = float(np.max(np.abs(want)))
        if err > 1e-9 * scale:
            return f"gradient off by up to {err:.3g} (of {scale:.3g})"
    return None


def _floor(p: Problem):
    return lambda: by_hand(p.kind, p.a, p.b, p.w)


def objective(lib: Any, kind: str, a: Any, b: Any, w: Any) -> Any:
    """The scalar, for libraries that name their functions det, inv and solve."""
    if kind == "det":
        return lib.det(a)
    if kind == "inv":
        return lib.sum(lib.inv(a) * w)
    return lib.sum(lib.solve(a, b) * w)


def _adiff(p: Problem):
    ad = adiff_core()
    w = ad.tensor(p.w)

    def run():
        a, b = ad.tensor(p.a, requires_grad=True), ad.tensor(p.b, requires_grad=True)
        y = objective(ad, p.kind, a, b, w)
        y.backward()
        grads = (a.grad.numpy(),) + ((b.grad.numpy(),) if p.kind == "solve" else ())
        return y.item(), grads

    return run


def _torch(p: Problem):
    torch = import_torch()
    w = torch.from_numpy(p.w)

    def run():
        a = torch.from_numpy(p.a).requires_grad_()
        b = torch.from_numpy(p.b).requires_grad_()
        if p.kind == "det":
            y = torch.linalg.det(a)
        elif p.kind == "inv":
            y = torch.sum(torch.linalg.inv(a) * w)
        else:
            y = torch.sum(torch.linalg.solve(a, b) * w)
        y.backward()
        grads = (a.grad.numpy(),) + ((b.grad.numpy(),) if p.kind == "solve" else ())
        return y.item(), grads

    return run


def _jax(p: Problem):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def f(a: Any, b: Any) -> Any:
        if p.kind == "det":
            return jnp.linalg.det(a)
        if p.kind == "inv":
            return jnp.sum(jnp.linalg.inv(a) * p.w)
        return jnp.sum(jnp.linalg.solve(a, b) * p.w)

    value_and_grad = jax.jit(jax.value_and_grad(f, argnums=(0, 1)))

    def run():
        value, (ga, gb) = value_and_grad(p.a, p.b)
        grads = (np.asarray(ga),) + ((np.asarray(gb),) if p.kind == "solve" else ())
        return float(value), grads

    return run


TOOLS = (
    Tool("numpy by hand", _floor, role="floor"),
    Tool("adiff", _adiff, role="adiff", targets=lambda case: (ratio_at_most(2.0),)),
    # What a user gets by default: OpenBLAS with a thread per core, on a shared machine.
    Tool("numpy by hand (BLAS threads)", _floor, role="context", env=THREADED),
    Tool("adiff (BLAS threads)", _adiff, role="context", env=THREADED),
    Tool("torch eager", _torch),
    Tool("jax jit", _jax),
)
