"""Multi-file specs: read the files a root spec's `include:` names and merge their items into it.

One level: the root lists every file of the spec (an included file may not include others), so
a reader, a reviewer and `check`'s fast path see the whole set in one place, and there can be no
cycle. An included file holds named items only, in the sections `includable_sections()` lists
(every map of named items: services, hops, tags, tag_sets, bucket_sets, metrics, headers,
budgets, slos, alerts, and `logs.events` / `logs.objects`); `version`, `project` and the other
settings stay in the root. Items merge into the root's maps in order (the root's first, then
each file in include order), and each keeps its own file: `Source.origins` maps the item's path
to the file it came from, so every diagnostic names the right file, line and column. A name
defined twice (in two files, or the root and a file) is `spec-include-duplicate`, reported at
the second definition with the first one's position. The size limits apply to the whole set.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from ..diagnostics import Diagnostic
from ..safe_io import TooLarge
from .include_paths import FsTree, IncludeError, expand
from .loader import Limits, PathT, Source, decode_spec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .include_paths import Tree

__all__ = ["FsTree", "apply_includes", "includable_sections", "patterns_of"]


def includable_sections() -> dict[str, tuple[str, ...]]:
    """Section -> () for a map of named items, or -> its map-valued subsections (`logs`: events, objects)."""
    from .include_schema import includable

    return includable()


def patterns_of(data: Any) -> list[str]:
    """The root's include patterns (the strings of a well-formed `include:` list; the schema reports the rest)."""
    value = data.get("include") if isinstance(data, dict) else None
    return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []


def apply_includes(src: Source, tree: Tree | None, limits: Limits) -> list[Diagnostic]:
    """Read every file `src`'s `include:` names from `tree` and merge it into `src`; the diagnostics."""
    from .loader import parse_text

    raw_list = src.data.get("include") if isinstance(src.data, dict) else None
    if not isinstance(raw_list, list) or not raw_list:
        return []
    diags: list[Diagnostic] = []
    if tree is None:
        return [src.diag(("include",), "spec-include-not-file", "this spec's includes cannot be read here")]
    indexed = [(i, p) for i, p in enumerate(raw_list) if isinstance(p, str)]
    patterns = [p for _, p in indexed]
    bytes_left = limits.spec_bytes - len(src.raw)
    nodes_left = limits.nodes - len(src.values)
    aliases = limits.aliases
    try:
        expanded = expand(patterns, tree)
    except OSError as exc:  # the tree itself cannot be listed (a git revision that went away, ...)
        from ..safe_io import describe_os_error

        return [src.diag(("include",), "spec-include-not-file", f"cannot list the included files: {describe_os_error(exc)}")]
    for index, result in expanded:
        where = ("include", indexed[index][0])
        if isinstance(result, IncludeError):
            diags.append(src.diag(where, result.rule, result.message))
            continue
        for rel in result:
            name = tree.display(rel)
            try:
                raw = tree.read(rel, max(bytes_left, 0))
            except TooLarge:
                diags.append(src.diag(where, "spec-too-large", f"the spec's files total more than {limits.spec_bytes} "
                                      f"bytes (the limit) with {name}"))
                return diags
            except OSError as exc:
                from ..safe_io import describe_os_error

                diags.append(src.diag(where, "spec-include-not-file", f"cannot read {name}: {describe_os_error(exc)}"))
                continue
            bytes_left -= len(raw)
            sub = Source(name, raw)
            for d in _parse(sub, raw, Limits(max(bytes_left + len(raw), 1), max(nodes_left, 1), aliases), parse_text):
                if d.rule == "spec-too-large":  # the budget left, not the limit: say what the limit is
                    d = replace(d, message=f"the spec's files have more than {limits.nodes} YAML nodes together; "
                                           f"the limit is {limits.nodes}")
                diags.append(d)
            nodes_left -= len(sub.values)
            src.included.append((rel, name, raw))
            if isinstance(sub.data, dict):
                diags.extend(_merge(src, sub))
            elif sub.data is not None:
                diags.append(sub.diag((), "spec-type", "an included spec file must be a mapping of sections"))
    return diags


