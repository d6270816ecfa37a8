"""Second derivatives by differentiating the backward pass (double backward)."""

from __future__ import annotations

import numpy as np

from autodiff_cli.core.engine import grad
from autodiff_cli.core.tensor import Tensor


def gradient_and_hessian(output: Tensor, inputs) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """d output / d x_i, and H[i][j] = d^2 output / dx_i dx_j of shape x_i.shape + x_j.shape.

    The first gradients are built with `create_graph=True`; each of their elements is
    then differentiated once more. A first gradient that does not depend on the inputs
    at all (the 3 of 3*x + y) has no graph and gives a row of zeros.
    """
    inputs = list(inputs)
    if not output.requires_grad:  # a constant: every derivative is zero
        return ([np.zeros(x.shape) for x in inputs],
                [[np.zeros(xi.shape + xj.shape) for xj in inputs] for xi in inputs])
    firsts = grad(output, inputs, create_graph=True, allow_unused=True)
    gradients = [
        np.zeros(x.shape) if g is None else np.array(g.data) for x, g in zip(inputs, firsts)
    ]
    rows = [[np.zeros(xi.shape + xj.shape) for xj in inputs] for xi in inputs]
    for row, first in zip(rows, firsts):
        if first is None or not first.requires_grad:
            continue
        for k in range(first.size):
            seed = np.zeros(first.shape)
            seed.flat[k] = 1.0
            seconds = grad(first, inputs, grad_outputs=seed, retain_graph=True, allow_unused=True)
            where = np.unravel_index(k, first.shape)
            for block, second in zip(row, seconds):
                if second is not None:
                    block[where] = second.data
    return gradients, rows
