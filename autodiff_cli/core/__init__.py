"""The autograd core: reverse-mode differentiation on NumPy with PyTorch's semantics.

Its modules: `registry` (the tables of primitives and functions); `primitives`
(every operation with its VJP rules) and `numerics` (their stable NumPy forms);
`jet` (the Taylor rules beside them: forward and Taylor mode) and `series` (the
truncated-series arithmetic they use); `grad_mode`; `tensor` (Tensor, which is
its own graph node, and `apply`); `functions` (the vocabulary: `ad.sin`,
`ad.sum(x, axis=0)`); `engine` (backward, grad); `forms` (the functional forms
jacobian, jvp, hessian, taylor); `hessian`; `anomaly` (where a nan came from);
`optim` (SGD, Adam) and `optimize` (the engines of minimize and solve);
`gradcheck` (numeric derivatives, for `adiff check`).
"""

from autodiff_cli.core import anomaly
from autodiff_cli.core.engine import grad
from autodiff_cli.core.forms import hessian, jacobian, jvp, taylor
from autodiff_cli.core.functions import *  # noqa: F403  (the language's functions)
from autodiff_cli.core.functions import __all__ as _functions
from autodiff_cli.core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from autodiff_cli.core.hessian import gradient_and_hessian
from autodiff_cli.core.optim import SGD, Adam
from autodiff_cli.core.tensor import AccumulateGrad, Node, Tensor, tensor

__all__ = [
    "Tensor", "tensor", "Node", "AccumulateGrad", "grad", "hessian", "gradient_and_hessian",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "SGD", "Adam", "anomaly",
    "jacobian", "jvp", "taylor",
    *_functions,
]
