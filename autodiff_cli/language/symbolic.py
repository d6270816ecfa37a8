"""The language's scalar functions as SymPy expressions, for `adiff formula`.

Each builder returns an expression whose `sympy.diff` is PyTorch's derivative,
including PyTorch's choice at a kink, so that a printed derivative agrees with
`adiff grad` wherever the function has a value. SymPy's own function is used
where its derivative is PyTorch's; the small `Function` classes below cover the
rest and keep printed formulas short (`sigmoid(x)*(1 - sigmoid(x))`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import signal
import time
from collections.abc import Callable, Iterator

import sympy
import sympy.physics.units  # simplify imports it on each call: once here, not in every child
from sympy.codegen import cfunctions
from sympy.printing.precedence import PRECEDENCE

# How long factor and simplify may take together on one expression.
SIMPLIFY_SECONDS = 1.0


class LanguageFunction(sympy.Function):
    """A function of the language that SymPy lacks, or has with another derivative.

    `name` is its name in the language. It prints itself as `name(args)`, in
    SymPy's str form and through the formula printer alike.
    """

    name: str

    def _sympystr(self, printer) -> str:
        return f"{self.name}({printer.stringify(self.args, ', ')})"


def _where(condition: sympy.Basic, then: sympy.Expr, otherwise: sympy.Expr) -> sympy.Expr:
    return sympy.Piecewise((then, condition), (otherwise, True))


class AbsoluteValue(LanguageFunction):
    """abs with PyTorch's derivative sign(x) for any symbol (SymPy's Abs needs real ones)."""

    name, nargs = "abs", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return Sign(x)


class PiecewiseConstant(LanguageFunction):
    """Derivative 0 everywhere, as PyTorch has it: no DiracDelta at the jumps."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sympy.S.Zero


class Sign(PiecewiseConstant):
    name = "sign"


class Floor(PiecewiseConstant):
    name = "floor"


class Ceil(PiecewiseConstant):
    name = "ceil"


class Round(PiecewiseConstant):
    name = "round"


class Trunc(PiecewiseConstant):
    name = "trunc"


class Relu(LanguageFunction):
    name, nargs = "relu", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return _where(x > 0, 1, 0)  # 0 at the kink, as threshold_backward


class Sigmoid(LanguageFunction):
    name, nargs = "sigmoid", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return Sigmoid(x) * (1 - Sigmoid(x))


class Softplus(LanguageFunction):
    name, nargs = "softplus", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return Sigmoid(x)


class Logit(LanguageFunction):
    name, nargs = "logit", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return 1 / (x * (1 - x))


class Gelu(LanguageFunction):
    """The exact (erf) gelu, x*Φ(x)."""

    name, nargs = "gelu", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return (1 + sympy.erf(x / sympy.sqrt(2))) / 2 + x * sympy.exp(-x**2 / 2) / sympy.sqrt(
            2 * sympy.pi)


class Silu(LanguageFunction):
    name, nargs = "silu", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return Sigmoid(x) * (1 + x * (1 - Sigmoid(x)))


class Elu(LanguageFunction):
    name, nargs = "elu", 1

    def fdiff(self, argindex=1):
        x, = self.args
        # Both branches are 1 at 0; writing the exp branch for x < 0 gives PyTorch's
        # second derivative there (0, from elu_double_backward's `x < 0` mask).
        return _where(x < 0, sympy.exp(x), 1)


class Softsign(LanguageFunction):
    name, nargs = "softsign", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return 1 / (1 + AbsoluteValue(x))**2


class NormalizedSinc(LanguageFunction):
    """sin(πx)/(πx), NumPy's and PyTorch's sinc (SymPy's sinc is sin(x)/x)."""

    name, nargs = "sinc", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return _where(sympy.Eq(x, 0), 0, (sympy.cos(sympy.pi * x) - NormalizedSinc(x)) / x)


class CubeRoot(LanguageFunction):
    """The real cube root, also of negative numbers (x**(1/3) is nan there)."""

    name, nargs = "cbrt", 1

    def fdiff(self, argindex=1):
        x, = self.args
        return 1 / (3 * CubeRoot(x)**2)


