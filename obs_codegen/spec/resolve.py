"""Stage 2: turn loaded spec data into the immutable `Model`, resolving every reference.

Resolution is an ordered tuple of small passes (`PASSES`), each reading the raw
data and what earlier passes built. A reference to something that does not exist
becomes a diagnostic (rule ids `ref-*`) and the referring item is skipped or
trimmed, so one run reports every problem. The code is defensive about shapes:
it also runs after the schema has already reported type errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from ..diagnostics import Diagnostic
from . import header_formats, lifecycle, naming
from .custom import resolve_custom
from .loader import Source
from .model import (
    BUILTIN_HEADER_GROUPS,
    External,
    Hashing,
    Header,
    Hop,
    Metric,
    Model,
    Project,
    Service,
    Tag,
)
from .resolve_alerts import _alerts, _budgets, _slos
from .resolve_logs import _logs, anchored, hashed_id_pattern
from .resolver import Resolver, _d, _l, _num, _opt, _s
from .targets import Targets, resolve_targets

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
        version=_s(p, "version") or spec_version(r.data),
    )


def spec_version(data: Any) -> str:
    """The generated packages' default version: 0.0.0 plus a digest of the spec's content (not its bytes,
    so comments, key order and a split into several files do not change it) as build metadata, which
    npm's semver and PEP 440 (a local version) both accept and neither orders by."""
    content = {k: v for k, v in data.items() if k != "include"} if isinstance(data, dict) else data
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "0.0.0+spec." + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _services(r: Resolver) -> None:
    project = r.parts["project"].name
    r.parts["services"] = {
        name: Service(name, _s(s, "title", name), _s(s, "description"), naming.dashboard_uid(project, name),
                      r.pos("services", name), _s(s, "owner", project))
        for name, s in _d(r.data, "services").items()
        if isinstance(s, dict)
    }


# Hop ends that are neither services nor third parties: where requests start.
CLIENTS = ("browser", "client", "edge")


def _externals(r: Resolver) -> None:
    r.parts["externals"] = {}
    for name, e in _d(r.data, "externals").items():
        if not isinstance(e, dict):
            continue
        if name in r.parts["services"]:
            r.error(("externals", name), "ref-external-is-service",
                    f"'{name}' is both a service and an external party; a third party emits nothing, so "
                    "remove it from one of `services:` and `externals:`", key=True)
        r.parts["externals"][name] = External(name, _s(e, "title", name), _s(e, "description"), r.pos("externals", name))


def _hops(r: Resolver) -> None:
    hops = {}
    services, externals = r.parts["services"], r.parts["externals"]
    known = sorted(set(services) | set(externals) | set(CLIENTS))
    for name, h in _d(r.data, "hops").items():
        if not isinstance(h, dict):
            continue
        for end in ("from", "to"):
            value = h.get(end)
            if isinstance(value, str) and value not in known:
                hint = r.hints.close(value, known)
                r.error(("hops", name, end), "ref-unknown-service",
                        f"unknown hop end '{value}': not a service, an external party or one of "
                        f"{', '.join(CLIENTS)}" + (f"; did you mean '{hint}'?" if hint else
                                                  f"; declare a third party under `externals: {{{value}: ...}}`"))
        target = _s(h, "to")
        hops[name] = Hop(name, _s(h, "description"), _s(h, "from"), target,
                         target in externals or bool(h.get("external", False)), r.pos("hops", name))
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
    raw_sets = _d(r.data, "tag_sets")
    sets: dict[str, tuple[Tag, ...]] = {}
    for name in raw_sets:
        if name in tags:
            r.error(("tag_sets", name), "ref-ambiguous-tag-set", f"tag set '{name}' has the name of a tag", key=True)
        _tag_set(r, name, raw_sets, tags, sets, ())
    r.parts["tag_sets"] = sets


MAX_NESTING = 32  # tag sets in tag sets, objects in objects: far beyond any real spec, far below the stack


