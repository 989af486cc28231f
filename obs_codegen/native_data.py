"""Which Python values jsonschema-rs reads exactly as Python's `jsonschema` reads them (no I/O, no imports).

jsonschema-rs converts a Python value to JSON before validating it. For plain JSON data the two
engines see the same value; for anything else they may not: a tuple (from YAML's `!!omap`) is an
array to jsonschema-rs and not to `jsonschema`, NaN and integers beyond 2**53 compare differently,
and sets, bytes and non-string keys do not convert at all. Callers let jsonschema-rs decide only
when `is_plain_json` holds (spec validation, `spec/shape.py`; log schema checks, `logs/meta.py`).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["is_plain_json"]

_EXACT_INT = 2 ** 53


def is_plain_json(value: Any) -> bool:
    """Is `value` made only of str-keyed dicts, lists, strings, booleans, None, finite floats and integers
    within 2**53? (A lone surrogate in a string is left to the caller: jsonschema-rs raises on it.)"""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is dict:
        return all(type(k) is str and is_plain_json(v) for k, v in value.items())
    if kind is list:
        return all(is_plain_json(v) for v in value)
    if kind is int:
        return bool(-_EXACT_INT <= value <= _EXACT_INT)
    return kind is float and math.isfinite(value)
