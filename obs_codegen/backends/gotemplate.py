"""Prometheus's Go template functions, as the generated tests expect annotations to render.

`humanize`, `humanizePercentage` and `printf` applied to `{{ $value }}` in an alert's
annotations, and `{{ $labels.x }}`: `render_text` turns the rules backend's annotation
`Text` into the string Prometheus will produce, for the tests' `exp_annotations`.
"""

from __future__ import annotations

import math

from .prometheus import Label, Text, Value


def _g4(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return "NaN" if math.isnan(value) else f"{value:.4g}"


def humanize(value: float) -> str:
    """Prometheus's `humanize` template function (SI prefixes, 4 significant digits)."""
    if value == 0 or math.isnan(value) or math.isinf(value):
        return _g4(value)
    prefix = ""
    if abs(value) >= 1:
        for p in "kMGTPEZY":
            if abs(value) < 1000:
                break
            prefix, value = p, value / 1000
    else:
        for p in "munpfazy":
            if abs(value) >= 1:
                break
            prefix, value = p, value * 1000
    return _g4(value) + prefix


def humanize_percentage(value: float) -> str:
    return _g4(value * 100) + "%"


def _format_value(fmt: str, value: float) -> str:
    if fmt == "humanizePercentage":
        return humanize_percentage(value)
    if fmt.startswith("printf "):
        return fmt[len("printf "):].strip('"') % value
    return humanize(value)


def render_text(text: Text, labels: dict[str, str], value: float) -> str:
    out = []
    for part in text:
        if isinstance(part, Value):
            out.append(_format_value(part.fmt, value))
        elif isinstance(part, Label):
            out.append(labels.get(part.name, ""))
        else:
            out.append(part)
    return "".join(out)
