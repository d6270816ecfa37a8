"""Numeric derivatives for `adiff check`: the independent side of the comparison.

Nothing here builds a graph: the function is evaluated on plain NumPy arrays,
so a bug in the autograd core cannot hide itself by agreeing with itself.

The default estimator is numdifftools' `Derivative(method='central')`:
central differences over a decreasing geometric sequence of steps, Richardson
extrapolation of the h**2 and h**4 error terms, Wynn's epsilon algorithm
(`dea3`) over the extrapolated sequence, and per element the estimate with the
smallest error estimate, after penalising outliers. Evaluations that are not
finite (the step left the function's domain) are dropped.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from autodiff_cli.errors import AdiffError

_EPS = np.finfo(float).eps
_TINY = np.finfo(float).tiny

# numdifftools' MaxStepGenerator: the largest step is 2 * max(log(e - 1 + |x|), 1)
# and each next one is half as long. We depart from it in three ways, each for
# a case where its default loses digits or gives none:
# - 28 steps instead of 15 (smallest ~1.5e-8 * nominal instead of ~1.2e-4), so
#   that functions changing on a scale of 1e-3 (1/x near 1e-3) get small enough
#   steps; too-small steps cost only evaluations, their round-off shows in
#   their error estimates;
# - for |x| above ~1e4 the nominal step grows like |x| / 1024, not log|x|, or
#   x + h == x at x = 1e20;
# - an element with fewer than 8 steps inside the domain (log near 0) gets up
#   to 60 steps in all, going on halving until enough of them are.
_BASE_STEP = 2.0
_STEP_RATIO = 2.0
_NUM_STEPS = 28
_MIN_IN_DOMAIN = 8
_MAX_STEPS = 60

# Central differences have error terms in h**2, h**4, h**6, ...; three
# consecutive estimates eliminate the first two (numdifftools' Richardson with
# step=2, order=2, num_terms=2).
_RICHARDSON_ORDERS = (2, 4)

NumericFunction = Callable[[np.ndarray], float]


def numeric_gradient(
    f: NumericFunction, x: np.ndarray, *, eps: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate d f / d x[i] for every element of `x`; return (estimate, error estimate).

    `f` maps an array of `x`'s shape to a float and may return nan/inf or raise
    an `ArithmeticError` (e.g. `FloatingPointError`) or `ValueError` off its
    domain; such evaluations count as nan. With `eps=None` the estimate is
    numdifftools-style (see the module docstring) and good to about ten
    significant digits on smooth functions; an element without five consecutive
    steps inside the domain gets estimate nan and error nan. With `eps=E` it is
    one plain central difference (f(x+E) - f(x-E)) / (2E), as
    `torch.autograd.gradcheck` takes, and the error estimate is nan: one
    difference says nothing about its own error.
    """
    x = np.array(x, dtype=np.float64)
    if eps is not None:
        if not (np.isfinite(eps) and eps > 0):
            raise AdiffError("value", f"eps, the step, must be a positive number, got {eps:g}")
        return _plain_central(f, x, float(eps))
    if x.size == 0:
        return x.copy(), x.copy()
    return _extrapolated_central(f, x)


def _evaluate(f: NumericFunction, x: np.ndarray) -> float:
    """f(x), with a failure off the domain turned into nan like a nan result."""
    try:
        with np.errstate(all="ignore"):
            return float(f(x))
    except (ArithmeticError, ValueError):
        return float("nan")


def _shifted(x: np.ndarray, index: int, value: float) -> np.ndarray:
    """A fresh copy of x with one element replaced, so f may keep what it is given."""
    moved = x.copy()
    moved.flat[index] = value
    return moved


