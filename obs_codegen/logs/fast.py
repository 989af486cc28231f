"""The fast path of `validate-logs`: log schemas compiled into plain Python predicates.

jsonschema walks a schema per line (~5k lines/s here). The log schemas use a small keyword set,
so they are also compiled into predicates that answer "valid?" about 10x faster. The fast path
can only accept: every line it rejects is re-checked by jsonschema, whose verdict and errors are
the ones reported, and a schema with any other keyword gets no fast path (`Unsupported`).
Patterns and formats are read as ajv reads them (`compat`). A test holds it to jsonschema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Any], bool]
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"})
_NUMBER = (int, float)


class Unsupported(Exception):
    """The schema uses a keyword the fast path does not implement."""


def _type_check(kind: str) -> Predicate:
    """Draft 2020-12 types: 1.0 is an integer, booleans are not numbers."""
    if kind == "integer":
        return lambda x: (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer())
    if kind == "number":
        return lambda x: isinstance(x, _NUMBER) and not isinstance(x, bool)
    if kind == "null":
        return lambda x: x is None
    python = {"string": str, "boolean": bool, "object": dict, "array": list}.get(kind)
    if python is None:
        raise Unsupported(kind)
    return lambda x: isinstance(x, python)


def _all(checks: list[Predicate]) -> Predicate:
    if len(checks) == 1:
        return checks[0]

    def every(x: Any) -> bool:
        for check in checks:
            if not check(x):
                return False
        return True

    return every


def _number_check(kind: str, bound: Any) -> Predicate:
    ops = {"minimum": float.__ge__, "maximum": float.__le__,
           "exclusiveMinimum": float.__gt__, "exclusiveMaximum": float.__lt__}
    op, limit = ops[kind], float(bound)
    return lambda x: not isinstance(x, _NUMBER) or isinstance(x, bool) or op(float(x), limit)


def _keyword(key: str, value: Any, schema: Mapping[str, Any], compile_: Callable[[Any], Predicate]) -> Predicate | None:
    from .compat import FORMAT_CHECKER, pattern_search

    if key == "type":
        kinds = [_type_check(k) for k in ([value] if isinstance(value, str) else value)]
        return kinds[0] if len(kinds) == 1 else (lambda x: any(k(x) for k in kinds))
    if key in ("enum", "const"):
        allowed = frozenset(value if key == "enum" else [value])
        if not all(isinstance(v, str) for v in allowed):
            raise Unsupported(key)  # jsonschema's equality rules for numbers and bools differ from Python's
        return lambda x: isinstance(x, str) and x in allowed
    if key == "pattern":
        search = pattern_search(value)
        return lambda x: not isinstance(x, str) or search(x) is not None
    if key == "format":
        conforms = FORMAT_CHECKER.conforms
        return lambda x: conforms(x, value)
    if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return _number_check(key, value)
    if key in ("maxLength", "minLength"):
        n, longest = int(value), key == "maxLength"
        return lambda x: not isinstance(x, str) or (len(x) <= n if longest else len(x) >= n)
    if key == "required":
        names = tuple(value)
        return lambda x: not isinstance(x, dict) or all(k in x for k in names)
    if key == "properties":
        subs = [(k, compile_(v)) for k, v in value.items() if v is not True]

        def properties(x: Any) -> bool:
            if isinstance(x, dict):
                for k, sub in subs:
                    if k in x and not sub(x[k]):
                        return False
            return True

        return properties
    if key == "additionalProperties":
        if "patternProperties" in schema:
            raise Unsupported(key)
        known, extra = frozenset(schema.get("properties", {})), compile_(value)
        if value is False:
            return lambda x: not isinstance(x, dict) or known.issuperset(x)
        return lambda x: not isinstance(x, dict) or all(extra(v) for k, v in x.items() if k not in known)
    if key == "if":
        cond, then, else_ = compile_(value), compile_(schema.get("then", True)), compile_(schema.get("else", True))
        return lambda x: then(x) if cond(x) else else_(x)
    if key in ("then", "else"):
        return None  # part of `if`
    if key == "$ref":
        return compile_(value)
    raise Unsupported(key)


def compile_fast(schema: Any, root: Mapping[str, Any]) -> Predicate:
    """A predicate equivalent to validating against `schema` (local `#/$defs/` refs only)."""
    refs: dict[str, Predicate] = {}

    def compile_(node: Any) -> Predicate:
        if isinstance(node, str):  # a $ref
            if not node.startswith("#/$defs/") or node[len("#/$defs/"):] not in root.get("$defs", {}):
                raise Unsupported(node)
            if node not in refs:
                cell: list[Predicate] = []
                refs[node] = lambda x: cell[0](x)
                cell.append(compile_(root["$defs"][node[len("#/$defs/"):]]))
            return refs[node]
        if node is True or node is False:
            return (lambda x: True) if node else (lambda x: False)
        if not isinstance(node, Mapping):
            raise Unsupported(repr(node))
        checks = [c for k, v in node.items() if k not in _ANNOTATIONS
                  for c in [_keyword(k, v, node, compile_)] if c is not None]
        return _all(checks) if checks else (lambda x: True)

    return compile_(schema)
