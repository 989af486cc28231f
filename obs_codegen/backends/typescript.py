"""TypeScript backend: `typescript/` ES modules with header, metric, log-event and hashing helpers.

Output (an npm workspace package named `project.packages.typescript`, `.ts` sources
exported directly): `package.json`, `index.ts`, `headers.ts`, `metrics.ts`, `logs.ts`,
`hashing.ts`, and `emitters.ts` (console/pino log emitters, when the spec has log events).
Identifiers follow `obs_codegen.identifiers`; every spec value passes
through an escaper (`ts_str`, `ts_doc`, `comment`, `json`) of the templates in `templates/typescript/`
or through `templating.escaped` here; the templating layer refuses anything else.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from ..spec.model import LogField, Model
from .escape import ident
from .escaped import Escaped, code, code_join, escaped
from .identifiers import Names, check_packages, is_ts_identifier, view
from .templating import Templates

MODULES = ("package.json", "index.ts", "hashing.ts", "headers.ts", "metrics.ts", "logs.ts")

# Names the templates define; spec-derived identifiers must not take them.
BUILTINS = (
    "HASH_ALGORITHM", "HASH_HEX_CHARS", "HASH_SALT_ENV", "HASH_SALT_ROTATION_DAYS", "HASHED_ID_PREFIXES",
    "HASHED_ID_OPAQUE_PREFIXES", "HashedIdKind", "HashedId", "hashId",
    "HeaderGroup", "HopName", "HeaderSpec", "HeaderName", "HEADERS", "HEADER_GROUPS", "HopSpec", "HOPS",
    "STRIP_UNKNOWN_HEADERS", "HEADER_DEFAULT_MAX_BYTES", "SSE_HEADERS", "sseRequestHeaders", "sseResponseHeaders",
    "DropReason", "DroppedHeader", "SanitizedHeaders", "HeaderValue", "HeaderInput", "sanitizeHeaders",
    "MetricType", "MetricSpec", "LabelsOf", "TAG_VALUES", "METRICS", "MetricKey",
    "LogEnvelope", "LogEvent", "LogEvents", "LogEventKey", "LOG_EVENT_KEYS", "FORBIDDEN_LOG_FIELDS", "logLine",
)  # emitters.ts (a subpath module, not re-exported by index.ts) defines only fixed names

_SCALARS = {"integer": "number", "number": "number", "boolean": "boolean"}


def literal_prefix(regex: str) -> str:
    """The literal text every match of an anchored `regex` starts with ('' if unknown): `^grp_[0-9]+$` -> `grp_`."""
    if "|" in regex or not regex.startswith("^"):
        return ""
    m = re.match(r"[A-Za-z0-9_:-]*", regex[1:])
    prefix = m.group(0) if m else ""
    rest = regex[1 + len(prefix):]
    return prefix[:-1] if rest[:1] in ("?", "*", "{") else prefix


def code_view(model: Model) -> dict[str, Any]:
    """The template context with every derived identifier checked (raises CodegenError); lint calls it too."""
    check_packages(model, "typescript")
    return view(model, "typescript", BUILTINS)


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    ctx = code_view(model)
    names: Names = ctx["names"]
    services = ctx["services"]
    opaque = {t.name: p for t in ctx["hashed_tags"] if t.opaque_pattern and (p := literal_prefix(t.opaque_pattern))}

    def union(values: tuple[str, ...] | list[str]) -> Escaped:
        return code_join("typescript", " | ", [escaped("ts_str", v) for v in values]) if values else code("typescript", "never")

    imported: set[str] = set()  # the names logs.ts imports from hashing.ts and metrics.ts, as type_of uses them

    def type_of(f: LogField, service: str | None) -> Escaped:
        if f.type == "object" and f.object is not None:
            return code("typescript", ident(names.objects[f.object.name], "typescript"))
        if f.type == "service":
            return escaped("ts_str", service) if service else union(services)
        if f.type == "enum":
            if f.tag is not None and f.tag.name in names.tag_types:
                imported.add(names.tag_types[f.tag.name])
                return code("typescript", ident(names.tag_types[f.tag.name], "typescript"))
            return union(f.values)
        if f.type == "hashed_id" and f.tag is not None:
            if f.tag.opaque_pattern and f.tag.name not in opaque:
                return code("typescript", "string")  # the opaque form has no literal prefix to type it by
            imported.add("HashedId")
            kind = escaped("ts_str", f.tag.name)
            if f.tag.name in opaque:
                imported.add("HASHED_ID_OPAQUE_PREFIXES")
                return code("typescript", "HashedId<", kind, "> | `${(typeof HASHED_ID_OPAQUE_PREFIXES)[", kind,
                            "]}${string}`")
            return code("typescript", "HashedId<", kind, ">")
        return code("typescript", _SCALARS.get(f.type, "string"))

    def key(name: str) -> Escaped:
        return code("typescript", name) if is_ts_identifier(name) else escaped("ts_str", name)

    for f, service in ctx["log_fields"]:  # collect the imports logs.ts needs before rendering it
        type_of(f, service)
    ctx.update(type_of=type_of, key=key, opaque_prefixes=opaque,
               hashing_imports=[n for n in ("HASHED_ID_OPAQUE_PREFIXES", "HashedId") if n in imported],
               metrics_imports=[n for _, n in ctx["enum_tags"] if n in imported])
    files = {PurePosixPath("typescript", name): templates.render(f"typescript/{name}.j2", **ctx) for name in MODULES}
    from .python_pkg import emitters_view  # the envelope roles and event fields, shared with emitters.py

    emitters = emitters_view(model)
    if emitters is not None:
        files[PurePosixPath("typescript", "emitters.ts")] = templates.render("typescript/emitters.ts.j2",
                                                                             **{**ctx, **emitters})
    return dict(sorted(files.items()))
