"""The functions of the vocabulary, for Python users and for the language.

`import autodiff_cli as ad; ad.sin(x)` lands here. Every primitive that
`primitives.py` declares public becomes a function of the same name; the
functions below are the rest: compositions (`sec`, `softsign`), and functions
that take parameters (an axis, a shape) or choose among primitives (`max(x)`
reduces, `max(a, b)` is elementwise). Each validates its parameters with the
same function that gives the language its result shape before anything is
computed. `TENSOR_MATH` is the namespace the VJP rules see under
`create_graph=True`.
"""

from __future__ import annotations

import builtins
import functools
import math
from types import SimpleNamespace

import numpy as np

from autodiff_cli.core import primitives as P
from autodiff_cli.core.registry import (
    FUNCTIONS,
    PRIMITIVES,
    Axis,
    Flag,
    Function,
    Integer,
    Number,
    Parameter,
    Shape,
    ShapeError,
    Values,
    function,
    register,
)
from autodiff_cli.core.tensor import Tensor, _raw, apply, constant, matmul, power, select


def _shape_of(value) -> tuple[int, ...]:
    return np.shape(_raw(value))


def _broadcast(*args) -> tuple[int, ...]:
    """The result shape of an elementwise function: its arguments broadcast together."""
    shapes = [_shape_of(a) for a in args]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(f"cannot combine shapes {' and '.join(str(s) for s in shapes)}: "
                         "they do not broadcast") from None


def _public(p) -> Function:
    """The function of the vocabulary that applies primitive `p` as it is."""

    def call(*args):
        return apply(p, *args)

    call.__name__ = call.__qualname__ = p.name
    call.__doc__ = p.public.doc
    parameters = tuple(Parameter(a, None, None, True, False) for a in p.public.arguments)
    # One argument: the result has its shape, nothing to check before computing it.
    shape = _broadcast if len(parameters) > 1 else None
    return Function(p.name, call, p.public.group, p.public.doc, shape, parameters)


for _p in PRIMITIVES.values():
    if _p.public is not None:
        globals()[_p.name] = register(_public(_p)).call


# --- axes -----------------------------------------------------------------------------------------


