"""The engines of `adiff minimize` and `adiff solve`, on flat float64 vectors.

They see a problem only through callbacks (value and gradient, Hessian, residual and
Jacobian), so they know nothing of the language that built it. SciPy does the
quasi-Newton and Newton work and is imported only when one of its methods runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autodiff_cli.core.optim import SGD, Adam
from autodiff_cli.core.tensor import Tensor

METHODS = ("bfgs", "lbfgs", "newton", "cg", "gd", "adam")

# SciPy's names. newton is trust-exact: it stops on the gradient's 2-norm, as we do, and
# stays safe where the Hessian is indefinite; Newton-CG stops on the step size instead.
_SCIPY = {"bfgs": "BFGS", "lbfgs": "L-BFGS-B", "newton": "trust-exact", "cg": "CG"}

# Learning rates for gd and adam when none is given. 0.1 takes both through the seeds'
# regression within the default 1000 steps (gd in ~530, adam in ~770); PyTorch's Adam
# default of 1e-3 moves each variable at most ~1e-3 a step, too slow for a command.
DEFAULT_LR = {"gd": 0.1, "adam": 0.1}


@dataclass(frozen=True)
class MinimizeResult:
    """What `adiff minimize` reports; steps and evaluations say what it cost."""

    x: np.ndarray
    value: float
    grad_norm: float  # 2-norm of the gradient at x
    steps: int  # iterations taken
    converged: bool  # grad_norm < tol
    method: str
    evaluations: int  # calls of value_and_grad


@dataclass(frozen=True)
class SolveResult:
    """What `adiff solve` reports."""

    x: np.ndarray
    residual_norm: float  # 2-norm of F(x)
    steps: int  # Newton steps taken
    converged: bool  # residual_norm < tol


class _Objective:
    """The caller's value_and_grad, counted, answering again for its last few points.

    SciPy asks at the same point more than once (the line search, then our progress
    callback); a repeated question must not cost another forward and backward pass.
    """

    def __init__(self, value_and_grad) -> None:
        self.value_and_grad = value_and_grad
        self.evaluations = 0
        self.recent: dict[bytes, tuple[float, np.ndarray]] = {}  # x's bytes, oldest first

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        seen = self.recent.get(np.asarray(x, dtype=np.float64).tobytes())
        if seen is None:
            return self.evaluate(x)
        return seen[0], seen[1].copy()

    def evaluate(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Call value_and_grad at x, which the caller knows to be new."""
        x = np.array(x, dtype=np.float64)
        key = x.tobytes()
        value, grad = self.value_and_grad(x)
        value, grad = float(value), np.array(grad, dtype=np.float64).reshape(x.shape)
        self.evaluations += 1
        if len(self.recent) == 4:
            del self.recent[next(iter(self.recent))]
        self.recent[key] = (value, grad)
        return value, grad.copy()


def minimize(value_and_grad, x0, *, method: str = "bfgs", steps: int = 1000, tol: float = 1e-8,
             lr: float | None = None, hessian=None, callback=None) -> MinimizeResult:
    """Minimise f from x0 until the gradient's 2-norm is below tol or `steps` iterations ran.

    `value_and_grad(x) -> (f(x), ∇f(x))`; `hessian(x) -> (n, n)` array, needed by
    newton only; `lr` is used by gd and adam only; `callback(step, value, grad_norm)`
    runs after every iteration, at the new point.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    if method == "newton" and hessian is None:
        raise ValueError("method 'newton' needs the exact Hessian: pass hessian=")
    objective = _Objective(value_and_grad)
    x = np.array(x0, dtype=np.float64).reshape(-1)
    if method in ("gd", "adam"):
        x, taken = _descend(objective, x, method, steps, tol, lr, callback)
    else:
        x, taken = _scipy(objective, x, method, steps, tol, hessian, callback)
    value, grad = objective(x)
    grad_norm = _norm(grad)
    return MinimizeResult(x, value, grad_norm, taken, bool(grad_norm < tol), method,
                          objective.evaluations)


def _descend(objective, x0, method, steps, tol, lr, callback) -> tuple[np.ndarray, int]:
    """The seeds' training loop: the gradient goes into `.grad`, the optimizer steps."""
    x = Tensor(x0, requires_grad=True)
    lr = DEFAULT_LR[method] if lr is None else lr
    optimizer = SGD([x], lr) if method == "gd" else Adam([x], lr)
    grad = objective(x0)[1]
    grad_norm = _norm(grad)
    taken = 0
    # A non-finite gradient ends the loop too: no step from it leads anywhere.
    while taken < steps and np.isfinite(grad_norm) and grad_norm >= tol:
        x.grad = Tensor(grad)
        optimizer.step()
        value, grad = objective.evaluate(x.data)
        grad_norm = _norm(grad)
        taken += 1
        if callback is not None:
            callback(taken, value, float(grad_norm))
    return np.array(x.data), taken


