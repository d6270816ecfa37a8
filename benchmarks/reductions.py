"""reductions: logsumexp and softmax over N elements, value and gradient.

Both need the max-shift to stay finite (the inputs here sit near 1000, where a
naive exp overflows), so the floor is the stable form a careful NumPy user
writes by hand: one exp, one sum, and the gradient from the same exp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import Tool, adiff_core, import_torch, ratio_at_most

NAME = "reductions"
SIZES = ("1e6", "1e7")
CASES = tuple(f"{kind} {n}" for n in SIZES for kind in ("logsumexp", "softmax"))
QUICK_CASES = CASES[:2]


@dataclass(frozen=True)
class Problem:
    kind: str  # logsumexp: logsumexp(x); softmax: sum(softmax(x) * w)
    x: np.ndarray
    w: np.ndarray
    value: float
    grad: np.ndarray


def by_hand(kind: str, x: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """The stable forms and their gradients, sharing the one exp."""
    m = np.max(x)
    e = np.exp(x - m)
    s = np.sum(e)
    if kind == "logsumexp":
        return float(m + np.log(s)), e / s
    p = e / s
    value = float(p @ w)
    return value, p * (w - value)


def problem(case: str) -> Problem:
    kind, size = case.split()
    k = np.arange(int(float(size)))
    x = 1000 + 20 * np.sin(k * 0.001)  # exp(1000) overflows: only stable forms get there
    w = np.cos(k * 0.37)
    return Problem(kind, x, w, *by_hand(kind, x, w))


def check(answer: tuple[float, np.ndarray], p: Problem) -> str | None:
    value, grad = answer
    if not abs(value - p.value) <= 1e-9 * max(1.0, abs(p.value)):
        return f"value {value!r} != {p.value!r}"
    err = float(np.max(np.abs(np.asarray(grad) - p.grad)))
    scale = float(np.max(np.abs(p.grad)))
    return None if err <= 1e-9 * scale else f"gradient off by up to {err:.3g} (of {scale:.3g})"


def _floor(p: Problem):
    return lambda: by_hand(p.kind, p.x, p.w)


def _adiff(p: Problem):
    ad = adiff_core()
    w = ad.tensor(p.w)

    def run():
        x = ad.Tensor(p.x, requires_grad=True)  # no copy, as torch.from_numpy
        y = ad.logsumexp(x) if p.kind == "logsumexp" else ad.sum(ad.softmax(x, axis=-1) * w)
        y.backward()
        return y.item(), x.grad.numpy()

    return run


def _torch(p: Problem):
    torch = import_torch()
    w = torch.from_numpy(p.w)

    def run():
        x = torch.from_numpy(p.x).requires_grad_()
        if p.kind == "logsumexp":
            y = torch.logsumexp(x, dim=0)
        else:
            y = torch.sum(torch.softmax(x, dim=0) * w)
        y.backward()
        return y.item(), x.grad.numpy()

    return run


def _jax(p: Problem):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    w = jnp.asarray(p.w)

    def f(x: Any) -> Any:
        if p.kind == "logsumexp":
            return jax.nn.logsumexp(x)
        return jnp.sum(jax.nn.softmax(x) * w)

    value_and_grad = jax.jit(jax.value_and_grad(f))

    def run():
        value, grad = value_and_grad(p.x)
        return float(value), np.asarray(grad)

    return run


def _autograd(p: Problem):
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    def f(x: Any) -> Any:
        if p.kind == "logsumexp":
            return logsumexp(x)
        e = anp.exp(x - anp.max(x))
        return anp.sum(e / anp.sum(e) * p.w)

    value_and_grad = autograd.value_and_grad(f)
    return lambda: value_and_grad(p.x)


TOOLS = (
    Tool("numpy by hand", _floor, role="floor"),
    Tool("adiff", _adiff, role="adiff", targets=lambda case: (ratio_at_most(2.0),)),
    Tool("torch eager", _torch),
    Tool("jax jit", _jax),
    Tool("autograd (HIPS)", _autograd),
)
