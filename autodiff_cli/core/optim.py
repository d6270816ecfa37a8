"""`SGD`, the optimizer of the seeds' training example (learning y = 2x + 1), and `Adam`."""

from __future__ import annotations

import numpy as np

from autodiff_cli.core.grad_mode import no_grad
from autodiff_cli.core.tensor import Tensor


class Optimizer:
    """What every optimizer shares, as in torch.optim: the parameters, lr, `zero_grad`."""

    def __init__(self, params, lr: float) -> None:
        self.params: list[Tensor] = list(params)
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        self.lr = lr

    def zero_grad(self) -> None:
        """Forget the accumulated gradients (PyTorch's default: set them to None)."""
        for p in self.params:
            p.grad = None


class SGD(Optimizer):
    """Plain gradient descent: `p -= lr * p.grad` for each parameter, in place."""

    @no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.sub_(self.lr * p.grad._data)


class Adam(Optimizer):
    """Adam with torch.optim.Adam's defaults and update, operation for operation.

    Each parameter keeps its own step count and moment estimates, created at its
    first step with a gradient, as in PyTorch (no weight decay, no amsgrad).
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        self.betas = tuple(betas)
        self.eps = eps
        self.state: list[list | None] = [None] * len(self.params)  # [step, m, v] per param

    @no_grad()
    def step(self) -> None:
        beta1, beta2 = self.betas
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = np.asarray(p.grad._data)
            state = self.state[i]
            if state is None:
                state = self.state[i] = [0, np.zeros(p.shape), np.zeros(p.shape)]
            state[0] += 1
            step, exp_avg, exp_avg_sq = state
            # torch's exp_avg.lerp_(g, 1 - beta1). Its vectorised CPU kernel fuses this
            # multiply-add (one rounding, not two), so results may differ in the last bit.
            exp_avg += (1 - beta1) * (g - exp_avg)
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * g * g
            step_size = self.lr / (1 - beta1 ** float(step))
            denom = np.sqrt(exp_avg_sq) / (1 - beta2 ** float(step)) ** 0.5 + self.eps
            p.sub_(step_size * exp_avg / denom)
