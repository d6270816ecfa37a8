"""depth: D-deep parentheses and D-deep `sin(` chains.

Depth is where recursive parsers, tree walkers and backward passes die. The
spec asks for 100,000 levels without a RecursionError, so the question is
whether adiff gets there in reasonable time: the same tools as `parse`, plus
a fresh `adiff` process (the ≤ 3 s target is what a user waits for) and
torch's backward through a D-long chain of sin.
"""

from __future__ import annotations

import math

from benchmarks import parse
from benchmarks.harness import Tool, import_torch, ratio_at_most, seconds_at_most
from benchmarks.parse import Program, X, program_tools, write_program

NAME = "depth"
KINDS = ("parens", "sin")
CASES = tuple(f"{kind} {d}" for d in ("1e3", "1e4", "1e5") for kind in KINDS)
QUICK_CASES = CASES[:2]
check = parse.check  # the same answers: a value and d/dx, or None from parse-only tools


def problem(case: str) -> Program:
    kind, d = case.split()
    depth = int(float(d))
    if kind == "parens":
        return write_program(f"parens-{d}", "(" * depth + "x" + ")" * depth, X, 1.0)
    value, grad = X, 1.0
    for _ in range(depth):
        value, grad = math.sin(value), grad * math.cos(value)
    return write_program(f"sin-{d}", "sin(" * depth + "x" + ")" * depth, value, grad)


def _torch(p: Program):
    torch = import_torch()
    depth = p.text.count("sin(")

    def run():
        x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(depth):
            y = torch.sin(y)
        y.backward()
        return y.item(), x.grad.item()

    return run


def _deepest(case: str) -> bool:
    return case.endswith("1e5")


TOOLS = program_tools(
    lambda case: (seconds_at_most(3.0), ratio_at_most(2.0)) if _deepest(case) else (),
    process=lambda case: (seconds_at_most(3.0),) if _deepest(case) else (),
    extra=(Tool("torch sin chain", _torch, applies=lambda case: case.startswith("sin")),),
)
