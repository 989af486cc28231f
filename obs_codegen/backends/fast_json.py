"""`json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)`, byte for byte, from orjson's C encoder.

The dashboards, log schemas and spec schema are written as indented JSON; the standard library
encodes indented JSON in pure Python (its C encoder is compact-only), which was most of the
dashboards backend's time. orjson (OPT_INDENT_2 | OPT_SORT_KEYS) writes the same layout and the
same strings (ensure_ascii=False escapes, keys in code-point order), with three differences, each
handled here so the bytes stay the standard library's:

  * floats: orjson writes its own shortest form (`1e-9`, `0.00001`), `json` writes `float.__repr__`
    (`1e-09`, `1e-05`); each float token in a form where they can differ is rewritten as
    `repr(float(token))`, the same double, so `json`'s text. Indented output puts one value per line
    and a raw line break never occurs inside a JSON string, so a token ending a line is a number;
  * NaN and infinities: orjson writes `null`, `json` raises; and tuples: `json` writes lists,
    orjson too, but they do not compare equal to what is read back. The output is read back
    (`orjson.loads`, C) and must equal the input, else `encode` returns None. A caller that
    guarantees every float it holds is finite (the dashboards backend checks each one as it
    builds) passes `finite=True` and skips the read-back, most of the encoder's time;
  * what orjson cannot encode (integers beyond 64 bits, non-string keys, lone surrogates, other
    types) raises in orjson: `encode` returns None.

None means "use the standard library" (its result, or its error, is the reference). Without orjson
installed, `encode` always returns None. tests/test_fast_json.py compares both on every shipped JSON
output and on random values.
"""

from __future__ import annotations

import re
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the standard library is the fallback
    orjson = None  # type: ignore[assignment]

# Where orjson's float text can differ from repr's: an exponent (orjson writes a lowercase `e` and a sign)
# or a fixed form below 1e-4 (`0.0000...`), where repr switches to an exponent. Elsewhere both write the
# same shortest round-trip digits the same way (tests/test_fast_json.py, on random doubles of every size).
# Two patterns, each with a literal first byte (the regex engine then scans for it in C; an alternation is 5x slower).
_RISKY = (re.compile(rb"e[-+][0-9]"), re.compile(rb"0\.0000"))
# A whole number token ending its line (so never text inside a string: a JSON string has no raw line break).
_NUMBER = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?(?:e[-+][0-9]+)?(?=,?\n|,?\Z)")


def _floats_as_repr(raw: bytes) -> bytes:
    """`raw` with each risky float token rewritten as `repr(float(token))` (the same double, `json`'s text)."""
    parts, done = [], 0
    found = sorted((m.start(), m.end()) for pattern in _RISKY for m in pattern.finditer(raw))
    for at, end in found:
        start = raw.rfind(b" ", 0, at) + 1
        token = _NUMBER.match(raw, start) if start >= done else None
        if token is None or token.end() < end:
            continue
        parts += [raw[done:start], repr(float(token[0])).encode()]
        done = token.end()
    return b"".join(parts) + raw[done:] if parts else raw


def encode(value: Any, finite: bool = False) -> str | None:
    """The standard library's indented, key-sorted JSON text for `value`, or None where only it can say.

    `finite`: the caller guarantees `value` holds no NaN or infinity, so it is not read back."""
    if orjson is None:
        return None
    try:
        raw = orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    if not finite and orjson.loads(raw) != value:
        return None
    return _floats_as_repr(raw).decode("utf-8")