def _tag_set(r: Resolver, name: str, raw: dict[str, Any], tags: dict[str, Tag], sets: dict[str, tuple[Tag, ...]],
             chain: tuple[str, ...]) -> tuple[Tag, ...]:
    """The tags of set `name`, members that are tag sets expanded in place (first occurrence kept)."""
    if name in sets:
        return sets[name]
    if len(chain) >= MAX_NESTING:
        if not r.parts.setdefault("deep", set()) & {"tag_sets"}:  # once: a long chain is one problem
            r.parts["deep"].add("tag_sets")
            r.error(("tag_sets", chain[-1]), "ref-nesting-depth",
                    f"tag sets nest more than {MAX_NESTING} deep ({chain[0]} -> ... -> {name}); flatten the chain",
                    key=True)
        sets[name] = ()
        return ()
    found: list[Tag] = []
    members = raw.get(name)
    for i, m in enumerate(members if isinstance(members, list) else []):
        if isinstance(m, str) and m in tags:
            inner: tuple[Tag, ...] = (tags[m],)
        elif isinstance(m, str) and m in raw:
            if m in chain + (name,):
                loop = " -> ".join(chain[chain.index(m):] + (name, m) if m in chain else (name, m))
                r.error(("tag_sets", name, i), "ref-tag-set-cycle", f"tag set '{name}' includes itself ({loop})")
                continue
            inner = _tag_set(r, m, raw, tags, sets, chain + (name,))
        else:
            r.unknown(("tag_sets", name, i), "tag", m, list(tags) + list(raw))
            continue
        found.extend(t for t in inner if t not in found)
    sets[name] = tuple(found)
    return sets[name]


def _metrics(r: Resolver) -> None:
    prefix = r.parts["project"].metric_prefix
    bucket_sets = _d(r.data, "bucket_sets")
    custom_units = {name: _s(u, "grafana", f"suffix: {name}") for name, u in _d(r.data, "units").items()
                    if isinstance(u, dict)}
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
            custom_unit=custom_units.get(_s(m, "unit", "none")),
        )
    for key, metric in metrics.items():
        if metric.part_of is not None and metric.part_of not in metrics:
            r.unknown(("metrics", key, "part_of"), "metric", metric.part_of, metrics)
    r.parts["metrics"] = metrics


def _header_pattern(fmt: str, tag: Tag | None, value: str | None, hashing: Hashing) -> str:
    if fmt in header_formats.PATTERNS and fmt != "token":
        return header_formats.PATTERNS[fmt]
    if fmt == "literal":
        return "^" + header_formats.escape(value or "") + "$"
    if fmt == "hashed-id" and tag is not None:
        return hashed_id_pattern(tag, hashing)
    if fmt == "enum" and tag is not None and tag.values:
        return "^(" + "|".join(header_formats.escape(v) for v in tag.values) + ")$"
    if tag is not None and tag.pattern:
        return anchored(tag.pattern)
    return header_formats.TOKEN


def _headers(r: Resolver) -> None:
    project = r.parts["project"]
    r.parts["header_groups"] = BUILTIN_HEADER_GROUPS + tuple(g for g in _d(r.data, "header_groups")
                                                              if g not in BUILTIN_HEADER_GROUPS)
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
        group = _s(h, "group", "recommended")
        if group not in r.parts["header_groups"] and isinstance(h.get("group"), str):
            r.unknown(("headers", name, "group"), "header-group", group, r.parts["header_groups"])
        fmt = _s(h, "format", "token")
        value = h.get("value") if isinstance(h.get("value"), str) else None
        max_bytes = h.get("max_bytes")
        if not isinstance(max_bytes, int):
            hashed = (len((tag.prefix or "").encode()) + 64 if tag is not None and tag.kind == "hashed_id"
                      and not tag.opaque_pattern else None)  # an opaque form's length is the tag's own business
            max_bytes = header_formats.default_max_bytes(fmt, tag.values if tag is not None else (), value, hashed,
                                                         project.header_default_max_bytes)
        headers.append(Header(
            name=name, group=group, required=bool(h.get("required", False)),
            description=_s(h, "description"), format=fmt, tag=tag, value=value, max_bytes=max_bytes,
            secret=bool(h.get("secret", False)), identity=bool(h.get("identity", False)), hops=tuple(hops),
            pattern=_header_pattern(fmt, tag, value, project.hashing), pos=r.pos("headers", name),
            renamed_from=_opt(h, "renamed_from"), deprecated=lifecycle.parse(h.get("deprecated")),
        ))
    r.parts["headers"] = tuple(headers)


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


PASSES: tuple[Callable[[Resolver], None], ...] = (
    _project, _services, _externals, _hops, _tags, _metrics, _headers, _logs, _budgets, _slos, _alerts,
)


def resolve(src: Source) -> tuple[Model, list[Diagnostic]]:
    """Run every pass in order and assemble the model."""
    r = Resolver(src)
    for step in PASSES:
        step(r)
    p = r.parts
    records, panels = resolve_custom(r.data, r.pos)
    for kind, items in (("recording_rules", records), ("panels", panels)):
        for item in items:  # the value as written: a non-string one was reported by the schema
            r.service_ref(_d(_d(r.data, kind), item.name).get("service"), (kind, item.name, "service"))
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
        externals=tuple(p["externals"].values()),
        header_groups=p["header_groups"],
        recording_rules=records,
        panels=panels,
    )
    return model, r.diags
