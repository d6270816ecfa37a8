"""`Tensor`, which is also its own graph node, and `apply`, which records operations.

A Tensor wraps float64 NumPy data. The result of an operation on tensors that
require grad remembers the primitive (`_op`), its arguments and which of them
get a gradient (`_mask`): it is the node of the graph, the way micrograd's
`Value` is. PyTorch keeps a separate `grad_fn` object; `grad_fn` here is a view
made on request. The reason is the garbage collector: every container object
an operation creates costs about half a microsecond of collection time in a
large graph, more than the operation itself, so an operation creates exactly
one (the tensor). Edges point only backwards, so an ordinary graph holds no
reference cycle and is freed by reference counting alone. As in PyTorch, a
gradient computed with `create_graph=True` and stored in a leaf's `.grad` refers
back to that leaf through its own graph: that cycle is left to the collector.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from autodiff_cli.core import primitives as P
from autodiff_cli.core.grad_mode import state as _grad_mode

# Like PyTorch, a nan or inf is a value, not a warning (anomaly.py tells where one came
# from). The filter covers NumPy's warnings raised in the core's own modules only.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"autodiff_cli\.core\.")

# One clock for operations and in-place changes: a node records its tick, and an
# in-place change stamps the tensor with a newer one, so a node can tell that a
# tensor it saved was changed after it (the job of PyTorch's version counter).
_clock = itertools.count(1)
in_place_used = False  # until the first in-place change, the engine skips the stamp checks


class Tensor:
    """A float64 array that can record the operations applied to it."""

    # Fields that most tensors never set are class defaults: building a tensor, the
    # cost of every operation, stays a handful of stores.
    __slots__ = ("_data", "requires_grad", "_op", "_a", "_b", "_mask", "_seq",
                 "__dict__", "__weakref__")
    grad = None
    _stamp = 0  # clock tick of the last in-place change
    _retains_grad = False
    _freed = False  # backward ran without retain_graph: the saved values are spent
    # NumPy must hand `ndarray * Tensor` to Tensor.__rmul__ instead of looping over it.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False) -> None:
        array = np.asarray(data)
        if requires_grad and array.dtype.kind != "f":
            raise RuntimeError("only floating point tensors can require gradients")
        self._data = _as_float(array)
        self.requires_grad = bool(requires_grad)
        self._op = None

    # -- data -----------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The values as a NumPy array (0-d for a scalar), shared, not copied."""
        data = self._data
        if type(data) is not np.ndarray:
            # Scalars are kept as np.float64 for speed; hand out a real array once.
            data = self._data = np.asarray(data)
        return data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """np.asarray(t): the data itself (as torch hands out its storage), not a
        Python loop over len() and [] that costs a microsecond per element."""
        data = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return data.copy() if copy else data

    @data.setter
    def data(self, value) -> None:
        self._data = _as_float(np.asarray(value))

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape  # ndarray and np.float64 alike

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return int(np.size(self._data))

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    @property
    def grad_fn(self) -> Node | None:
        """The operation that made this tensor, under PyTorch's name; None for a leaf."""
        return None if self._op is None else Node(self)

    def item(self) -> float:
        if np.size(self._data) != 1:
            raise RuntimeError(
                f"a Tensor with {np.size(self._data)} elements cannot be converted to Scalar"
            )
        return float(np.reshape(self._data, ()))

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self.data

    def tolist(self):
        return self.data.tolist()

    def __len__(self) -> int:
        shape = np.shape(self._data)
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __float__(self) -> float:
        return self.item()

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=8, floatmode="maxprec")
        if self._op is not None:
            return f"tensor({body}, grad_fn=<{self.grad_fn.name()}>)"
        if self.requires_grad:
            return f"tensor({body}, requires_grad=True)"
        return f"tensor({body})"

    # -- autograd ---------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (PyTorch's `Tensor.backward`)."""
        from autodiff_cli.core.engine import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return _leaf(self._data, False)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self._op is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach()."
                )
            return self
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._op is not None:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    # -- in-place operations ------------------------------------------------------
    def _in_place(self, op, *others) -> Tensor:
        """Replace this tensor's value by `op(self, *others)`, keeping its identity.

        The new operation's input is a snapshot of the old tensor, which takes over
        its place in the graph; operations that saved this tensor earlier will refuse
        to run backward.
        """
        global in_place_used
        if _grad_mode.enabled and self.requires_grad and self._op is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        old = _leaf(self._data, self.requires_grad)
        if self._op is not None:
            _move_history(self, old)
        result = apply(op, old, *others)
        if np.shape(result._data) != np.shape(self._data):
            raise RuntimeError(
                f"output with shape {list(np.shape(self._data))} doesn't match the "
                f"broadcast shape {list(np.shape(result._data))}"
            )
        if type(self._data) is np.ndarray:
            if result._op is not None:
                old._data = self._data.copy()  # the new node needs the value from before
            self._data[...] = result._data
        else:
            self._data = result._data
        if result._op is not None:  # under no_grad the tensor keeps its place in the graph
            _move_history(result, self)
            self.requires_grad = True
        self._stamp = next(_clock)
        in_place_used = True
        return self

    def add_(self, other) -> Tensor:
        return self._in_place(P.ADD, other)

    def sub_(self, other) -> Tensor:
        return self._in_place(P.SUB, other)

    def mul_(self, other) -> Tensor:
        return self._in_place(P.MUL, other)

    def div_(self, other) -> Tensor:
        return self._in_place(P.DIV, other)

    def zero_(self) -> Tensor:
        return self._in_place(P.ZERO)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    # -- operators (+ - * / are set below, by `binary`) ------------------------------
    def __pow__(self, other):
        if type(other) is float or type(other) is int:
            return _pow_constant(self, float(other))
        return power(self, other)

    def __rpow__(self, other):
        return power(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return apply(P.NEG, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return apply(P.ABS, self)

    def __getitem__(self, index):
        return select(self, index)

    @property
    def T(self) -> Tensor:
        """The axes reversed, as NumPy's `.T` (a vector is its own transpose)."""
        return apply(P.TRANSPOSE, self, None) if np.ndim(self._data) >= 2 else self

    # Comparisons give plain boolean arrays, as masks, not differentiable tensors.
    def __lt__(self, other):
        return self._data < _raw(other)

    def __le__(self, other):
        return self._data <= _raw(other)

    def __gt__(self, other):
        return self._data > _raw(other)

    def __ge__(self, other):
        return self._data >= _raw(other)



def _move_history(source: Tensor, target: Tensor) -> None:
    """Make `target` the node `source` was: its operation, arguments, mask and tick
    (a one-argument operation has no `_b`, a variadic one keeps all in `_a`)."""
    target._op, target._a, target._mask, target._seq = (
        source._op, source._a, source._mask, source._seq)
    if source._op.arity == 2:
        target._b = source._b


def power(x, y) -> Tensor:
    """x ** y. A constant number exponent records PowBackward0, a tensor one PowBackward1."""
    if type(y) is not Tensor and np.ndim(y) == 0:
        return apply(P.POW_CONSTANT, x, float(y))
    return apply(P.POW, x, y)


def matmul(a, b) -> Tensor:
    """a @ b for vectors and matrices, recorded under PyTorch's names (Dot, Mv, Mm)."""
    ranks = (np.ndim(_raw(a)), np.ndim(_raw(b)))
    if ranks == (1, 1):
        return apply(P.DOT, a, b)
    if ranks == (2, 1):
        return apply(P.MV, a, b)
    if ranks == (1, 2):
        return apply(P.MV, apply(P.TRANSPOSE, b, None), a)
    if ranks == (2, 2):
        return apply(P.MM, a, b)
    raise ValueError(
        f"@ takes vectors and matrices, got operands with {ranks[0]} and {ranks[1]} dimensions"
    )


def select(x, index) -> Tensor:
    """NumPy's basic indexing: x[i], A[1, 0], x[1:], A[:, 0], x[::-1] (integers and slices)."""
    index = index if isinstance(index, tuple) else (index,)
    for i in index:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer, slice)):
            raise TypeError(f"only integers and slices can index, got {i!r}")
    ndim = np.ndim(_raw(x))
    if len(index) > ndim:
        raise IndexError(
            f"too many indices: {len(index)} for a value with {ndim} dimension"
            f"{'' if ndim == 1 else 's'}"
        )
    index = tuple(i if isinstance(i, slice) else int(i) for i in index)
    return apply(P.SELECT, x, index)


