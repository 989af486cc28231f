"""Stage 1's fast path: a clean spec read from libyaml's events straight into data and positions.

`loader.parse_text` composes a node tree with PyYAML's Python composer and then converts it
(`_convert`): two passes in Python over every node, most of a large spec's load time. For
a spec with nothing to report, `streamed` builds the same three things (`data`, `values`,
`keys`) in one pass over libyaml's events: the same events the composer reads, so the same
marks (positions), and the same resolver table and constructors for plain scalars, so the
same values. It gives up (returns False, and the caller runs the composer as before) at
anything that would need the composer's bounds or a diagnostic: an alias or anchor, an
explicit tag, a merge key, a key that is not a plain string, a duplicate key, a forbidden
character, a value a constructor refuses, more nodes (keys count, as the composer counts
them) or nesting than the limits allow, a second document, a root that is not a mapping, or
any YAML error. So every diagnostic, and every bound against YAML bombs, comes from the one
path that always made them.
tests/test_loader.py holds the two paths to identical data, positions and key order.
"""

from __future__ import annotations

from typing import Any

_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _GiveUp(Exception):
    pass


def streamed(src: Any, text: str, max_nodes: int, max_depth: int) -> bool:
    """Fill `src.data`, `src.values` and `src.keys` from `text`; False (and `src` untouched) to leave it to the composer."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return False
    import yaml
    from yaml import events

    from . import controls

    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers
    wildcard = resolvers.get(None, [])
    constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
    yaml.constructor.SafeConstructor.__init__(constructor)
    scalar_event, mapping_start, mapping_end = events.ScalarEvent, events.MappingStartEvent, events.MappingEndEvent
    sequence_start, sequence_end = events.SequenceStartEvent, events.SequenceEndEvent
    forbidden = controls.first_forbidden
    values: dict[tuple[Any, ...], tuple[int, int]] = {}
    keys: dict[tuple[Any, ...], tuple[int, int]] = {}
    budget = [max_nodes]
    parser = CParser(text)
    get: Any = parser.get_event

    def plain_tag(value: str) -> str:
        for tag, regexp in resolvers.get(value[0] if value else "", []) + wildcard:
            if regexp.match(value):
                return str(tag)
        return _STR

    def scalar(event: Any) -> Any:
        value = event.value
        if event.implicit[0]:
            tag = plain_tag(value)
            if tag != _STR and tag != _TIMESTAMP:  # as loader._scalar: a timestamp stays its text
                node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark)
                value = constructor.construct_object(node, deep=True)
        if isinstance(value, str) and forbidden(value, False) is not None:  # as loader._checked_text
            raise _GiveUp  # (a timestamp's text may hold a tab, or end in a line break)
        return value

    def node(event: Any, path: tuple[Any, ...], depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > max_depth or event.anchor is not None:
            raise _GiveUp
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            raise _GiveUp
        mark = event.start_mark
        values[path] = (mark.line + 1, mark.column + 1)
        kind = type(event)
        if kind is scalar_event:
            return scalar(event)
        if kind is mapping_start:
            out: dict[str, Any] = {}
            while True:
                key: Any = get()
                if type(key) is mapping_end:
                    return out
                budget[0] -= 1  # the composer counts key nodes against the limit too
                if budget[0] < 0 or type(key) is not scalar_event or key.anchor is not None \
                        or key.tag not in (None, "!"):
                    raise _GiveUp
                name = key.value
                if name in out or name == "<<" and key.implicit[0] or forbidden(name, False) is not None:
                    raise _GiveUp  # a duplicate, a merge key (`<<`), a forbidden character
                key_path = path + (name,)
                key_mark: Any = key.start_mark
                keys[key_path] = (key_mark.line + 1, key_mark.column + 1)
                out[name] = node(get(), key_path, depth + 1)
        if kind is sequence_start:
            items: list[Any] = []
            while True:
                item = get()
                if type(item) is sequence_end:
                    return items
                items.append(node(item, path + (len(items),), depth + 1))
        raise _GiveUp  # an alias

    try:
        try:
            get()  # the stream's start
            start = get()
            if type(start) is not events.DocumentStartEvent:
                return False  # an empty stream
            data = node(get(), (), 1)
            get()  # the document's end
            if type(get()) is not events.StreamEndEvent or type(data) is not dict:
                return False
        finally:
            parser.dispose()
    except (_GiveUp, yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError, ArithmeticError, RecursionError):
        return False
    src.data, src.values, src.keys = data, values, keys
    return True