def _parse(sub: Source, raw: bytes, limits: Limits, parse_text: Any) -> list[Diagnostic]:
    text, bad = decode_spec(sub.path, raw)
    if bad is not None:
        return [bad]
    result: list[Diagnostic] = parse_text(sub, text.removeprefix("\ufeff"), limits=limits, validate=False)
    return result


def _merge(src: Source, sub: Source) -> list[Diagnostic]:
    """Move `sub`'s items into `src` (positions and origin with them); diagnostics for what cannot move."""
    diags: list[Diagnostic] = []
    sections = includable_sections()
    accepted: list[PathT] = []
    for section, value in sub.data.items():
        if section not in sections:
            what = ("included files cannot include others: list every file in the root spec's include"
                    if section == "include" else
                    f"'{section}' may only appear in the root spec {src.path}" if section in _root_keys() else
                    f"unknown section '{section}'")
            allowed = ", ".join(_names(sections))
            diags.append(sub.diag((section,), "spec-include-section", f"{what}; an included file holds {allowed}",
                                  key=True))
            continue
        subsections = sections[section]
        if not subsections:
            accepted += _merge_map(src, sub, (section,), value, diags)
            continue
        if not isinstance(value, dict):
            diags.append(sub.diag((section,), "spec-type", f"{section}: must be a mapping"))
            continue
        for key, inner in value.items():
            if key not in subsections:
                diags.append(sub.diag((section, key), "spec-include-section",
                                      f"'{section}.{key}' may only appear in the root spec {src.path}; an included file "
                                      f"holds {', '.join(f'{section}.{s}' for s in subsections)} under {section}",
                                      key=True))
                continue
            accepted += _merge_map(src, sub, (section, key), inner, diags)
    _move_positions(src, sub, accepted)
    return diags


def _merge_map(src: Source, sub: Source, prefix: PathT, items: Any, diags: list[Diagnostic]) -> list[PathT]:
    where = ".".join(prefix)
    if not isinstance(items, dict):
        diags.append(sub.diag(prefix, "spec-type", f"{where}: must be a mapping of named items"))
        return []
    target: Any = src.data
    for i, part in enumerate(prefix):
        if not isinstance(target, dict):
            return []
        if part not in target:
            target[part] = {}
            src.values.setdefault(prefix[: i + 1], sub.pos(prefix[: i + 1]))
            src.keys.setdefault(prefix[: i + 1], sub.pos(prefix[: i + 1], key=True))
            src.origins.setdefault(prefix[: i + 1], sub.path)
        target = target[part]
    if not isinstance(target, dict):
        return []  # the root's section is not a mapping: the schema reports it there
    accepted: list[PathT] = []
    for name, item in items.items():
        path = (*prefix, name)
        if name in target:
            line, col = src.keys.get(path) or src.pos(path)
            diags.append(sub.diag(path, "spec-include-duplicate",
                                  f"{where} '{name}' is already defined at {src.file(path)}:{line}:{col}", key=True))
            continue
        target[name] = item
        accepted.append(path)
    return accepted


def _move_positions(src: Source, sub: Source, accepted: list[PathT]) -> None:
    """Copy the positions under each accepted item into `src`, and record the item's file."""
    if not accepted:
        return
    by_depth: dict[int, set[PathT]] = {}
    for path in accepted:
        by_depth.setdefault(len(path), set()).add(path)
        src.origins[path] = sub.path
    for table, into in ((sub.values, src.values), (sub.keys, src.keys)):
        for path, pos in table.items():
            if any(path[:depth] in paths for depth, paths in by_depth.items() if len(path) >= depth):
                into[path] = pos


def _root_keys() -> set[str]:
    from .schema import spec_schema

    return set(spec_schema().get("properties", {}))


def _names(sections: dict[str, tuple[str, ...]]) -> list[str]:
    out: list[str] = []
    for section, subsections in sorted(sections.items()):
        out += [f"{section}.{s}" for s in subsections] if subsections else [section]
    return out


def relative_display(root_display: str) -> str:
    """The directory part of the root spec's display name, for naming included files."""
    return posixpath.dirname(root_display)