def arguments(t: Tensor) -> tuple:
    """The arguments an operation was applied to (unary and binary ones live in slots)."""
    arity = t._op.arity
    return (t._a,) if arity == 1 else (t._a, t._b) if arity == 2 else t._a


class Node:
    """PyTorch's `grad_fn` for a computed tensor: its name and its edges."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor

    def name(self) -> str:
        return self.tensor._op.node_name_for(arguments(self.tensor))

    @property
    def next_functions(self) -> tuple:
        """`(Node or AccumulateGrad or None, 0)` per input; parameters are left out."""
        t = self.tensor
        rules = t._op.rules
        edges = []
        for i, a in enumerate(arguments(t)):
            if rules[i] is None:
                continue
            if not t._mask >> i & 1:
                edges.append((None, 0))
            else:
                edges.append((AccumulateGrad(a) if a._op is None else Node(a), 0))
        return tuple(edges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other.tensor is self.tensor

    def __hash__(self) -> int:
        return id(self.tensor)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class AccumulateGrad:
    """The node PyTorch shows for a leaf that requires grad: it adds into `.grad`."""

    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


def _as_float(array: np.ndarray):
    """float64 data; 0-d values become np.float64 scalars, whose arithmetic is ~10x cheaper."""
    if array.dtype != np.float64:
        array = array.astype(np.float64)
    return array[()] if array.ndim == 0 else array


def _raw(value):
    return value._data if type(value) is Tensor else value


_new = object.__new__
_F64 = np.dtype(np.float64)


def _leaf(data, requires_grad: bool) -> Tensor:
    """A tensor around data that is already float64, with no history."""
    t = _new(Tensor)
    t._data = data
    t.requires_grad = requires_grad
    t._op = None
    return t


def constant(value: float) -> Tensor:
    """A number as a tensor that needs no gradient, without `tensor()`'s conversions."""
    return _leaf(np.float64(value), False)