def _plain_central(f: NumericFunction, x: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    estimate = np.empty(x.size)
    for i, xi in enumerate(x.flat):
        up = _evaluate(f, _shifted(x, i, xi + eps))
        down = _evaluate(f, _shifted(x, i, xi - eps))
        estimate[i] = (up - down) / (2 * eps)
    return estimate.reshape(x.shape), np.full(x.shape, np.nan)


def _nominal_step(xi: float) -> float:
    """The scale of element xi's steps (see the note at the top of the module)."""
    return max(np.log(np.e - 1 + abs(xi)), 1.0, abs(xi) / 1024)


def _central_differences(f: NumericFunction, x: np.ndarray) -> np.ndarray:
    """Central differences (steps, x.size), largest step first; nan where f was not finite."""
    columns = []
    for i, xi in enumerate(x.flat):
        h = _BASE_STEP * _nominal_step(xi)
        column: list[float] = []
        in_domain = 0
        while len(column) < _NUM_STEPS or (in_domain < _MIN_IN_DOMAIN and len(column) < _MAX_STEPS):
            up, down = xi + h, xi - h
            if up == down:  # the step is below x's resolution
                break
            f_up = _evaluate(f, _shifted(x, i, up))
            f_down = _evaluate(f, _shifted(x, i, down))
            if math.isfinite(f_up) and math.isfinite(f_down):
                # Divide by the step actually taken: x + h is rounded, h is not.
                column.append((f_up - f_down) / float(up - down))
                in_domain += 1
            else:
                column.append(np.nan)
            h /= _STEP_RATIO
        columns.append(column)
    out = np.full((max(map(len, columns), default=_NUM_STEPS), x.size), np.nan)
    for i, column in enumerate(columns):
        out[: len(column), i] = column
    return out


def _richardson_weights() -> np.ndarray:
    """Weights w with sum(w[j] * D(h / 2**j)) = D(0) + O(h**6) for central differences."""
    j = np.arange(len(_RICHARDSON_ORDERS) + 1)
    rows = [np.ones(j.size)] + [_STEP_RATIO ** (-p * j) for p in _RICHARDSON_ORDERS]
    rhs = np.zeros(j.size)
    rhs[0] = 1.0
    return np.linalg.solve(np.array(rows), rhs)


def _richardson(raw: np.ndarray) -> np.ndarray:
    """Extrapolated estimates, one per window of consecutive steps (rows = windows)."""
    w = _richardson_weights()
    n = raw.shape[0] - w.size + 1
    return sum(w[j] * raw[j : j + n] for j in range(w.size))


def _dea3(e0: np.ndarray, e1: np.ndarray, e2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wynn's epsilon on three consecutive values (numdifftools' `dea3`, QUADPACK's DQELG)."""
    delta2, delta1 = e2 - e1, e1 - e0
    err2, err1 = np.abs(delta2), np.abs(delta1)
    tol2 = np.maximum(np.abs(e2), np.abs(e1)) * _EPS
    tol1 = np.maximum(np.abs(e1), np.abs(e0)) * _EPS
    delta1 = np.where(err1 < _TINY, _TINY, delta1)
    delta2 = np.where(err2 < _TINY, _TINY, delta2)
    ss = 1.0 / delta2 - 1.0 / delta1 + _TINY
    converged = (err1 <= tol1) | (err2 <= tol2) | (np.abs(ss * e1) <= 1.0e-4)
    result = np.where(converged, e2, e1 + 1.0 / ss)
    abserr = err1 + err2 + np.where(converged, tol2 * 10, np.abs(result - e2))
    return result, abserr


def _outlier_penalty(der: np.ndarray, trim_fact: float = 10.0) -> np.ndarray:
    """Extra error for estimates far from the column's median (numdifftools' rule)."""
    p25, median, p75 = np.nanpercentile(der, [25, 50, 75], axis=0)
    iqr = np.abs(p75 - p25)
    a_median = np.abs(median)
    wild = ((np.abs(der) < a_median / trim_fact) | (np.abs(der) > a_median * trim_fact)) & (
        a_median > 1e-8
    )
    outside = (der < p25 - 1.5 * iqr) | (der > p75 + 1.5 * iqr)
    return (wild | outside) * np.abs(der - median)


def _best(der: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column the estimate with the smallest error; the middle one among ties."""
    usable = np.isfinite(der) & np.isfinite(err)
    masked = np.where(usable, err, np.inf)
    ties = usable & (masked == masked.min(axis=0))
    rank = np.cumsum(ties, axis=0)
    row = np.argmax(rank > ties.sum(axis=0) // 2, axis=0)
    cols = np.arange(der.shape[1])
    found = usable.any(axis=0)
    return np.where(found, der[row, cols], np.nan), np.where(found, err[row, cols], np.nan)


def _extrapolated_central(f: NumericFunction, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    raw = _central_differences(f, x)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns off the domain
        rich = _richardson(raw)
        # As numdifftools: Wynn's error estimates replace Richardson's, which
        # would only matter for sequences too short for Wynn.
        wynn, wynn_err = _dea3(rich[:-2], rich[1:-1], rich[2:])
        estimate, error = _best(wynn, wynn_err + _outlier_penalty(wynn))
    return estimate.reshape(x.shape), error.reshape(x.shape)


@dataclass(frozen=True)
class Comparison:
    """Autograd against numeric derivatives, element by element.

    `rel_err` is `abs_err / |numeric|`, exactly: 0 where the two agree exactly
    (also 0/0), inf where numeric is 0 and auto is not (no tiny floor that would
    print as 1e+300). Where either side is nan, or the sides are different
    non-finite values, the element disagrees and its errors are nan or inf;
    the same non-finite value on both sides agrees with error 0.
    """

    abs_err: np.ndarray
    rel_err: np.ndarray
    agree: np.ndarray
    ok: bool

    @property
    def max_abs_err(self) -> float:
        """Largest absolute error; nan if any element has one (nan is not ignored)."""
        return float(np.max(self.abs_err)) if self.abs_err.size else 0.0

    @property
    def max_rel_err(self) -> float:
        """Largest relative error; nan if any element has one (nan is not ignored)."""
        return float(np.max(self.rel_err)) if self.rel_err.size else 0.0


def compare(
    auto: ArrayLike, numeric: ArrayLike, rtol: float = 1e-6, atol: float = 1e-9
) -> Comparison:
    """Agree where |auto - numeric| <= atol + rtol * |numeric|, as `adiff check` defines it."""
    auto = np.asarray(auto, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    auto, numeric = np.broadcast_arrays(auto, numeric)
    with np.errstate(all="ignore"):
        abs_err = np.abs(auto - numeric)
        rel_err = abs_err / np.abs(numeric)
    rel_err = np.where(abs_err == 0, 0.0, rel_err)
    rel_err = np.where(np.isinf(abs_err), np.inf, rel_err)
    # A derivative that is nan or inf (sqrt at 0, log at -1) has nothing a numeric
    # estimate could confirm: like gradcheck's allclose(equal_nan=False), it disagrees.
    both_finite = np.isfinite(auto) & np.isfinite(numeric)
    agree = both_finite & (abs_err <= atol + rtol * np.abs(numeric))
    return Comparison(abs_err, rel_err, agree, bool(np.all(agree)))