def _axes(axis, ndim: int) -> tuple[int, ...] | None:
    """`axis` as a sorted tuple of non-negative axes (None: all), checked against `ndim`."""
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise ValueError(f"axis must be an integer or a list of integers, got {a!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a value with "
                             f"{ndim} dimension{'' if ndim == 1 else 's'}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"axis {list(axes)} names an axis twice")
    return tuple(sorted(out))


def _axis(axis, ndim: int) -> int:
    """One axis, for the functions along an axis; a scalar counts as one element."""
    (a,) = _axes(axis, builtins.max(ndim, 1))
    return a


def _reduced(x, axis=None, keepdims=False, **_) -> tuple[int, ...]:
    shape = _shape_of(x)
    axes = _axes(axis, len(shape))
    if axes is None:
        return (1,) * len(shape) if keepdims else ()
    return tuple(1 if i in axes else n for i, n in enumerate(shape) if keepdims or i not in axes)


def _same(x, axis=-1) -> tuple[int, ...]:
    _axis(axis, len(_shape_of(x)))
    return _shape_of(x)


def _reduce(p, x, axis, keepdims, *params):
    x_shape = _shape_of(x)
    axes = _axes(axis, len(x_shape))
    return apply(p, x, axes, bool(keepdims)) if not params else apply(
        p, x, axes, *params, bool(keepdims))


def _along(p, x, axis):
    if not _shape_of(x):  # a scalar: one element along its one (implicit) axis
        return apply(P.RESHAPE, apply(p, apply(P.RESHAPE, x, (1,)), 0), ())
    return apply(p, x, _axis(axis, len(_shape_of(x))))


# --- elementwise compositions ---------------------------------------------------------------------


@function("elementwise", shape=_broadcast)
def sec(x) -> Tensor:
    """secant, 1/cos(x)"""
    return apply(P.RECIPROCAL, apply(P.COS, x))


@function("elementwise", shape=_broadcast)
def csc(x) -> Tensor:
    """cosecant, 1/sin(x)"""
    return apply(P.RECIPROCAL, apply(P.SIN, x))


@function("elementwise", shape=_broadcast)
def cot(x) -> Tensor:
    """cotangent, 1/tan(x)"""
    return apply(P.RECIPROCAL, apply(P.TAN, x))


@function("elementwise", shape=_broadcast)
def square(x) -> Tensor:
    """x**2"""
    return apply(P.POW_CONSTANT, x, 2.0)


@function("elementwise", shape=_broadcast)
def softsign(x) -> Tensor:
    """x/(1 + |x|)"""
    return x / (1 + apply(P.ABS, x))


def _polygamma_shape(n, x) -> tuple[int, ...]:
    _order(n)
    return _shape_of(x)


def _order(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"the order n must be a whole number >= 0, got {n!r}")
    return int(n)


@function("special", shape=_polygamma_shape)
def polygamma(n: Integer, x) -> Tensor:
    """the n-th derivative of digamma (n = 0 is digamma)"""
    n = _order(n)
    return apply(P.DIGAMMA, x) if n == 0 else apply(P.POLYGAMMA, x, n)


@function("binary", shape=_broadcast)
def pow(x, y) -> Tensor:
    """x to the power y (also written x**y and x^y)"""
    return power(x, y)


@function("binary", shape=lambda c, a, b: _broadcast(c, a, b))
def where(c, a, b) -> Tensor:
    """a where c is non-zero (or nan), else b; the gradient goes to the branch taken"""
    return apply(P.WHERE, np.asarray(_raw(c)) != 0, a, b)


# --- reductions -----------------------------------------------------------------------------------


def _extreme_shape(a, b=None, *, axis=None, keepdims=False) -> tuple[int, ...]:
    if b is None:
        return _reduced(a, axis, keepdims)
    if axis is not None or keepdims:
        raise ValueError("with two arguments it is elementwise and takes no axis or keepdims")
    return _broadcast(a, b)


def _extreme(reduction, elementwise, a, b, axis, keepdims) -> Tensor:
    _extreme_shape(a, b, axis=axis, keepdims=keepdims)
    if b is None:
        return _reduce(reduction, a, axis, keepdims)
    return apply(elementwise, a, b)


@function("reductions", shape=_extreme_shape)
def max(a, b=None, *, axis: Axis = None, keepdims: Flag = False) -> Tensor:
    """the largest element (ties share the gradient), or the elementwise maximum of a and b"""
    return _extreme(P.AMAX, P.MAXIMUM, a, b, axis, keepdims)


@function("reductions", shape=_extreme_shape)
def min(a, b=None, *, axis: Axis = None, keepdims: Flag = False) -> Tensor:
    """the smallest element (ties share the gradient), or the elementwise minimum of a and b"""
    return _extreme(P.AMIN, P.MINIMUM, a, b, axis, keepdims)


@function("reductions", shape=_reduced)
def sum(x, *, axis: Axis = None, keepdims: Flag = False) -> Tensor:
    """the sum of the elements"""
    return _reduce(P.SUM, x, axis, keepdims)


@function("reductions", shape=_reduced)
def mean(x, *, axis: Axis = None, keepdims: Flag = False) -> Tensor:
    """the mean of the elements"""
    return _reduce(P.MEAN, x, axis, keepdims)


@function("reductions", shape=_reduced)
def prod(x, *, axis: Axis = None, keepdims: Flag = False) -> Tensor:
    """the product of the elements (its gradient is right when some are zero)"""
    return _reduce(P.PROD, x, axis, keepdims)


@function("reductions", shape=_reduced)
def logsumexp(x, *, axis: Axis = None, keepdims: Flag = False) -> Tensor:
    """log(sum(exp(x))), stable for large elements"""
    return _reduce(P.LOGSUMEXP, x, axis, keepdims)


def _ddof(ddof) -> int:
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise ValueError(f"ddof must be a whole number >= 0, got {ddof!r}")
    return int(ddof)


@function("reductions", shape=_reduced)
def var(x, *, axis: Axis = None, ddof: Integer = 0, keepdims: Flag = False) -> Tensor:
    """the variance, sum((x - mean)**2)/(n - ddof)"""
    return _reduce(P.VAR, x, axis, keepdims, _ddof(ddof))


@function("reductions", shape=_reduced)
def std(x, *, axis: Axis = None, ddof: Integer = 0, keepdims: Flag = False) -> Tensor:
    """the standard deviation, sqrt(var(x, ddof=ddof))"""
    return _reduce(P.STD, x, axis, keepdims, _ddof(ddof))


def _norm_shape(x, *, ord=2, axis=None, keepdims=False) -> tuple[int, ...]:
    if ord not in (1, 2, math.inf):
        raise ValueError(f"ord is 1, 2 or inf, got {ord!r}")
    if ord != 2 and axis is None and len(_shape_of(x)) > 1:
        raise ValueError("ord is for vectors: give axis, or leave ord out for the Frobenius "
                         "norm of a matrix")
    return _reduced(x, axis, keepdims)


@function("reductions", shape=_norm_shape)
def norm(x, *, ord: Number = 2, axis: Axis = None, keepdims: Flag = False) -> Tensor:
    """the vector norm of order 1, 2 or inf (a matrix's is the Frobenius norm); 0 gradient at 0"""
    _norm_shape(x, ord=ord, axis=axis, keepdims=keepdims)
    return _reduce(P.NORM, x, axis, keepdims, float(ord))


# --- along an axis --------------------------------------------------------------------------------


@function("axis", shape=_same)
def softmax(x, *, axis: Integer = -1) -> Tensor:
    """exp(x)/sum(exp(x)) along an axis, stable"""
    return _along(P.SOFTMAX, x, axis)


@function("axis", shape=_same)
def log_softmax(x, *, axis: Integer = -1) -> Tensor:
    """x - logsumexp(x) along an axis, stable"""
    return _along(P.LOG_SOFTMAX, x, axis)


@function("axis", shape=_same)
def cumsum(x, *, axis: Integer = -1) -> Tensor:
    """running sums along an axis"""
    return _along(P.CUMSUM, x, axis)


@function("axis", shape=_same)
def cumprod(x, *, axis: Integer = -1) -> Tensor:
    """running products along an axis (its gradient is right with zeros)"""
    return _along(P.CUMPROD, x, axis)


# --- shapes ---------------------------------------------------------------------------------------


@function("shapes", shape=lambda x: _shape_of(x)[::-1])
def transpose(x) -> Tensor:
    """the axes reversed, the same as x.T"""
    return x.T if type(x) is Tensor else Tensor(np.transpose(x))


def _target_shape(x, shape) -> tuple[int, ...]:
    target = _integers("shape", shape)
    if target.count(-1) > 1:
        raise ValueError("only one dimension of the shape can be -1")
    if any(n < -1 for n in target):
        raise ValueError(f"a dimension of the shape must be >= 0 (or one -1), got {shape}")
    size = math.prod(_shape_of(x))
    known = math.prod(n for n in target if n != -1)
    if -1 in target:
        if known == 0 or size % known:
            raise ShapeError(f"{size} elements do not fit the shape {tuple(target)}")
        target = [size // known if n == -1 else n for n in target]
    if math.prod(target) != size:
        raise ShapeError(f"{size} elements do not fit the shape {tuple(target)}")
    return tuple(target)


def _integers(name: str, value) -> list[int]:
    values = [value] if isinstance(value, (int, np.integer)) else list(value)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must be an integer or a list of integers, got {value!r}")
    return [int(v) for v in values]


@function("shapes", shape=_target_shape)
def reshape(x, shape: Shape) -> Tensor:
    """the same elements in a new shape (one dimension may be -1)"""
    return apply(P.RESHAPE, x, _target_shape(x, shape))


def _joined_shape(values, *, axis=0, new_axis: bool) -> tuple[int, ...]:
    shapes = [_shape_of(v) for v in values]
    if not shapes:
        raise ValueError("needs at least one array")
    first = shapes[0]
    if new_axis:
        if any(s != first for s in shapes):
            raise ShapeError(f"the arrays must have one shape, got {_listed(shapes)}")
        a = _axis(axis, len(first) + 1)
        return first[:a] + (len(shapes),) + first[a:]
    if not first:
        raise ShapeError("cannot join scalars: use stack")
    a = _axis(axis, len(first))
    for s in shapes[1:]:
        if len(s) != len(first) or s[:a] + s[a + 1:] != first[:a] + first[a + 1:]:
            raise ShapeError(f"the arrays must match except along axis {a}, got "
                             f"{_listed(shapes)}")
    return first[:a] + (builtins.sum(s[a] for s in shapes),) + first[a + 1:]


def _listed(shapes) -> str:
    return ", ".join(str(s) for s in shapes)


@function("shapes", shape=lambda values, *, axis=0: _joined_shape(values, axis=axis,
                                                                     new_axis=False))
def concat(values: Values, *, axis: Integer = 0) -> Tensor:
    """arrays joined along an existing axis"""
    _joined_shape(values, axis=axis, new_axis=False)
    return apply(P.CONCAT, _axis(axis, len(_shape_of(values[0]))), *values)


@function("shapes", shape=lambda values, *, axis=0: _joined_shape(values, axis=axis,
                                                                     new_axis=True))
def stack(values: Values, *, axis: Integer = 0) -> Tensor:
    """arrays of one shape joined along a new axis"""
    _joined_shape(values, axis=axis, new_axis=True)
    return apply(P.STACK, _axis(axis, len(_shape_of(values[0])) + 1), *values)


def _diag_shape(x) -> tuple[int, ...]:
    shape = _shape_of(x)
    if len(shape) == 1:
        return (shape[0], shape[0])
    if len(shape) == 2:
        return (builtins.min(shape),)
    raise ShapeError(f"takes a vector or a matrix, got shape {shape}")


@function("shapes", shape=_diag_shape)
def diag(x) -> Tensor:
    """a diagonal matrix from a vector, or the diagonal of a matrix"""
    _diag_shape(x)
    return apply(P.DIAG, x)


def _vectors(*values) -> None:
    for v in values:
        if len(_shape_of(v)) != 1:
            raise ShapeError(f"takes vectors, got shape {_shape_of(v)}")


def _outer_shape(a, b) -> tuple[int, ...]:
    _vectors(a, b)
    return (_shape_of(a)[0], _shape_of(b)[0])


@function("shapes", shape=_outer_shape)
def outer(a, b) -> Tensor:
    """the outer product of two vectors, a[i]*b[j]"""
    n, m = _outer_shape(a, b)
    return apply(P.RESHAPE, a, (n, 1)) * apply(P.RESHAPE, b, (1, m))


def _dot_shape(a, b) -> tuple[int, ...]:
    _vectors(a, b)
    if _shape_of(a) != _shape_of(b):
        raise ShapeError(f"takes two vectors of the same length, got shapes {_shape_of(a)} "
                         f"and {_shape_of(b)}")
    return ()


@function("shapes", shape=_dot_shape)
def dot(a, b) -> Tensor:
    """the dot product of two vectors"""
    _dot_shape(a, b)
    return apply(P.DOT, a, b)


# --- linear algebra -------------------------------------------------------------------------------


def _square(a) -> int:
    shape = _shape_of(a)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ShapeError(f"takes a square matrix, got shape {shape}")
    return shape[0]


def _number_of_square(a) -> tuple[()]:
    """The shape of trace, det, logdet: a number, from a square matrix."""
    _square(a)
    return ()


@function("linalg", shape=_number_of_square)
def trace(a) -> Tensor:
    """the sum of the diagonal of a square matrix"""
    _square(a)
    return apply(P.TRACE, a)


@function("linalg", shape=_number_of_square)
def det(a) -> Tensor:
    """the determinant (at a singular matrix: 0, with the adjugate as its gradient)"""
    _square(a)
    return apply(P.DET, a)


@function("linalg", shape=_number_of_square)
def logdet(a) -> Tensor:
    """log(det(A)); nan for a negative determinant, -inf for a singular matrix"""
    _square(a)
    sign = np.linalg.slogdet(_raw(a))[0]
    return apply(P.WHERE, np.asarray(sign < 0), math.nan, apply(P.LOGABSDET, a))


class SingularMatrixError(np.linalg.LinAlgError):
    """inv or solve of a matrix that has no inverse."""


def _nonsingular(call):
    try:
        return call()
    except np.linalg.LinAlgError:
        raise SingularMatrixError("the matrix is singular") from None


@function("linalg", shape=lambda a: (_square(a),) * 2)
def inv(a) -> Tensor:
    """the inverse of a square matrix"""
    _square(a)
    return _nonsingular(lambda: apply(P.INV, a))


def _solve_shape(a, b) -> tuple[int, ...]:
    n = _square(a)
    shape = _shape_of(b)
    if len(shape) not in (1, 2) or shape[0] != n:
        raise ShapeError(f"A of shape {(n, n)} needs b of shape ({n},) or ({n}, k), got {shape}")
    return shape


@function("linalg", shape=_solve_shape)
def solve(a, b) -> Tensor:
    """x with A @ x = b, for a square A"""
    _solve_shape(a, b)
    return _nonsingular(lambda: apply(P.SOLVE, a, b))


# --- builders: constants, no gradient -------------------------------------------------------------


def _count(name: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {n!r}")
    return int(n)


def _dims(shape) -> tuple[int, ...]:
    dims = _integers("shape", shape)
    if any(n < 0 for n in dims):
        raise ValueError(f"a dimension of the shape must be >= 0, got {shape}")
    return tuple(dims)


def _linspace_shape(a, b, n) -> tuple[int, ...]:
    for end in (a, b):
        if _shape_of(end):
            raise ShapeError("a and b must be numbers, not arrays")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a whole number of at least 1, got {n!r}")
    return (int(n),)


@function("builders", shape=_linspace_shape)
def linspace(a, b, n: Integer) -> Tensor:
    """n evenly spaced numbers from a to b inclusive"""
    _linspace_shape(a, b, n)
    if not getattr(a, "requires_grad", False) and not getattr(b, "requires_grad", False):
        return Tensor(np.linspace(float(_raw(a)), float(_raw(b)), int(n)))
    return a + (b - a) * np.linspace(0.0, 1.0, int(n))  # differentiable in a and b


def _arange_bounds(a, b, step) -> tuple[float, float, float]:
    start, stop = (0.0, a) if b is None else (a, b)
    step = 1.0 if step is None else step
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        if not math.isfinite(v):
            raise ValueError(f"the {name} must be a finite number, got {v!r}")
    if step == 0:
        raise ValueError("the step must not be 0")
    return float(start), float(stop), float(step)


def _arange_shape(a, b=None, step=None) -> tuple[int, ...]:
    start, stop, step = _arange_bounds(a, b, step)
    return (int(builtins.max(0, math.ceil((stop - start) / step))),)


@function("builders", shape=_arange_shape)
def arange(a: Number, b: Number = None, step: Number = None) -> Tensor:
    """numbers from a up to (not including) b by step; arange(n) is 0, 1, ..., n-1"""
    return Tensor(np.arange(*_arange_bounds(a, b, step)))


@function("builders", shape=lambda shape: _dims(shape))
def zeros(shape: Shape) -> Tensor:
    """an array of zeros of the given shape"""
    return Tensor(np.zeros(_dims(shape)))


@function("builders", shape=lambda shape: _dims(shape))
def ones(shape: Shape) -> Tensor:
    """an array of ones of the given shape"""
    return Tensor(np.ones(_dims(shape)))


@function("builders", shape=lambda n: (_count("n", n),) * 2)
def eye(n: Integer) -> Tensor:
    """the n×n identity matrix"""
    return Tensor(np.eye(_count("n", n)))


@function("builders", shape=lambda shape, v: _dims(shape))
def full(shape: Shape, v: Number) -> Tensor:
    """an array of the given shape filled with v"""
    return Tensor(np.full(_dims(shape), float(v)))


# --- what the rules see under create_graph=True ---------------------------------------------------

TENSOR_MATH = SimpleNamespace(
    **{p.name: functools.partial(apply, p) for p in PRIMITIVES.values()},
    data=_raw,
    recording=True,
)

__all__ = [*FUNCTIONS, "matmul", "select", "power", "constant"]
