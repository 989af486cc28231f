"""Reading one log line as JSON (library; never prints): a strict decoder, and orjson where it is proven the same.

The strict reading (`STRICT`, the standard library's decoder) is the definition: NaN and Infinity,
numbers beyond a double and repeated keys are errors, and its messages are the ones validate-logs
prints. It costs about 10 us a line; orjson parses the same line in under 2 us but keeps the last of
two equal keys silently and turns integers beyond 64 bits into floats. `fast_object` returns
orjson's object only when it is provably the object the strict decoder returns, and None otherwise
(the caller then runs the strict decoder, which decides and explains). Two exact proofs, either
suffices:

  * Round trip: `orjson.dumps(obj)` plus a newline is the line, byte for byte. A dict's keys are
    unique, so the line's are; an integer read as a float would be written back with a `.` or an
    `e`; a float is written as its shortest representation, which Python parses back to it; and
    orjson refuses to write more than 254 levels of nesting, far below Python's recursion limit.
    Compact lines as loggers write them (`JSON.stringify`, orjson, pino) pass this one.
  * Key count: the line has no `\\"` (so every `"` byte delimits a string: `":` ends a key or
    opens a string that starts with a colon), no `"` followed by JSON whitespace (so every key ends
    with `":`), no run of 19 digits (so every integer fits in 64 bits and orjson reads it exactly)
    and no more than 64 levels of nesting. Then the number of `":` is at least the number of keys in
    the text, which is at least the number of keys in the decoded object, and equal counts prove
    that no object repeats a key. Lines written with `json.dumps`'s default separators or ASCII
    escapes pass this one.

`tests/test_validate_logs.py` holds `fast_object` to the strict decoder on thousands of mutated lines.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["STRICT", "DuplicateKey", "fast_object", "lenient_loads"]


def _finite_float(text: str) -> float:
    """JSON numbers too large for a double (1e400) are not valid log values, as in JavaScript."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is out of range")
    return value


class DuplicateKey(ValueError):
    """A JSON object names the same key twice (`json.loads` would keep the last value silently)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`object_pairs_hook` for `json.loads`: the object, unless a key repeats (checked by size: fast)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every line (json.loads with options builds a new one per call): NaN and Infinity,
# numbers beyond a double and repeated keys are errors.
STRICT = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_unique_keys)


def lenient_loads(text: str) -> Any:
    """The strict reading except that a repeated key keeps its last value, as `JSON.parse` does."""
    return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)


# Byte classes for the key-count proof: `b` backslash, `q` quote, `w` JSON whitespace, `d` digit.
_CLASSES = bytes(
    ord("b") if c == 0x5C else ord("q") if c == 0x22 else ord("w") if c in b" \t\r\n" else
    ord("d") if 0x30 <= c <= 0x39 else ord(".") for c in range(256))
_LONG_NUMBER = b"d" * 19
_MAX_DEPTH = 64


def _keys(value: Any, depth: int) -> int:
    """The number of keys in every object inside `value`, or -1 beyond `_MAX_DEPTH` levels."""
    if depth > _MAX_DEPTH:
        return -1
    if type(value) is dict:
        total = len(value)
        items = value.values()
    else:
        total = 0
        items = value
    for item in items:
        if type(item) is dict or type(item) is list:
            inner = _keys(item, depth + 1)
            if inner < 0:
                return -1
            total += inner
    return total


def fast_object(raw: bytes | str) -> dict[str, Any] | None:
    """The JSON object on line `raw` exactly as `STRICT` reads it, or None when that is not proven
    (not bytes, not an object, not JSON to orjson, or neither proof holds: see the module docstring)."""
    if type(raw) is not bytes:
        return None
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(obj) is not dict:
        return None
    try:
        if orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE) == raw:
            return obj
    except orjson.JSONEncodeError:  # deeper than orjson writes
        return None
    classes = raw.translate(_CLASSES)
    if b"bq" in classes or b"qw" in classes or _LONG_NUMBER in classes:
        return None
    return obj if raw.count(b'":') == _keys(obj, 1) else None
