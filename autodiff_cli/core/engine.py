"""The backward pass: `backward` and `grad`, both plain loops, never recursive.

Operations wait in a heap keyed by their creation number and run latest first
(PyTorch's ready queue is ordered the same way), so each runs once, after every
operation that consumed its result, with its whole gradient. Broadcasting is
undone here, in one place, with `sum_to`, and every gradient's shape is checked
against its input's. A plain backward runs the rules on NumPy values; with
`create_graph=True` it runs them on tensors, recording the graph of the gradient.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from heapq import heappop, heappush

import numpy as np

from autodiff_cli.core import anomaly
from autodiff_cli.core import tensor as _tensor_module
from autodiff_cli.core.grad_mode import set_grad_enabled
from autodiff_cli.core.primitives import ARRAY_MATH
from autodiff_cli.core.tensor import Tensor, _leaf, arguments

_FLOAT = np.float64
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
    wanted = {t: None for t in inputs}
    seeds = _seeds(outputs, grad_outputs, create_graph)
    _run(outputs, seeds, retain_graph=create_graph if retain_graph is None else retain_graph,
         create_graph=create_graph, wanted=wanted, pruned=_leading_to(outputs, wanted))
    results = []
    for t in inputs:
        g = wanted[t]
        if g is None and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        results.append(g if g is None or type(g) is Tensor else _leaf(g, False))
    return tuple(results)


def rows(output: Tensor, inputs: Sequence[Tensor], seeds):
    """For each seed (an array of the output's shape), the gradients of `inputs` (NumPy
    arrays, None where unused): one backward pass per seed, the graph walked and pruned
    once for all of them (the rows of a Jacobian in reverse mode)."""
    wanted = dict.fromkeys(inputs)
    pruned = _leading_to([output], wanted)
    for seed in seeds:
        found = dict.fromkeys(inputs)
        _run([output], [np.asarray(seed, dtype=np.float64)[()]], retain_graph=True,
             create_graph=False, wanted=found, pruned=pruned)
        yield [found[x] for x in inputs]


def _leading_to(outputs, wanted) -> tuple[set[Tensor], set[Tensor]]:
    """The tensors on some path from the outputs down to a wanted tensor, and the
    operations among them to run: those with such a tensor among their arguments.

    `grad()` runs only those, as PyTorch does: nothing below a wanted intermediate
    result is run, or freed.
    """
    below: dict[Tensor, tuple] = {}
    stack = [t for t in outputs if t._op is not None]
    while stack:
        t = stack.pop()
        if t in below:
            continue
        below[t] = args = tuple(a for a in arguments(t) if type(a) is Tensor and a.requires_grad)
        stack.extend(a for a in args if a._op is not None and a not in below)
    needed, run = set(wanted), set()
    for t in sorted(below, key=lambda t: t._seq):  # arguments before the results they make
        if any(a in needed for a in below[t]):
            needed.add(t)
            run.add(t)
    return needed, run


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
        seeds.append(_leaf(g, False) if create_graph and type(g) is not Tensor else g)
    return seeds


def _run(outputs, seeds, *, retain_graph, create_graph, wanted, pruned=None) -> None:
    """Send gradients from `outputs` into leaves' `.grad` (`wanted is None`), or into
    `wanted`, a dict of the tensors whose gradients `grad()` returns, running only the
    operations `pruned` names (see `_leading_to`).

    The loop takes the latest ready operation and runs its VJP step (`_vjp_step`),
    which sends each gradient it makes on; leaves collect theirs until the end
    (`_accumulate`).
    """
    needed, run = pruned if pruned is not None else (None, None)
    pending: dict[Tensor, object] = {}
    ready: list[tuple[int, Tensor]] = []
    leaves: list[tuple[Tensor, object]] = []
    for out, g in zip(outputs, seeds):
        if out._op is None:
            leaves.append((out, g))
        elif out in pending:
            pending[out] = pending[out] + g
        else:
            pending[out] = g
            heappush(ready, (-out._seq, out))
    if create_graph:
        from autodiff_cli.core.functions import TENSOR_MATH as ns
    else:
        ns = ARRAY_MATH
    step = _vjp_step(ns, create_graph, needed, anomaly.current_watch(),
                     _tensor_module.in_place_used, pending, ready, leaves)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the loop makes many small objects; a collection within it frees nothing
    try:
        with set_grad_enabled(create_graph), np.errstate(all="ignore"):
            while ready:
                t = heappop(ready)[1]
                g = pending.pop(t)
                if t._retains_grad:
                    _accumulate(t, g, create_graph)
                if wanted is not None:
                    if t in wanted:
                        _add_to(wanted, t, g)
                    if t not in run:
                        continue  # nothing wanted below it: not run, not freed
                if t._freed:
                    raise RuntimeError(FREED)
                step(t, g)
                if not retain_graph:
                    t._freed = True
            for leaf, g in leaves:
                if wanted is None:
                    _accumulate(leaf, g, create_graph)
                elif leaf in wanted:
                    _add_to(wanted, leaf, g)
    finally:
        if gc_was_enabled:
            gc.enable()


def _vjp_step(ns, create_graph: bool, needed, watch, check_stamps: bool, pending: dict,
              ready: list, leaves: list):
    """One node's VJP step, for every node of one pass: the gradient of each argument that
    gets one, from the node's rules, reduced to the argument's shape, and sent on: added
    to what an operation has pending (queued the first time), or kept for a leaf.

    A closure, not a method: this runs once per node, and its state is read from cells
    rather than attributes (a scalar graph spends about 3 µs per operation in all).
    """

    def step(t: Tensor, g) -> None:
        op = t._op
        arity = op.arity
        if arity == 2:  # most operations: their arguments, without a loop
            a, b = t._a, t._b
            args = a, b
            values = args if create_graph else (a._data if type(a) is Tensor else a,
                                                b._data if type(b) is Tensor else b)
        else:
            args = (t._a,) if arity == 1 else t._a
            values = args if create_graph else [
                a._data if type(a) is Tensor else a for a in args]
        if check_stamps:
            _refuse_changed(t, args)
        ans = t if create_graph else t._data
        rules = op.rules
        mask = t._mask
        for i in _EDGES[mask] if mask < len(_EDGES) else _edges(mask):
            a = args[i]
            if needed is not None and a not in needed:
                continue
            gi = (rules[i](ns, g, ans, values[0], values[1]) if arity == 2
                  else rules[i](ns, g, ans, *values))
            # Two scalars always fit; anything else is compared by shape.
            if (type(gi) is not _FLOAT or type(a._data) is not _FLOAT) and (
                gi.shape != a._data.shape
            ):
                gi = _fit(ns, gi, a, op, i)
            if watch is not None:
                watch.check_backward(t, g, values, gi)
            if a._op is None:
                leaves.append((a, gi))
            else:
                previous = pending.get(a)
                if previous is None:
                    pending[a] = gi
                    heappush(ready, (-a._seq, a))
                else:
                    pending[a] = previous + gi

    return step


def _edges(mask: int) -> tuple[int, ...]:
    """The argument positions whose bit is set in a node's mask: those that get a gradient."""
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


