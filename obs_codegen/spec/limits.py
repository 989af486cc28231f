"""`project.limits`: a spec raises its own size, node and alias limits, read before the spec is parsed.

The limits (spec/loader.py `Limits`) exist to stop a YAML bomb or a runaway generator before the
YAML is composed, so the spec's own values cannot come from parsing it. They come from a cheap,
bounded pre-scan of the root file's text instead: the top-level `project:` block, its `limits:`
key, and under it `max_spec_bytes`, `max_yaml_nodes` and `max_yaml_aliases` written as plain
decimal integers, in block style (one key a line) or as a one-line flow mapping
(`limits: {max_yaml_nodes: 400000}`). The pre-scan reads lines, never YAML: no alias, tag or
anchor is looked at, so a hostile file gains nothing by it.

Precedence: a command-line flag (`--max-spec-bytes`, ...) > `project.limits` > today's default.
A spec's value is capped at `CEILINGS` (a spec cannot switch the protection off; a flag can go
beyond). The root file is read up to the larger of the byte limit and its ceiling, then held to
the effective limit. After parsing, `mismatches` compares the parsed `project.limits` with what
the pre-scan saw: a value the pre-scan could not read (an anchor, a quoted or underscored number,
a multi-line flow mapping, limits in an included file) is an error at its position, so a limit
never silently differs from what the spec says. The schema (spec/schema.py) checks types and ranges.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from .loader import Limits, Source

# spec key -> Limits field
FIELDS = {"max_spec_bytes": "spec_bytes", "max_yaml_nodes": "nodes", "max_yaml_aliases": "aliases"}
CEILINGS = {"max_spec_bytes": 64 * 1024 * 1024, "max_yaml_nodes": 5_000_000, "max_yaml_aliases": 10_000}

_COMMENT = r"[ \t]*(?:#.*)?$"
_PROJECT = re.compile(r"project[ \t]*:" + _COMMENT)
_LIMITS = re.compile(r"limits[ \t]*:[ \t]*(?:\{(?P<flow>[^{}#]*)\})?" + _COMMENT)
_ITEM = re.compile(r"(?P<key>max_spec_bytes|max_yaml_nodes|max_yaml_aliases)[ \t]*:[ \t]*(?P<value>[0-9]{1,12})")
_SCAN_LINES = 2000  # the project block comes first in every spec; the pre-scan reads no further than this


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(lines: list[str]) -> list[tuple[int, str]]:
    """(indent, text) of the lines that are neither blank nor comments."""
    out = []
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#"):
            out.append((_indent(line), text))
    return out


def declared(raw: bytes) -> dict[str, int]:
    """The `project.limits` values written plainly in the root file's text (see the module docstring)."""
    lines = raw[:1 << 20].decode("utf-8", "replace").split("\n")[:_SCAN_LINES]
    start = next((i for i, line in enumerate(lines) if _PROJECT.match(line.rstrip("\r"))), None)
    if start is None:
        return {}
    block = []
    for indent, text in _content(lines[start + 1:]):
        if indent == 0:
            break
        block.append((indent, text))
    if not block:
        return {}
    child = block[0][0]
    found: dict[str, int] = {}
    for k, (indent, text) in enumerate(block):
        match = _LIMITS.match(text) if indent == child else None
        if match is None:
            continue
        if match["flow"] is not None:
            for item in match["flow"].split(","):
                hit = _ITEM.fullmatch(item.strip())
                if hit:
                    found[hit["key"]] = int(hit["value"])
            return found
        inner = [(i, t) for i, t in _until_dedent(block[k + 1:], child)]
        for indent_, text_ in inner:
            hit = _ITEM.match(text_) if indent_ == inner[0][0] else None
            if hit and re.fullmatch(_COMMENT, text_[hit.end():]):
                found[hit["key"]] = int(hit["value"])
        return found
    return {}


def _until_dedent(block: list[tuple[int, str]], child: int) -> list[tuple[int, str]]:
    out = []
    for indent, text in block:
        if indent <= child:
            break
        out.append((indent, text))
    return out


def read_bound(limits: Limits) -> int:
    """How many bytes of the root file to read: the byte limit, or its ceiling when the spec may raise it."""
    if "spec_bytes" in limits.explicit:
        return limits.spec_bytes
    return max(limits.spec_bytes, CEILINGS["max_spec_bytes"])


def effective(raw: bytes, limits: Limits) -> Limits:
    """`limits` with the spec's `project.limits` (capped) in place of every value not given on the command line."""
    changes: dict[str, int] = {}
    for key, value in declared(raw).items():
        name = FIELDS[key]
        if name not in limits.explicit and value >= 1:
            changes[name] = min(value, CEILINGS[key])
    if not changes:
        return limits
    return replace(limits, spec_bytes=changes.get("spec_bytes", limits.spec_bytes), nodes=changes.get("nodes", limits.nodes),
                   aliases=changes.get("aliases", limits.aliases))


def mismatches(src: Source, raw: bytes) -> list[Diagnostic]:
    """An error for each parsed `project.limits` value that the pre-scan did not read as the same integer."""
    project = src.data.get("project") if isinstance(src.data, dict) else None
    parsed: Any = project.get("limits") if isinstance(project, dict) else None
    if not isinstance(parsed, dict):
        return []
    seen = declared(raw)
    out = []
    for key, value in parsed.items():
        if key in FIELDS and type(value) is int and value >= 1 and seen.get(key) != value:  # the schema checks the rest
            out.append(src.diag(("project", "limits", key), "spec-limits",
                                f"project.limits.{key} must be a plain integer on its own line (or in a one-line "
                                "`limits: {...}`) under `project:` in the root file: the limits are read before the "
                                "spec is parsed"))
    return out
