"""NumPy forwards that need more than one call: the stable forms and the linear algebra.

Each returns what the function is, with no overflow or cancellation where the
true result is finite: sigmoid and softplus never exponentiate a large positive
number, logsumexp and softmax subtract the maximum first, the 2-norm scales by
the largest element, the adjugate comes from an SVD so it exists for a singular
matrix. SciPy is imported only by the special functions, when first used.
"""

from __future__ import annotations

import math

import numpy as np

SQRT2 = math.sqrt(2.0)


def special():
    """scipy.special, imported on first use: a program without erf, gamma... never pays."""
    import scipy.special

    return scipy.special


def power(x, c):
    """x**c for a constant exponent, with the common exponents as multiplications.

    `np.power` costs several times a multiply; x**2 and x**3 are everywhere.
    """
    if c == 2:
        return x * x
    if c == 1:
        return x
    if c == 3:
        return x * x * x
    if c == 0.5:
        return np.sqrt(x)
    if c == -1:
        return 1.0 / x
    return np.power(x, c)


def sigmoid(x):
    # exp of a non-positive number never overflows: the stable form of 1/(1+exp(-x)).
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))[()]


def softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), exact at every x (PyTorch
    switches to x above 20, which is off by up to 2e-9)."""
    return (np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))[()]


def logit(x):
    return (np.log(x) - np.log1p(-x))[()]


def gelu(x):
    """x Φ(x) in the exact erf form; erfc keeps Φ accurate far into the left tail."""
    return (0.5 * x * special().erfc(-x / SQRT2))[()]


def silu(x):
    return x * sigmoid(x)


def elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))[()]


def xlogy(x, y):
    """x·log(y), 0 where x is 0 (unless y is nan), as torch.xlogy."""
    with np.errstate(all="ignore"):
        return np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y))[()]


def gamma(x):
    return special().gamma(x)


def lgamma(x):
    """log|Γ(x)|, as torch.lgamma."""
    return special().gammaln(x)


def digamma(x):
    return special().digamma(x)


def polygamma(x, n):
    """ψ⁽ⁿ⁾(x). At x <= 0 from the reflection `series.digamma_coefficients` uses: SciPy's
    time grows with |x| there (2 s at -1e8, minutes at -1e15) and its digits go."""
    x = np.asarray(x, dtype=np.float64)
    left = x <= 0
    if n == 0 or not left.any():
        return special().polygamma(n, x)
    from autodiff_cli.core.series import digamma_coefficients

    out = np.empty(x.shape)
    out[~left] = special().polygamma(n, x[~left])
    out[left] = math.factorial(n) * digamma_coefficients(x[left], n)[n]
    return out[()]


def erf(x):
    return special().erf(x)


def erfc(x):
    return special().erfc(x)


def erfinv(x):
    return special().erfinv(x)


def sum_to(x, shape):
    """Sum a broadcast gradient back down to `shape` (leading axes and size-1 axes)."""
    x_shape = np.shape(x)
    if x_shape == tuple(shape):
        return x
    lead = len(x_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x_shape[lead + i] != 1
    )
    return np.sum(x, axis=axes).reshape(shape)


def kept_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape of a reduction over `axis` with keepdims: reduced axes become 1."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def amax(x, axis, keepdims):
    return np.max(x, axis=axis, keepdims=keepdims)[()]


def amin(x, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims)[()]


def logsumexp(x, axis, keepdims):
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)  # all -inf, or an inf: no shift needed
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(_exp_shifted(x, peak), axis=axis, keepdims=True)) + peak
    return (out if keepdims else np.reshape(out, _reduced(np.shape(x), axis)))[()]


def _reduced(shape, axis):
    return () if axis is None else tuple(n for i, n in enumerate(shape) if i not in axis)


def _exp_shifted(x, peak) -> np.ndarray:
    """exp(x - peak) in one new array: at 1e7 elements a second one costs a third of exp."""
    out = np.empty(np.shape(x))
    np.subtract(x, peak, out=out)
    return np.exp(out, out=out)


def softmax(x, axis):
    e = _exp_shifted(x, np.max(x, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax(x, axis):
    """(x - max) - log Σ exp(x - max): the subtraction of the maximum is exact where the
    elements are close, and the logarithm is of a number between 1 and n (x - logsumexp(x)
    loses the rounding of logsumexp: 300 ulps at [1000, 999])."""
    peak = np.max(x, axis=axis, keepdims=True)
    shifted = x - np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def norm(x, axis, ord, keepdims):
    """The vector norm of order 1, 2 or inf over `axis` (all elements for None); the
    2-norm divides by the largest magnitude first, so 1e200 does not overflow."""
    magnitude = np.abs(x)
    if ord == 1:
        return np.sum(magnitude, axis=axis, keepdims=keepdims)[()]
    if ord == math.inf:
        return np.max(magnitude, axis=axis, keepdims=keepdims)[()]
    scale = np.max(magnitude, axis=axis, keepdims=True) if np.size(x) else np.ones(())
    safe = np.where((scale == 0) | ~np.isfinite(scale), 1.0, scale)
    out = safe * np.sqrt(np.sum(np.square(x / safe), axis=axis, keepdims=True))
    out = np.where(np.isinf(scale), np.inf, out)
    return (out if keepdims else np.reshape(out, _reduced(np.shape(x), axis)))[()]


def var(x, axis, ddof, keepdims):
    return np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)[()]


def std(x, axis, ddof, keepdims):
    return np.std(x, axis=axis, ddof=ddof, keepdims=keepdims)[()]


def prod_others(x, axis: int):
    """For each element, the product of the others along `axis`, without dividing, so
    zeros are fine: the product of those before it times the product of those after."""
    return exclusive_cumprod(x, axis) * np.flip(exclusive_cumprod(np.flip(x, axis), axis), axis)


def exclusive_cumprod(x, axis: int):
    ones = np.ones(kept_shape(np.shape(x), (axis,)))
    before = np.take(np.cumprod(x, axis=axis), range(np.shape(x)[axis] - 1), axis=axis)
    return np.concatenate([ones, before], axis=axis)


def det(a):
    """np.linalg.det, but nan where A holds a nan: LAPACK's LU can pivot past one and
    give 0 ([[nan, 1], [1, 1]]), where PyTorch gives nan."""
    return np.nan if np.isnan(a).any() else np.linalg.det(a)


def logabsdet(a):
    """log|det A| (slogdet's second part), nan where A holds a nan, as `det`."""
    return np.nan if np.isnan(a).any() else np.linalg.slogdet(a)[1]


def adjugate(a):
    """adj(A), the transpose of the cofactor matrix, from the SVD A = U S Vᵀ:
    adj(A) = det(U) det(V) V adj(S) Uᵀ, with adj(S) the products of the other singular
    values. Unlike det(A) inv(A) it is exact for a singular matrix (rank n-1 included)."""
    n = np.shape(a)[0]
    if n == 0:
        return np.zeros((0, 0))
    if not np.all(np.isfinite(a)):  # the SVD does not converge; nothing here is known
        return np.full((n, n), np.nan)
    u, s, vt = np.linalg.svd(a)
    others = prod_others(s, 0)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign * (vt.T * others) @ u.T


def adjugate_transposed(a, det):
    """adj(A)ᵀ, the gradient of det: det(A)·A⁻ᵀ from one LU where A is well conditioned
    (its 1-norm condition number, read off the inverse, below 1e4), else from the SVD."""
    try:
        inverse = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return adjugate(a).T
    with np.errstate(all="ignore"):
        condition = np.linalg.norm(a, 1) * np.linalg.norm(inverse, 1)
    if np.isfinite(condition) and condition < 1e4:
        return det * inverse.T
    return adjugate(a).T


def well_conditioned(a, limit: float = 1e4) -> bool:
    """Whether a square matrix is far enough from singular that det(A)·A⁻¹ and its
    derivatives keep their digits: the condition number below `limit` (losing at most
    about log10(limit) digits to cancellation)."""
    if np.size(a) == 0:
        return True
    if not np.all(np.isfinite(a)):
        return False
    with np.errstate(all="ignore"):
        return bool(np.linalg.cond(a) < limit)


def select_backward(g, shape, index):
    out = np.zeros(shape)
    out[index] = g
    return out


def stack(axis, *values):
    return np.stack(values, axis=axis) if values else np.zeros(0)


def concat(axis, *values):
    return np.concatenate(values, axis=axis)


def solve(a, b):
    return np.linalg.solve(a, b)
