"""Whether operations record a graph: `no_grad`, `enable_grad`, `set_grad_enabled`.

Thread-local like PyTorch's, and usable both as context managers and as
function decorators.
"""

from __future__ import annotations

import functools
import threading


class _GradMode(threading.local):
    enabled = True


state = _GradMode()


def is_grad_enabled() -> bool:
    return state.enabled


class set_grad_enabled:
    """Turn graph recording on or off; restores the previous mode on exit.

    Like PyTorch, calling it (not only entering it) sets the mode, so
    `set_grad_enabled(False)` alone works as a statement.
    """

    def __init__(self, mode: bool) -> None:
        self.previous = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def __enter__(self) -> None:
        state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        state.enabled = self.previous

    def __call__(self, func):
        # Used as a decorator the constructor already flipped the mode: undo that.
        state.enabled = self.previous
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            previous = state.enabled
            state.enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                state.enabled = previous

        return wrapper


class _FixedMode(set_grad_enabled):
    """A `set_grad_enabled` whose mode is fixed and that changes nothing until entered."""

    mode: bool

    def __init__(self) -> None:
        self.previous = state.enabled

    def __enter__(self) -> None:
        self.previous = state.enabled
        state.enabled = self.mode

    def __call__(self, func):
        self.previous = state.enabled
        return super().__call__(func)


class no_grad(_FixedMode):
    """Operations inside build no graph: for evaluation and parameter updates."""

    mode = False


class enable_grad(_FixedMode):
    """Re-enable recording inside a `no_grad` block."""

    mode = True
