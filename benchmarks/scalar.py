"""scalar: a long chain of operations on one number, forward and backward.

Here there is no array work to hide behind: every operation pays the full
price of a graph node, so the figure is microseconds per operation. The floor
is the least a Python reverse pass can do: plain floats on a flat tape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.harness import (
    Tool,
    adiff_core,
    close,
    import_torch,
    no_slower_than_before,
    seconds_at_most,
)

NAME = "scalar"
CASES = ("1e3", "1e4", "1e5")
QUICK_CASES = ("1e3",)
OPS_PER_STEP = 4  # y*y, +1, **-1, y+
START = 0.5


@dataclass(frozen=True)
class Problem:
    ops: int
    value: float
    grad: float

    @property
    def steps(self) -> int:
        return self.ops // OPS_PER_STEP


def chain(y: Any, steps: int) -> Any:
    """The workload, written once for every type with Python's operators."""
    for _ in range(steps):
        y = y + (y * y + 1) ** -1
    return y


def problem(case: str) -> Problem:
    """The reference: the chain and its derivative by the chain rule, in closed form."""
    ops = int(float(case))
    y, dy = START, 1.0
    for _ in range(ops // OPS_PER_STEP):
        q = y * y + 1
        y, dy = y + 1 / q, dy * (1 - 2 * y / (q * q))
    return Problem(ops, y, dy)


def check(answer: tuple[float, float], p: Problem) -> str | None:
    value, grad = map(float, answer)
    if not close(value, p.value):
        return f"value {value!r} != {p.value!r}"
    return None if close(grad, p.grad) else f"gradient {grad!r} != {p.grad!r}"


def tape_pass(x: float, steps: int) -> tuple[float, float]:
    """Plain floats: the forward pass records (out, a, da, b, db) for each op on a
    flat tape, indices into `vals`; the backward pass sweeps it in reverse."""
    vals, tape, y = [x], [], 0
    for _ in range(steps):
        v = vals[y]
        s, t, u, z = range(len(vals), len(vals) + 4)  # y*y, +1, **-1, y+
        q = v * v + 1
        r = q**-1
        vals += (v * v, q, r, v + r)
        tape += ((s, y, v, y, v), (t, s, 1.0, s, 0.0), (u, t, -r * r, t, 0.0), (z, y, 1.0, u, 1.0))
        y = z
    adj = [0.0] * len(vals)
    adj[-1] = 1.0
    for out, a, da, b, db in reversed(tape):
        g = adj[out]
        adj[a] += g * da
        adj[b] += g * db
    return vals[-1], adj[0]


def _floor(p: Problem):
    return lambda: tape_pass(START, p.steps)


def _adiff(p: Problem):
    ad = adiff_core()

    def run():
        x = ad.tensor(START, requires_grad=True)
        y = chain(x, p.steps)
        y.backward()
        return y.item(), x.grad.item()

    return run


def _torch(p: Problem):
    torch = import_torch()

    def run():
        x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        y = chain(x, p.steps)
        y.backward()
        return y.item(), x.grad.item()

    return run


def _autograd(p: Problem):
    import autograd

    value_and_grad = autograd.value_and_grad(lambda x: chain(x, p.steps))
    return lambda: value_and_grad(START)


def _mygrad(p: Problem):
    import mygrad

    def run():
        x = mygrad.tensor(START)
        y = chain(x, p.steps)
        y.backward()
        return y.item(), x.grad.item()

    return run


def _micrograd(p: Problem):
    from micrograd.engine import Value

    def run():
        x = Value(START)
        y = chain(x, p.steps)
        y.backward()  # its topological sort recurses once per node of depth
        return y.data, x.grad

    return run


TOOLS = (
    Tool("floats on a tape", _floor, role="floor"),
    Tool(
        "adiff",
        _adiff,
        role="adiff",
        targets=lambda case: (seconds_at_most(3e-6, "≤ 3 µs/op"), no_slower_than_before(1.05)),
        before=True,
    ),
    Tool("torch 0-d", _torch),
    Tool("autograd (HIPS)", _autograd),
    Tool("mygrad", _mygrad),
    Tool("micrograd", _micrograd),
)
