"""A log schema with its local `$ref`s written out in place, for Python's `jsonschema` to explain lines faster.

`jsonschema` resolves every `$ref` again on every line it explains (a registry lookup, a JSON
pointer walk and a new resolver each time), about a third of the cost of explaining a rejected
line. `inline_refs` replaces each `{"$ref": "#/$defs/NAME", ...}` by the same object with the
target in an `allOf` (Draft 2020-12 applies a `$ref` beside other keywords exactly as one more
`allOf` entry), which gives the same errors at the same instance paths, from the same keywords and
the same subschemas (`title`, `properties`); only schema paths change (`allOf/0` for `$ref`),
which validate-logs reads only along the `else` chain, where no `$ref` is crossed.

It inlines only where that provably means the same: every `$ref` in the schema is `#/$defs/NAME`
with a plain NAME that exists, no reference is cyclic, nothing but the root has an `$id`, and no
`$anchor`, `$dynamicRef` or `$dynamicAnchor` (which depend on where a subschema sits) appears
anywhere. Otherwise, or past `MAX_NODES`, the schema is returned unchanged. Values that are data,
not schemas (`enum`, `const`, `default`, `examples`), are never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_NODES", "inline_refs"]

MAX_NODES = 200_000  # a schema whose references fan out further keeps its references
_LOCAL = re.compile(r"#/\$defs/([A-Za-z0-9_.-]+)\Z")
_SCOPED = ("$id", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor")
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMAS = ("items", "not", "if", "then", "else", "additionalProperties", "contains", "propertyNames",
            "unevaluatedProperties", "unevaluatedItems")


class _Unsafe(Exception):
    pass


def _scoped(node: Any, root: bool) -> bool:
    """Does a keyword whose meaning depends on the subschema's place appear anywhere below `node`?"""
    if isinstance(node, list):
        return any(_scoped(item, False) for item in node)
    if not isinstance(node, Mapping):
        return False
    return any(key in _SCOPED and not (root and key == "$id") for key in node) \
        or any(_scoped(value, False) for value in node.values())


class _Inliner:
    def __init__(self, defs: Mapping[str, Any]):
        self.defs = defs
        self.nodes = 0
        self.active: list[str] = []

    def schema(self, node: Any) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Unsafe
        if not isinstance(node, Mapping):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref":
                continue
            if key in _SCHEMA_MAPS and isinstance(value, Mapping):
                out[key] = {name: self.schema(sub) for name, sub in value.items()}
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self.schema(sub) for sub in value]
            elif key in _SCHEMAS:
                out[key] = self.schema(value)
            else:  # data (`enum`, `const`, ...), `$defs`, annotations and unknown keywords: as they are
                out[key] = value
        if "$ref" in node:
            out["allOf"] = [*out.get("allOf", []), self.target(node["$ref"])]
        return out

    def target(self, ref: Any) -> Any:
        match = _LOCAL.match(ref) if isinstance(ref, str) else None
        if match is None or match[1] not in self.defs or match[1] in self.active:
            raise _Unsafe
        self.active.append(match[1])
        try:
            return self.schema(self.defs[match[1]])
        finally:
            self.active.pop()


def inline_refs(schema: Any) -> Any:
    """`schema` with its local references inlined (see the module docstring), or `schema` itself."""
    if not isinstance(schema, Mapping) or _scoped(schema, True):
        return schema
    defs = schema.get("$defs", {})
    if not isinstance(defs, Mapping):
        return schema
    try:
        return _Inliner(defs).schema(schema)
    except (_Unsafe, RecursionError):
        return schema