class Maximum(LanguageFunction):
    """Elementwise max(a, b): a tie splits the gradient evenly, as torch.maximum."""

    name, nargs = "max", 2

    def fdiff(self, argindex=1):
        a, b = self.args
        this, other = (a, b) if argindex == 1 else (b, a)
        return sympy.Piecewise((1, this > other), (sympy.S.Half, sympy.Eq(a, b)), (0, True))


class Minimum(LanguageFunction):
    """Elementwise min(a, b): a tie splits the gradient evenly, as torch.minimum."""

    name, nargs = "min", 2

    def fdiff(self, argindex=1):
        a, b = self.args
        this, other = (a, b) if argindex == 1 else (b, a)
        return sympy.Piecewise((1, this < other), (sympy.S.Half, sympy.Eq(a, b)), (0, True))


class Clip(LanguageFunction):
    """clip(x, lo, hi) = min(max(x, lo), hi), with torch.clamp's masks.

    x gets the gradient inside [lo, hi], ends included; when lo > hi the result is
    hi and so is the gradient's destination.
    """

    name, nargs = "clip", 3

    def fdiff(self, argindex=1):
        x, lo, hi = self.args
        return _where(
            ((x >= lo) & (x <= hi), (x < lo) & (lo < hi), (x > hi) | (hi < lo))[argindex - 1], 1, 0)


class Remainder(LanguageFunction):
    """mod with the sign of the divisor (torch.remainder): x - y*floor(x/y)."""

    name, nargs = "mod", 2

    def fdiff(self, argindex=1):
        x, y = self.args
        return sympy.S.One if argindex == 1 else -Floor(x / y)


class LogAddExp(LanguageFunction):
    name, nargs = "logaddexp", 2

    def fdiff(self, argindex=1):
        a, b = self.args
        return Sigmoid(a - b) if argindex == 1 else Sigmoid(b - a)


class XLogY(LanguageFunction):
    """x*log(y), 0 where x is 0; PyTorch's d/dx is 0 there too when y <= 0."""

    name, nargs = "xlogy", 2

    def fdiff(self, argindex=1):
        x, y = self.args
        return _where(sympy.Eq(x, 0) & (y <= 0), 0, sympy.log(y)) if argindex == 1 else x / y


class Power(LanguageFunction):
    """x**y where both vary, with PyTorch's masks at x == 0 (0**2 has d/dy 0, not nan).

    Where the exponent is a number, or the base a positive number, SymPy's Pow
    has PyTorch's derivative and is returned instead.
    """

    name, nargs = "pow", 2
    precedence = PRECEDENCE["Pow"]  # printed as x**y, so parenthesised as a power

    @classmethod
    def eval(cls, base, exponent):
        if exponent.is_number or (base.is_number and base.is_positive):
            return base**exponent
        return None

    def _sympystr(self, printer) -> str:
        return printer._print(sympy.Pow(*self.args, evaluate=False))

    def fdiff(self, argindex=1):
        x, y = self.args
        if argindex == 1:
            return _where(sympy.Eq(y, 0), 0, y * Power(x, y - 1))
        return _where(sympy.Eq(x, 0) & (y >= 0), 0, Power(x, y) * sympy.log(x))


def _condition(c: sympy.Expr) -> sympy.Basic:
    """When `c` is non-zero (nan counts): a comparison's own relation, else c != 0."""
    if (isinstance(c, sympy.Piecewise) and len(c.args) == 2 and c.args[0].expr == 1
            and c.args[1].expr == 0 and c.args[1].cond == sympy.true):
        return c.args[0].cond
    return sympy.Ne(c, 0)


