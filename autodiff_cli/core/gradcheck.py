"""Numeric derivatives for `adiff check`: the independent side of the comparison.

Nothing here builds a graph: the function is evaluated on plain NumPy arrays,
so a bug in the autograd core cannot hide itself by agreeing with itself.

The default estimator is numdifftools' `Derivative(method='central')`:
central differences over a decreasing geometric sequence of steps, Richardson
extrapolation of the h**2 and h**4 error terms, Wynn's epsilon algorithm
(`dea3`) over the extrapolated sequence, and per element the estimate with the
smallest error estimate, after penalising outliers. Evaluations that are not
finite (the step left the function's domain) are dropped.

Beside each estimate goes a verdict, `Estimate.kink`: whether the function is
not differentiable there (the one-sided derivatives differ, or it jumps).
`_not_differentiable` gives the rule. It needs f(x) itself, one more
evaluation, and with `eps` two more steps per element, x +- E/2 and x +- E/4.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

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

# The kink rule (see `_not_differentiable`). A statistic counts only where it
# exceeds _MARGIN times its round-off bound. Over the smallest steps where it
# counts, it must keep its sign and change by a factor within (low, high) per
# halving of the step: about 1 at a kink, 2 at a jump, 1/8 (1/2 with `eps`)
# for a smooth function; _RUN values in a row (all three with `eps`). Where it
# grows by more than `jump`, the jump it implies must exceed _JUMP_RTOL times
# |f|: rounding inside f can set f(x) alone a step of its noise apart from its
# neighbours, which no difference among the neighbours shows.
_MARGIN = 100.0
_JUMP_RTOL = 1e-6
_RUN = 5
_EVEN_BAND = (2.0**-0.3, 2.0**0.75, 2.0**1.5)  # (low, jump, high): kinks and jumps
_ODD_BAND = (2.0**0.3, 2.0**0.3, 2.0**1.5)  # only jumps: the mean slope converges elsewhere
# How many divided differences per side, at the smallest steps, measure the noise.
_NOISE_WINDOWS = 6
# Elements analysed at once: bounds the memory of the (steps, elements) arrays.
_CHUNK = 1 << 12

NumericFunction = Callable[[np.ndarray], float]


@dataclass(frozen=True)
class Estimate:
    """A numeric derivative and what a comparison must know besides its value.

    `value` is the estimate; `error` its error estimate (nan with `eps`: one
    difference says nothing about its own error); `kink` is True where the
    function is not differentiable, where `value` (still the central difference)
    confirms nothing. Each has the shape of the input (`()` for a direction).
    """

    value: np.ndarray
    error: np.ndarray
    kink: np.ndarray


def numeric_gradient(
    f: Callable[[np.ndarray], ArrayLike],
    x: ArrayLike,
    *,
    eps: float | None = None,
    elementwise: bool = False,
    progress: Callable[[], None] | None = None,
) -> Estimate:
    """Estimate d f / d x[i] for every element of `x`; `progress()` is called after each
    element (for a progress bar: element by element, a check can take a while).

    `f` maps an array of `x`'s shape to a float and may return nan/inf or raise
    an `ArithmeticError` (e.g. `FloatingPointError`) or `ValueError` off its
    domain; such evaluations count as nan. With `eps=None` the estimate is
    numdifftools-style (see the module docstring) and good to about ten
    significant digits on smooth functions; an element without five consecutive
    steps inside the domain gets estimate nan and error nan. With `eps=E` it is
    one plain central difference (f(x+E) - f(x-E)) / (2E), as
    `torch.autograd.gradcheck` takes. The kink verdict costs f(x) besides, and
    with `eps` f(x +- E/2) and f(x +- E/4) per element.

    With `elementwise=True`, `f` maps an array of `x`'s shape to one of the same
    shape whose element i depends on x[i] alone; every element then takes its
    own steps at once, so the whole gradient costs what one element costs
    (57 evaluations, up to 121 where steps leave the domain, 7 with `eps`), not
    that many per element. An evaluation that raises fails that step for every
    element: such an `f` should return nan off its domain instead.
    """
    x = np.array(x, dtype=np.float64)
    plain = _plain(eps)
    if x.size == 0:
        return Estimate(x.copy(), x.copy(), np.zeros(x.shape, dtype=bool))
    centre = x.ravel()
    step = np.full(x.size, eps, dtype=float) if plain else _BASE_STEP * _nominal_step(centre)
    if elementwise:
        samples = _sample_together(f, x, step, plain)
    else:
        samples = _sample_each(f, x, centre, step, lambda i, v: _shifted(x, i, v), plain,
                               progress)
    value, error, kink = _analyse(samples, plain)
    return Estimate(value.reshape(x.shape), error.reshape(x.shape), kink.reshape(x.shape))


def numeric_directional(
    f: NumericFunction, x: ArrayLike, v: ArrayLike, *, eps: float | None = None
) -> Estimate:
    """Estimate d/dt f(x + t v) at t = 0, as gradcheck's fast mode needs; fields of shape ().

    The steps in t are those `numeric_gradient` takes for an element as large as
    the largest |x[i]| that v moves, divided by max |v[i]|: with comparable
    |v[i]| the largest element moves about as it would alone, so x = 1e20 is not
    lost to rounding (x + t v == x), and smaller ones as much, up to ~9 times
    their own steps while every |x[i]| <= 1e4 (steps grow like log|x| there),
    coarsely for their size when magnitudes spread further. The rounding of
    x + t v, which cannot be divided out here as it is per element, costs
    digits where large elements carry large partial derivatives. With `eps=E`
    the step is E in t, as gradcheck takes it (the kink verdict adds E/2, E/4).
    """
    x = np.array(x, dtype=np.float64)
    plain = _plain(eps)
    try:
        v = np.broadcast_to(np.asarray(v, dtype=np.float64), x.shape)
    except ValueError:
        raise AdiffError(
            "value", f"the direction's shape {np.shape(v)} does not fit the input's {x.shape}"
        ) from None
    if not np.all(np.isfinite(v)):
        raise AdiffError("value", "the direction must be finite")
    moved = v != 0
    if not moved.any():  # f(x + t * 0) does not depend on t
        return Estimate(np.array(0.0), np.array(np.nan if plain else 0.0), np.array(False))
    if plain:
        step = np.array([eps], dtype=float)
    else:
        largest = np.max(np.abs(x[moved]))
        step = _BASE_STEP * _nominal_step(np.array([largest])) / np.max(np.abs(v))
    def along(_, t):
        moved = v * t  # x + t v with one temporary: at 1e6 elements it shows
        moved += x
        return moved

    samples = _sample_each(f, x, np.zeros(1), step, along, plain)
    value, error, kink = _analyse(samples, plain)
    return Estimate(value.reshape(()), error.reshape(()), kink.reshape(()))


def _plain(eps: float | None) -> bool:
    """Whether a plain step was asked for; refuse one that is not a positive number."""
    if eps is None:
        return False
    if not (np.isfinite(eps) and eps > 0):
        raise AdiffError("value", f"eps, the step, must be a positive number, got {eps:g}")
    return True


def _nominal_step(x: np.ndarray) -> np.ndarray:
    """The scale of each element's steps (see the note at the top of the module)."""
    a = np.abs(x)
    return np.maximum(np.maximum(np.log(np.e - 1 + a), 1.0), a / 1024)


