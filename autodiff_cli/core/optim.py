"""`SGD`: the optimizer of the seeds' training example (learning y = 2x + 1)."""

from __future__ import annotations

from autodiff_cli.core.grad_mode import no_grad
from autodiff_cli.core.tensor import Tensor


class SGD:
    """Plain gradient descent: `p -= lr * p.grad` for each parameter, in place."""

    def __init__(self, params, lr: float) -> None:
        self.params: list[Tensor] = list(params)
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        self.lr = lr

    def zero_grad(self) -> None:
        """Forget the accumulated gradients (PyTorch's default: set them to None)."""
        for p in self.params:
            p.grad = None

    @no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.sub_(self.lr * p.grad._data)
