"""Python backend: `python/` installable package with header, metric, log-event and hashing helpers.

Output: `python/pyproject.toml` and `python/<project.packages.python>/` (`__init__.py`,
`headers.py`, `metrics.py`, `logs.py` with TypedDicts, `hashing.py`, `py.typed`, `emitters.py` (a
logging.Formatter and a structlog processor writing schema-valid lines), and, with metrics, the
optional client modules `instrumentation.py` (prometheus_client) and `otel.py` (OpenTelemetry),
which import their library lazily and share typed recording methods and the run-time label checks
of `labels.py`), stdlib-only, Python >= 3.11, clean under `mypy --strict` and `ruff`. Identifiers follow
`obs_codegen.identifiers`; every spec value passes through an escaper (`py_str`, `py_doc`,
`comment`, `toml_str`, ...) of the templates in `templates/python/` or through `templating.escaped`
here; the templating layer refuses anything else.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..spec.model import LogField, Metric, Model
from .escaped import Escaped, code, code_join, escaped
from .identifiers import IdentifierTable, Names, check_packages, is_py_identifier, pascal_case, view
from .templating import Templates

# Names each module template defines (re-exported by __init__); derived names must not take them.
MODULE_BUILTINS = {
    "hashing": ("HASH_ALGORITHM", "HASH_HEX_CHARS", "HASH_SALT_ENV", "HASH_SALT_ROTATION_DAYS", "HashedIdKind",
                "HASHED_ID_PREFIXES", "hash_id"),
    "headers": ("HeaderGroup", "HopName", "HeaderName", "HeaderSpec", "HopSpec", "HEADERS", "HEADER_GROUPS", "HOPS",
                "STRIP_UNKNOWN_HEADERS", "HEADER_DEFAULT_MAX_BYTES", "SSE_HEADERS", "sse_request_headers",
                "sse_response_headers", "DropReason", "DroppedHeader", "SanitizedHeaders", "HeaderValue", "HeaderInput",
                "sanitize_headers"),
    "logs": ("LogEnvelope", "LogEvent", "LOG_EVENT_KEYS", "FORBIDDEN_LOG_FIELDS", "log_line"),
    "metrics": ("MetricType", "Deprecation", "MetricSpec", "TAG_VALUES", "METRICS"),
}
SSE_NAMES = ("SSE_HEADERS", "sse_request_headers", "sse_response_headers")
# Names the templates use internally at module level (imports, private helpers).
PRIVATE = ("annotations", "re", "json", "hmac", "hashlib", "dataclass", "MappingProxyType", "Mapping", "Iterable",
           "Sequence", "Final", "Literal", "NamedTuple", "Never", "Union", "NotRequired", "TypedDict", "_collect")

# Module-level names of instrumentation.py that a `<Service>Metrics` class must not take.
INSTRUMENTATION_BUILTINS = ("annotations", "dataclass", "TYPE_CHECKING", "Literal", "get_args", "overload", "metrics",
                            "MetricSpec", "CollectorRegistry", "Counter", "Gauge", "Histogram", "ServiceName",
                            "create_metrics", "labels", "Meter", "MeterProvider", "View", "PrometheusMetricReader",
                            "BoundCounter", "BoundGauge", "BoundHistogram", "METER_NAME", "views", "prometheus_reader",
                            "meter_provider", "create_otel_metrics", "SdkMeterProvider", "MetricReader", "Mapping", "Sequence",
                            "deprecated")

_SCALARS = {"integer": "int", "number": "float", "boolean": "bool"}


def escaped_ident(name: str) -> Escaped:
    """A derived identifier (already checked by `identifiers`), re-asserted against the Python grammar."""
    from .escape import ident

    return code("python", ident(name, "python"))



def isort_key(name: str) -> tuple[int, str]:
    """isort's `order-by-type` (as ruff applies it): CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name.lower())


def code_view(model: Model) -> dict[str, Any]:
    """The template context with every derived identifier checked (raises CodegenError); lint calls it too.

    It derives every identifier `render()` uses: the package name, the names of the package
    modules (`identifiers.view`) and the `<Service>Metrics` classes of `instrumentation.py`,
    so lint reports a collision before render does.
    """
    builtins = tuple(n for names in MODULE_BUILTINS.values() for n in names) + PRIVATE
    ctx = view(model, "python", builtins)
    ctx["python_package"] = check_packages(model, "python")
    ctx["metrics_classes"] = metrics_classes(model)
    return ctx