def _comparison(relation: type[sympy.core.relational.Relational]) -> Callable[..., sympy.Expr]:
    def build(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
        if sympy.nan in (a, b):  # SymPy refuses to order nan; IEEE says false, but != true
            return sympy.Integer(relation is sympy.Ne)
        return _where(relation(a, b), 1, 0)
    return build


SYMPY_COMPARISONS: dict[str, Callable[..., sympy.Expr]] = {
    "<": _comparison(sympy.Lt), "<=": _comparison(sympy.Le), ">": _comparison(sympy.Gt),
    ">=": _comparison(sympy.Ge), "==": _comparison(sympy.Eq), "!=": _comparison(sympy.Ne),
}

SYMPY_FUNCTIONS: dict[str, Callable[..., sympy.Expr]] = {
    **{name: getattr(sympy, name) for name in (
        "sin cos tan sec csc cot asin acos atan sinh cosh tanh asinh acosh atanh "
        "exp log sqrt erf erfc erfinv gamma digamma polygamma atan2").split()},
    "exp2": lambda x: 2**x,
    "expm1": cfunctions.expm1,
    "log2": lambda x: sympy.log(x, 2),
    "log10": lambda x: sympy.log(x, 10),
    "log1p": cfunctions.log1p,
    "cbrt": CubeRoot,
    "square": lambda x: x**2,
    "reciprocal": lambda x: 1 / x,
    "abs": AbsoluteValue,
    "sign": Sign,
    "relu": Relu,
    "sigmoid": Sigmoid,
    "softplus": Softplus,
    "logit": Logit,
    "gelu": Gelu,
    "silu": Silu,
    "elu": Elu,
    "softsign": Softsign,
    "sinc": NormalizedSinc,
    "floor": Floor,
    "ceil": Ceil,
    "round": Round,
    "trunc": Trunc,
    "lgamma": sympy.loggamma,
    "pow": Power,
    "hypot": cfunctions.hypot,
    "min": Minimum,
    "max": Maximum,
    "mod": Remainder,
    "logaddexp": LogAddExp,
    "xlogy": XLogY,
    "clip": Clip,
    "where": lambda c, a, b: _where(_condition(c), a, b),
}

# SymPy's own functions that the language has, under the language's names (the
# LanguageFunction classes carry theirs). The builders use some; the rest (Abs, Max,
# ceiling…) are printed when simplify or a caller makes them.
LANGUAGE_NAMES: dict[type, str] = {
    **{getattr(sympy, name): name for name in (
        "sin cos tan sec csc cot asin acos atan sinh cosh tanh asinh acosh atanh "
        "exp log erf erfc erfinv gamma atan2 floor sign").split()},
    cfunctions.expm1: "expm1",
    cfunctions.log1p: "log1p",
    cfunctions.hypot: "hypot",
    cfunctions.log2: "log2",  # the printer's name for log(x)/log(2)
    cfunctions.log10: "log10",
    sympy.loggamma: "lgamma",
    sympy.ceiling: "ceil",
    sympy.Abs: "abs",
    sympy.Mod: "mod",
    sympy.Max: "max",
    sympy.Min: "min",
    sympy.polygamma: "polygamma",
}

# Printed as where(...) by the formula printer.
_CONDITIONAL = (sympy.Piecewise, sympy.Heaviside)
_STRUCTURE = (sympy.Symbol, sympy.Number, sympy.Add, sympy.Mul, sympy.Pow,
              sympy.core.relational.Relational, sympy.And, sympy.Or, sympy.Not,
              sympy.logic.boolalg.BooleanAtom, sympy.functions.elementary.piecewise.ExprCondPair)


def _inexpressible(expr: sympy.Basic) -> str | None:
    """What in `expr` the language cannot say, in words, or None when it all can."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, sympy.Derivative) or (
                isinstance(node, sympy.Subs) and isinstance(node.expr, sympy.Derivative)):
            return _derivative_in_words(node)
        if isinstance(node, sympy.DiracDelta):
            return f"{node}, an impulse (the derivative of a jump)"
        if node == sympy.I:
            return "the imaginary unit I"
        if node == sympy.zoo:
            return "complex infinity zoo (SymPy's 1/0)"
        known = (isinstance(node, (LanguageFunction, *_CONDITIONAL, *_STRUCTURE))
                 or type(node) in LANGUAGE_NAMES)
        if not known:
            if node.is_number and _is_real_number(node):
                continue  # a constant such as zeta(3) or EulerGamma prints as a float
            return f"{node} ({type(node).__name__} is not a function of the language)"
        stack.extend(node.args)
    return None


def _derivative_in_words(node: sympy.Derivative | sympy.Subs) -> str:
    """SymPy's unevaluated d/dv f(..., v, ...), said with f's argument as written.

    SymPy differentiates f(2*x) in its argument as Subs(Derivative(f(ξ), ξ), ξ, 2*x).
    """
    written = dict(zip(node.variables, node.point)) if isinstance(node, sympy.Subs) else {}
    d = node.expr if isinstance(node, sympy.Subs) else node
    f, variable = d.expr, d.variables[0]
    if isinstance(f, sympy.Function) and variable in f.args:
        name = LANGUAGE_NAMES.get(type(f), type(f).__name__)
        place = f.args.index(variable) + 1
        return (f"the derivative of {name} in its argument {place} "
                f"({variable.xreplace(written)})")
    return f"the derivative {node}"


def _is_real_number(constant: sympy.Basic) -> bool:
    try:
        float(constant)
    except TypeError:
        return False
    return True


def check_expressible(expr: sympy.Basic) -> sympy.Basic:
    """`expr` itself, or a ValueError that names what adiff's language cannot write."""
    problem = _inexpressible(expr)
    if problem is not None:
        raise ValueError(f"cannot write {problem} in adiff's language")
    return expr


@contextlib.contextmanager
def depth_guard() -> Iterator[None]:
    """Turn SymPy's RecursionError into a refusal: SymPy recurses over the expression
    tree, and at Python's default recursion limit a few dozen to a hundred nested
    operations are as deep as it goes."""
    try:
        yield
    except RecursionError:
        raise ValueError("the formula is nested too deeply for SymPy, "
                         "which recurses over it") from None


def derivative(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """∂expr/∂symbol, refused with a ValueError naming what the language cannot write."""
    with depth_guard():
        return check_expressible(sympy.diff(expr, symbol))


def _printed_length(expr: sympy.Expr) -> int:
    # SymPy's own str form differs from the language's only in a few names and in
    # how where(...) is spelt, so it ranks candidates as the formula printer would.
    return len(sympy.sstr(expr))


def simplified(expr: sympy.Expr) -> sympy.Expr:
    """The shortest printed of expr, factor(expr) and simplify(expr); expr on a tie.

    factor and simplify take seconds on some expressions of a few dozen
    operations, so they run in a child process that is stopped after
    SIMPLIFY_SECONDS: what they finished by then competes. A candidate with fewer
    where(...)s than expr is refused: they are PyTorch's choices at points where the
    algebra does not hold (simplify reads pow's `where(y == 0, 0, y*x**(y - 1))` as
    `y*x**(y - 1)`, which is nan at x = y = 0 where grad gives 0).
    """
    with depth_guard():
        check_expressible(expr)
        candidates = [expr, *_transformed(expr, SIMPLIFY_SECONDS)]
        choices = expr.count(sympy.Piecewise)
        usable = [c for c in candidates
                  if _inexpressible(c) is None and c.count(sympy.Piecewise) >= choices]
        return min(usable, key=_printed_length)  # min keeps the first of equals: the raw one


# Without fork (Windows) factor and simplify run in this process, on small expressions only.
INLINE_OPERATIONS = 20


def _transformed(expr: sympy.Expr, seconds: float) -> list[sympy.Expr]:
    """factor(expr) and simplify(expr), those of them that a forked child finishes in time."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        if sympy.count_ops(expr) > INLINE_OPERATIONS:
            return []
        return [sympy.factor(expr), sympy.simplify(expr, measure=_printed_length)]
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_send_transformed, args=(expr, sender), daemon=True)
    child.start()
    sender.close()
    deadline = time.monotonic() + seconds
    results = []
    try:
        while receiver.poll(max(0.0, deadline - time.monotonic())):
            results.append(receiver.recv())
    except EOFError:  # the child sent both and exited
        pass
    finally:
        child.kill()
        child.join()
        receiver.close()
    return [result for result in results if result is not None]


def _send_transformed(expr: sympy.Expr, sender: multiprocessing.connection.Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which kills us
    for transform in (sympy.factor, lambda e: sympy.simplify(e, measure=_printed_length)):
        try:
            sender.send(transform(expr))
        except Exception:  # a heuristic that fails (or a result that will not pickle)
            sender.send(None)
