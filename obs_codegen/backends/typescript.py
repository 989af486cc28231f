"""TypeScript backend: `typescript/`, an npm package of plain ES modules plus declaration files.

Output (the package `project.packages.typescript`): `package.json` (an `exports` map with
`types` and `import` per subpath, `sideEffects: false`) and, for each of `index`, `hashing`,
`headers`, `logs`, `metrics`, a `.js` module and its `.d.ts`. No TypeScript compiler is
involved: both files are rendered here, the constants of both from one description
(`ts_values`), so every runtime consumes the package as it is (node, bundlers, tsc under any
`moduleResolution`). Only `hashing` imports `node:crypto`; the browser imports the other
subpaths. `emitters` (console/pino log emitters, a subpath not re-exported by `index`) is
added when the spec has log events; `instrumentation` (prom-client), `otel` and `logmetrics` (metrics as
log lines, for Convex) when services have metrics; `rum` (browser reporter) and `ingest` (its Next.js
route handler) when the spec has Web Vitals (`ts_web`). Identifiers follow `obs_codegen.identifiers`; every spec
value passes through an
escaper (`ts_str`, `ts_doc`, `comment`, `json`, `num`) of the templates in `templates/typescript/`
or through `escaped` here; the templating layer refuses anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..spec.model import LogField, Model
from . import ts_values
from .escape import ident
from .escaped import Escaped, code, code_join, escaped
from .identifiers import Names, check_packages, view
from .templating import Templates
from .ts_instrumentation import LABELS_BUILTINS, instrumentation_view
from .ts_values import Ref, Typed, Value, js, js_and_dts
from .ts_values import key as ts_key
from .ts_web import web_view

SUBPATHS = ("hashing", "headers", "labels", "logs", "metrics")  # each `<package>/<name>`; `index` is the package root
CLIENT_SUBPATHS = ("instrumentation", "otel", "logmetrics")  # prom-client, OpenTelemetry, log lines; not in `index`
RUM_SUBPATHS = ("rum", "ingest")  # the browser reporter (web-vitals) and its route handler (prom-client)
PEER_DEPENDENCIES = {"prom-client": ">=15.1.0", "@opentelemetry/api": ">=1.9.0"}  # optional; only those subpaths
RUM_PEER_DEPENDENCIES = {"web-vitals": ">=5.0.0"}  # optional; only `rum`
MODULES = ("package.json", *(f"{m}{ext}" for m in ("index", *SUBPATHS) for ext in (".js", ".d.ts")))

# Names the templates define; spec-derived identifiers must not take them.
BUILTINS = (
    "HASH_ALGORITHM", "HASH_HEX_CHARS", "HASH_SALT_ENV", "HASH_SALT_ROTATION_DAYS", "HASHED_ID_PREFIXES",
    "HASHED_ID_OPAQUE_PREFIXES", "HashedIdKind", "HashedId", "hashId",
    "HeaderGroup", "HopName", "HeaderSpec", "HeaderName", "HEADERS", "HEADER_GROUPS", "HopSpec", "HOPS",
    "STRIP_UNKNOWN_HEADERS", "HEADER_DEFAULT_MAX_BYTES", "SSE_HEADERS", "sseRequestHeaders", "sseResponseHeaders",
    "DropReason", "DroppedHeader", "SanitizedHeaders", "HeaderValue", "HeaderInput", "sanitizeHeaders",
    "MetricType", "MetricDeprecation", "MetricSpec", "LabelsOf", "TAG_VALUES", "METRICS", "MetricKey",
    "LogEnvelope", "LogEvent", "LogEvents", "LogEventKey", "LOG_EVENT_KEYS", "FORBIDDEN_LOG_FIELDS", "logLine",
    *LABELS_BUILTINS,
)  # emitters (a subpath module, not re-exported by index) defines only fixed names

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
    """The template context with every derived identifier checked (raises CodegenError); lint calls it too,
    so the instrumentation modules' names and label patterns are checked by lint as well as by render."""
    check_packages(model, "typescript")
    ctx = view(model, "typescript", BUILTINS)
    ctx.update(instrumentation_view(model, ctx))
    ctx.update(web_view(model, ctx))
    return ctx


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    try:
        return _render(model, templates)
    finally:
        ts_values.forget()


def _render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    ctx = code_view(model)
    names: Names = ctx["names"]
    services = ctx["services"]
    opaque = {t.name: p for t in ctx["hashed_tags"] if t.opaque_pattern and (p := literal_prefix(t.opaque_pattern))}

    def union(values: tuple[str, ...] | list[str]) -> Escaped:
        return code_join("typescript", " | ", [escaped("ts_str", v) for v in values]) if values else code("typescript", "never")

    imported: set[str] = set()  # the names logs.d.ts imports from hashing.d.ts and metrics.d.ts, as type_of uses them

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

    for f, service in ctx["log_fields"]:  # collect the imports logs.d.ts needs before rendering it
        type_of(f, service)
    from .python_pkg import emitters_view  # the envelope roles and event fields, shared with emitters.py

    emitters = emitters_view(model)
    clients = CLIENT_SUBPATHS if ctx["ts_services"] else ()
    rum = RUM_SUBPATHS if ctx["rum"] is not None else ()
    extra = (*(("emitters",) if emitters is not None else ()), *clients, *rum)
    modules = (*MODULES, *(f"{m}{ext}" for m in extra for ext in (".js", ".d.ts")))
    ctx.update(type_of=type_of, key=ts_key, opaque_prefixes=opaque, v=constants(ctx, opaque),
               subpaths=(*SUBPATHS, *extra), modules=[m for m in modules if m != "package.json"],
               hashing_imports=[n for n in ("HASHED_ID_OPAQUE_PREFIXES", "HashedId") if n in imported],
               metrics_imports=[n for _, n in ctx["enum_tags"] if n in imported],
               peer_dependencies={**(PEER_DEPENDENCIES if clients else {}), **(RUM_PEER_DEPENDENCIES if rum else {})},
               services_js=js({s["name"]: [[m["const"], m["method"], m["spec"].key, m["client_name"],
                                            *_aliases(m)] for m in s["metrics"]] for s in ctx["ts_services"]}),
               otel_services_js=js({s["name"]: [[m["const"], m["method"], m["spec"].key, *_aliases(m)]
                                                for m in s["metrics"]] for s in ctx["ts_services"]}))
    ctx.update(emitters or {})
    files = {PurePosixPath("typescript", name): templates.render(f"typescript/{name}.j2", **ctx) for name in modules}
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class Constant:
    """An exported constant as the `.js` prints it (`js`) and the literal type the `.d.ts` declares (`dts`)."""

    js: Escaped
    dts: Escaped