def _shifted(x: np.ndarray, index: int, value: float) -> np.ndarray:
    """A fresh copy of x with one element replaced, so f may keep what it is given."""
    moved = x.copy()
    moved.flat[index] = value
    return moved


def _evaluate(f: NumericFunction, x: np.ndarray) -> float:
    """f(x), with a failure off the domain turned into nan like a nan result."""
    try:
        with np.errstate(all="ignore"):
            return float(f(x))
    except (ArithmeticError, ValueError):
        return float("nan")


def _evaluate_together(f: Callable[[np.ndarray], ArrayLike], x: np.ndarray) -> np.ndarray:
    """f(x) of an elementwise f, flat; all nan if it fails off the domain."""
    try:
        with np.errstate(all="ignore"):
            result = np.asarray(f(x), dtype=np.float64)
    except (ArithmeticError, ValueError):
        return np.full(x.size, np.nan)
    return np.broadcast_to(result, x.shape).ravel()


@dataclass(frozen=True)
class _Samples:
    """Evaluations around each element: f at centre +- step / 2**k in rows k.

    `centre` and `step` are per element (in the coordinate being stepped); `up`
    and `down` are (steps, elements), nan where a step was not taken.
    """

    centre: np.ndarray
    step: np.ndarray
    f0: np.ndarray
    up: np.ndarray
    down: np.ndarray

    @cached_property
    def abscissae(self) -> tuple[np.ndarray, np.ndarray]:
        """centre + h and centre - h for every row, as the samplers computed them."""
        h = self.step * _STEP_RATIO ** -np.arange(self.up.shape[0], dtype=float)[:, None]
        return self.centre + h, self.centre - h

    def columns(self, cols: slice) -> _Samples:
        """The samples of some elements only, so the analysis can go a chunk at a time."""
        return _Samples(
            self.centre[cols], self.step[cols], self.f0[cols], self.up[:, cols], self.down[:, cols]
        )


