"""The two tables every other part reads: primitives (what the engine differentiates) and
functions (what users call, from Python and from the language).

A *primitive* is one operation with a NumPy forward, PyTorch's name for its
backward node, and one vector-Jacobian rule per argument (`primitives.py` is its
table, in the manner of PyTorch's derivatives.yaml and HIPS autograd's
numpy_vjps.py). A *function* is what a user calls: `ad.sin`, `sum(A, axis=0)`.
Most functions are one primitive; the others are compositions (`sec` is
`reciprocal(cos(x))`) or choose among primitives (`max(x)` reduces,
`max(a, b)` does not). `FUNCTIONS` is the vocabulary: `ad.<name>`, the
language's calls and arity checks, `adiff functions` and the "did you mean"
list all come from it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

Rule = Callable[..., object]


class Primitive:
    """One operation: `forward` on NumPy data, and a VJP `rules` entry per argument.

    A rule is called as `rule(ns, g, ans, *args)`: `g` the gradient of the output,
    `ans` the output, `args` the arguments, and `ns` the namespace of operations it
    may use (NumPy for a plain backward, the core's differentiable functions under
    `create_graph=True`). `rules[i] is None` marks a parameter (an axis, a shape, a
    mask) rather than something to differentiate. A variadic primitive (stack,
    concat) has a `rules` object that makes the rule for any index, and arity None.
    `node_names`, where given, picks the node's name from the arguments (PyTorch
    names `sum(x)` SumBackward0 and `sum(x, 0)` SumBackward1).
    """

    __slots__ = ("name", "node_name", "forward", "rules", "arity", "node_names", "public")

    def __init__(self, name: str, node_name: str, forward: Callable[..., object],
                 rules: Sequence[Rule | None], *,
                 node_names: Callable[..., str] | None = None) -> None:
        self.name = name
        self.node_name = node_name
        self.forward = forward
        self.rules = rules
        self.arity = len(rules) if isinstance(rules, tuple) else None
        self.node_names = node_names
        self.public: Public | None = None  # set when it is also a function of the vocabulary

    def node_name_for(self, args: Sequence) -> str:
        return self.node_names(*args) if self.node_names is not None else self.node_name

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


class Public:
    """How a primitive is also a function of the vocabulary: its argument names, group
    and one-line doc."""

    __slots__ = ("arguments", "group", "doc")

    def __init__(self, arguments: tuple[str, ...], group: str, doc: str) -> None:
        self.arguments = arguments
        self.group = group
        self.doc = doc


PRIMITIVES: dict[str, Primitive] = {}


def primitive(name: str, node_name: str, forward, *rules, node_names=None) -> Primitive:
    """Register a primitive with one rule per argument (None for a parameter)."""
    p = Primitive(name, node_name, forward, tuple(rules), node_names=node_names)
    PRIMITIVES[name] = p
    return p


# --- functions ---------------------------------------------------------------------------

# The kinds of a function's parameters, used as annotations. The language reads an
# argument of such a kind from a constant value; a parameter without one of these
# annotations is a value (a tensor, an array or a number).
Axis = int | Sequence[int] | None
Flag = bool
Integer = int
Shape = int | Sequence[int]
Number = float
Values = Sequence
KINDS = {
    "Axis": "an integer or a list of integers",
    "Flag": "0 or 1",
    "Integer": "an integer",
    "Shape": "an integer or a list of integers",
    "Number": "a number",
    "Values": "a list of arrays, such as [a, b]",
}
GROUPS = ("elementwise", "special", "binary", "reductions", "axis", "shapes", "linalg",
          "builders")


class Parameter:
    """One parameter of a function: its name, kind (None for a value) and default."""

    __slots__ = ("name", "kind", "default", "required", "keyword")

    def __init__(self, name: str, kind: str | None, default, required: bool,
                 keyword: bool) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.required = required
        self.keyword = keyword

    def __repr__(self) -> str:
        return f"<parameter {self.name}>"


class Function:
    """One function of the vocabulary: the callable, its group, a one-line doc, and its
    parameters (read from the callable's signature: keyword-only ones are keywords).

    `shape`, where given, gives the result's shape from the arguments (as the language
    converted them) without computing it, raising ValueError for impossible ones: the
    language checks sizes against `--max-elements` before anything is allocated.
    """

    __slots__ = ("name", "call", "group", "doc", "shape", "_parameters", "_arguments",
                 "_keywords")

    def __init__(self, name: str, call: Callable, group: str, doc: str,
                 shape: Callable | None = None,
                 parameters: tuple[Parameter, ...] | None = None) -> None:
        if group not in GROUPS:
            raise AssertionError(f"{name}: unknown group {group}")
        self.name = name
        self.call = call
        self.group = group
        self.doc = doc
        self.shape = shape
        self._parameters = parameters
        self._arguments = self._keywords = None

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """Positional parameters first, then keywords (read once, on first use: start-up
        pays for the signatures of the functions a program calls, not of all of them)."""
        if self._parameters is None:
            self._parameters = tuple(_parameters(self.call))
        return self._parameters

    @property
    def arguments(self) -> tuple[Parameter, ...]:
        if self._arguments is None:
            self._arguments = tuple(p for p in self.parameters if not p.keyword)
        return self._arguments

    @property
    def keywords(self) -> tuple[Parameter, ...]:
        if self._keywords is None:
            self._keywords = tuple(p for p in self.parameters if p.keyword)
        return self._keywords

    def __repr__(self) -> str:
        return f"<function {self.name}>"


def _parameters(call: Callable):
    for p in inspect.signature(call).parameters.values():
        kind = p.annotation if p.annotation in KINDS else None
        yield Parameter(p.name, kind, None if p.default is p.empty else p.default,
                        p.default is p.empty, p.kind is p.KEYWORD_ONLY)


FUNCTIONS: dict[str, Function] = {}


class ShapeError(ValueError):
    """Arguments whose shapes a function cannot take (the language's kind "shape"); a plain
    ValueError is a parameter it cannot take (an axis out of range, a count below 1)."""


def register(function: Function) -> Function:
    if FUNCTIONS.setdefault(function.name, function) is not function:
        raise AssertionError(f"two functions are named {function.name}")
    return function


def function(group: str, *, shape: Callable | None = None, name: str | None = None):
    """Register a Python function of the core as a function of the vocabulary; its
    docstring's first line is its one-line doc."""

    def decorate(call: Callable) -> Callable:
        doc = (call.__doc__ or "").strip().split("\n")[0]
        register(Function(name or call.__name__, call, group, doc, shape))
        return call

    return decorate
