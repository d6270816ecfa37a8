"""The differentiable functions of the language, one per name, for Python users.

`import autodiff_cli as ad; ad.sin(x)` lands here. Most functions are a
primitive applied as is; the few that choose between primitives (`pow`,
`matmul`) or are built from them (`linspace` of tensors) say why.
`TENSOR_MATH` is the namespace the VJP rules see under `create_graph=True`.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np

from autodiff_cli.core import primitives as P
from autodiff_cli.core.tensor import Tensor, _raw, apply


def _function(p: P.Primitive):
    def function(*args):
        return apply(p, *args)

    function.__name__ = function.__qualname__ = p.name
    function.__doc__ = f"Elementwise {p.name}, differentiable (backward node {p.node_name})."
    return function


UNARY = ("sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh exp expm1 log log2 log10 "
         "log1p sqrt cbrt abs sign relu sigmoid softplus").split()
REDUCTIONS = ("sum", "mean", "prod", "norm")

sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, exp, expm1, log, log2, \
    log10, log1p, sqrt, cbrt, abs, sign, relu, sigmoid, softplus = (
        _function(P.REGISTRY[name]) for name in UNARY)


def sum(x) -> Tensor:
    """The sum of all elements."""
    return apply(P.SUM, x)


def mean(x) -> Tensor:
    """The mean of all elements."""
    return apply(P.MEAN, x)


def prod(x) -> Tensor:
    """The product of all elements (its gradient is right when some are zero)."""
    return apply(P.PROD, x)


def norm(x) -> Tensor:
    """The Euclidean norm of all elements; its gradient at zero is zero."""
    return apply(P.NORM, x)


def atan2(y, x) -> Tensor:
    return apply(P.ATAN2, y, x)


def hypot(x, y) -> Tensor:
    return apply(P.HYPOT, x, y)


def min(x, y) -> Tensor:
    """Elementwise minimum (torch.minimum): a tie sends half the gradient each way."""
    return apply(P.MIN, x, y)


def max(x, y) -> Tensor:
    """Elementwise maximum (torch.maximum): a tie sends half the gradient each way."""
    return apply(P.MAX, x, y)


def clip(x, lo, hi) -> Tensor:
    """Limit x to [lo, hi] (torch.clamp); lo, hi may be tensors."""
    return apply(P.CLIP, x, lo, hi)


def where(mask, a, b) -> Tensor:
    """`a` where the constant boolean `mask` holds, else `b`."""
    return apply(P.WHERE, np.asarray(mask, dtype=bool), a, b)


def pow(x, y) -> Tensor:
    """x ** y. A constant number exponent records PowBackward0, a tensor one PowBackward1."""
    if type(y) is not Tensor and np.ndim(y) == 0:
        return apply(P.POW_CONSTANT, x, float(y))
    return apply(P.POW, x, y)


def dot(a, b) -> Tensor:
    """The dot product of two vectors."""
    _require_ndim("dot", a, 1), _require_ndim("dot", b, 1)
    return apply(P.DOT, a, b)


def matmul(a, b) -> Tensor:
    """a @ b for vectors and matrices, recorded under PyTorch's names (Dot, Mv, Mm)."""
    ranks = (np.ndim(_raw(a)), np.ndim(_raw(b)))
    if ranks == (1, 1):
        return apply(P.DOT, a, b)
    if ranks == (2, 1):
        return apply(P.MV, a, b)
    if ranks == (1, 2):
        return apply(P.MV, apply(P.TRANSPOSE, b), a)
    if ranks == (2, 2):
        return apply(P.MM, a, b)
    raise ValueError(
        f"@ takes vectors and matrices, got operands with {ranks[0]} and {ranks[1]} dimensions"
    )


def linspace(a, b, n: int) -> Tensor:
    """n evenly spaced values from a to b inclusive, differentiable in a and b."""
    if type(a) is not Tensor and type(b) is not Tensor:
        return Tensor(np.linspace(float(a), float(b), n))
    return a + (b - a) * np.linspace(0.0, 1.0, n)


def stack(values) -> Tensor:
    """An array from a list of equally shaped tensors or numbers (an array literal)."""
    return apply(P.STACK, *values)


def select(x, index) -> Tensor:
    """x[i] or x[i, j] with integer indices."""
    index = index if isinstance(index, tuple) else (index,)
    for i in index:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"only integer indices are supported, got {i!r}")
    ndim = np.ndim(_raw(x))
    if len(index) > ndim:
        raise IndexError(
            f"too many indices: {len(index)} for a value with {ndim} dimension"
            f"{'' if ndim == 1 else 's'}"
        )
    return apply(P.SELECT, x, tuple(int(i) for i in index))


def _require_ndim(name: str, value, ndim: int) -> None:
    if np.ndim(_raw(value)) != ndim:
        raise ValueError(
            f"{name} takes vectors, got a value with {np.ndim(_raw(value))} dimensions"
        )


def _prod_others(x: Tensor) -> Tensor:
    """The product of all other elements, as a graph: O(n^2), used only for higher orders."""
    shape = np.shape(_raw(x))
    flat = apply(P.RESHAPE, x, (-1,))
    n = int(np.prod(shape, dtype=int))
    eye = np.eye(n, dtype=bool)
    parts = [apply(P.PROD, apply(P.WHERE, eye[i], 1.0, flat)) for i in range(n)]
    return apply(P.RESHAPE, apply(P.STACK, *parts), shape)


TENSOR_MATH = SimpleNamespace(
    **{p.name: functools.partial(apply, p) for p in P.REGISTRY.values()},
    data=_raw,
    prod_others=_prod_others,
)

__all__ = [*UNARY, *REDUCTIONS, "atan2", "hypot", "min", "max", "clip", "where", "pow", "dot",
           "matmul", "linspace", "stack", "select"]
