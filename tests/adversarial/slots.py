"""Every place in BASE a hostile value can go, and how to put it there without breaking references.

A *slot* is one string field (`project.title`, `tags.route.values[0]`) or one name (the key
`services.api`). Setting a slot also rewrites what refers to it, so a renamed service is still
the service of its SLOs, alerts, log events and metrics (`api.request.count` becomes
`<new>.request.count` everywhere), a renamed environment still keys the per-environment
objectives, and a changed enum value is still the value a filter selects. Without that the
spec would fail lint for a dangling reference and the hostile value would never reach a backend.

Each slot has a *kind*: its path with user-chosen names and list indexes replaced by `*`
(`metrics.*.description`); the generator uses one slot per kind (the first in document order).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .base import Path, base_data, dotted, get, string_values

# Mappings whose keys the spec author chooses; their keys are name slots.
NAME_MAPS: tuple[Path, ...] = (
    ("hops",), ("services",), ("tags",), ("tag_sets",), ("bucket_sets",), ("metrics",), ("headers",),
    ("logs", "envelope"), ("logs", "objects"), ("logs", "objects", "*", "fields"), ("logs", "events"),
    ("logs", "events", "*", "fields"), ("budgets",), ("slos",), ("alerts",),
)
# Mappings keyed by a name defined elsewhere (environments, tags): wildcarded in kinds, renamed with their target.
ENV_MAPS: tuple[Path, ...] = (("slos", "*", "objective"), ("alerts", "*", "above"), ("budgets", "*", "value"))
FILTERS: tuple[Path, ...] = (("slos", "*", "filter"), ("alerts", "*", "quantile", "filter"), ("alerts", "*", "ratio", "filter"),
                             ("alerts", "*", "ratio", "numerator_filter"))
METRIC_REFS: tuple[Path, ...] = (
    ("slos", "*", "ratio", "errors"), ("slos", "*", "ratio", "total"), ("slos", "*", "latency", "metric"),
    ("alerts", "*", "quantile", "metric"), ("alerts", "*", "ratio", "numerator"), ("alerts", "*", "ratio", "denominator"),
    ("alerts", "*", "cost_per_user", "cost"), ("alerts", "*", "cost_per_user", "users"),
)
SERVICE_REFS: tuple[Path, ...] = (("logs", "events", "*", "service"), ("slos", "*", "service"), ("alerts", "*", "service"),
                                  ("hops", "*", "from"), ("hops", "*", "to"))
TAG_REFS: tuple[Path, ...] = (
    ("metrics", "*", "tags", "*"), ("tag_sets", "*", "*"), ("headers", "*", "tag"), ("logs", "envelope", "*", "tag"),
    ("logs", "objects", "*", "fields", "*", "tag"), ("logs", "events", "*", "fields", "*", "tag"),
    ("alerts", "*", "quantile", "by", "*"), ("alerts", "*", "ratio", "by", "*"),
)


def match(pattern: Path, path: Path) -> bool:
    return len(pattern) == len(path) and all(p == "*" or p == q for p, q in zip(pattern, path))


def kind_of(path: Path) -> str:
    """`metrics.*.description` for `metrics.api.request.count.description`."""
    parts: list[Any] = []
    for i, part in enumerate(path):
        prefix = tuple(parts)
        named = any(match(m, prefix) for m in NAME_MAPS + ENV_MAPS + FILTERS)
        parts.append("*" if isinstance(part, int) or (named and i == len(prefix)) else part)
    return dotted(tuple(parts))


def _walk_values(data: Any, patterns: tuple[Path, ...], fn: Callable[[str], str]) -> None:
    for path in list(string_values(data)):
        if any(match(p, path) for p in patterns):
            parent = get(data, path[:-1])
            parent[path[-1]] = fn(parent[path[-1]])


def _mappings(data: Any, patterns: tuple[Path, ...], path: Path = ()) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        if any(match(p, path) for p in patterns):
            yield data
        for key, value in data.items():
            yield from _mappings(value, patterns, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _mappings(value, patterns, path + (i,))


def rename_key(mapping: dict[str, Any], old: str, new: str) -> None:
    """Rename in place, keeping the order of keys."""
    items = [(new if k == old else k, v) for k, v in mapping.items()]
    mapping.clear()
    mapping.update(items)


def _rename_keys(data: Any, patterns: tuple[Path, ...], old: str, new: str) -> None:
    for mapping in list(_mappings(data, patterns)):
        if old in mapping:
            rename_key(mapping, old, new)


def _same(old: str, new: str) -> Callable[[str], str]:
    return lambda v: new if v == old else v


def _prefixed(old: str, new: str) -> Callable[[str], str]:
    """`api.request.count` -> `<new>.request.count` when the service `api` is renamed."""
    return lambda v: new + v[len(old):] if v.startswith(old + ".") else v


def _rename_service(data: dict[str, Any], old: str, new: str) -> None:
    _walk_values(data, SERVICE_REFS, _same(old, new))
    _walk_values(data, METRIC_REFS, _prefixed(old, new))
    for section in (data.get("metrics", {}), data.get("logs", {}).get("events", {})):
        for key in [k for k in section if k.startswith(old + ".")]:
            rename_key(section, key, new + key[len(old):])


def _rename_tag(data: dict[str, Any], old: str, new: str) -> None:
    _walk_values(data, TAG_REFS, _same(old, new))
    _rename_keys(data, FILTERS, old, new)


def _rename_env(data: dict[str, Any], old: str, new: str) -> None:
    _rename_keys(data, ENV_MAPS, old, new)
    env_tags = [t for t, spec in data["tags"].items() if spec.get("type") == "environment"]
    for tag in env_tags:
        _walk_values(data, tuple(f + (tag,) for f in FILTERS), _same(old, new))


def _refs_for(container: Path) -> Callable[[dict[str, Any], str, str], None]:
    """What else to rewrite when a key of `container` is renamed from old to new."""
    simple: dict[Path, tuple[Path, ...]] = {
        ("hops",): (("headers", "*", "hops", "*"),),
        ("tag_sets",): (("metrics", "*", "tags", "*"),),
        ("bucket_sets",): (("metrics", "*", "buckets"),),
        ("metrics",): METRIC_REFS,
        ("logs", "objects"): (("logs", "events", "*", "fields", "*", "object"),
                              ("logs", "objects", "*", "fields", "*", "object")),
        ("budgets",): (("alerts", "*", "above_budget"),),
    }
    if container == ("services",):
        return _rename_service
    if container == ("tags",):
        return _rename_tag
    if container in simple:
        patterns = simple[container]
        return lambda data, old, new: _walk_values(data, patterns, _same(old, new))
    if match(("logs", "events", "*", "fields"), container):
        event = container[2]

        def discriminator(data: dict[str, Any], old: str, new: str) -> None:
            spec = data["logs"]["events"][event]
            if spec.get("discriminator") == old:
                spec["discriminator"] = new

        return discriminator
    return lambda data, old, new: None


@dataclass(frozen=True)
class Slot:
    """One place a hostile value can go; `apply` puts it there in a copy of BASE (False: not applicable)."""

    where: str  # `project.title`, or `key:services.api` for the name itself
    kind: str
    original: str
    container: Path
    key: Any

    @property
    def is_name(self) -> bool:
        return self.where.startswith("key:")

    @property
    def dotted_name(self) -> bool:
        return self.is_name and self.container in (("metrics",), ("logs", "events"))

    def apply(self, data: dict[str, Any], value: Any) -> bool:
        parent = get(data, self.container)
        if not self.is_name:
            old = parent[self.key]
            parent[self.key] = value
            if isinstance(value, str) and isinstance(old, str):
                self._value_refs(data, old, value)
            return True
        if not isinstance(value, str):
            return False
        new = self.original.rsplit(".", 1)[0] + "." + value if self.dotted_name else value
        if new in parent and new != self.original:
            return False  # would merge two entries: not the case this slot means
        rename_key(parent, self.original, new)
        _refs_for(self.container)(data, self.original, new)
        return True

    def _value_refs(self, data: dict[str, Any], old: str, new: str) -> None:
        if self.container == ("project", "environments"):
            _rename_env(data, old, new)
        elif len(self.container) == 3 and self.container[0] == "tags" and self.container[2] == "values":
            tag = self.container[1]
            _walk_values(data, tuple(f + (tag,) for f in FILTERS), _same(old, new))


@functools.lru_cache(maxsize=1)
def _value_slots() -> tuple[Slot, ...]:
    data = base_data()
    return tuple(Slot(dotted(p), kind_of(p), get(data, p), p[:-1], p[-1]) for p in string_values(data))


def value_slots() -> list[Slot]:
    """One slot per string value of BASE, in document order."""
    return list(_value_slots())


def name_slots() -> list[Slot]:
    """One slot per user-chosen name (key) in BASE, in document order."""
    return list(_name_slots())


@functools.lru_cache(maxsize=1)
def _name_slots() -> tuple[Slot, ...]:
    data = base_data()
    out = []
    for container in NAME_MAPS:
        for mapping_path in _paths_matching(data, container):
            for key in get(data, mapping_path):
                path = mapping_path + (key,)
                out.append(Slot("key:" + dotted(path), "key:" + kind_of(path), key, mapping_path, key))
    return tuple(out)


def _paths_matching(data: Any, pattern: Path, path: Path = ()) -> Iterator[Path]:
    if len(path) == len(pattern):
        if isinstance(data, dict):
            yield path
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if pattern[len(path)] in ("*", key):
                yield from _paths_matching(value, pattern, path + (key,))


def node_paths(data: Any, path: Path = ()) -> Iterator[Path]:
    """Every node below the top (mapping values and list items), parents first."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield path + (key,)
        yield from node_paths(value, path + (key,))


def one_per_kind(slots: list[Slot]) -> list[Slot]:
    seen: set[str] = set()
    out = []
    for s in slots:
        if s.kind not in seen:
            seen.add(s.kind)
            out.append(s)
    return out
