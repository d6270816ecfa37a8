"""taylor: the first N derivatives of a 50-operation scalar program at one point.

Taylor mode pushes truncated series through the program, about N² work per
operation; nesting reverse mode (torch.autograd.grad with create_graph) grows
the graph with every order, exponentially. The program is five rounds of
sin, exp, *, y², +, log, +, /, * and + (ten operations each). The reference is
the same series arithmetic in mpmath at 50 digits (the classic recurrences for
exp, log, sin/cos and division), untimed; the floor is that arithmetic written
by hand in float64 NumPy for this one program.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import (
    Tool,
    adiff_command,
    adiff_core,
    import_torch,
    run_process,
    seconds_at_most,
)

NAME = "taylor"
CASES = ("order 6", "order 30", "order 100")
QUICK_CASES = ("order 6", "order 30")
X0 = 0.5
ROUNDS = 5  # of ten operations: the program has 50
TORCH_BUDGET = 10.0  # seconds: nested grad stops at the first order past this


def program(lib: Any, y: Any) -> Any:
    """The program, written once for every library with these function names."""
    for _ in range(ROUNDS):
        b = lib.exp(lib.sin(y))  # sin, exp
        d = lib.log(b + y * y)  # *, +, log
        e = d / (b + 1.0)  # +, /
        y = (e * 0.5 + y) * b  # *, +, *
    return y


PROGRAM_TEXT = (
    "y = x\n"
    + "b = exp(sin(y)); y = (log(b + y*y) / (b + 1) * 0.5 + y) * b\n" * ROUNDS
    + "y\n"
)


@dataclass(frozen=True)
class Problem:
    order: int
    coefficients: np.ndarray  # f⁽ᵏ⁾(X0)/k!, k = 0..order

    @property
    def derivatives(self) -> np.ndarray:
        return self.coefficients * np.array([math.factorial(k) for k in range(self.order + 1)],
                                            dtype=float)


def _dot(a: Any, b: Any, lo: int, k: int, hi: int | None = None) -> Any:
    """sum(a[j] * b[k - j] for j in lo..hi (default k)): a NumPy dot for float arrays."""
    hi = k if hi is None else hi
    if hi < lo:
        return 0.0 * a[0]
    if isinstance(a, np.ndarray):
        return a[lo : hi + 1] @ b[k - hi : k - lo + 1][::-1]
    return sum(a[j] * b[k - j] for j in range(lo, hi + 1))


class Series:
    """A truncated Taylor series: coefficients in a float64 array or a list of mpf.

    The recurrences are the textbook ones (Griewank and Walther, ch. 13), as JAX's
    jet and adiff's Taylor table implement them.
    """

    def __init__(self, c: Any) -> None:
        self.c = c

    @property
    def n(self) -> int:
        return len(self.c)

    def _new(self) -> Any:
        return np.zeros(self.n) if isinstance(self.c, np.ndarray) else [self.c[0] * 0] * self.n

    def _lift(self, other: Any) -> Series:
        if isinstance(other, Series):
            return other
        c = self._new()
        c[0] = c[0] + other
        return Series(c)

    def _weighted(self) -> Any:
        """j * a[j]: the derivative's coefficients, shifted."""
        if isinstance(self.c, np.ndarray):
            return np.arange(self.n) * self.c
        return [j * a for j, a in enumerate(self.c)]

    def __add__(self, other: Any) -> Series:
        o = self._lift(other)
        if isinstance(self.c, np.ndarray):
            return Series(self.c + o.c)
        return Series([a + b for a, b in zip(self.c, o.c)])

    __radd__ = __add__

    def __mul__(self, other: Any) -> Series:
        if not isinstance(other, Series):
            if isinstance(self.c, np.ndarray):
                return Series(self.c * other)
            return Series([a * other for a in self.c])
        c = self._new()
        for k in range(self.n):
            c[k] = _dot(self.c, other.c, 0, k)
        return Series(c)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Series:
        a, b = self.c, self._lift(other).c
        q = self._new()
        for k in range(self.n):
            q[k] = (a[k] - _dot(b, q, 1, k)) / b[0]
        return Series(q)


def s_exp(s: Series, lib: Any) -> Series:
    ja, b = s._weighted(), s._new()
    b[0] = lib.exp(s.c[0])
    for k in range(1, s.n):
        b[k] = _dot(ja, b, 1, k) / k
    return Series(b)


def s_log(s: Series, lib: Any) -> Series:
    a, b = s.c, s._new()
    b[0] = lib.log(a[0])
    for k in range(1, s.n):
        jb = Series(b)._weighted()
        b[k] = (a[k] - _dot(jb, a, 1, k, hi=k - 1) / k) / a[0]
    return Series(b)


