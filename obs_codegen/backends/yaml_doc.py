"""Whole YAML documents (rules, promtool tests, Alertmanager, operators' objects, Grafana provisioning).

PyYAML's emitter is the escaper: `yaml_document` writes any document of plain data with it,
deterministically. Multi-line strings become literal blocks when that keeps them exact; a string
holding a character YAML reads as a line break (NEL, U+2028, U+2029: PyYAML would write NEL raw
and read it back as a newline) or one that is not printable is written double-quoted with escapes.

The native path. libyaml's emitter (`yaml.CSafeDumper`) writes the same bytes as PyYAML's, which
is a port of it, for documents of plain ASCII text, numbers, booleans and None (elsewhere the two
may choose different scalar styles, so PyYAML's emitter writes those documents). For such a
document `_nodes` builds the node tree SafeRepresenter would (the same tags, styles and flow
styles; it gives up at any other type, at a container that appears twice, which the representer
would write as an alias, at any text that is not plain ASCII, and at a mapping key that is empty or
longer than 100 characters, which the two emitters write differently), and libyaml serializes it: no
Python representer call per value. The serializer asks the resolver, for every scalar, whether
its tag is implicit; the `resolve` of `_dumper()`'s class answers at once for text that no implicit resolver can match
(the table is keyed by first character) and asks PyYAML's otherwise. tests/test_native_equivalence.py
re-emits every document the backends write with PyYAML's pure-Python path and compares the bytes,
over every spec the tests hold; NATIVE = False writes everything the pure-Python way.
"""

from __future__ import annotations

import functools
import io
import math
from typing import Any

NATIVE = True

_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Keys up to this length are written alike by both emitters (PyYAML counts the `!!str` tag it does not
# write against its 128-character limit for a simple key, libyaml does not); longer ones go to PyYAML.
_SIMPLE_KEY = 100


def _style(value: str) -> str | None:
    """The scalar style of a string: a literal block for exact multi-line text, double quotes for text with
    characters YAML reads as line breaks or that are not printable, else the emitter's choice."""
    if not value.replace("\n", "").isprintable():  # NEL, U+2028 and U+2029 are not printable either
        return '"'
    if "\n" in value and all(line == line.rstrip() for line in value.split("\n")):
        return "|"
    return None


def _pure(doc: object, sort_keys: bool) -> str:
    """The document through PyYAML's own representer and pure-Python emitter."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: Any, value: str) -> yaml.Node:
        node: yaml.Node = dumper.represent_scalar(_STR, value, style=_style(value))
        return node

    Dumper.add_representer(str, text)
    return str(yaml.dump(doc, Dumper=Dumper, sort_keys=sort_keys, allow_unicode=True, width=120,
                         default_flow_style=False))


def yaml_document(doc: object, sort_keys: bool = False) -> str:
    """A whole YAML document, deterministic, UTF-8 text (see the module)."""
    from ..heap import paused

    with paused():  # a node per value, none in a reference cycle: reference counting frees them all
        if NATIVE:
            node = _nodes(doc, sort_keys)
            if node is not None:
                text = _native(node)
                del node  # freed before the collector is back, so it never walks the tree
                return text
        return _pure(doc, sort_keys)


def _float_text(value: float) -> str:
    """SafeRepresenter.represent_float's text."""
    if value != value:
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text


def _nodes(doc: object, sort_keys: bool) -> Any:
    """The node tree SafeRepresenter (with `_style` for strings) builds for `doc`, or None where the native
    path does not apply (another type, a shared container, text that is not plain ASCII) or libyaml is missing."""
    import yaml
    from yaml import MappingNode, ScalarNode, SequenceNode

    if not hasattr(yaml, "CSafeDumper"):  # PyYAML without libyaml
        return None
    seen: set[int] = set()

    def build(data: object) -> Any:
        kind = type(data)
        if kind is str:
            text: str = data  # type: ignore[assignment]
            if not text.isascii() or not text.replace("\n", "").isprintable():
                raise _NotPlain
            return ScalarNode(_STR, text, style=_style(text))
        if kind is dict or kind is list:
            if id(data) in seen:
                raise _NotPlain  # the representer would write an anchor and an alias
            seen.add(id(data))
            if kind is list:
                return SequenceNode(_SEQ, [build(item) for item in data], flow_style=False)  # type: ignore[attr-defined]
            items = list(data.items())  # type: ignore[attr-defined]
            if sort_keys:
                try:
                    items = sorted(items)
                except TypeError:
                    pass
            if any(type(k) is str and not 0 < len(k) <= _SIMPLE_KEY for k in data):  # type: ignore[attr-defined]
                raise _NotPlain  # PyYAML writes an empty key, and one of 123-128 characters, as `? key`; libyaml not
            return MappingNode(_MAP, [(build(k), build(v)) for k, v in items], flow_style=False)
        if kind is bool:
            return ScalarNode(_BOOL, "true" if data else "false")
        if kind is int:
            return ScalarNode(_INT, str(data))
        if kind is float:
            return ScalarNode(_FLOAT, _float_text(data))  # type: ignore[arg-type]
        if data is None:
            return ScalarNode(_NULL, "null")
        raise _NotPlain

    try:
        return build(doc)
    except (_NotPlain, RecursionError):
        return None


class _NotPlain(Exception):
    pass


def _native(node: Any) -> str:
    """libyaml's serialization of a node tree, with yaml.dump's settings."""
    stream = io.StringIO()
    dumper = _dumper()(stream, default_flow_style=False, allow_unicode=True, width=120)
    try:
        dumper.open()
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


@functools.cache
def _dumper() -> Any:
    """CSafeDumper whose `resolve` answers at once for text no implicit resolver can match."""
    import yaml

    table = yaml.resolver.Resolver.yaml_implicit_resolvers
    wildcard = bool(table.get(None))
    scalar = yaml.ScalarNode

    class FastResolve(yaml.CSafeDumper):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is scalar and not self.yaml_path_resolvers and not wildcard and (
                    not implicit[0] or value and value[0] not in table):
                return self.DEFAULT_SCALAR_TAG
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    return FastResolve
