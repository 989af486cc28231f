"""PromQL text building shared by the Prometheus rules backend and the dashboards.

Every spec value reaches a PromQL expression through `string()` (a double-quoted
PromQL string literal with Go escapes), every regular expression through
`regex_literal()`, and every number through `rounded_number()`; nothing is interpolated raw.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal

from .escape import promql_str

_RE2_META = frozenset("\\.+*?()|[]{}^$")


def string(value: str) -> str:
    """A PromQL double-quoted string literal: `POST /api/"x"` -> `"POST /api/\\"x\\""` (`escape.promql_str`)."""
    return promql_str(value)


def regex_literal(value: str) -> str:
    """`value` as an RE2 regular expression matching exactly that text."""
    return "".join("\\" + ch if ch in _RE2_META else ch for ch in str(value))


def eq(label: str, value: str) -> str:
    return f"{label}={string(value)}"


def re_match(label: str, pattern: str) -> str:
    return f"{label}=~{string(pattern)}"


def selector(name: str, matchers: Iterable[str] = ()) -> str:
    """`name{m1, m2}` (or the bare name when there are no matchers)."""
    inner = ", ".join(matchers)
    return f"{name}{{{inner}}}" if inner else name


NOISE_DIGITS = 10  # decimals kept by `denoise`: far below any spec precision, far above float noise


def denoise(value: float) -> float:
    """A value computed from spec numbers, without binary float noise: 99.9 / 100 -> 0.999.

    Values of 1e15 and beyond have no fractional digits in a float64 and are returned as they are
    (rounding 1e308 to 10 decimals would overflow to infinity).
    """
    value = float(value)
    return value if abs(value) >= 1e15 else round(value, NOISE_DIGITS)


def rounded_number(value: float) -> str:
    """A number for PromQL and annotation text, without float noise: 0.999 (not 0.9990000000000001),
    2000 (not 2000.0).

    For values the backends compute (objective / 100, burn-rate factors, budget shares) as
    well as spec thresholds. Not for histogram bucket bounds in generated code: those must
    be exactly the spec's value (see `identifiers.exact_number`).
    """
    return _rounded(repr(float(value)))


@functools.lru_cache(maxsize=1 << 16)  # keyed by the float's repr, as _go_float; test values repeat
def _rounded(shortest: str) -> str:
    rounded = denoise(float(shortest))
    if rounded == int(rounded) and abs(rounded) < 1e15:
        return str(int(rounded))
    return repr(rounded)


def by(labels: Iterable[str]) -> str:
    """`sum by (a, b) ` clause text (empty tuple -> plain `sum`)."""
    names = list(dict.fromkeys(labels))
    return f" by ({', '.join(names)})" if names else ""


def go_float(value: float) -> str:
    """Go's strconv.FormatFloat(v, 'g', -1, 64): shortest digits, exponent from 1e+06."""
    return _go_float(repr(float(value)))


@functools.lru_cache(maxsize=1 << 16)  # keyed by the float's repr: 0.0 and -0.0 are equal keys, their texts differ
def _go_float(shortest: str) -> str:
    """go_float of the float whose shortest repr is `shortest` (a test file spells each bucket bound ~10 times)."""
    d = Decimal(shortest).normalize()
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    point = len(digits) + exp  # position of the decimal point after the first digit run
    e10 = point - 1
    text = "".join(map(str, digits))
    if e10 < -4 or e10 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return ("-" if sign else "") + f"{mantissa}e{'-' if e10 < 0 else '+'}{abs(e10):02d}"
    return format(d, "f")  # the sign included: -1.5 -> "-1.5", -0.0 -> "-0" (Go's spellings)


def le_spellings(bound: float) -> tuple[str, ...]:
    """How client libraries spell a bucket bound in `le`: Go/OTel `8000`, Python `8000.0`, JS `8000`."""
    go = go_float(bound)
    python = go if ("." in go or "e" in go) else go + ".0"
    value = float(bound)
    js = str(int(value)) if value == int(value) and abs(value) < 1e21 else repr(value)
    return tuple(sorted({go, python, js}))


def le_matcher(bound: float) -> str:
    """`le=~"8000|8000\\\\.0"`: matches the bucket bound however the client formatted it."""
    return re_match("le", "|".join(regex_literal(s) for s in le_spellings(bound)))


def go_template_text(text: str) -> str:
    """Literal text inside a Prometheus (Go text/template) annotation: `{{` cannot start an action."""
    return str(text).replace("{{", '{{ "{{" }}')


def duration(seconds: float) -> str:
    """A Prometheus duration: 3600 -> `1h`, 90 -> `90s`, 86400 -> `1d`."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds * 1000)}ms"


def or_join(parts: list[str]) -> str | None:
    """Several comparisons joined by `or`, each parenthesised when there are more than one."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return "\nor\n".join(f"(\n  {p.replace(chr(10), chr(10) + '  ')}\n)" for p in parts)
