"""SymPy expressions as formulas in adiff's own language, for `adiff formula`.

SymPy's StrPrinter already writes Python's precedence (`-x**2`, `2**(-x)`,
`1/(x*y)`), which is the language's; the subclass changes what the language
spells differently (`e`, `inf`, `lgamma`, `where(...)`, `x == y`) so that
`adiff eval` accepts every printed formula back.
"""

from __future__ import annotations

import sympy
from sympy.codegen import cfunctions
from sympy.printing.str import StrPrinter

from autodiff_cli.language.symbolic import LANGUAGE_NAMES, check_expressible, depth_guard


def to_source(expr: sympy.Basic) -> str:
    """`expr` in adiff's language; a ValueError names what the language cannot write."""
    with depth_guard():
        return FormulaPrinter().doprint(check_expressible(expr))


class FormulaPrinter(StrPrinter):
    """Prints an expression that `check_expressible` accepts.

    Functions of symbolic.py print themselves (their `_sympystr`) under their
    language names; conditions become values, since a comparison is 1.0 or 0.0.
    """

    def _print_Float(self, expr: sympy.Float) -> str:
        return repr(float(expr))  # full precision, in a form the language reads

    def _print_Exp1(self, expr: sympy.Basic) -> str:
        return "e"

    def _print_Pi(self, expr: sympy.Basic) -> str:
        return "pi"

    def _print_NumberSymbol(self, expr: sympy.Basic) -> str:
        return repr(float(expr))  # EulerGamma and friends: the language has only the number

    _print_EulerGamma = _print_Catalan = _print_GoldenRatio = _print_NumberSymbol
    _print_TribonacciConstant = _print_NumberSymbol

    def _print_Infinity(self, expr: sympy.Basic) -> str:
        return "inf"

    def _print_NegativeInfinity(self, expr: sympy.Basic) -> str:
        return "-inf"

    def _print_NaN(self, expr: sympy.Basic) -> str:
        return "nan"

    def _print_BooleanTrue(self, expr: sympy.Basic) -> str:
        return "1"

    def _print_BooleanFalse(self, expr: sympy.Basic) -> str:
        return "0"

    def _print_Relational(self, expr: sympy.Basic) -> str:
        return f"{self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)}"

    # Conditions are 0/1 values: a product is 1 exactly when all are, a sum is
    # non-zero exactly when one is, and `c == 0` negates. Comparisons do not chain,
    # so each operand is parenthesised.
    def _print_And(self, expr: sympy.Basic) -> str:
        return "*".join(f"({self._print(arg)})" for arg in expr.args)

    def _print_Or(self, expr: sympy.Basic) -> str:
        return " + ".join(f"({self._print(arg)})" for arg in expr.args)

    def _print_Not(self, expr: sympy.Basic) -> str:
        return f"({self._print(expr.args[0])}) == 0"

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        text = "nan"  # where no piece applies, SymPy's Piecewise is undefined
        for value, condition in reversed(expr.args):
            if condition == sympy.true:
                text = self._print(value)
            else:
                text = f"where({self._print(condition)}, {self._print(value)}, {text})"
        return text

    def _print_Heaviside(self, expr: sympy.Heaviside) -> str:
        arg, at_zero = expr.args
        return self._print(sympy.Piecewise((1, arg > 0), (at_zero, sympy.Eq(arg, 0)), (0, True)))

    def _print_Function(self, expr: sympy.Function) -> str:
        name = LANGUAGE_NAMES.get(type(expr))
        if name is None:  # check_expressible let it through as a constant, e.g. zeta(3)
            text = repr(float(expr))
            return f"({text})" if text.startswith("-") else text
        return f"{name}({self.stringify(expr.args, ', ')})"

    def _print_MinMaxBase(self, expr: sympy.Basic) -> str:
        # SymPy's Max and Min take any number of arguments; the language's take two.
        first, *rest = expr.args
        inner = self._print(type(expr)(*rest)) if len(rest) > 1 else self._print(rest[0])
        return f"{LANGUAGE_NAMES[type(expr)]}({self._print(first)}, {inner})"

    def _print_polygamma(self, expr: sympy.Basic) -> str:
        order, x = expr.args
        if order == 0:
            return f"digamma({self._print(x)})"
        return f"polygamma({self._print(order)}, {self._print(x)})"

    def _print_Mul(self, expr: sympy.Mul) -> str:
        # SymPy writes log2(x) as log(x)/log(2): give the language's name back.
        for base, named_log in ((2, cfunctions.log2), (10, cfunctions.log10)):
            inverse = 1 / sympy.log(base)
            logs = [f for f in expr.args if isinstance(f, sympy.log)]
            if inverse in expr.args and logs:
                rest = [f for f in expr.args if f not in (inverse, logs[0])]
                return self._print(sympy.Mul(*rest, named_log(logs[0].args[0])))
        return super()._print_Mul(expr)