def s_sin(s: Series, lib: Any) -> Series:
    ja, sn, cs = s._weighted(), s._new(), s._new()
    sn[0], cs[0] = lib.sin(s.c[0]), lib.cos(s.c[0])
    for k in range(1, s.n):
        sn[k] = _dot(ja, cs, 1, k) / k
        cs[k] = -_dot(ja, sn, 1, k) / k
    return Series(sn)


class SeriesLib:
    """The function names `program` calls, on Series over the scalar functions of `lib`."""

    def __init__(self, lib: Any) -> None:
        self.lib = lib

    def exp(self, s: Series) -> Series:
        return s_exp(s, self.lib)

    def log(self, s: Series) -> Series:
        return s_log(s, self.lib)

    def sin(self, s: Series) -> Series:
        return s_sin(s, self.lib)


def reference(order: int) -> np.ndarray:
    import mpmath

    with mpmath.workdps(50):
        x = Series([mpmath.mpf(X0), mpmath.mpf(1)] + [mpmath.mpf(0)] * (order - 1))
        assert len(x.c) == order + 1
        return np.array([float(c) for c in program(SeriesLib(mpmath), x).c])


def problem(case: str) -> Problem:
    order = int(case.split()[1])
    return Problem(order, reference(order))


def check(answer: Any, p: Problem) -> str | None:
    """Taylor coefficients, each to 1e-9 relative to the largest of its neighbours (a
    coefficient near a zero crossing has no relative digits of its own)."""
    got = np.asarray(answer, dtype=float)
    if got.shape != p.coefficients.shape:
        return f"{got.size - 1} orders, not {p.order}"
    want = p.coefficients
    scale = np.maximum.reduce([np.abs(np.roll(want, s)) for s in (-1, 0, 1)])
    bad = np.abs(got - want) > 1e-9 * scale + 1e-300
    if bad.any():
        k = int(np.argmax(bad))
        return f"coefficient {k} is {got[k]!r}, not {want[k]!r}"
    return None


def _floor(p: Problem):
    """The series arithmetic by hand in float64, each recurrence a NumPy dot product."""
    x = np.zeros(p.order + 1)
    x[:2] = X0, 1.0
    lib = SeriesLib(math)
    return lambda: program(lib, Series(x)).c


def _adiff(p: Problem):
    ad = adiff_core()
    return lambda: ad.taylor(lambda x: program(ad, x), X0, p.order)


def _adiff_process(p: Problem):
    argv = [*adiff_command(), "taylor", PROGRAM_TEXT, "--x", repr(X0), "--order", str(p.order)]
    argv.append("--json")

    def run():
        import json

        return json.loads(run_process(argv, timeout=120)[1])["coefficients"]

    return run


def _torch_nested(p: Problem):
    """d/dx repeated with create_graph=True: each order differentiates the last one's graph."""
    torch = import_torch()

    def derivatives(order: int, budget: float | None = None) -> list[float]:
        """With a budget: stop where the next order would take it past the budget."""
        start = last = time.perf_counter()
        x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
        y = program(torch, x)
        out, took = [y.item()], 0.0
        for k in range(1, order + 1):
            (y,) = torch.autograd.grad(y, x, create_graph=True)
            out.append(y.item())
            now = time.perf_counter()
            grows = (now - last) / took if took else 1.0
            took, last = now - last, now
            if budget is not None and k < order and now - start + took * grows > budget:
                raise RuntimeError(
                    f"stops at order {k} ({now - start:.1f} s; order {k + 1} would take "
                    f"~{took * grows:.0f} s more)"
                )
        return out

    derivatives(p.order, TORCH_BUDGET)  # reach the order in the budget, or say where it stops

    def run():
        d = derivatives(p.order)
        return [v / math.factorial(k) for k, v in enumerate(d)]

    return run


def _jet(p: Problem):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.experimental.jet import jet

    class Lib:
        exp, log, sin = staticmethod(jnp.exp), staticmethod(jnp.log), staticmethod(jnp.sin)

    def f(x):
        return program(Lib, x)

    # jet's series are derivatives, not coefficients: x(t) = X0 + t has (1, 0, 0, ...).
    # Eager: under jax.jit the trace of the unrolled recurrences took longer still.
    terms = [jnp.float64(1.0)] + [jnp.float64(0.0)] * (p.order - 1)

    def run():
        value, series = jet(f, (jnp.float64(X0),), (terms,))
        d = [float(value)] + [float(v) for v in series]
        return [v / math.factorial(k) for k, v in enumerate(d)]

    return run


TOOLS = (
    Tool("series by hand (floats)", _floor, role="floor"),
    Tool("adiff (ad.taylor)", _adiff, role="adiff", targets=lambda case: (seconds_at_most(1.0),)),
    Tool("adiff taylor (process)", _adiff_process, role="adiff", process=True),
    Tool("torch nested grad", _torch_nested),
    Tool("jax jet", _jet),
)