def metrics_classes(model: Model) -> dict[str, str]:
    """Service -> its `<Service>Metrics` class in `instrumentation.py`, for every service with metrics."""
    table = IdentifierTable.for_module("python", "instrumentation", INSTRUMENTATION_BUILTINS)
    return {s.name: table.claim(pascal_case(s.name, "Metrics"), f"service '{s.name}'", s.pos)
            for s in model.services if model.metrics_for(s.name)}


def _params(m: Metric, names: Names) -> list[dict[str, Any]]:
    """Keyword parameters of a metric's recording method: one per label, typed from its tag."""
    params: list[dict[str, Any]] = []
    taken = {"self"}
    for t in m.tags:
        name = t.label if is_py_identifier(t.label) and t.label not in taken else t.label + "_"
        while name in taken or not is_py_identifier(name):
            name += "_"
        taken.add(name)
        params.append({"param": name, "label": t.label, "tag": t,
                       "type": names.tag_types[t.name] if t.kind == "enum" else "str"})
    return params


def instrumentation_view(model: Model, ctx: dict[str, Any]) -> dict[str, Any]:
    """Context of `instrumentation.py`, `otel.py` and `labels.py`: one dataclass per service with
    metrics, one field (the client's object) and one typed recording method per metric."""
    names: Names = ctx["names"]
    by_key = {m["spec"].key: m for m in ctx["metrics"]}
    recorders = {m.key: {**by_key[m.key], "kind": m.type.capitalize(), "method": names.metrics[m.key].lower(),
                         "params": _params(m, names)} for m in model.metrics}
    for m in model.metrics:
        if m.key in names.renamed:
            recorders[m.key]["alias_method"] = names.renamed[m.key].lower()
            recorders[m.key]["rename_note"] = (f"metric '{m.renamed_from}' was renamed to '{m.key}'; use "
                                               f"{names.metrics[m.key].lower()}().")
            recorders[m.key]["rename_field_note"] = (f"metric '{m.renamed_from}' was renamed to '{m.key}'; use "
                                                     f"{names.metrics[m.key]}.")
    services = [
        {"name": s.name, "title": s.title, "cls": ctx["metrics_classes"][s.name],
         "metrics": [recorders[m.key] for m in model.metrics_for(s.name)]}
        for s in model.services if s.name in ctx["metrics_classes"]
    ]
    first = services[0]["metrics"][0]
    kwargs = ", ".join(f"{p['param']}=..." for p in first["params"])
    call = {"counter": "inc()", "gauge": "set(...)", "histogram": "observe(...)"}[first["spec"].type]
    example = {"service": services[0]["name"], "method": first["method"],
               "kwargs": escaped("py_doc", kwargs), "call": escaped("py_doc", call)}
    types = sorted({p["type"] for r in recorders.values() for p in r["params"] if p["type"] != "str"} | {"MetricSpec"},
                   key=isort_key)
    return {"services": services, "example": example, "recorders": list(recorders.values()),
            "any_deprecated": any(m.deprecated is not None or m.key in names.renamed for m in model.metrics),
            "recorder_imports": types, "recorder_imports_wrap": len("from .metrics import " + ", ".join(types)) > 88}


_LEVEL_CANDIDATES = {"debug": ("debug", "trace"), "info": ("info",), "warning": ("warn", "warning", "info"),
                     "warn": ("warn", "warning", "info"), "error": ("error", "err"), "exception": ("error", "fatal"),
                     "critical": ("fatal", "critical", "error")}