def _step_counts(plain: bool) -> tuple[int, int]:
    """Steps every element takes, and at most while too few are in the domain."""
    return (3, 3) if plain else (_NUM_STEPS, _MAX_STEPS)


def _sample_each(
    f: NumericFunction,
    x: np.ndarray,
    centre: np.ndarray,
    step: np.ndarray,
    at: Callable[[int, float], np.ndarray],
    plain: bool,
    progress: Callable[[], None] | None = None,
) -> _Samples:
    """Step one element at a time: `at(i, c)` is f's argument with element i at c."""
    least, most = _step_counts(plain)
    f0 = _evaluate(f, x.copy())
    ups, downs = [], []
    for i, ci in enumerate(centre):
        h = step[i]
        up_column: list[float] = []
        down_column: list[float] = []
        in_domain = 0
        while len(up_column) < least or (in_domain < _MIN_IN_DOMAIN and len(up_column) < most):
            up, down = ci + h, ci - h
            if not plain and up == down:  # the step is below x's resolution
                break
            f_up, f_down = _evaluate(f, at(i, up)), _evaluate(f, at(i, down))
            in_domain += bool(np.isfinite(f_up) and np.isfinite(f_down))
            up_column.append(f_up)
            down_column.append(f_down)
            h /= _STEP_RATIO
        ups.append(up_column)
        downs.append(down_column)
        if progress is not None:
            progress()
    rows = max(least, *map(len, ups))  # rows of nan beyond the last step taken
    up, down = np.full((rows, centre.size), np.nan), np.full((rows, centre.size), np.nan)
    for i, (up_column, down_column) in enumerate(zip(ups, downs)):
        up[: len(up_column), i] = up_column
        down[: len(down_column), i] = down_column
    return _Samples(centre, step, np.full(centre.size, f0), up, down)


def _sample_together(
    f: Callable[[np.ndarray], ArrayLike], x: np.ndarray, step: np.ndarray, plain: bool
) -> _Samples:
    """Step every element at once, each as `_sample_each` would step it alone."""
    least, most = _step_counts(plain)
    centre = x.ravel()
    f0 = _evaluate_together(f, x.copy())
    h = step.copy()
    active = np.ones(centre.size, dtype=bool)
    in_domain = np.zeros(centre.size, dtype=int)
    ups, downs = [], []
    for k in range(most):
        active &= (k < least) | (in_domain < _MIN_IN_DOMAIN)
        a_up, a_down = centre + h, centre - h
        if not plain:
            active &= a_up != a_down
        if not active.any():
            break
        if not active.all():  # the rest are evaluated at x, which f has already seen
            a_up, a_down = np.where(active, a_up, centre), np.where(active, a_down, centre)
        f_up = _evaluate_together(f, a_up.reshape(x.shape))
        f_down = _evaluate_together(f, a_down.reshape(x.shape))
        if not active.all():
            f_up, f_down = np.where(active, f_up, np.nan), np.where(active, f_down, np.nan)
        in_domain += np.isfinite(f_up) & np.isfinite(f_down)
        ups.append(f_up)
        downs.append(f_down)
        h = h / _STEP_RATIO
    missing = [np.full(centre.size, np.nan)] * (least - len(ups))
    return _Samples(centre, step, f0, np.stack(ups + missing), np.stack(downs + missing))


