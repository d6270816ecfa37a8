"""The autograd core: reverse-mode differentiation on NumPy with PyTorch's semantics.

Layers, each importing only the ones above it: `grad_mode`, `primitives` (the
registry), `tensor` (Tensor, Node, apply), `functions`, `engine` (backward,
grad), `anomaly`, `hessian`, `optim`, `gradcheck`.
"""

from autodiff_cli.core import anomaly
from autodiff_cli.core.engine import grad
from autodiff_cli.core.functions import *  # noqa: F403  (the language's functions)
from autodiff_cli.core.functions import __all__ as _functions
from autodiff_cli.core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from autodiff_cli.core.hessian import gradient_and_hessian, hessian
from autodiff_cli.core.optim import SGD
from autodiff_cli.core.tensor import AccumulateGrad, Node, Tensor, tensor

__all__ = [
    "Tensor", "tensor", "Node", "AccumulateGrad", "grad", "hessian", "gradient_and_hessian",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "SGD", "anomaly",
    *_functions,
]