def emitters_view(model: Model) -> dict[str, Any] | None:
    """Context of `emitters.py` (None when there are no log events or no timestamp and service envelope fields)."""
    env = model.logs.envelope
    roles = {
        "ts": next((f.name for f in env if f.type == "datetime"), None),
        "service": next((f.name for f in env if f.type == "service"), None),
        "env": next((f.name for f in env if f.tag is not None and f.tag.is_environment), None),
        "request_id": next((f.name for f in env if f.type == "uuid"), None),
        "level": next((f.name for f in env if f.type == "enum" and f.name == "level"), None),
    }
    if not model.logs.events or roles["ts"] is None or roles["service"] is None:
        return None
    values = next((f.values for f in env if f.name == roles["level"]), ())
    levels = [(k, next((c for c in cands if c in values), values[0] if values else k))
              for k, cands in _LEVEL_CANDIDATES.items()]
    if values and "info" not in dict(levels):
        levels.append(("info", values[0]))
    def objects(fields: tuple[LogField, ...]) -> list[tuple[str, list[str]]]:
        return [(f.name, sorted(x.name for x in f.object.fields)) for f in fields if f.object is not None]

    events = [(s.name, [(e.discriminator, sorted(f.name for f in e.fields), objects(e.fields), e.discriminator_values)
                        for e in model.logs.events_for(s.name)])
              for s in model.services if model.logs.events_for(s.name)]
    first = events[0][0]
    return {"log_roles": roles, "log_levels": levels, "log_events": events, "example_service": first,
            "example_env": model.project.environments[0]}


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    ctx = code_view(model)
    names: Names = ctx["names"]
    package = ctx["python_package"]
    typing_used: set[str] = set()
    tag_types_used: set[str] = set()

    def literal(values: tuple[str, ...] | list[str]) -> Escaped:
        typing_used.add("Literal")
        return escaped("py_literal", values)

    def base_type(f: LogField, service: str | None) -> Escaped:
        if f.type == "object" and f.object is not None:
            return escaped_ident(names.objects[f.object.name])
        if f.type == "service":
            return literal([service] if service else ctx["services"])
        if f.type == "enum":
            if f.tag is not None and f.tag.name in names.tag_types:
                tag_types_used.add(names.tag_types[f.tag.name])
                return escaped_ident(names.tag_types[f.tag.name])
            return literal(f.values)
        return code("python", _SCALARS.get(f.type, "str"))

    def type_of(f: LogField, service: str | None) -> Escaped:
        if f.required:
            return base_type(f, service)
        typing_used.add("NotRequired")
        return code("python", "NotRequired[", base_type(f, service), "]")

    def py_tuple(items: object, kind: str = "py_str") -> Escaped:
        """A tuple literal of spec strings (`py_str`), identifiers (`ident`) or numbers (`num`)."""
        texts = [escaped_ident(i) if kind == "ident" else escaped(kind, i) for i in items]  # type: ignore[attr-defined]
        return code("python", "(", code_join("python", ", ", texts), "," if len(texts) == 1 else "", ")")

    for f, service in ctx["log_fields"]:  # collect the imports logs.py needs before rendering it
        type_of(f, service)
    if not model.logs.events:
        typing_used.add("Never")  # `LogEvent`: no event type exists, so `log_line` accepts nothing

    derived = {
        "headers": list(names.headers.values()),
        "metrics": list(names.tag_types.values()) + list(names.metrics.values()),
        "logs": list(names.objects.values()) + list(names.events.values()),
    }
    absent = () if ctx["sse"] else SSE_NAMES  # no SSE headers: no SSE helpers
    exports = [(m, sorted(tuple(n for n in MODULE_BUILTINS[m] if n not in absent) + tuple(derived.get(m, ())),
                          key=isort_key)) for m in sorted(MODULE_BUILTINS)]
    ctx.update(type_of=type_of, py_tuple=py_tuple, is_ident=is_py_identifier, exports=exports,
               all_names=sorted(n for _, members in exports for n in members),
               typing_used=sorted(typing_used), tag_types_used=sorted(tag_types_used))
    files = {PurePosixPath("python", "pyproject.toml"): templates.render("python/pyproject.toml.j2", **ctx)}
    for module in ("__init__.py", "hashing.py", "headers.py", "logs.py", "metrics.py", "py.typed"):
        files[PurePosixPath("python", package, module)] = templates.render(f"python/{module}.j2", **ctx)
    emitters = emitters_view(model)
    if emitters is not None:
        files[PurePosixPath("python", package, "emitters.py")] = templates.render(
            "python/emitters.py.j2", **{**ctx, "package": package, **emitters})
    if model.metrics:
        inst = {**ctx, "package": package, **instrumentation_view(model, ctx)}
        for module in ("instrumentation.py", "labels.py", "otel.py"):
            files[PurePosixPath("python", package, module)] = templates.render(f"python/{module}.j2", **inst)
    return dict(sorted(files.items()))
