"""vector: value and gradient of one elementwise formula summed over N points.

The cost a user of array code sees: a handful of NumPy kernels forward and
back. The floor is the same formula and its derivative written by hand in
NumPy, so the ratio is exactly what recording the graph costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import (
    Tool,
    adiff_core,
    close,
    import_torch,
    no_slower_than_before,
    ratio_at_most,
)

NAME = "vector"
CASES = ("1e5", "1e6", "1e7")
QUICK_CASES = ("1e5", "1e6")
TARGETS = {"1e6": (ratio_at_most(1.5),), "1e7": (ratio_at_most(2.0),)}
BEFORE = no_slower_than_before(1.05)  # the language grew since: it must not cost here


@dataclass(frozen=True)
class Problem:
    x: np.ndarray
    value: float
    grad: np.ndarray


def objective(lib: Any, x: Any) -> Any:
    """The formula, written once for every library with NumPy's function names."""
    return lib.sum(lib.sin(x) * lib.exp(-(x**2) / 2) + lib.log1p(x**2) + lib.tanh(x) ** 3)


def by_hand(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Forward pass and analytic derivative, as a careful NumPy user writes them.

    Careful means sharing the intermediates and writing t**3 as t*t*t: NumPy's
    power with exponent 3 goes through libm's pow, which here costs as much as
    the whole rest of the formula (exponents 2, 0.5 and -1 have fast paths).
    """
    x2 = x * x
    s, e, t = np.sin(x), np.exp(-x2 / 2), np.tanh(x)
    t2 = t * t
    value = np.sum(s * e + np.log1p(x2) + t2 * t)
    grad = np.cos(x) * e - x * s * e + 2 * x / (1 + x2) + 3 * t2 * (1 - t2)
    return float(value), grad


def problem(case: str) -> Problem:
    x = np.linspace(-3, 3, int(float(case)))
    return Problem(x, *by_hand(x))


def check(answer: tuple[float, np.ndarray], p: Problem) -> str | None:
    value, grad = answer
    if not close(value, p.value):
        return f"value {value!r} != {p.value!r}"
    err = float(np.max(np.abs(np.asarray(grad) - p.grad)))
    return None if err <= 1e-9 else f"gradient off by up to {err:.3g}"


def _floor(p: Problem):
    return lambda: by_hand(p.x)


def _adiff(p: Problem):
    ad = adiff_core()

    def run():
        x = ad.tensor(p.x, requires_grad=True)
        y = objective(ad, x)
        y.backward()
        return y.item(), x.grad.numpy()

    return run


def _torch(p: Problem):
    torch = import_torch()

    def run():
        x = torch.from_numpy(p.x).requires_grad_()
        y = objective(torch, x)
        y.backward()
        return y.item(), x.grad.numpy()

    return run


def _jax(jit: bool):
    def make(p: Problem):
        import jax

        jax.config.update("jax_enable_x64", True)  # float64, like every other tool here
        import jax.numpy as jnp

        value_and_grad = jax.value_and_grad(lambda x: objective(jnp, x))
        if jit:
            value_and_grad = jax.jit(value_and_grad)

        def run():
            value, grad = value_and_grad(p.x)
            return float(value), np.asarray(grad)  # both wait for the result

        return run

    return make


def _autograd(p: Problem):
    import autograd
    import autograd.numpy as anp

    value_and_grad = autograd.value_and_grad(lambda x: objective(anp, x))
    return lambda: value_and_grad(p.x)


def _mygrad(p: Problem):
    import mygrad

    def run():
        x = mygrad.tensor(p.x)
        y = objective(mygrad, x)
        y.backward()
        return y.item(), x.grad

    return run


TOOLS = (
    Tool("numpy by hand", _floor, role="floor"),
    Tool(
        "adiff",
        _adiff,
        role="adiff",
        targets=lambda case: (*TARGETS.get(case, ()), BEFORE),
        before=True,
    ),
    Tool("torch eager", _torch),
    Tool("jax jit", _jax(jit=True)),
    Tool("jax no jit", _jax(jit=False)),
    Tool("autograd (HIPS)", _autograd),
    Tool("mygrad", _mygrad),
)
