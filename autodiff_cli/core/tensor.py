"""`Tensor`, the graph `Node`, and `apply`, the one place that records operations.

A Tensor wraps float64 NumPy data. An operation on tensors that require grad
creates a `Node` (PyTorch's `grad_fn`) that keeps the primitive, its arguments
and edges to the nodes (or leaf tensors) that produced them. Edges point only
backwards, so a graph never contains a reference cycle and is freed by
reference counting alone, without waiting for the garbage collector.
"""

from __future__ import annotations

import itertools
import weakref

import numpy as np

from autodiff_cli.core import primitives as P
from autodiff_cli.core.grad_mode import state as _grad_mode

# One clock for node creation and in-place changes: an in-place operation stamps the
# tensor it changes with the next tick, and a node whose saved tensor carries a stamp
# newer than the node itself would compute its gradient from changed data (the job of
# PyTorch's version counter).
_clock = itertools.count(1)


class Node:
    """One recorded operation: what backward needs to send gradients to its inputs.

    `seq` orders nodes by creation; the engine runs them in decreasing order,
    which puts every node after all of its consumers.
    """

    __slots__ = ("op", "args", "out", "next", "seq", "retained", "__weakref__")

    def __init__(self, op, args, out, next_edges):
        self.op = op
        self.args = args
        self.out = out
        self.next = next_edges
        self.seq = next(_clock)
        self.retained = None

    def name(self) -> str:
        return self.op.node_name

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: `(Node or AccumulateGrad or None, 0)` per argument."""
        rules = self.op.rules_for(len(self.next))
        return tuple(
            (AccumulateGrad(edge) if isinstance(edge, Tensor) else edge, 0)
            for edge, rule in zip(self.next, rules)
            if rule is not None  # parameters (an exponent, a shape) are not inputs
        )

    def __repr__(self) -> str:
        return f"<{self.op.node_name} object>"


class AccumulateGrad:
    """The node PyTorch shows for a leaf that requires grad: it adds into `.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


class Tensor:
    """A float64 array that can record the operations applied to it."""

    __slots__ = ("_data", "grad", "grad_fn", "requires_grad", "_stamp", "__weakref__")
    # NumPy must hand `ndarray * Tensor` to Tensor.__rmul__ instead of looping over it.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False) -> None:
        array = np.asarray(data)
        if requires_grad and array.dtype.kind not in "fc":
            raise RuntimeError("only floating point tensors can require gradients")
        self._data = _as_float(array)
        self.grad = None
        self.grad_fn = None
        self.requires_grad = bool(requires_grad)
        self._stamp = 0

    # -- data -----------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The values as a NumPy array (0-d for a scalar), shared, not copied."""
        data = self._data
        if type(data) is not np.ndarray:
            # Scalars are kept as np.float64 for speed; hand out a real array once.
            data = self._data = np.asarray(data)
        return data

    @data.setter
    def data(self, value) -> None:
        self._data = _as_float(np.asarray(value))

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self._data)

    @property
    def ndim(self) -> int:
        return len(np.shape(self._data))

    @property
    def size(self) -> int:
        return int(np.size(self._data))

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def item(self) -> float:
        if np.size(self._data) != 1:
            raise RuntimeError(
                f"a Tensor with {np.size(self._data)} elements cannot be converted to Scalar"
            )
        return float(np.reshape(self._data, ()))

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
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
        if self.grad_fn is not None:
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
        return _make(self._data, None, False)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self.grad_fn is None and np.asarray(self._data).dtype.kind != "f":
            raise RuntimeError("only floating point tensors can require gradients")
        if self.grad_fn is None:
            self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        node = self.grad_fn
        return node is not None and node.retained is not None and node.retained() is self

    # -- in-place operations ------------------------------------------------------
    def _in_place(self, op, *others) -> Tensor:
        """Replace this tensor's value by `op(self, other)`, keeping its identity.

        The graph gets a node for the operation whose input is a snapshot of the old
        value; nodes that saved this tensor earlier will refuse to run backward.
        """
        if _grad_mode.enabled and self.requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        old = _make(self._data, self.grad_fn, self.requires_grad)
        result = apply(op, old, *others)
        if result.grad_fn is not None and type(self._data) is np.ndarray:
            old._data = self._data.copy()  # the node must keep the value from before
        if type(self._data) is np.ndarray and np.shape(result._data) == self._data.shape:
            self._data[...] = result._data
        else:
            if np.shape(result._data) != np.shape(self._data):
                raise RuntimeError(
                    f"output with shape {list(np.shape(self._data))} doesn't match the "
                    f"broadcast shape {list(np.shape(result._data))}"
                )
            self._data = result._data
        if result.grad_fn is not None:  # under no_grad the tensor keeps its place in the graph
            self.grad_fn, self.requires_grad = result.grad_fn, True
        self._stamp = next(_clock)
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

    # -- operators ------------------------------------------------------------------
    def __add__(self, other):
        return apply(P.ADD, self, other)

    def __radd__(self, other):
        return apply(P.ADD, other, self)

    def __sub__(self, other):
        return apply(P.SUB, self, other)

    def __rsub__(self, other):
        return apply(P.SUB, other, self)

    def __mul__(self, other):
        return apply(P.MUL, self, other)

    def __rmul__(self, other):
        return apply(P.MUL, other, self)

    def __truediv__(self, other):
        return apply(P.DIV, self, other)

    def __rtruediv__(self, other):
        return apply(P.DIV, other, self)

    def __pow__(self, other):
        from autodiff_cli.core.functions import pow

        return pow(self, other)

    def __rpow__(self, other):
        from autodiff_cli.core.functions import pow

        return pow(other, self)

    def __matmul__(self, other):
        from autodiff_cli.core.functions import matmul

        return matmul(self, other)

    def __rmatmul__(self, other):
        from autodiff_cli.core.functions import matmul

        return matmul(other, self)

    def __neg__(self):
        return apply(P.NEG, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return apply(P.ABS, self)

    def __getitem__(self, index):
        from autodiff_cli.core.functions import select

        return select(self, index)

    @property
    def T(self) -> Tensor:
        return apply(P.TRANSPOSE, self) if len(np.shape(self._data)) == 2 else self

    # Comparisons give plain boolean arrays, as masks, not differentiable tensors.
    def __lt__(self, other):
        return self._data < _raw(other)

    def __le__(self, other):
        return self._data <= _raw(other)

    def __gt__(self, other):
        return self._data > _raw(other)

    def __ge__(self, other):
        return self._data >= _raw(other)

    __hash__ = object.__hash__


def _as_float(array: np.ndarray):
    """float64 data; 0-d values become np.float64 scalars, whose arithmetic is ~10x cheaper."""
    if array.dtype != np.float64:
        array = array.astype(np.float64)
    return array[()] if array.ndim == 0 else array


def _raw(value):
    return value._data if type(value) is Tensor else value


def _make(data, grad_fn, requires_grad) -> Tensor:
    """Build a Tensor around data that is already float64 (the hot path of every operation)."""
    t = Tensor.__new__(Tensor)
    t._data = data
    t.grad = None
    t.grad_fn = grad_fn
    t.requires_grad = requires_grad
    t._stamp = 0
    return t


def apply(op, *args) -> Tensor:
    """Run primitive `op` forward on NumPy data and record it when a gradient is wanted.

    Arguments may be Tensors or constants (numbers, arrays, and parameters such as
    shapes or indices); only Tensors that require grad get an edge.
    """
    raw = [a._data if type(a) is Tensor else a for a in args]
    out = op.forward(*raw)
    if type(out) is not np.float64:
        out = _as_float(np.asarray(out))
    if _grad_mode.enabled:
        edges = None
        for i, a in enumerate(args):
            if type(a) is Tensor and a.requires_grad:
                if edges is None:
                    edges = [None] * len(args)
                edges[i] = a.grad_fn or a
        if edges is not None:
            return _make(out, Node(op, args, out, tuple(edges)), True)
    return _make(out, None, False)


def tensor(data, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a float64 copy of `data` (PyTorch's `torch.tensor`)."""
    if type(data) is Tensor:
        data = data._data
    return Tensor(np.array(data), requires_grad=requires_grad)
