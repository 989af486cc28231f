"""Stage 1: read a spec file strictly into plain data plus a table of source positions.

Everything that can go wrong with the bytes of a spec (too large, not UTF-8, not
YAML, duplicate keys, alias bombs, the wrong shape for the spec schema) becomes a
`Diagnostic` with file, line and column; nothing here raises on bad input.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic

MAX_SPEC_BYTES = 2 * 1024 * 1024
MAX_ALIASES = 100
MAX_NODES = 200_000

PathT = tuple[Any, ...]


@dataclass
class Source:
    """A loaded spec: its data, raw bytes, and where each key and value sits."""

    path: str
    raw: bytes = b""
    data: Any = None
    values: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathT, tuple[int, int]] = field(default_factory=dict)

    def pos(self, path: PathT, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value (or key) at `path`, else of its nearest ancestor."""
        p = tuple(path)
        if key and p in self.keys:
            return self.keys[p]
        while p and p not in self.values:
            p = p[:-1]
        return self.values.get(p, (1, 1))

    def diag(self, path: PathT, rule: str, message: str, severity: str = "error", key: bool = False) -> Diagnostic:
        line, col = self.pos(path, key=key)
        return Diagnostic(self.path, line, col, rule, severity, message)  # type: ignore[arg-type]


class _Bomb(Exception):
    pass


def _convert(node: Any, src: Source, path: PathT, diags: list[Diagnostic], budget: list[int]) -> Any:
    import yaml

    budget[0] -= 1
    if budget[0] < 0:
        raise _Bomb()
    src.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                diags.append(src.diag(path, "spec-yaml", "YAML merge keys (<<) are not supported; use tag_sets"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                diags.append(Diagnostic(src.path, line, col, "spec-yaml", "error", "mapping keys must be plain strings"))
                continue
            key = str(key_node.value)
            kpath = path + (key,)
            kpos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in out:
                first = src.keys[kpath]
                diags.append(
                    Diagnostic(
                        src.path, kpos[0], kpos[1], "spec-duplicate-key", "error",
                        f"duplicate key '{key}' (first defined at line {first[0]}, column {first[1]})",
                    )
                )
                continue
            src.keys[kpath] = kpos
            out[key] = _convert(value_node, src, kpath, diags, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, src, path + (i,), diags, budget) for i, item in enumerate(node.value)]
    constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
    yaml.constructor.SafeConstructor.__init__(constructor)
    value = constructor.construct_object(node, deep=True)
    if node.tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)
    return value


def load(path: str | Path, display: str | None = None) -> tuple[Source, list[Diagnostic]]:
    """Read and parse the spec at `path`. Raises OSError only when the file cannot be read."""
    import yaml

    name = display or str(path)
    raw = Path(path).read_bytes()
    src = Source(name, raw)
    if len(raw) > MAX_SPEC_BYTES:
        return src, [Diagnostic(name, 1, 1, "spec-too-large", "error",
                                f"spec is {len(raw)} bytes; the limit is {MAX_SPEC_BYTES}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return src, [Diagnostic(name, line, col, "spec-encoding", "error",
                                f"spec is not valid UTF-8 (byte 0x{raw[exc.start]:02x})")]
    if text.startswith("\ufeff"):
        text = text[1:]
    return src, parse_text(src, text)


def parse_text(src: Source, text: str) -> list[Diagnostic]:
    """Compose YAML `text` into `src.data`, with positions, and return the diagnostics."""
    import yaml

    diags: list[Diagnostic] = []
    aliases = 0
    try:
        loader = yaml.SafeLoader(text)
        try:
            # Count alias events while composing: a billion-laughs spec fails here, before any expansion.
            original = loader.compose_node

            def compose_node(parent: Any, index: Any) -> Any:
                nonlocal aliases
                if loader.check_event(yaml.AliasEvent):
                    aliases += 1
                    if aliases > MAX_ALIASES:
                        event = loader.peek_event()
                        raise _AliasLimit(event.start_mark)
                return original(parent, index)

            loader.compose_node = compose_node  # type: ignore[method-assign]
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _AliasLimit as exc:
        m = exc.args[0]
        return [Diagnostic(src.path, m.line + 1, m.column + 1, "spec-yaml-aliases", "error",
                           f"more than {MAX_ALIASES} YAML aliases; refusing to expand (YAML bomb?)")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return [Diagnostic(src.path, line, col, "spec-yaml", "error", f"invalid YAML: {problem}")]
    except yaml.YAMLError as exc:
        return [Diagnostic(src.path, 1, 1, "spec-yaml", "error", f"invalid YAML: {exc}")]
    if node is None:
        return [Diagnostic(src.path, 1, 1, "spec-empty", "error", "spec is empty")]
    try:
        src.data = _convert(node, src, (), diags, [MAX_NODES])
    except _Bomb:
        src.data = None
        return [Diagnostic(src.path, 1, 1, "spec-yaml-aliases", "error",
                           f"spec expands to more than {MAX_NODES} nodes; refusing (YAML bomb?)")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return [Diagnostic(src.path, line, col, "spec-yaml", "error", f"invalid YAML value: {exc}")]
    if not isinstance(src.data, dict):
        diags.append(src.diag((), "spec-type", "the spec must be a mapping of sections"))
        return diags
    diags.extend(validate_shape(src))
    return diags


class _AliasLimit(Exception):
    pass


_RULE_BY_VALIDATOR = {
    "additionalProperties": "spec-unknown-key",
    "required": "spec-missing-key",
    "type": "spec-type",
    "enum": "spec-enum",
    "const": "spec-enum",
    "pattern": "spec-pattern",
    "propertyNames": "spec-pattern",
}


def validate_shape(src: Source) -> list[Diagnostic]:
    """Validate `src.data` against the spec JSON Schema; one diagnostic per violation."""
    from jsonschema import Draft202012Validator

    from .spec_schema import spec_schema

    validator = Draft202012Validator(spec_schema())
    diags: list[Diagnostic] = []
    for err in validator.iter_errors(src.data):
        path = tuple(err.absolute_path)
        rule = _RULE_BY_VALIDATOR.get(str(err.validator), "spec-schema")
        where = ".".join(str(p) for p in path) or "(top level)"
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = sorted(err.schema.get("properties", {}))
            for key in sorted(set(err.instance) - set(known)):
                hint = difflib.get_close_matches(key, known, n=1)
                more = f"; did you mean '{hint[0]}'?" if hint else f"; expected one of: {', '.join(known)}"
                diags.append(src.diag(path + (key,), rule, f"unknown key '{key}' in {where}{more}", key=True))
            continue
        if err.validator == "propertyNames":
            bad = err.instance
            pattern = err.schema.get("propertyNames", {}).get("pattern", "")
            diags.append(src.diag(path + (bad,), rule, f"name '{bad}' in {where} must match {pattern}", key=True))
            continue
        if err.validator == "required":
            diags.append(src.diag(path, rule, f"{where}: {err.message}", key=True))
            continue
        if err.validator in ("enum", "const"):
            allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
            hint = difflib.get_close_matches(str(err.instance), [str(a) for a in allowed], n=1)
            more = f"; did you mean '{hint[0]}'?" if hint else ""
            diags.append(src.diag(path, rule, f"{where}: {err.instance!r} is not one of {allowed}{more}"))
            continue
        diags.append(src.diag(path, rule, f"{where}: {err.message}"))
    return diags