def _scipy(objective, x, method, steps, tol, hessian, callback) -> tuple[np.ndarray, int]:
    """Run SciPy's method, restarting it when it stops on a test of its own.

    SciPy also stops when a line search fails (BFGS's and CG's "precision loss"), the
    value stops decreasing (L-BFGS-B) or its model predicts no decrease (trust-exact);
    a fresh start, which forgets the curvature it had learnt, often goes on. Our
    progress callback stops SciPy as soon as the gradient's 2-norm is below tol, so
    converged means exactly that; when a fresh start cannot take a single step, we stop.
    """
    from scipy import optimize

    taken = 0
    reached = x  # the last point SciPy reported

    def progress(intermediate_result) -> None:  # SciPy passes an OptimizeResult by this name
        nonlocal taken, reached
        reached = np.array(intermediate_result.x)
        value, grad = objective(reached)
        grad_norm = _norm(grad)
        taken += 1
        if callback is not None:
            callback(taken, value, grad_norm)
        if grad_norm < tol:
            raise StopIteration

    hess = None if hessian is None else (lambda x: hessian(x.copy()))
    while taken < steps and not _norm(objective(x)[1]) < tol:
        before = taken
        try:
            result = optimize.minimize(
                objective, x, jac=True, method=_SCIPY[method], callback=progress,
                hess=hess if method == "newton" else None,
                options=_options(method, tol, steps - taken, x.size))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError, UnboundLocalError):
            # A nan or inf Hessian: trust-exact refuses it (ValueError) or fails inside
            # (UnboundLocalError, SciPy 1.17); the last point SciPy reported stands.
            x = reached
            break
        x = result.x
        if taken == before:  # SciPy could not take a single step from x
            break
    return x, taken


def _options(method: str, tol: float, maxiter: int, n: int) -> dict:
    """SciPy's own stopping tests set from ours, so that they do not stop it first."""
    if method == "lbfgs":
        # L-BFGS-B's gtol bounds the largest |g_i|, which is below tol/sqrt(n) only if the
        # 2-norm is below tol; ftol = 0 lets it go on while the value still decreases.
        return {"maxiter": maxiter, "gtol": tol / np.sqrt(n), "ftol": 0.0}
    if method == "newton":
        return {"maxiter": maxiter, "gtol": tol}  # trust-exact's test is the 2-norm already
    return {"maxiter": maxiter, "gtol": tol, "norm": 2}


# Halvings of a Newton step before the line search gives up: 2**-60 shrinks even the
# huge step of a nearly singular Jacobian (1e18 relative to x) to a useful length.
_HALVINGS = 60


def solve(residual_and_jacobian, x0, *, steps: int = 100, tol: float = 1e-12,
          callback=None) -> SolveResult:
    """Find x with F(x) = 0 (n equations, n unknowns) by Newton's method from x0.

    `residual_and_jacobian(x) -> (F(x), J(x))`, J of shape (n, n). Each Newton step is
    damped by halving it until ||F||² decreases enough (Armijo), so that a far start
    does not throw the iteration away; where J is singular the step is the least-squares
    one. Stops when ||F|| < tol, after `steps` steps, or when no step decreases ||F||
    (a minimum of ||F|| that is not a root). `callback(step, residual_norm)` runs after
    every step.
    """
    x = np.array(x0, dtype=np.float64).reshape(-1)
    residual, jacobian = _residual(residual_and_jacobian, x)
    taken = 0
    while taken < steps and not _norm(residual) < tol:
        if not (np.all(np.isfinite(jacobian)) and np.all(np.isfinite(residual))):
            break  # no step is known (and LAPACK prints complaints about inf)
        try:
            dx = np.linalg.solve(jacobian, -residual)
        except np.linalg.LinAlgError:  # singular: the shortest dx that minimises ||J dx + F||
            dx = np.linalg.lstsq(jacobian, -residual)[0]
        # ||F||² in units of the largest |F_i|: F = 1e160 squared would overflow.
        scale = np.max(np.abs(residual))
        if not 0 < scale < np.inf:
            break  # F is 0 (a root, with tol 0) or not finite
        scaled = residual / scale
        squared = scaled @ scaled
        slope = 2 * scaled @ (jacobian @ dx / scale)  # d/dt ||F(x + t dx)/scale||² at t = 0
        if not slope < 0:
            break  # no descent along dx: ∇||F||² = 2 Jᵀ F vanishes, or values are not finite
        t = 1.0
        for _ in range(_HALVINGS):
            trial = x + t * dx
            new_residual, new_jacobian = _residual(residual_and_jacobian, trial)
            new_scaled = new_residual / scale
            if new_scaled @ new_scaled <= squared + 1e-4 * t * slope:  # False for nan
                break
            t /= 2
        else:
            break  # no step along dx decreases ||F||² enough
        x, residual, jacobian = trial, new_residual, new_jacobian
        taken += 1
        if callback is not None:
            callback(taken, _norm(residual))
    residual_norm = _norm(residual)
    return SolveResult(x, residual_norm, taken, bool(residual_norm < tol))


def _norm(v: np.ndarray) -> float:
    """The 2-norm without overflow: np.linalg.norm squares, and 1e160 squared is inf
    (nor underflow: 1e-170 squared is 0); NumPy's own where it is right."""
    plain = float(np.linalg.norm(v))
    if 1e-150 < plain < 1e150 or not np.any(v):
        return plain
    scale = float(np.max(np.abs(v)))
    if not 0 < scale < np.inf:
        return scale
    u = v / scale
    return scale * float(np.sqrt(u @ u))


def _residual(residual_and_jacobian, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F(x) flat and J(x) as a square matrix, whatever shapes the caller returns (n = 1)."""
    residual, jacobian = residual_and_jacobian(x.copy())
    residual = np.array(residual, dtype=np.float64).reshape(-1)
    return residual, np.array(jacobian, dtype=np.float64).reshape(residual.size, x.size)
