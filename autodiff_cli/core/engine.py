"""The backward pass: `backward` and `grad`, both plain loops, never recursive.

The engine gathers the nodes reachable from the outputs with an explicit stack,
then runs them once each in decreasing creation order (PyTorch orders its ready
queue by the same sequence numbers), which runs a node only after every node
that consumed its output. Broadcasting is undone here, in one place, with
`sum_to`, and every gradient's shape is checked against its input's.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from operator import attrgetter

import numpy as np

from autodiff_cli.core import anomaly
from autodiff_cli.core.grad_mode import set_grad_enabled
from autodiff_cli.core.primitives import ARRAY_MATH
from autodiff_cli.core.tensor import Node, Tensor, _make, apply

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def backward(tensor: Tensor, gradient=None, retain_graph=None, create_graph=False) -> None:
    """Accumulate the gradient of `tensor` into `.grad` of every leaf it depends on."""
    seeds = _seeds([tensor], [gradient], create_graph)
    _run([tensor], seeds, retain_graph=create_graph if retain_graph is None else retain_graph,
         create_graph=create_graph, wanted=None)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, returned, not accumulated."""
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(grad_outputs)} for "
            f"{len(outputs)} outputs"
        )
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    # A leaf is found by the tensor itself, a computed tensor by the node that made it.
    wanted = {(t.grad_fn or t): None for t in inputs}
    seeds = _seeds(outputs, grad_outputs, create_graph)
    _run(outputs, seeds, retain_graph=create_graph if retain_graph is None else retain_graph,
         create_graph=create_graph, wanted=wanted)
    results = []
    for t in inputs:
        g = wanted[t.grad_fn or t]
        if g is None and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        results.append(g if g is None or type(g) is Tensor else _make(g, None, False))
    return tuple(results)


def _as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, Sequence) else (value,)


def _seeds(outputs, gradients, create_graph) -> list:
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, gradients)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        shape = out.shape
        if g is None:
            if np.size(out._data) != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(shape)[()]
        else:
            data = g._data if type(g) is Tensor else np.asarray(g, dtype=np.float64)[()]
            if np.shape(data) != shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {np.shape(data)} and "
                    f"output[{i}] has a shape of {shape}."
                )
            if not create_graph or type(g) is not Tensor:
                g = data
        seeds.append(_make(g, None, False) if create_graph and type(g) is not Tensor else g)
    return seeds


def _reachable(roots) -> list[Node]:
    """Every node the roots depend on, latest first: an order in which consumers come first."""
    seen = set(roots)
    stack = list(roots)
    while stack:
        for edge in stack.pop().next:
            if type(edge) is Node and edge not in seen:
                seen.add(edge)
                stack.append(edge)
    return sorted(seen, key=attrgetter("seq"), reverse=True)


def _run(outputs, seeds, *, retain_graph, create_graph, wanted) -> None:
    """Send gradients from `outputs` to leaves (`wanted is None`) or into `wanted`."""
    pending: dict[Node, object] = {}
    leaves: list[tuple[Tensor, object]] = []
    for out, g in zip(outputs, seeds):
        node = out.grad_fn
        if node is None:
            leaves.append((out, g))
        else:
            pending[node] = pending[node] + g if node in pending else g
    if create_graph:
        from autodiff_cli.core.functions import TENSOR_MATH as ns
    else:
        ns = ARRAY_MATH
    watch = anomaly.current_watch()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the loop makes many small objects and no cycles: collections are waste
    try:
        with set_grad_enabled(create_graph), np.errstate(all="ignore"):
            for node in _reachable(list(pending)):
                g = pending.pop(node, None)
                if g is None:
                    continue
                if node.retained is not None:
                    _retain(node, g, create_graph)
                if wanted is not None and node in wanted:
                    wanted[node] = g if wanted[node] is None else wanted[node] + g
                args = node.args
                if args is None:
                    raise RuntimeError(FREED)
                values = _saved_values(node, args, create_graph)
                op = node.op
                if create_graph:
                    ans = apply(op, *args) if op.uses_output else None
                else:
                    ans = node.out
                rules = op.rules_for(len(args))
                for i, edge in enumerate(node.next):
                    if edge is None:
                        continue
                    gi = _fit(ns, rules[i](ns, g, ans, *values), args[i], op, i)
                    if watch is not None:
                        watch.check_backward(node, i, g, values, gi)
                    if type(edge) is Node:
                        pending[edge] = pending[edge] + gi if edge in pending else gi
                    else:
                        leaves.append((edge, gi))
                if not retain_graph:
                    node.args = node.out = None
            for leaf, g in leaves:
                if wanted is None:
                    _accumulate(leaf, g, create_graph)
                elif leaf in wanted:
                    wanted[leaf] = g if wanted[leaf] is None else wanted[leaf] + g
    finally:
        if gc_was_enabled:
            gc.enable()


def _saved_values(node: Node, args: tuple, create_graph: bool) -> tuple:
    """The arguments as the rules need them, refusing ones changed in place since."""
    values = []
    for a in args:
        if type(a) is Tensor:
            if a._stamp > node.seq:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: a tensor of shape {list(a.shape)} saved by "
                    f"{node.name()} was changed after it was saved."
                )
            values.append(a if create_graph else a._data)
        else:
            values.append(a)
    return tuple(values)


def _fit(ns, gi, arg, op, index):
    """Reduce a broadcast gradient to its argument's shape, and insist that it fits."""
    shape = np.shape(arg._data)
    if gi.shape != shape:
        gi = ns.sum_to(gi, shape)
        if gi.shape != shape:
            raise RuntimeError(
                f"Function {op.node_name} returned an invalid gradient at index {index} - got "
                f"{list(gi.shape)} but expected shape compatible with {list(shape)}"
            )
    return gi


def _retain(node: Node, g, create_graph: bool) -> None:
    t = node.retained()
    if t is not None:
        _accumulate(t, g, create_graph)


def _accumulate(t: Tensor, g, create_graph: bool) -> None:
    """Add into `.grad`: a fresh copy the first time (so it can be changed in place later)."""
    if create_graph:
        g = g if type(g) is Tensor else _make(g, None, False)
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = _make(np.array(g, dtype=np.float64)[()], None, False)
    elif type(t.grad._data) is np.ndarray and t.grad.grad_fn is None:
        t.grad._data += g
    else:
        t.grad = _make(t.grad._data + g, None, False)