def _analyse(samples: _Samples, plain: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(estimate, error estimate, kink) per element, a chunk of elements at a time."""
    n = samples.centre.size
    value, error, kink = np.empty(n), np.empty(n), np.empty(n, dtype=bool)
    with np.errstate(all="ignore"):
        for start in range(0, n, _CHUNK):
            cols = slice(start, start + _CHUNK)
            chunk = samples.columns(cols)
            if plain:
                value[cols] = (chunk.up[0] - chunk.down[0]) / (2 * chunk.step)
                error[cols] = np.nan
            else:
                value[cols], error[cols] = _extrapolated_central(chunk)
            kink[cols] = _not_differentiable(chunk, plain)
    return value, error, kink


def _central_differences(s: _Samples) -> np.ndarray:
    """Central differences (steps, elements); nan where f was not finite."""
    up_x, down_x = s.abscissae
    finite = np.isfinite(s.up) & np.isfinite(s.down)
    # Divide by the step actually taken: x + h is rounded, h is not.
    return np.where(finite, (s.up - s.down) / (up_x - down_x), np.nan)


def _richardson_weights(orders: tuple[int, ...]) -> np.ndarray:
    """Weights w with sum(w[j] * D(h / 2**j)) = D(0) when D's error terms are h**orders."""
    j = np.arange(len(orders) + 1)
    rows = [np.ones(j.size)] + [_STEP_RATIO ** (-p * j) for p in orders]
    rhs = np.zeros(j.size)
    rhs[0] = 1.0
    return np.linalg.solve(np.array(rows), rhs)


def _richardson(raw: np.ndarray, orders: tuple[int, ...] = _RICHARDSON_ORDERS) -> np.ndarray:
    """Extrapolated estimates, one per window of consecutive steps (rows = windows)."""
    return _combine(raw, _richardson_weights(orders))


def _combine(raw: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum(w[j] * raw[k + j]) for every window k of len(w) consecutive rows."""
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


def _nanpercentiles(a: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """np.nanpercentile(a, q, axis=0) for each q, linear method, without a loop over columns."""
    ordered = np.sort(a, axis=0)  # nan sorts last
    count = np.sum(~np.isnan(a), axis=0)
    cols = np.arange(a.shape[1])
    out = []
    for q in qs:
        position = q / 100 * np.maximum(count - 1, 0)
        below = np.floor(position).astype(int)
        above = np.minimum(below + 1, np.maximum(count - 1, 0))
        low, high = ordered[below, cols], ordered[above, cols]
        out.append(np.where(count > 0, low + (high - low) * (position - below), np.nan))
    return out


def _outlier_penalty(der: np.ndarray, trim_fact: float = 10.0) -> np.ndarray:
    """Extra error for estimates far from the column's median (numdifftools' rule)."""
    p25, median, p75 = _nanpercentiles(der, (25, 50, 75))
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


def _extrapolated_central(s: _Samples) -> tuple[np.ndarray, np.ndarray]:
    rich = _richardson(_central_differences(s))
    # As numdifftools: Wynn's error estimates replace Richardson's, which
    # would only matter for sequences too short for Wynn.
    wynn, wynn_err = _dea3(rich[:-2], rich[1:-1], rich[2:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns off the domain
        return _best(wynn, wynn_err + _outlier_penalty(wynn))


def _not_differentiable(s: _Samples, plain: bool) -> np.ndarray:
    """Where one-sided slopes that should meet do not, as the steps shrink.

    From f(x) and the steps already taken: the forward and backward difference
    quotients, each extrapolated to h = 0 along its O(h) error series
    (Richardson over three consecutive steps; with `eps` the raw quotients at
    E, E/2 and E/4). Their difference (the even part: a kink, or an uneven
    jump) tends to 0 with h for a smooth function and to the kink's size at a
    kink; their mean (the odd part) grows like 1/h at a jump such as sign's at
    0. Each is judged where it stands clear of round-off (see `_MARGIN`), at
    the smallest such steps, by how it changes per halving (see `_persists`).
    Round-off is bounded from the values' spacing and from the noise measured
    in f itself (`_observed_noise`), which shows cancellation inside f that the
    values' size does not. The weights assume exact halvings: rounding x + h
    moves the result by about f''(x) * ulp(x), which matters only where |x| is
    so large that the steps are too (sin beyond 1e7, where no estimate holds).
    """
    up_x, down_x = s.abscissae
    h_up, h_down = up_x - s.centre, s.centre - down_x  # the steps actually taken
    rise_up, rise_down = s.up - s.f0, s.f0 - s.down
    observed = _observed_noise(h_up, rise_up, h_down, rise_down, 2 if plain else 3)
    f0_spacing = np.spacing(np.abs(s.f0))
    noise_up = np.fmax(np.spacing(np.abs(s.up)) + f0_spacing, observed) / h_up
    noise_down = np.fmax(np.spacing(np.abs(s.down)) + f0_spacing, observed) / h_down
    slope_up, slope_down = rise_up / h_up, rise_down / h_down
    even, odd, noise = slope_up - slope_down, (slope_up + slope_down) / 2, noise_up + noise_down
    if plain:
        run, gain = s.up.shape[0], 1.0
    else:
        run = _RUN
        w = _richardson_weights((1, 2))
        even, odd, noise = _combine(even, w), _combine(odd, w), _combine(noise, np.abs(w))
        gain = w @ _STEP_RATIO ** np.arange(w.size)  # what the weights make of J / h
    rows = even.shape[0]
    size = np.fmax(np.abs(s.f0), np.fmax(np.abs(s.up[:rows]), np.abs(s.down[:rows])))
    # A jump J shows as J * gain / h at the first of a window's steps.
    least_jump = _JUMP_RTOL * gain * size / h_up[:rows]
    least = _MARGIN * noise  # for the difference; the mean's round-off is half the sum's
    found_even = _persists(even, np.abs(even) > least, np.abs(even) > least_jump, _EVEN_BAND, run)
    found_odd = _persists(odd, np.abs(odd) > least / 2, np.abs(odd) > least_jump, _ODD_BAND, run)
    return found_even | found_odd


def _observed_noise(
    h_up: np.ndarray, rise_up: np.ndarray, h_down: np.ndarray, rise_down: np.ndarray, order: int
) -> np.ndarray:
    """Per element, the noise in f near x, from divided differences at the smallest steps.

    On either side of x, also of a kink or a jump, f(x + h) - f(x) is a
    polynomial in h of degree `order` - 1 up to O(h**order); so its divided
    differences of that order over `order` + 1 consecutive steps are noise
    once h is small, and scaled by the sum of their weights they estimate the
    noise of one value. The answer is the median over both sides' windows
    among the last _NOISE_WINDOWS + `order` steps taken. With `eps` there are
    three steps a side, so second differences, which also hold about f'' E**2:
    they overstate the noise by the curvature, which a kink must then exceed.
    """
    rows = h_up.shape[0]
    taken = np.isfinite(rise_up) | np.isfinite(rise_down)
    last = rows - 1 - np.argmax(taken[::-1], axis=0)
    picked = last - np.arange(min(rows, _NOISE_WINDOWS + order) - 1, -1, -1)[:, None]
    cols = np.arange(h_up.shape[1])
    sizes = []
    for h, rise in ((h_up, rise_up), (h_down, rise_down)):
        h = np.where(picked >= 0, h[np.maximum(picked, 0), cols], np.nan)
        rise = rise[np.maximum(picked, 0), cols]
        windows = h.shape[0] - order
        points = [h[j : windows + j] for j in range(order + 1)]
        weights = [
            1 / np.prod([hj - hm for m, hm in enumerate(points) if m != j], axis=0)
            for j, hj in enumerate(points)
        ]
        combined = sum(w * rise[j : windows + j] for j, w in enumerate(weights))
        sizes.append(np.abs(combined) / sum(np.abs(w) for w in weights))
    return _nanpercentiles(np.concatenate(sizes), (50,))[0]


def _persists(
    stat: np.ndarray,
    clear: np.ndarray,
    tall: np.ndarray,
    band: tuple[float, float, float],
    run: int,
) -> np.ndarray:
    """Whether `stat` holds up to the smallest steps instead of shrinking like a smooth one's.

    At the last `run` rows where it stands clear of noise it must keep its sign
    and change by a factor within `band` per halving, and be `tall` at the last
    of them if it grows like a jump. Those rows are the smallest steps that
    show anything: a kink a little way from x, which longer steps straddle,
    makes the shorter steps' statistic swing through 0 before it vanishes.
    """
    rows, n = stat.shape
    if rows < run:
        return np.zeros(n, dtype=bool)
    low, jump, high = band
    cols = np.arange(n)
    last = rows - 1 - np.argmax(clear[::-1], axis=0)
    window = np.maximum(last - np.arange(run - 1, -1, -1)[:, None], 0)
    values = stat[window, cols]
    ratios = values[1:] / values[:-1]
    return (
        (last >= run - 1)
        & clear[window, cols].all(axis=0)
        & ((ratios >= low) & (ratios <= high)).all(axis=0)
        & (tall[last, cols] | (ratios <= jump).all(axis=0))
    )


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
