"""The commands of `adiff`, one row each: name, help, example, options, computation, display.

A row names its computation and its display as "module:function" in
`autodiff_cli.commands`, imported only when that command runs, so that building
the command line costs no NumPy, Lark or Rich. A computation takes the `Job`
(the compiled program with its inputs) and the `Options` and returns a `Result`;
a display prints that result for people (`--json` prints its document instead).
"""

from __future__ import annotations

from autodiff_cli.commands import options as o


class Command:
    """One command. `inputs` says what it reads: "values" (a program and a value for
    each input), "program" (a program, no values: formula) or "none" (functions).
    `batch` marks the commands that take `--batch FILE`."""

    __slots__ = ("name", "help", "example", "options", "compute", "show", "inputs", "batch")

    def __init__(self, name: str, help: str, example: str, options: tuple[o.Option, ...],
                 compute: str, show: str, *, inputs: str = "values", batch: bool = False) -> None:
        self.name = name
        self.help = help
        self.example = example
        self.compute = compute
        self.show = show
        self.inputs = inputs
        self.batch = batch
        extra = (o.BATCH,) if batch else ()
        self.options = (*options, *(o.PROGRAM if inputs != "none" else (o.JSON,)), *extra)

    def flags(self) -> dict[str, bool]:
        """Each flag of this command's options, and whether it takes a value."""
        return {flag: not option.is_flag for option in self.options for flag in option.flags}


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("eval", "Print the value of the program.",
            'adiff eval "sum(linspace(0, 1, 5)**2)"',
            (o.CSV,), "derivatives:evaluate", "derivatives:show_values"),
    Command("grad", "Print the value and the exact derivative with respect to each input.",
            'adiff grad "x**2*y + sin(y)" --x 1 --y 2 --wrt y,x',
            (o.WRT, o.SEED, o.CSV), "derivatives:gradient", "derivatives:show_values" ),
    Command("hessian",
            "Print the value, the gradient and every second derivative (by double backward).",
            'adiff hessian "x**2*y + y**3" --x 1 --y 2',
            (o.WRT,), "derivatives:hessian", "derivatives:show_values"),
    Command("check",
            "Compare autograd with numeric derivatives for every input element; exit 1 if any "
            "differ.",
            'adiff check "sin(x)*exp(x)" --x 0.7',
            (o.EPS, o.RTOL, o.ATOL, o.WRT, o.SEED), "checking:check", "checking:show"),
    Command("graph",
            "Draw the computation graph after a backward pass: operations, values and gradients.",
            'adiff graph "u = x**2 + 1; u*sin(u)" --x 2 --format dot',
            (o.FORMAT, o.MAX_DEPTH, o.MAX_NODES, o.SEED), "graphs:graph", "graphs:show"),
)}


def option_owners(flag: str) -> list[str]:
    """The commands that take `flag`, for "--seed is an option of grad and check"."""
    return [c.name for c in COMMANDS.values() if flag in c.flags()]
