"""Every option of every command, in one table, and `Options`, the values of one run.

A command lists the options it takes (see `table.py`); the Typer signature, the
argument splitting, the help and the "which command takes --seed?" hints are
all read from these entries, so an option is written once.
"""

from __future__ import annotations

from pathlib import Path


class Option:
    """One option: its flags, the type of its value (None for a flag), and its help.

    `name` is the attribute of `Options` that receives the value; `minimum` is the least
    value it takes (a number option must also be finite). Two entries may
    share a flag with different types (taylor's `--order 6`, plot's `--order 0,1`),
    but each has a name of its own.
    """

    __slots__ = ("name", "flags", "type", "default", "metavar", "help", "repeat", "minimum",
                 "choices")

    def __init__(self, name: str, flags: tuple[str, ...], type: type | None, default, help: str,
                 *, metavar: str | None = None, repeat: bool = False,
                 minimum: int | float | None = None,
                 choices: tuple[str, ...] = ()) -> None:
        self.name = name
        self.flags = flags
        self.type = type
        self.default = default
        self.help = help
        self.metavar = metavar
        self.repeat = repeat
        self.minimum = minimum
        self.choices = choices
        if ALL.setdefault(name, self) is not self:
            raise AssertionError(f"two options are named {name}")

    @property
    def is_flag(self) -> bool:
        return self.type is None

    @property
    def long(self) -> str:
        return self.flags[0]


ALL: dict[str, Option] = {}


# The program and how its inputs are read (every command with a program).
FILE = Option("file", ("--file", "-f"), Path, None, "Read the program from PATH.",
              metavar="PATH")
VAR = Option("var", ("--var", "-v"), str, None,
             "Give input NAME a value; the same as --NAME VALUE, for names that collide with an "
             "option. Repeatable.", metavar="NAME=VALUE", repeat=True)
JSON = Option("json", ("--json",), None, False, "Print one strict JSON document (for scripts).")
MAX_ELEMENTS = Option("max_elements", ("--max-elements",), int, 10**8,
                      "Refuse values with more than N elements.", metavar="N", minimum=1)
DIGITS = Option("digits", ("--digits",), int, None,
                "Round human output to N significant digits (--json keeps full precision).",
                metavar="N", minimum=1)
COLOR = Option("color", ("--color",), str, "auto",
               "Colour on a terminal (auto), always or never; NO_COLOR and FORCE_COLOR are "
               "honoured.", metavar="auto|always|never", choices=("auto", "always", "never"))
BATCH = Option("batch", ("--batch",), str, None,
               "Run every point of FILE (JSON lines, or CSV if it ends in .csv; '-' reads "
               "standard input): one JSON line out per point.", metavar="FILE")
CSV = Option("csv", ("--csv",), None, False,
             "Print a grid result (inputs of one length n, an output of n) as CSV.")

# Derivatives.
WRT = Option("wrt", ("--wrt",), str, None,
             "Differentiate with respect to these inputs, in this order (default: all, in order "
             "of first appearance).", metavar="x,y")
SEED = Option("seed", ("--seed",), str, None,
              "For an output that is not a scalar: the vector of the vector-Jacobian product, "
              "broadcast to the output's shape (--seed 1 gives the elementwise derivative).",
              metavar="S")

# check
EPS = Option("eps", ("--eps",), float, None,
             "Use one plain central difference with step E (as torch.autograd.gradcheck, whose "
             "tolerances --atol 1e-5 --rtol 1e-3 it then takes) instead of extrapolation over a "
             "sequence of steps.", metavar="E")
RTOL = Option("rtol", ("--rtol",), float, None,
              "Relative tolerance (default 1e-6; 1e-3 with --eps).", metavar="R", minimum=0)
ATOL = Option("atol", ("--atol",), float, None,
              "Absolute tolerance (default 1e-9; 1e-5 with --eps).", metavar="A", minimum=0)

EXPECT = Option("expect", ("--expect",), str, None,
                "Your own derivative: FORMULA for the one input checked, or NAME=FORMULA; "
                "compared with autograd at every element. Repeatable.",
                metavar="[NAME=]FORMULA", repeat=True)
FULL = Option("full", ("--full",), None, False,
              "Check every element even past 1000 elements, where random directions stand in.")

# graph
FORMAT = Option("format", ("--format",), str, "tree",
                "A tree for the terminal, or text for Graphviz or Mermaid.",
                metavar="tree|dot|mermaid", choices=("tree", "dot", "mermaid"))
MAX_DEPTH = Option("max_depth", ("--max-depth",), int, 40, "Draw the tree to this depth.",
                   metavar="D", minimum=1)
MAX_NODES = Option("max_nodes", ("--max-nodes",), int, 1000, "Draw at most N nodes of the tree.",
                   metavar="N", minimum=1)

# jacobian
MODE = Option("mode", ("--mode",), str, "auto",
              "reverse: one backward pass per output element; forward: one forward pass per "
              "input element; auto: whichever takes fewer.", metavar="auto|forward|reverse",
              choices=("auto", "forward", "reverse"))

# jvp and taylor
TANGENT = Option("tangent", ("--tangent",), str, None,
                 "The tangent of input NAME (a constant expression, broadcast to its shape); "
                 "inputs without one get 0, and with no --tangent at all every input gets 1. "
                 "Repeatable.", metavar="NAME=VALUE", repeat=True)
ORDER = Option("order", ("--order",), int, 6,
               "The highest derivative, up to 170 (170! is the largest factorial a float holds).",
               metavar="N", minimum=0)

# plot
ORDERS = Option("orders", ("--order",), str, "0,1",
                "The orders to draw: 0 is f, 1 is f', 2 is f''...", metavar="0,1,2")
OUTPUT = Option("output", ("--output",), Path, None,
                "Write the plot to FILE (as text) instead of the terminal.", metavar="FILE")

# minimize and solve
METHOD = Option("method", ("--method",), str, "bfgs",
                "bfgs, lbfgs, newton (exact Hessian), cg, gd (plain gradient descent) or adam.",
                metavar="M", choices=("bfgs", "lbfgs", "newton", "cg", "gd", "adam"))
STEPS = Option("steps", ("--steps",), int, 1000, "Stop after N steps.", metavar="N", minimum=1)
TOL = Option("tol", ("--tol",), float, 1e-8,
             "Converged when the gradient norm (minimize) or the residual norm (solve) is "
             "below T.", metavar="T", minimum=0)
LR = Option("lr", ("--lr",), float, None,
            "The learning rate of gd and adam (default 0.1).", metavar="LR", minimum=0)

# Every option with a program; each command adds its own (see table.py).
PROGRAM = (FILE, VAR, JSON, MAX_ELEMENTS, DIGITS, COLOR)

# Flags that mean the same before the command as after it: `adiff --json grad ...`.
GLOBAL = (JSON, MAX_ELEMENTS, DIGITS, COLOR)


class Options:
    """The values of one run: every option of `ALL` by name (its default where the
    command line did not give it), `expr` (the EXPR argument as given) and `inputs`
    (the `--NAME VALUE` pairs split off the command line)."""

    def __init__(self, values: dict, inputs: list[tuple[str, str | None]] = ()) -> None:
        self.__dict__.update({name: option.default for name, option in ALL.items()})
        self.expr: str | None = None
        self.__dict__.update(values)
        self.inputs = list(inputs)
