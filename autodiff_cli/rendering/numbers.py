"""Numbers as text, for people and for scripts.

This module must not import Rich: `--json` goes through here alone, and a
script that asks for JSON should not pay for loading a terminal library.

Choices, the same in human and JSON output:
- the shortest text that reads back as the same float (`repr`), so nothing is
  rounded away;
- integral values below 2**53 without `.0` (`125`), because every such value
  is an exact integer; from 2**53 on, exponent form (`1e+16`), because there
  the float no longer stands for one integer;
- negative zero is `0` for people (Rosenbrock's gradient at its minimum should
  not read as negative) and keeps its sign in JSON (`-0.0`), where scripts may
  tell the IEEE values apart (atan2 and 1/x do);
- `--digits N` rounds to N significant digits for people, never in JSON;
- JSON has no nan or infinity, so those are the strings "nan", "inf", "-inf".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_EXACT_INT_LIMIT = 2.0**53


def format_number(v: float, digits: int | None = None) -> str:
    """Shortest round-tripping text for one float, e.g. `125`, `0.1`, `1e+16`, `-inf`,
    or with `digits` the float rounded to that many significant digits (`-13.6`)."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if digits is not None:
        v = float(f"{v:.{digits}g}")
        if v == 0:
            return "0"
    if v.is_integer():
        if abs(v) < _EXACT_INT_LIMIT:
            return str(int(v))  # -0.0 too: int() drops its sign
        return np.format_float_scientific(v, unique=True, trim="-")
    return repr(v)


def _as_floats(value: Any) -> np.ndarray:
    """Any scalar, nested list (also JSON-form with "nan" strings) or array, as float64."""
    return np.asarray(value, dtype=np.float64)


# Past this many elements people get NumPy's summary (the first and last three along
# each axis); every number shown keeps full precision, and --json always has them all.
SUMMARY_THRESHOLD = 1000


def format_value(value: Any, digits: int | None = None) -> str:
    """A scalar as a number, an array as nested `[1, 2.5, 3]` lists at full precision
    (or rounded to `digits` significant digits).

    From two dimensions on, each innermost row gets its own line and the
    numbers are right-aligned to one width, as NumPy prints a matrix. Past
    `SUMMARY_THRESHOLD` elements NumPy's summary is printed instead.
    """
    if isinstance(value, float | int):
        return format_number(value, digits)
    arr = _as_floats(value)
    if arr.ndim == 0:
        return format_number(arr, digits)
    if arr.size > SUMMARY_THRESHOLD:
        summary = np.array2string(arr, separator=", ", threshold=SUMMARY_THRESHOLD, edgeitems=3,
                                  formatter={"float_kind": lambda v: format_number(v, digits)},
                                  max_line_width=10**6)
        return f"{summary}  ({arr.size:,} elements; --json prints them all)"
    texts = [format_number(v, digits) for v in arr.ravel().tolist()]
    if arr.ndim > 1 and texts:
        width = max(map(len, texts))
        texts = [t.rjust(width) for t in texts]
    return _nest(texts, arr.shape)


def _nest(texts: list[str], shape: tuple[int, ...]) -> str:
    """Join flat element texts into bracketed rows, innermost axis first."""
    if 0 in shape:
        return "[]"
    parts = texts
    for depth in range(len(shape) - 1, -1, -1):
        n = shape[depth]
        if depth == len(shape) - 1:
            sep = ", "
        else:
            # Rows of a matrix on their own lines, aligned under the first
            # bracket; a blank line between blocks of higher dimensions.
            sep = ",\n" + "\n" * (len(shape) - 2 - depth) + " " * (depth + 1)
        parts = ["[" + sep.join(parts[i : i + n]) + "]" for i in range(0, len(parts), n)]
    return parts[0]


def json_value(value: Any) -> Any:
    """A float or array as JSON-ready Python: nested lists, ints where exact, "nan"/"inf" strings.

    Vectorised so that a 10**6-element array costs one `tolist()` and a few
    NumPy passes, not a Python loop over the elements.
    """
    arr = _as_floats(value)
    finite = np.isfinite(arr)
    as_int = (
        finite
        & (arr == np.trunc(arr))
        & (np.abs(arr) < _EXACT_INT_LIMIT)
        & ~((arr == 0) & np.signbit(arr))
    )
    if as_int.all():
        return arr.astype(np.int64).tolist()
    if not as_int.any() and finite.all():
        return arr.tolist()
    out = arr.astype(object)
    out[as_int] = arr[as_int].astype(np.int64)
    out[np.isnan(arr)] = "nan"
    out[arr == np.inf] = "inf"
    out[arr == -np.inf] = "-inf"
    return out.tolist()


def dumps(doc: Any) -> str:
    """One strict JSON document on one line, without a trailing newline.

    Numbers in `doc` must already have passed through `json_value` (`json_document`
    does it): a stray nan raises instead of printing `NaN`, an array is refused.
    """
    import json  # only --json needs it; human output starts without it

    return json.dumps(doc, allow_nan=False)


def json_document(doc: Any) -> Any:
    """A command's document made JSON-ready: every number or array through `json_value`.

    Strings, booleans, None and ints (ids) pass as they are; dicts and lists of
    documents (graph nodes) are walked.
    """
    if isinstance(doc, dict):
        return {key: json_document(value) for key, value in doc.items()}
    if isinstance(doc, list) and (not doc or isinstance(doc[0], dict | str)):
        return [json_document(item) for item in doc]
    if doc is None or isinstance(doc, str | bool | int) and not isinstance(doc, np.integer):
        return doc
    if isinstance(doc, np.bool_):
        return bool(doc)
    return json_value(doc)