def constants(ctx: dict[str, Any], opaque: dict[str, str]) -> dict[str, Constant]:
    """Every spec-filled constant of the package by exported name, described once for both files."""
    project = ctx["project"]
    hashing = project.hashing
    values: dict[str, Value] = {
        "HASH_ALGORITHM": hashing.algorithm, "HASH_HEX_CHARS": hashing.hex_chars, "HASH_SALT_ENV": hashing.salt_env,
        "HASH_SALT_ROTATION_DAYS": hashing.salt_rotation_days,
        "HASHED_ID_PREFIXES": {t.name: t.prefix or "" for t in ctx["hashed_tags"]},
        "HASHED_ID_OPAQUE_PREFIXES": {t.name: opaque[t.name] for t in ctx["hashed_tags"] if t.name in opaque},
        "HEADERS": {h["spec"].name: {
            "name": Ref(h["const"]), "group": h["spec"].group, "required": h["spec"].required,
            "description": h["spec"].description, "format": h["spec"].format,
            "pattern": Typed(code("typescript", "new RegExp(", escaped("ts_str", h["pattern"]), ")"),
                             code("typescript", "RegExp")),
            "maxBytes": h["spec"].max_bytes, "secret": h["spec"].secret, "identity": h["spec"].identity,
            "value": h["spec"].value, "hops": list(h["spec"].hops)} for h in ctx["headers"]},
        "HEADER_GROUPS": {g: [Ref(h["const"]) for h in members] for g, members in ctx["groups"]},
        "HOPS": {hop["spec"].name: {
            "name": hop["spec"].name, "description": hop["spec"].description, "source": hop["spec"].source,
            "target": hop["spec"].target, "external": hop["spec"].external,
            "allowed": [Ref(c) for c in hop["allowed"]]} for hop in ctx["hops"]},
        "STRIP_UNKNOWN_HEADERS": project.strip_unknown_headers,
        "HEADER_DEFAULT_MAX_BYTES": project.header_default_max_bytes,
        "SSE_HEADERS": {h["spec"].name: h["spec"].value for h in ctx["sse"]},
        "TAG_VALUES": {t.name: list(t.values) for t, _ in ctx["enum_tags"]},
        "METRICS": {m["spec"].key: Ref(m["const"]) for m in ctx["metrics"]},
        "LABEL_CHECKS": {key: {label: _label_check(check) for label, check in labels.items()}
                         for key, labels in ctx["label_checks"].items()},
        "LOG_EVENT_KEYS": [e.key for e in ctx["logs"].events],
        "FORBIDDEN_LOG_FIELDS": list(project.forbidden_log_fields),
    }
    values.update({h["const"]: h["spec"].name for h in ctx["headers"]})
    values.update({f"tag:{t.name}": list(t.values) for t, _ in ctx["enum_tags"]})  # one entry of TAG_VALUES
    for m in ctx["metrics"]:
        spec = m["spec"]
        entry: dict[str, Value] = {
            "key": spec.key, "name": spec.name, "promName": spec.prom_name, "baseName": spec.base_name,
            "series": list(spec.series), "type": spec.type, "unit": spec.unit, "description": spec.description,
            "labels": list(spec.labels), "buckets": list(spec.buckets), "otelUnit": spec.otel_unit}
        if spec.deprecated is not None:
            d = spec.deprecated
            entry["deprecation"] = {k: v for k, v in (("since", d.since), ("replacement", d.replacement),
                                                      ("removeAfter", d.remove_after)) if v is not None}
        values[m["const"]] = entry
    return {name: Constant(*js_and_dts(value)) for name, value in values.items()}


def _label_check(check: dict[str, Any]) -> Value:
    """One label's check as a constant: `values`, or a `RegExp` and `maxValues`."""
    if "values" in check:
        return {"values": list(check["values"])}
    out: dict[str, Value] = {"maxValues": check["maxValues"]}
    if "pattern" in check:
        out["pattern"] = Typed(code("typescript", "new RegExp(", escaped("ts_str", check["pattern"]), ")"),
                               code("typescript", "RegExp"))
    return out


def _aliases(metric: dict[str, Any]) -> list[Value]:
    """A renamed metric's former field and method (deprecated aliases of the new ones), else nothing."""
    return [metric["alias"], metric["alias_method"]] if metric["alias"] else []
