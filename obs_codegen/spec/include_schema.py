"""The `include:` key of a root spec, and the JSON Schema of an included spec file.

Both are derived from the root schema (spec/schema.py), so a section added there is includable
as soon as it is a map of named items: an included file may hold every top-level map of named
items, plus the map-valued parts of `logs` (`logs.events`, `logs.objects`). Everything else
(`version`, `project`, `hashing`, `header_policy`, `prometheus`, `redaction`, `targets`,
`accepted_breaks`, `include`, `logs.envelope`, ...) belongs to the root alone.
"""

from __future__ import annotations

from typing import Any

INCLUDE_SCHEMA_ID = "https://obs-codegen.dev/schemas/spec-v1-include.json"

INCLUDE: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "uniqueItems": True,
    "items": {"type": "string", "minLength": 1},
    "description": (
        "Other spec files whose items merge into this one: paths relative to this file, globs allowed "
        "(`services/*.yaml`, `teams/**/*.yaml`), confined to this file's directory. One level: an included "
        "file holds named items only (see the include schema) and cannot include others."
    ),
}

ROOT_ONLY = frozenset({"version", "project", "include", "accepted_breaks"})
NESTED = {"logs": frozenset({"envelope"})}  # object sections whose map-valued parts are includable, minus these


def _is_map(schema: Any) -> bool:
    return (isinstance(schema, dict) and schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict)
            and not schema.get("properties"))


def includable() -> dict[str, tuple[str, ...]]:
    """Section -> () when an included file may hold its items, or -> its includable subsections."""
    from .schema import spec_schema

    props = spec_schema().get("properties", {})
    out: dict[str, tuple[str, ...]] = {}
    for name, schema in props.items():
        if name in ROOT_ONLY:
            continue
        if _is_map(schema):
            out[name] = ()
        elif name in NESTED and isinstance(schema, dict):
            subs = tuple(k for k, v in schema.get("properties", {}).items() if _is_map(v) and k not in NESTED[name])
            if subs:
                out[name] = subs
    return out


def root_schema() -> dict[str, Any]:
    """The JSON Schema of a root spec file, as editors and `obs-codegen schema` see it: spec/schema.py's,
    except that a required section that may live in an included file (`services`) is required only
    in a spec without `include:`. (The loader validates the merged spec with spec/schema.py's own.)"""
    from .schema import spec_schema

    doc = dict(spec_schema())
    sections = includable()
    required = list(doc.get("required", []))
    then: dict[str, Any] = {}
    movable = [k for k in required if k in sections]
    if movable:
        doc["required"] = [k for k in required if k not in movable]
        then["required"] = movable
    props = dict(doc.get("properties", {}))
    for name, subs in sections.items():
        inner = props.get(name)
        moved = [k for k in (inner or {}).get("required", []) if k in subs]
        if moved and isinstance(inner, dict):
            props[name] = {**inner, "required": [k for k in inner["required"] if k not in moved]}
            then.setdefault("properties", {})[name] = {"required": moved}
    if then:
        doc["properties"] = props
        doc["if"] = {"not": {"required": ["include"]}}
        doc["then"] = then
    return doc


def included_schema() -> dict[str, Any]:
    """The JSON Schema of an included spec file (`# yaml-language-server: $schema=` in each included file)."""
    from .schema import spec_schema

    root = spec_schema()
    props = root.get("properties", {})
    out_props: dict[str, Any] = {}
    for name, subs in includable().items():
        if not subs:
            out_props[name] = props[name]
        else:
            out_props[name] = {"type": "object", "additionalProperties": False,
                               "description": props[name].get("description", ""),
                               "properties": {s: props[name]["properties"][s] for s in subs}}
    doc: dict[str, Any] = {
        "$schema": root.get("$schema", "https://json-schema.org/draft/2020-12/schema"),
        "$id": INCLUDE_SCHEMA_ID,
        "title": "obs-codegen spec, version 1: an included file",
        "description": "A file named by a root spec's `include:`: named items only, merged into the root's sections.",
        "type": "object",
        "additionalProperties": False,
        "properties": out_props,
    }
    if "$defs" in root:
        doc["$defs"] = root["$defs"]
    return doc