_EDGES = [_edges(mask) for mask in range(256)]


def _add_to(wanted: dict, t: Tensor, g) -> None:
    wanted[t] = g if wanted[t] is None else wanted[t] + g


def _refuse_changed(t: Tensor, args: tuple) -> None:
    """PyTorch's version check: saved tensors must not have changed in place since."""
    for a in args:
        if type(a) is Tensor and a._stamp > t._seq:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: a tensor of shape {list(a.shape)} saved by "
                f"{t._op.node_name} was changed after it was saved."
            )


def _fit(ns, gi, arg, op, index):
    """Reduce a broadcast gradient to its argument's shape, and insist that it fits."""
    shape = np.shape(arg._data)
    gi = ns.sum_to(gi, shape)
    if gi.shape != shape:
        raise RuntimeError(
            f"Function {op.node_name} returned an invalid gradient at index {index} - got "
            f"{list(gi.shape)} but expected shape compatible with {list(shape)}"
        )
    return gi


def _accumulate(t: Tensor, g, create_graph: bool) -> None:
    """Add into `.grad`: a fresh copy the first time (so it can be changed in place later)."""
    if create_graph:
        g = g if type(g) is Tensor else _leaf(g, False)
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = _leaf(np.array(g, dtype=np.float64)[()], False)
    elif t.grad._op is None:  # into the same tensor, as PyTorch, so references see it
        if type(t.grad._data) is np.ndarray:
            t.grad._data += g
        else:
            t.grad._data = t.grad._data + g
    else:
        t.grad = _leaf(t.grad._data + g, False)
