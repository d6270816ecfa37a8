"""Where did the first nan or inf come from? The core's answer, for the CLI's warning.

An operation is the origin of a non-finite value when its result is not finite
while all of its inputs are: the scan below finds the first such operation of a
forward pass, and `watch()` the first such rule of a backward pass.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from autodiff_cli.core.tensor import Tensor, _raw, arguments


class Anomaly:
    """The first operation that made a nan/inf from finite inputs.

    `tensor` is the operation's result, `phase` "forward" or "backward", `result`
    the non-finite value it made (the result, or a gradient), `inputs` the finite
    values it got, and `input_index` which argument's gradient went bad (backward).
    """

    def __init__(self, tensor: Tensor, phase: str, result, inputs: list,
                 input_index: int | None = None) -> None:
        self.tensor = tensor
        self.phase = phase
        self.result = result
        self.inputs = inputs
        self.input_index = input_index

    @property
    def op(self) -> str:
        """The operation's name in the language, e.g. "log"."""
        return self.tensor._op.name

    @property
    def node_name(self) -> str:
        return self.tensor._op.node_name


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


def made_nonfinite(result, inputs) -> bool:
    """The test for an origin: a non-finite result from inputs that were all finite."""
    return not finite(result) and all(finite(v) for v in inputs)


def first_forward_anomaly(output: Tensor) -> Anomaly | None:
    """The earliest recorded operation behind `output` that produced a nan or inf."""
    if output._op is None:
        return None
    seen = {output}
    stack = [output]
    while stack:
        for a in arguments(stack.pop()):
            if type(a) is Tensor and a._op is not None and a not in seen:
                seen.add(a)
                stack.append(a)
    for t in sorted(seen, key=lambda t: t._seq):
        args = arguments(t)
        if made_nonfinite(t._data, args):
            return Anomaly(t, "forward", t._data, [_raw(a) for a in args])
    return None


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

    def check_backward(self, t: Tensor, index: int, g, inputs, result) -> None:
        if self.first is None and made_nonfinite(result, [g, *inputs]):
            self.first = Anomaly(t, "backward", _raw(result), [_raw(v) for v in inputs], index)


_active = threading.local()


def current_watch() -> watch | None:
    return getattr(_active, "watch", None)