def _fix(out):
    """Operation results as stored: float64 arrays, or np.float64 for a single number."""
    kind = type(out)
    if kind is np.float64 or (kind is np.ndarray and out.dtype is _F64 and out.ndim):
        return out
    return _as_float(np.asarray(out))


def apply(op, *args) -> Tensor:
    """Run primitive `op` forward on NumPy data and record it when a gradient is wanted.

    Arguments may be Tensors or constants (numbers, arrays, and parameters such as
    shapes or indices); only Tensors that require grad get an edge.
    """
    out = _fix(op.forward(*[a._data if type(a) is Tensor else a for a in args]))
    if _grad_mode.enabled:
        mask = 0
        for i, a in enumerate(args):
            if type(a) is Tensor and a.requires_grad:
                mask |= 1 << i
        if mask:
            t = _new(Tensor)
            t._data = out
            t.requires_grad = True
            t._op = op
            if op.arity == 1:
                t._a = args[0]
            elif op.arity == 2:
                t._a, t._b = args
            else:
                t._a = args
            t._mask = mask
            t._seq = next(_clock)
            return t
    return _leaf(out, False)


def binary(op, reflected: bool = False):
    """The operator method for a two-argument primitive: `apply` unrolled and specialised.

    Every `+ - * /`, and `**` with a number exponent, runs this: it spends no call on
    dispatch and no loop on two arguments, about a third of an operation's cost.
    """
    forward = op.forward

    def operator(self, other):
        if reflected:
            a, b = other, self
        else:
            a, b = self, other
        a_is_tensor = type(a) is Tensor
        b_is_tensor = type(b) is Tensor
        out = forward(a._data if a_is_tensor else a, b._data if b_is_tensor else b)
        kind = type(out)
        if kind is not np.float64 and (kind is not np.ndarray or out.dtype is not _F64
                                       or not out.ndim):
            out = _as_float(np.asarray(out))
        if _grad_mode.enabled:
            mask = (a_is_tensor and a.requires_grad) | (b_is_tensor and b.requires_grad) << 1
            if mask:
                t = _new(Tensor)
                t._data = out
                t.requires_grad = True
                t._op = op
                t._a = a
                t._b = b
                t._mask = mask
                t._seq = next(_clock)
                return t
        return _leaf(out, False)

    return operator


def tensor(data, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a float64 copy of `data` (PyTorch's `torch.tensor`)."""
    if type(data) is Tensor:
        data = data._data
    return Tensor(np.array(data), requires_grad=requires_grad)


Tensor.__add__, Tensor.__radd__ = binary(P.ADD), binary(P.ADD, reflected=True)
Tensor.__sub__, Tensor.__rsub__ = binary(P.SUB), binary(P.SUB, reflected=True)
Tensor.__mul__, Tensor.__rmul__ = binary(P.MUL), binary(P.MUL, reflected=True)
Tensor.__truediv__, Tensor.__rtruediv__ = binary(P.DIV), binary(P.DIV, reflected=True)
_pow_constant = binary(P.POW_CONSTANT)
