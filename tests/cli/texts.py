"""Comparing printed output where the last digits of some numbers may differ by machine."""

from __future__ import annotations

import math
import re

# A number as printed: exact integers, or floats (with a point or an exponent).
NUMBER = re.compile(r"^-?(\d+\.?\d*(e[+-]?\d+)?|inf|nan)$")


def same_text(actual: str, expected: str, *, rel: float = 1e-12, abs: float = 1e-13) -> bool:
    """Text equal word for word, where a number shown with a point or an exponent may
    differ in its last digits (the platform's libm, a finite-difference estimate) and an
    integer must be the same; alignment spaces do not count."""
    got, want = actual.splitlines(), expected.splitlines()
    if len(got) != len(want):
        return False
    for line_got, line_want in zip(got, want):
        words_got, words_want = line_got.split(), line_want.split()
        if len(words_got) != len(words_want):
            return False
        for a, b in zip(words_got, words_want):
            if a == b:
                continue
            if not (NUMBER.match(a) and NUMBER.match(b)) or b.lstrip("-").isdigit():
                return False
            if not math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs):
                return False
    return True
