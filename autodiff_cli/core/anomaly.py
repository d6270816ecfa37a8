"""Where did the first nan or inf come from?

`made_nonfinite` is the test for an origin: an operation made a nan when its
result has one and none of its inputs has (`inf - inf`, `0 * inf` and `log(-1)`
all make one), and made an inf when its inputs were all finite. The CLI's
warning scans a program's instructions with it; `watch()` applies it to every
rule of a backward pass and records the first origin.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from autodiff_cli.core.tensor import Tensor, _raw


class Anomaly:
    """The first rule of a backward pass that made a nan/inf: `tensor` is the result of
    the operation whose rule it was, `result` the gradient it made."""

    def __init__(self, tensor: Tensor, result) -> None:
        self.tensor = tensor
        self.result = result


def finite(value) -> bool:
    """True for finite numbers and arrays, and for parameters that are not numbers at all."""
    if type(value) is Tensor:
        value = value._data
    if type(value) is np.float64 or type(value) is float:
        return math.isfinite(value)  # a scalar graph checks every edge: keep this cheap
    try:
        return bool(np.isfinite(value).all())
    except TypeError:
        return True


def has_nan(value) -> bool:
    """True for a number or array holding a nan; False for parameters that are not numbers."""
    if type(value) is Tensor:
        value = value._data
    if type(value) is np.float64 or type(value) is float:
        return value != value
    try:
        return bool(np.isnan(value).any())
    except TypeError:
        return False


def made_nonfinite(result, inputs) -> bool:
    """The test for an origin: a nan from inputs without one, or an inf from finite inputs."""
    if finite(result):
        return False
    if has_nan(result):
        return not any(has_nan(v) for v in inputs)
    return all(finite(v) for v in inputs)


class watch:
    """Within this block, backward records the first rule that turned finite into non-finite.

    ::

        with anomaly.watch() as seen:
            y.backward()
        seen.first   # an Anomaly, or None
    """

    def __init__(self) -> None:
        self.first: Anomaly | None = None

    def __enter__(self) -> watch:
        self._previous = getattr(_active, "watch", None)
        _active.watch = self
        return self

    def __exit__(self, *exc: object) -> None:
        _active.watch = self._previous

    def check_backward(self, t: Tensor, g, inputs, result) -> None:
        if self.first is None and made_nonfinite(result, [g, *inputs]):
            self.first = Anomaly(t, _raw(result))


_active = threading.local()


def current_watch() -> watch | None:
    return getattr(_active, "watch", None)
