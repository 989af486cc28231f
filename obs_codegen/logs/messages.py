"""How validate-logs words a problem (library; never prints): the field as a JSON path, what is wrong, never the value.

A line that fails because it holds raw text or PII must not copy that text into CI output, so each
message names the rule (`must be one of ...`, `does not match <pattern>`) and the type found, and
quotes only what the schema says, never what the line holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["json_path", "json_type", "message"]

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def json_path(parts: Iterable[Any]) -> str:
    """`$.sse.firstTokenMs`, `$.items[0]`, `$['odd key']`."""
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif _IDENT.match(str(p)):
            out += f".{p}"
        else:
            out += "[" + json.dumps(str(p), ensure_ascii=False) + "]"
    return out


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _short(values: Any, limit: int = 12) -> str:
    items = [json.dumps(v, ensure_ascii=False) for v in values]
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")


_BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


def message(error: Any) -> str:
    """A message for one jsonschema error that never quotes the offending value."""
    kind, want = error.validator, error.validator_value
    if kind == "type":
        return f"must be {want if isinstance(want, str) else ' or '.join(want)}, not {json_type(error.instance)}"
    if kind == "enum":
        return f"must be one of {_short(want)}"
    if kind == "const":
        return f"must be {json.dumps(want, ensure_ascii=False)}"
    if kind == "pattern":
        return f"does not match {want}"
    if kind == "format":
        return f"is not a valid {want}" + (" (RFC 3339)" if want == "date-time" else "")
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {want}"
    if kind == "maxLength":
        return f"is longer than {want} characters"
    if kind == "minLength":
        return f"is shorter than {want} characters"
    if kind is False or kind == "false":
        return "is not allowed"
    message: str = error.message  # a keyword our schemas do not use (a user's own schema)
    return message
