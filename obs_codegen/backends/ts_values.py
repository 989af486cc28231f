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

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Union

from .escape import ident
from .escaped import FILTERS, Escaped, UnescapedOutput, code, escaped, kind
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

_CODE = kind(("typescript",), "backend code")
_INDENT = "  "


def key(name: str) -> Escaped:
    """A property name: bare when it is an identifier, else a string literal."""
    return code("typescript", name) if is_ts_identifier(name) else escaped("ts_str", name)


def _leaf(name: str, value: object) -> str:
    """`value` through filter `name` (one whose output is valid TypeScript), as `escaped` would, but unwrapped."""
    try:
        return FILTERS[name][0](value)
    except (TypeError, ValueError) as exc:
        raise UnescapedOutput(f"`{name}` {exc}") from None


@functools.cache
def _string(value: str) -> str:
    """A `ts_str` literal (a pure function of the text; a large spec's constants repeat their strings 8x over).

    Unbounded for one render, emptied after it (`forget`): a bounded cache thrashes once a spec has more
    distinct strings than it holds (10,000 metrics: 73,000), and each miss costs as the spec grows."""
    return _leaf("ts_str", value)


@functools.cache
def _property(name: str, as_type: bool) -> str:
    """A property name; in a value, `__proto__` is computed (`{"__proto__": x}` would set the prototype)."""
    if name == "__proto__" and not as_type:
        return "[" + _string(name) + "]"
    return name if is_ts_identifier(name) else _string(name)


@functools.cache
def _keys(name: str, depth: int) -> tuple[str, str]:
    """What precedes a property's value at `depth` in `_both`: its line start and name, in a value and in a type."""
    inner = "\n" + _INDENT * (depth + 1)
    return inner + _property(name, False) + ": ", inner + "readonly " + _property(name, True) + ": "


def forget() -> None:
    """Empty the memos of one render (the TypeScript backend calls this when it is done)."""
    _string.cache_clear()
    _property.cache_clear()
    _keys.cache_clear()


def _render(value: Value, as_type: bool, depth: int, out: list[str]) -> None:
    """Append the text of `value` to `out`: only escapers' output (`_leaf`, TypeScript `Escaped` leaves) and fixed text.

    One list for the whole constant, joined once by `js`/`dts`: the same text `code`/`code_join` would build
    per node (and the same language check on `Typed` leaves), without an intermediate string per level.
    The exact built-in types are dispatched first (`type(value) is ...`): a large spec's constants are
    800,000 nodes, and an `isinstance` against the `Mapping` ABC costs more than the rest of a leaf."""
    t = type(value)
    if t is str:
        out.append(_string(value))
    elif t is dict:
        _mapping(value, as_type, depth, out)  # type: ignore[arg-type]
    elif t is list or t is tuple:
        _sequence(value, as_type, depth, out)  # type: ignore[arg-type]
    elif isinstance(value, Typed):
        out.append(code("typescript", value.dts if as_type else value.js))
    elif isinstance(value, Ref):
        name = ident(value.name, "typescript")
        out.append("typeof " + name if as_type else name)
    elif value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append(_leaf("json", value))
    elif isinstance(value, (int, float)):
        out.append(_leaf("num", value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        _mapping(value, as_type, depth, out)
    else:
        _sequence(value, as_type, depth, out)


def _mapping(value: Mapping[str, Value], as_type: bool, depth: int, out: list[str]) -> None:
    if not value:
        out.append("{}")
        return
    inner, outer = _INDENT * (depth + 1), _INDENT * depth
    readonly, end = ("readonly ", ";") if as_type else ("", ",")
    first = "\n" + inner + readonly
    append = out.append
    append("{\n")
    for i, (k, v) in enumerate(value.items()):
        append((first if i else first[1:]) + _property(k, as_type) + ": ")
        _render(v, as_type, depth + 1, out)
        append(end)
    append("\n" + outer + "}")


def _sequence(value: Sequence[Value], as_type: bool, depth: int, out: list[str]) -> None:
    out.append("readonly [" if as_type else "[")
    for i, v in enumerate(value):
        if i:
            out.append(", ")
        _render(v, as_type, depth, out)
    out.append("]")


def _both(value: Value, depth: int, js_out: list[str], dts_out: list[str]) -> None:
    """`_render` of `value` into `js_out` (as a value) and `dts_out` (as a type) in one walk: a leaf's text is the
    same in both (each escaped once), only the punctuation and `Typed`/`Ref` leaves differ."""
    t = type(value)
    if t is str:
        text = _string(value)
        js_out.append(text)
        dts_out.append(text)
    elif t is dict:
        if not value:
            js_out.append("{}")
            dts_out.append("{}")
            return
        js_add, dts_add = js_out.append, dts_out.append
        js_add("{")
        dts_add("{")
        for k, v in value.items():  # type: ignore[union-attr]
            js_key, dts_key = _keys(k, depth)
            if type(v) is str:  # the common leaf, without a call
                text = _string(v)
                js_add(js_key + text + ",")
                dts_add(dts_key + text + ";")
                continue
            js_add(js_key)
            dts_add(dts_key)
            _both(v, depth + 1, js_out, dts_out)
            js_add(",")
            dts_add(";")
        outer = "\n" + _INDENT * depth + "}"
        js_add(outer)
        dts_add(outer)
    elif t is list or t is tuple:
        js_out.append("[")
        dts_out.append("readonly [")
        for i, v in enumerate(value):  # type: ignore[arg-type]
            if i:
                js_out.append(", ")
                dts_out.append(", ")
            if type(v) is str:  # the common items (label names, series), without a call
                text = _string(v)
                js_out.append(text)
                dts_out.append(text)
            else:
                _both(v, depth, js_out, dts_out)
        js_out.append("]")
        dts_out.append("]")
    elif t is int or t is float or t is bool or value is None:  # the same text in both, escaped once
        text = "null" if value is None else _leaf("json" if t is bool else "num", value)
        js_out.append(text)
        dts_out.append(text)
    elif isinstance(value, (Typed, Ref)) or not isinstance(value, (str, Mapping, Sequence)):
        _render(value, False, depth, js_out)  # `Typed`, `Ref`, and what only `_render` knows (a subclass of int)
        _render(value, True, depth, dts_out)
    elif isinstance(value, str):
        _both(str(value), depth, js_out, dts_out)
    elif isinstance(value, Mapping):
        _both(dict(value), depth, js_out, dts_out)
    else:
        _both(list(value), depth, js_out, dts_out)


def js_and_dts(value: Value, depth: int = 0) -> tuple[Escaped, Escaped]:
    """`(js(value, depth), dts(value, depth))`, in one walk of `value`."""
    js_out: list[str] = []
    dts_out: list[str] = []
    _both(value, depth, js_out, dts_out)
    return _CODE("".join(js_out)), _CODE("".join(dts_out))


def js(value: Value, depth: int = 0) -> Escaped:
    """The JavaScript expression of `value` (objects one property a line, indented for `depth`)."""
    out: list[str] = []
    _render(value, False, depth, out)
    return _CODE("".join(out))


def dts(value: Value, depth: int = 0) -> Escaped:
    """The TypeScript type `value as const` has: string and number literals, readonly properties and tuples."""
    out: list[str] = []
    _render(value, True, depth, out)
    return _CODE("".join(out))
