"""The functional forms, as torch.func and JAX offer them: `jacobian`, `jvp`, `hessian`,
`taylor`, on a function of tensors; and their graph forms, on an output already
computed from leaves (what the commands use, with the program's graph in hand).

Reverse mode runs the engine's backward pass; forward and Taylor mode push
truncated series through the recorded graph (`jet.propagate`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autodiff_cli.core.engine import rows
from autodiff_cli.core.hessian import gradient_and_hessian
from autodiff_cli.core.tensor import Tensor, tensor


def _leaves(inputs) -> tuple[list[Tensor], bool]:
    """Fresh leaves for the inputs: a tuple is several inputs, anything else (a list
    of numbers included, as torch.autograd.functional reads it) is one array."""
    single = not isinstance(inputs, tuple)
    values = [inputs] if single else list(inputs)
    return [tensor(v._data if type(v) is Tensor else v, requires_grad=True) for v in values], single


def jacobian_of(output: Tensor, inputs: Sequence[Tensor], mode: str = "auto") -> list[np.ndarray]:
    """d output / d x for each leaf x of `inputs`, of shape output.shape + x.shape.

    "reverse" runs one backward pass per output element, "forward" one tangent pass
    per input element; "auto" picks reverse when the output has fewer elements than
    the inputs together (as torch.func's jacrev/jacfwd advice goes).
    """
    out_size = output.size
    in_size = sum(x.size for x in inputs)
    if mode == "auto":
        mode = "reverse" if out_size < in_size else "forward"
    blocks = [np.zeros(output.shape + x.shape) for x in inputs]
    if not output.requires_grad or not inputs:
        return blocks
    if mode == "reverse":
        seeds = np.eye(out_size).reshape((out_size, *output.shape))
        for k, row in enumerate(rows(output, list(inputs), seeds)):
            where = np.unravel_index(k, output.shape)
            for block, gradient in zip(blocks, row):
                if gradient is not None:
                    block[where] = gradient
        return blocks
    if mode != "forward":
        raise ValueError(f"mode is auto, forward or reverse, not {mode!r}")
    from autodiff_cli.core.jet import operations_between, propagate

    order = operations_between(inputs, output)
    for block, x in zip(blocks, inputs):
        for k in range(x.size):
            direction = np.zeros(x.shape)
            direction.flat[k] = 1.0
            column = propagate(output, {x: direction}, order=1, plan=order)[1]
            block[(...,) + np.unravel_index(k, x.shape)] = column
    return blocks


def jacobian(f: Callable, inputs, *, mode: str = "auto"):
    """The Jacobian of `f` at `inputs` (an array or a tuple of them): one array of shape
    f(x).shape + x.shape per input, a tuple when `inputs` is a tuple."""
    leaves, single = _leaves(inputs)
    blocks = jacobian_of(f(*leaves), leaves, mode)
    return tensor(blocks[0]) if single else tuple(tensor(b) for b in blocks)


def jvp(f: Callable, primals, tangents) -> tuple[Tensor, Tensor]:
    """(f(primals), the directional derivative Σ ∂f/∂x · t_x): one forward pass of values
    and one of tangents, whatever the number of inputs (torch.func.jvp)."""
    from autodiff_cli.core.jet import propagate

    leaves, single = _leaves(primals)
    tangents = [tangents] if single else list(tangents)
    output = f(*leaves)
    directions = {x: np.broadcast_to(np.asarray(t, dtype=np.float64), x.shape)
                  for x, t in zip(leaves, tangents)}
    series = propagate(output, directions, order=1)
    return tensor(output._data), tensor(series[1])


def hessian(f, inputs):
    """All second derivatives of a scalar function, by double backward.

    `hessian(f, x)` (a function, as torch.autograd.functional.hessian) gives the array
    of shape x.shape + x.shape, or a tuple of tuples of blocks for a tuple of inputs.
    `hessian(output, [x, y])` (an output already computed from leaves) gives the list
    of lists of blocks H[i][j] of shape x_i.shape + x_j.shape.
    """
    if isinstance(f, Tensor):
        return gradient_and_hessian(f, inputs)[1]
    leaves, single = _leaves(inputs)
    blocks = gradient_and_hessian(f(*leaves), leaves)[1]
    if single:
        return tensor(blocks[0][0])
    return tuple(tuple(tensor(b) for b in row) for row in blocks)


def taylor(f: Callable, x, order: int = 6) -> np.ndarray:
    """The Taylor coefficients f⁽ᵏ⁾(x)/k!, k = 0..order, of a scalar function of one
    scalar input, by Taylor-mode propagation (the k-th derivative is k! times the k-th)."""
    from autodiff_cli.core.jet import propagate

    (leaf,), _ = _leaves(x)
    return propagate(f(leaf), {leaf: np.ones(leaf.shape)}, order=order)
