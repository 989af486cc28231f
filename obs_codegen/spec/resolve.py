"""Stage 2: turn loaded spec data into the immutable `Model`, resolving every reference.

Resolution is an ordered tuple of small passes (`PASSES`), each reading the raw
data and what earlier passes built. A reference to something that does not exist
becomes a diagnostic (rule ids `ref-*`) and the referring item is skipped or
trimmed, so one run reports every problem. The code is defensive about shapes:
it also runs after the schema has already reported type errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..diagnostics import Diagnostic
from . import lifecycle, naming
from .hints import Hinter
from .loader import Source
from .model import (
    SLO,
    Alert,
    Budget,
    Filter,
    Hashing,
    Header,
    Hop,
    LogEvent,
    LogField,
    LogObject,
    Logs,
    Metric,
    Model,
    PerEnv,
    Pos,
    Project,
    Service,
    Tag,
)
from .targets import Targets, resolve_targets

UUID_V4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
TRACEPARENT = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
BEARER_JWT = r"^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$"
TOKEN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"


def _d(data: Any, key: str) -> dict[str, Any]:
    v = data.get(key) if isinstance(data, dict) else None
    return v if isinstance(v, dict) else {}


def _s(data: dict[str, Any], key: str, default: str = "") -> str:
    v = data.get(key, default)
    return v if isinstance(v, str) else default


def _opt(data: dict[str, Any], key: str) -> str | None:
    v = data.get(key)
    return v if isinstance(v, str) else None


def _l(data: dict[str, Any], key: str) -> list[Any]:
    v = data.get(key)
    return v if isinstance(v, list) else []


def _num(v: Any) -> float | None:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return None
    try:
        return float(v)
    except OverflowError:  # an integer beyond float range: rule spec-number-finite reports it
        return None


class Resolver:
    """Holds the source, the diagnostics so far and the pieces built by earlier passes."""

    def __init__(self, src: Source):
        self.src = src
        self.data: dict[str, Any] = src.data if isinstance(src.data, dict) else {}
        self.diags: list[Diagnostic] = []
        self.parts: dict[str, Any] = {}
        self.hints = Hinter()

    # helpers -------------------------------------------------------------------
    def pos(self, *path: Any) -> Pos:
        line, col = self.src.pos(path, key=True)
        return Pos(self.src.file(path), line, col)

    def error(self, path: tuple[Any, ...], rule: str, message: str, key: bool = False) -> None:
        """Report at the value at `path` (or, with `key`, at the key naming it)."""
        self.diags.append(self.src.diag(path, rule, message, key=key))

    def unknown(self, path: tuple[Any, ...], kind: str, name: Any, known: Iterable[str], key: bool = False) -> None:
        """Report a dangling reference. A name that is not a string was already reported by the schema."""
        if not isinstance(name, str):
            return
        hint = self.hints.close(name, known)
        more = f"; did you mean '{hint}'?" if hint else ""
        self.error(path, f"ref-unknown-{kind}", f"unknown {kind} '{name}'{more}", key=key)

    def per_env(self, value: Any, path: tuple[Any, ...]) -> PerEnv | None:
        envs = self.parts["project"].environments
        n = _num(value)
        if n is not None:
            return PerEnv(tuple((e, n) for e in envs))
        if not isinstance(value, dict):
            return None
        out = []
        for env in value:
            if env not in envs:
                self.unknown(path + (env,), "environment", env, envs, key=True)
        for env in envs:
            v = _num(value.get(env))
            if v is None:
                self.error(path, "ref-missing-environment", f"no value for environment '{env}'")
                return None
            out.append((env, v))
        return PerEnv(tuple(out))

    def filter(self, raw: Any, path: tuple[Any, ...]) -> Filter:
        out = []
        for name, value in (raw or {}).items() if isinstance(raw, dict) else ():
            tag = self.parts["tags"].get(name)
            if tag is None:
                self.unknown(path + (name,), "tag", name, self.parts["tags"], key=True)
                continue
            if tag.values and str(value) not in tag.values:
                self.error(path + (name,), "ref-unknown-tag-value",
                           f"'{value}' is not a value of tag '{name}' ({', '.join(tag.values)})")
                continue
            out.append((tag, str(value)))
        return tuple(out)

    def tag_list(self, raw: Any, path: tuple[Any, ...]) -> tuple[Tag, ...]:
        out: list[Tag] = []
        for i, name in enumerate(raw if isinstance(raw, list) else []):
            tags, sets = self.parts["tags"], self.parts["tag_sets"]
            if not isinstance(name, str):
                continue
            if name in sets:
                out.extend(t for t in sets[name] if t not in out)
            elif name in tags:
                if tags[name] not in out:
                    out.append(tags[name])
            else:
                self.unknown(path + (i,), "tag", name, list(tags) + list(sets))
        return tuple(out)

    def metric_ref(self, name: Any, path: tuple[Any, ...]) -> Metric | None:
        m = self.parts["metrics"].get(name) if isinstance(name, str) else None
        if m is None:
            self.unknown(path, "metric", name, self.parts["metrics"])
        return m

    def service_ref(self, name: Any, path: tuple[Any, ...]) -> str:
        if not isinstance(name, str) or name not in self.parts["services"]:
            self.unknown(path, "service", name, self.parts["services"])
        return str(name)


# passes ------------------------------------------------------------------------

def _project(r: Resolver) -> None:
    p = _d(r.data, "project")
    envs = tuple(e for e in _l(p, "environments") if isinstance(e, str)) or ("production",)
    name = _s(p, "name", "project")
    h = _d(r.data, "hashing")
    hp = _d(r.data, "header_policy")
    red = _d(r.data, "redaction")
    r.parts["project"] = Project(
        name=name,
        title=_s(p, "title", name),
        description=_s(p, "description"),
        metric_prefix=_s(p, "metric_prefix", name),
        environments=envs,
        python_package=_s(_d(p, "packages"), "python", naming.snake_case(name) + "_obs"),
        typescript_package=_s(_d(p, "packages"), "typescript", f"@{name}/obs"),
        dashboards_folder=_s(_d(p, "dashboards"), "folder", _s(p, "title", name)),
        catalog_url=_s(_d(p, "links"), "catalog", "observability.md"),
        grafana_url=_s(_d(p, "links"), "grafana", "").rstrip("/"),
        series_budget=int(p.get("series_budget", 10000)) if isinstance(p.get("series_budget"), int) else 10000,
        hashing=Hashing(
            algorithm=_s(h, "algorithm", "hmac-sha256"),
            hex_chars=h.get("hex_chars", 32) if isinstance(h.get("hex_chars"), int) else 32,
            salt_env=_s(h, "salt_env", "OBS_ID_HASH_SALT"),
            salt_rotation_days=h.get("salt_rotation_days", 90) if isinstance(h.get("salt_rotation_days"), int) else 90,
        ),
        header_default_max_bytes=hp.get("default_max_bytes", 256) if isinstance(hp.get("default_max_bytes"), int) else 256,
        strip_unknown_headers=bool(hp.get("strip_unknown", True)),
        forbidden_log_fields=tuple(f for f in _l(red, "forbidden_fields") if isinstance(f, str)),
        log_retention_days=red.get("log_retention_days") if isinstance(red.get("log_retention_days"), int) else None,
        redaction_description=_s(red, "description"),
        pos=r.pos("project"),
        page_environments=tuple(e for e in _l(_d(p, "alerting"), "page_environments") if isinstance(e, str))
        if "page_environments" in _d(p, "alerting") else envs[:1],
        retention=_s(_d(r.data, "prometheus"), "retention", "15d"),
    )


def _services(r: Resolver) -> None:
    project = r.parts["project"].name
    r.parts["services"] = {
        name: Service(name, _s(s, "title", name), _s(s, "description"), naming.dashboard_uid(project, name),
                      r.pos("services", name), _s(s, "owner", project))
        for name, s in _d(r.data, "services").items()
        if isinstance(s, dict)
    }


def _hops(r: Resolver) -> None:
    hops = {}
    known = set(r.parts["services"]) | {"browser", "client", "edge"}
    for name, h in _d(r.data, "hops").items():
        if not isinstance(h, dict):
            continue
        for end in ("from", "to"):
            if not isinstance(h.get(end), str) or h.get(end) not in known:
                r.unknown(("hops", name, end), "service", h.get(end), known)
        hops[name] = Hop(name, _s(h, "description"), _s(h, "from"), _s(h, "to"), bool(h.get("external", False)),
                         r.pos("hops", name))
    r.parts["hops"] = hops


def _tags(r: Resolver) -> None:
    tags = {}
    for name, t in _d(r.data, "tags").items():
        if not isinstance(t, dict):
            continue
        kind = _s(t, "type", "string")
        values = tuple(str(v) for v in _l(t, "values") if isinstance(v, (str, int, float)))
        if kind == "environment":
            values = r.parts["project"].environments
        if kind in ("enum", "environment") and not values:
            r.error(("tags", name), "ref-missing-values", f"enum tag '{name}' needs values", key=True)
        tags[name] = Tag(
            name=name,
            kind="enum" if kind == "environment" else kind,  # type: ignore[arg-type]
            description=_s(t, "description"),
            label=_s(t, "label", naming.snake_case(name)),
            values=values,
            max_values=t.get("max_values") if isinstance(t.get("max_values"), int) else None,
            pattern=t.get("pattern") if isinstance(t.get("pattern"), str) else None,
            prefix=t.get("prefix") if isinstance(t.get("prefix"), str) else None,
            opaque_pattern=t.get("opaque_pattern") if isinstance(t.get("opaque_pattern"), str) else None,
            is_environment=kind == "environment",
            pos=r.pos("tags", name),
            renamed_from=_opt(t, "renamed_from"),
            deprecated=lifecycle.parse(t.get("deprecated")),
        )
    r.parts["tags"] = tags
    sets: dict[str, tuple[Tag, ...]] = {}
    for name, members in _d(r.data, "tag_sets").items():
        if name in tags:
            r.error(("tag_sets", name), "ref-ambiguous-tag-set", f"tag set '{name}' has the name of a tag", key=True)
        found = []
        for i, m in enumerate(members if isinstance(members, list) else []):
            if isinstance(m, str) and m in tags:
                found.append(tags[m])
            else:
                r.unknown(("tag_sets", name, i), "tag", m, tags)
        sets[name] = tuple(found)
    r.parts["tag_sets"] = sets


def _metrics(r: Resolver) -> None:
    prefix = r.parts["project"].metric_prefix
    bucket_sets = _d(r.data, "bucket_sets")
    metrics = {}
    for key, m in _d(r.data, "metrics").items():
        if not isinstance(m, dict):
            continue
        parts = key.split(".")
        service = parts[0]
        if service not in r.parts["services"]:
            r.unknown(("metrics", key), "service", service, r.parts["services"], key=True)
        buckets: tuple[float, ...] = ()
        raw_b = m.get("buckets")
        if isinstance(raw_b, str):
            if raw_b in bucket_sets and isinstance(bucket_sets[raw_b], list):
                raw_b = bucket_sets[raw_b]
            else:
                r.unknown(("metrics", key, "buckets"), "bucket-set", raw_b, bucket_sets)
                raw_b = []
        if isinstance(raw_b, list):
            buckets = tuple(float(b) for b in raw_b if _num(b) is not None)
        metrics[key] = Metric(
            key=key,
            name=f"{prefix}.{key}",
            service=service,
            family=parts[1] if len(parts) > 2 else "metrics",
            type=_s(m, "type", "gauge"),  # type: ignore[arg-type]
            unit=_s(m, "unit", "none"),
            description=_s(m, "description"),
            tags=r.tag_list(m.get("tags"), ("metrics", key, "tags")),
            buckets=buckets,
            pos=r.pos("metrics", key),
            title=_s(m, "title"),
            aggregation=m["aggregation"] if m.get("aggregation") in ("sum", "max", "min", "avg") else "sum",
            part_of=m["part_of"] if isinstance(m.get("part_of"), str) else None,
            renamed_from=_opt(m, "renamed_from"),
            deprecated=lifecycle.parse(m.get("deprecated")),
        )
    for key, metric in metrics.items():
        if metric.part_of is not None and metric.part_of not in metrics:
            r.unknown(("metrics", key, "part_of"), "metric", metric.part_of, metrics)
    r.parts["metrics"] = metrics


def _header_pattern(fmt: str, tag: Tag | None, value: str | None, hashing: Hashing) -> str:
    if fmt == "uuid-v4":
        return UUID_V4
    if fmt == "traceparent":
        return TRACEPARENT
    if fmt == "bearer-jwt":
        return BEARER_JWT
    if fmt == "literal":
        return "^" + re.escape(value or "") + "$"
    if fmt == "hashed-id" and tag is not None:
        return hashed_id_pattern(tag, hashing)
    if fmt == "enum" and tag is not None and tag.values:
        return "^(" + "|".join(re.escape(v) for v in tag.values) + ")$"
    if tag is not None and tag.pattern:
        return anchored(tag.pattern)
    return TOKEN


def anchored(pattern: str) -> str:
    """`pattern` matching whole values only: JSON Schema and JS `test()` search, they do not anchor."""
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern
    return f"^(?:{pattern})$"


def hashed_id_pattern(tag: Tag, hashing: Hashing) -> str:
    """Anchored regex for a hashed id tag: prefix + hex digest (or the tag's opaque server form)."""
    hashed = re.escape(tag.prefix or "") + hashing.hex_pattern
    if tag.opaque_pattern:
        opaque = tag.opaque_pattern.removeprefix("^").removesuffix("$")
        return f"^(?:{hashed}|{opaque})$"
    return f"^{hashed}$"


def _headers(r: Resolver) -> None:
    project = r.parts["project"]
    headers = []
    for name, h in _d(r.data, "headers").items():
        if not isinstance(h, dict):
            continue
        tag = None
        if "tag" in h:
            tag = r.parts["tags"].get(h["tag"]) if isinstance(h["tag"], str) else None
            if tag is None:
                r.unknown(("headers", name, "tag"), "tag", h["tag"], r.parts["tags"])
        hops = []
        for i, hop in enumerate(h.get("hops", []) if isinstance(h.get("hops"), list) else []):
            if isinstance(hop, str) and hop in r.parts["hops"]:
                hops.append(hop)
            else:
                r.unknown(("headers", name, "hops", i), "hop", hop, r.parts["hops"])
        fmt = _s(h, "format", "token")
        value = h.get("value") if isinstance(h.get("value"), str) else None
        max_bytes = h.get("max_bytes")
        if not isinstance(max_bytes, int):
            max_bytes = project.header_default_max_bytes
        headers.append(Header(
            name=name, group=_s(h, "group", "recommended"), required=bool(h.get("required", False)),
            description=_s(h, "description"), format=fmt, tag=tag, value=value, max_bytes=max_bytes,
            secret=bool(h.get("secret", False)), identity=bool(h.get("identity", False)), hops=tuple(hops),
            pattern=_header_pattern(fmt, tag, value, project.hashing), pos=r.pos("headers", name),
            renamed_from=_opt(h, "renamed_from"), deprecated=lifecycle.parse(h.get("deprecated")),
        ))
    r.parts["headers"] = tuple(headers)


def _field(r: Resolver, name: str, raw: dict[str, Any], path: tuple[Any, ...], objects: dict[str, LogObject]) -> LogField | None:
    hashing = r.parts["project"].hashing
    common: dict[str, Any] = dict(
        name=name,
        required=bool(raw.get("required", False)),
        description=_s(raw, "description"),
        minimum=_num(raw.get("min")),
        maximum=_num(raw.get("max")),
        max_length=raw.get("max_length") if isinstance(raw.get("max_length"), int) else None,
        pattern=anchored(raw["pattern"]) if isinstance(raw.get("pattern"), str) else None,
        unit=raw.get("unit") if isinstance(raw.get("unit"), str) else None,
        pos=r.pos(*path),
        renamed_from=_opt(raw, "renamed_from"),
        deprecated=lifecycle.parse(raw.get("deprecated")),
    )
    if "tag" in raw:
        tag = r.parts["tags"].get(raw["tag"]) if isinstance(raw["tag"], str) else None
        if tag is None:
            r.unknown(path + ("tag",), "tag", raw["tag"], r.parts["tags"])
            return None
        common["tag"] = tag
        if tag.kind == "hashed_id":
            common["pattern"] = hashed_id_pattern(tag, hashing)
            return LogField(type="hashed_id", **common)
        if tag.kind == "enum":
            return LogField(type="enum", values=tag.values, **common)
        common["pattern"] = common["pattern"] or (anchored(tag.pattern) if tag.pattern else None)
        return LogField(type="string", **common)
    if "object" in raw:
        obj = objects.get(raw["object"]) if isinstance(raw["object"], str) else None
        if obj is None:
            r.unknown(path + ("object",), "object", raw["object"], objects)
            return None
        return LogField(type="object", object=obj, **common)
    ftype = _s(raw, "type", "string")
    values = tuple(str(v) for v in _l(raw, "values") if isinstance(v, (str, int, float)))
    if ftype == "enum" and not values:
        r.error(path, "ref-missing-values", f"enum field '{name}' needs values", key=True)
    return LogField(type=ftype, values=values, **common)


def _fields(r: Resolver, raw: Any, path: tuple[Any, ...], objects: dict[str, LogObject]) -> tuple[LogField, ...]:
    out = []
    for name, f in (raw.items() if isinstance(raw, dict) else ()):
        if isinstance(f, dict):
            field = _field(r, name, f, path + (name,), objects)
            if field is not None:
                out.append(field)
    return tuple(out)


def _logs(r: Resolver) -> None:
    logs = _d(r.data, "logs")
    objects: dict[str, LogObject] = {}
    for name, o in _d(logs, "objects").items():
        if isinstance(o, dict):
            objects[name] = LogObject(name, _s(o, "description"),
                                      _fields(r, o.get("fields"), ("logs", "objects", name, "fields"), objects),
                                      r.pos("logs", "objects", name))
    envelope = _fields(r, logs.get("envelope"), ("logs", "envelope"), objects)
    events = []
    for key, e in _d(logs, "events").items():
        if not isinstance(e, dict):
            continue
        service = r.service_ref(e.get("service"), ("logs", "events", key, "service"))
        fields = _fields(r, e.get("fields"), ("logs", "events", key, "fields"), objects)
        disc = _s(e, "discriminator")
        if disc and not any(f.name == disc and f.required for f in fields):
            r.error(("logs", "events", key, "discriminator"), "ref-unknown-discriminator",
                    f"discriminator '{disc}' must be a required field of the event")
        events.append(LogEvent(key, key.split(".", 1)[-1], service, _s(e, "description"), disc, fields,
                               r.pos("logs", "events", key)))
    r.parts["logs"] = Logs(_s(logs, "description"), envelope, tuple(objects.values()), tuple(events))


def _budgets(r: Resolver) -> None:
    budgets = {}
    for name, b in _d(r.data, "budgets").items():
        if isinstance(b, dict):
            value = r.per_env(b.get("value"), ("budgets", name, "value"))
            if value is not None:
                budgets[name] = Budget(name, _s(b, "description"), _s(b, "unit"), value, r.pos("budgets", name))
    r.parts["budgets"] = budgets


def _slos(r: Resolver) -> None:
    slos = []
    for name, s in _d(r.data, "slos").items():
        if not isinstance(s, dict):
            continue
        path = ("slos", name)
        service = r.service_ref(s.get("service"), path + ("service",))
        objective = r.per_env(s.get("objective"), path + ("objective",))
        ratio, latency = _d(s, "ratio"), _d(s, "latency")
        errors = total = lat = None
        threshold = None
        if ratio:
            kind = "ratio"
            errors = r.metric_ref(ratio.get("errors"), path + ("ratio", "errors"))
            total = r.metric_ref(ratio.get("total"), path + ("ratio", "total"))
            ok = errors is not None and total is not None
        elif latency:
            kind = "latency"
            lat = r.metric_ref(latency.get("metric"), path + ("latency", "metric"))
            threshold = _num(latency.get("threshold"))
            ok = lat is not None and threshold is not None
        else:
            r.error(path, "ref-slo-kind", f"SLO '{name}' needs `ratio:` or `latency:`", key=True)
            ok = False
        flt = r.filter(s.get("filter"), path + ("filter",))
        if not ok or objective is None:
            continue
        slos.append(SLO(
            name=name, service=service, description=_s(s, "description"), period=_s(s, "period", "28d"),
            objective=objective, kind=kind, errors=errors, total=total, latency_metric=lat,  # type: ignore[arg-type]
            threshold=threshold, filter=flt,
            min_requests_per_hour=_num(s.get("min_requests_per_hour")) or 0.0,
            absent_alert=bool(s.get("absent_alert", True)), pos=r.pos(*path), owner=_owner(r, s, service),
        ))
    r.parts["slos"] = tuple(slos)


def _alerts(r: Resolver) -> None:
    alerts = []
    for name, a in _d(r.data, "alerts").items():
        if not isinstance(a, dict):
            continue
        path = ("alerts", name)
        service = r.service_ref(a.get("service"), path + ("service",))
        extra: dict[str, Any] = {}
        budget = None
        if "above_budget" in a:
            budget = r.parts["budgets"].get(a["above_budget"]) if isinstance(a["above_budget"], str) else None
            if budget is None:
                r.unknown(path + ("above_budget",), "budget", a["above_budget"], r.parts["budgets"])
            threshold = budget.value if budget else None
        else:
            threshold = r.per_env(a.get("above"), path + ("above",))
            if "above" not in a:
                r.error(path, "ref-alert-threshold", f"alert '{name}' needs `above:` or `above_budget:`", key=True)
        ok = True
        if "quantile" in a:
            kind, q = "quantile", _d(a, "quantile")
            extra["metric"] = r.metric_ref(q.get("metric"), path + ("quantile", "metric"))
            extra["q"] = _num(q.get("q"))
            extra["filter"] = r.filter(q.get("filter"), path + ("quantile", "filter"))
            extra["by"] = r.tag_list(q.get("by"), path + ("quantile", "by"))
            extra["min_requests"] = _min_requests(q)
            ok = extra["metric"] is not None
        elif "ratio" in a:
            kind, q = "ratio", _d(a, "ratio")
            extra["numerator"] = r.metric_ref(q.get("numerator"), path + ("ratio", "numerator"))
            extra["denominator"] = r.metric_ref(q.get("denominator"), path + ("ratio", "denominator"))
            extra["numerator_filter"] = r.filter(q.get("numerator_filter"), path + ("ratio", "numerator_filter"))
            extra["filter"] = r.filter(q.get("filter"), path + ("ratio", "filter"))
            extra["by"] = r.tag_list(q.get("by"), path + ("ratio", "by"))
            extra["min_requests"] = _min_requests(q)
            ok = extra["numerator"] is not None and extra["denominator"] is not None
        elif "gauge" in a:
            kind, q = "gauge", _d(a, "gauge")
            extra["metric"] = r.metric_ref(q.get("metric"), path + ("gauge", "metric"))
            extra["filter"] = r.filter(q.get("filter"), path + ("gauge", "filter"))
            extra["by"] = r.tag_list(q.get("by"), path + ("gauge", "by"))
            ok = extra["metric"] is not None
        elif "cost_per_user" in a:
            kind, q = "cost_per_user", _d(a, "cost_per_user")
            extra["cost"] = r.metric_ref(q.get("cost"), path + ("cost_per_user", "cost"))
            extra["users"] = r.metric_ref(q.get("users"), path + ("cost_per_user", "users"))
            extra["average_over"] = _s(q, "average_over", "3d")
            extra["min_users"] = _num(q.get("min_users")) or 1.0
            ok = extra["cost"] is not None and extra["users"] is not None
        else:
            r.error(path, "ref-alert-kind", f"alert '{name}' needs `quantile:`, `ratio:`, `gauge:` or `cost_per_user:`",
                    key=True)
            continue
        if not ok or threshold is None:
            continue
        description = _s(a, "description")
        summary = _s(a, "summary") or description.split(";")[0].rstrip(".") + "."
        severity = a.get("severity")
        per_env = tuple((e, v) for e, v in severity.items() if isinstance(v, str)) if isinstance(severity, dict) else ()
        declared = severity if isinstance(severity, str) else ("page" if any(v == "page" for _, v in per_env) else "ticket")
        alerts.append(Alert(
            name=name, service=service, severity=declared, severity_per_env=per_env,  # type: ignore[arg-type]
            owner=_owner(r, a, service),
            description=description, summary=summary, kind=kind, for_=_s(a, "for", "5m"),  # type: ignore[arg-type]
            threshold=threshold, budget=budget, pos=r.pos(*path), **extra,
        ))
    r.parts["alerts"] = tuple(alerts)


def _targets(r: Resolver) -> Targets:
    project = r.parts["project"]
    t = resolve_targets(r.data.get("targets"), r.pos, project.name, project.dashboards_folder,
                        naming.dashboard_uid(project.name, "folder"))
    for ruler in t.rulers:
        for service, _ in ruler.namespaces:
            if service not in r.parts["services"]:
                r.unknown(("targets", ruler.flavour, "namespaces", service), "service", service, r.parts["services"],
                          key=True)
    return t


def _owner(r: Resolver, item: dict[str, Any], service: str) -> str:
    """An alert's owner: its own `owner`, else its service's, else the project name."""
    if isinstance(item.get("owner"), str):
        return str(item["owner"])
    svc = r.parts["services"].get(service)
    return str(svc.owner) if svc is not None and svc.owner else str(r.parts["project"].name)


# Events in a threshold alert's 5-minute rate window below which it stays quiet (4 a minute):
# one call a minute with four failures is noise, not an incident. `min_requests: 0` turns it off.
DEFAULT_MIN_REQUESTS = 20.0


def _min_requests(q: dict[str, Any]) -> float:
    value = _num(q.get("min_requests"))
    return DEFAULT_MIN_REQUESTS if value is None else value


PASSES: tuple[Callable[[Resolver], None], ...] = (
    _project, _services, _hops, _tags, _metrics, _headers, _logs, _budgets, _slos, _alerts,
)


def resolve(src: Source) -> tuple[Model, list[Diagnostic]]:
    """Run every pass in order and assemble the model."""
    r = Resolver(src)
    for step in PASSES:
        step(r)
    p = r.parts
    model = Model(
        spec_path=src.path,
        project=p["project"],
        services=tuple(p["services"].values()),
        hops=tuple(p["hops"].values()),
        tags=tuple(p["tags"].values()),
        metrics=tuple(p["metrics"].values()),
        headers=p["headers"],
        logs=p["logs"],
        budgets=tuple(p["budgets"].values()),
        slos=p["slos"],
        alerts=p["alerts"],
        source=src.raw,
        targets=_targets(r),
    )
    return model, r.diags
