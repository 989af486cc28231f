"""One description of a constant, two renderings: its JavaScript value (`.js`) and its TypeScript type (`.d.ts`).

The TypeScript package ships plain ES modules plus declaration files. Every constant the spec
fills in (header names, metric specs, tag values, hop tables) is described once here, as a
tree of strings, numbers, booleans, `None`, lists, dicts, `Ref`s (another exported constant)
and `Typed` leaves (code with a type of its own, such as `new RegExp(...)`), and rendered twice:
`js` prints the value, `dts` prints the literal type `as const` would infer for it (`readonly`
properties and tuples). So the `.js` and `.d.ts` templates cannot drift apart on a constant.
Every spec string passes through `ts_str` (JavaScript and TypeScript share its grammar); numbers
through `num`, booleans through `json`; keys through `key` (a bare identifier or a `ts_str` literal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Union

from .escape import ident
from .escaped import Escaped, code, code_join, escaped
from .identifiers import is_ts_identifier


@dataclass(frozen=True)
class Ref:
    """Another exported constant: the value `NAME`, the type `typeof NAME`."""

    name: str


@dataclass(frozen=True)
class Typed:
    """A leaf written as code (`js`) whose declared type is `dts`."""

    js: Escaped
    dts: Escaped


Value = Union[str, int, float, bool, None, Ref, Typed, Sequence["Value"], Mapping[str, "Value"]]  # noqa: UP007 (a runtime alias)

_INDENT = "  "


def key(name: str) -> Escaped:
    """A property name: bare when it is an identifier, else a string literal."""
    return code("typescript", name) if is_ts_identifier(name) else escaped("ts_str", name)


def _property(name: str, as_type: bool) -> Escaped:
    """A property name; in a value, `__proto__` is computed (`{"__proto__": x}` would set the prototype)."""
    if name == "__proto__" and not as_type:
        return code("typescript", "[", escaped("ts_str", name), "]")
    return key(name)


def _render(value: Value, as_type: bool, depth: int) -> Escaped:
    if isinstance(value, Typed):
        return value.dts if as_type else value.js
    if isinstance(value, Ref):
        name = ident(value.name, "typescript")
        return code("typescript", "typeof " + name if as_type else name)
    if value is None:
        return code("typescript", "null")
    if isinstance(value, bool):
        return escaped("json", value)
    if isinstance(value, (int, float)):
        return escaped("num", value)
    if isinstance(value, str):
        return escaped("ts_str", value)
    if isinstance(value, Mapping):
        if not value:
            return code("typescript", "{}")
        inner, outer = _INDENT * (depth + 1), _INDENT * depth
        readonly, end = ("readonly ", ";") if as_type else ("", ",")
        lines = [code("typescript", inner, readonly, _property(k, as_type), ": ", _render(v, as_type, depth + 1), end)
                 for k, v in value.items()]
        return code("typescript", "{\n", code_join("typescript", "\n", lines), "\n", outer, "}")
    items = code_join("typescript", ", ", [_render(v, as_type, depth) for v in value])
    return code("typescript", "readonly [" if as_type else "[", items, "]")


def js(value: Value, depth: int = 0) -> Escaped:
    """The JavaScript expression of `value` (objects one property a line, indented for `depth`)."""
    return _render(value, False, depth)


def dts(value: Value, depth: int = 0) -> Escaped:
    """The TypeScript type `value as const` has: string and number literals, readonly properties and tuples."""
    return _render(value, True, depth)
