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
    `batch` marks the commands that take `--batch FILE`; `defaults` overrides the
    default of a shared option (solve's --tol is 1e-12, minimize's 1e-8)."""

    __slots__ = ("name", "help", "example", "options", "compute", "show", "inputs", "batch",
                 "defaults")

    def __init__(self, name: str, help: str, example: str, options: tuple[o.Option, ...],
                 compute: str, show: str, *, inputs: str = "values", batch: bool = False,
                 defaults: dict | None = None) -> None:
        self.name = name
        self.defaults = defaults or {}  # this command's own defaults for shared options
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
            (o.CSV,), "derivatives:evaluate", "derivatives:show_values", batch=True),
    Command("grad", "Print the value and the exact derivative with respect to each input.",
            'adiff grad "x**2*y + sin(y)" --x 1 --y 2 --wrt y,x',
            (o.WRT, o.SEED, o.CSV), "derivatives:gradient", "derivatives:show_values",
            batch=True),
    Command("hessian",
            "Print the value, the gradient and every second derivative (by double backward).",
            'adiff hessian "x**2*y + y**3" --x 1 --y 2',
            (o.WRT,), "derivatives:hessian", "derivatives:show_values", batch=True),
    Command("check",
            "Compare autograd with numeric derivatives (and with your own formulas) for every "
            "input element; exit 1 if any differ or is not differentiable.",
            'adiff check "sin(x)*exp(x)" --x 0.7',
            (o.EPS, o.RTOL, o.ATOL, o.EXPECT, o.FULL, o.WRT, o.SEED), "checking:check",
            "checking:show", batch=True),
    Command("graph",
            "Draw the computation graph after a backward pass: operations, values and gradients.",
            'adiff graph "u = x**2 + 1; u*sin(u)" --x 2 --format dot',
            (o.FORMAT, o.MAX_DEPTH, o.MAX_NODES, o.SEED), "graphs:graph", "graphs:show"),
    Command("jacobian",
            "Print the value and the derivative of every output element with respect to every "
            "input element.",
            'adiff jacobian "[x*y, x+y, sin(x)]" --x 1 --y 2',
            (o.WRT, o.MODE), "derivatives:jacobian", "derivatives:show_values", batch=True),
    Command("jvp",
            "Print the value and the directional derivative along the tangents, by forward "
            "mode.",
            'adiff jvp "x**2*y" --x 1 --y 2 --tangent x=1',
            (o.TANGENT,), "derivatives:jvp", "derivatives:show_values", batch=True),
    Command("taylor",
            "Print the derivatives f, f', ..., f⁽ᴺ⁾ in one input at the point, and the Taylor "
            "coefficients, by Taylor-mode differentiation.",
            'adiff taylor "exp(sin(x))" --x 0 --order 8',
            (o.WRT, o.ORDER), "derivatives:taylor", "derivatives:show_taylor", batch=True),
    Command("formula",
            "Print each partial derivative as a formula in adiff's language, simplified "
            "(no input values needed).",
            'adiff formula "(x**2+1)**3"',
            (o.WRT,), "formulas:formula", "formulas:show", inputs="program"),
    Command("minimize",
            "Find a minimum of a scalar output from the given point, with exact gradients; "
            "exit 1 if --steps run out first.",
            'adiff minimize "mean((w*X + b - Y)**2)" --X "[1,2,3,4]" --Y "[3,5,7,9]" '
            "--w 0 --b 0 --wrt w,b",
            (o.WRT, o.METHOD, o.STEPS, o.TOL, o.LR), "optimisation:minimize",
            "optimisation:show_minimum"),
    Command("solve",
            "Find a root of the output (a scalar, or as many equations as unknowns) by Newton's "
            "method from the given point; exit 1 if it does not converge.",
            'adiff solve "x**3 - 2" --x 1',
            (o.WRT, o.STEPS, o.TOL), "optimisation:solve", "optimisation:show_root",
            defaults={"steps": 100, "tol": 1e-12}),
    Command("plot",
            "Plot the output and its derivatives over the one input that is a 1-D grid.",
            'adiff plot "sin(x)*exp(-x/4)" --x "linspace(0, 10, 200)" --order 0,1,2',
            (o.ORDERS, o.OUTPUT), "plotting:plot", "plotting:show"),
    Command("functions", "List the language's functions: arguments, keywords and meaning.",
            "adiff functions --json", (), "vocabulary:functions", "vocabulary:show",
            inputs="none"),
)}


def option_owners(flag: str) -> list[str]:
    """The commands that take `flag`, for "--seed is an option of grad and check"."""
    return [c.name for c in COMMANDS.values() if flag in c.flags()]
