"""JSON Schema (Draft 2020-12) of the spec language, version 1.

The schema is the contract for the *shape* of a spec: keys, types and enums.
The loader validates every spec against it (so unknown keys, wrong types and
misspelt enums become diagnostics with positions), `obs-codegen schema` prints
it, and the `schema` backend writes it to out/ for editor autocompletion.
Meaning (references, naming, privacy) is checked by the lint rules instead.
"""

from __future__ import annotations

from typing import Any

from .include_schema import INCLUDE
from .lifecycle import DATE
from .targets import SCHEMA as TARGETS

SCHEMA_ID = "https://obs-codegen.dev/schemas/spec-v1.json"

NAME = r"^[a-z][a-z0-9_]*$"
DOTTED = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
IDENT = r"^[A-Za-z][A-Za-z0-9_]*$"
KEBAB = r"^[a-z][a-z0-9-]*$"
DURATION = r"^[0-9]+(ms|s|m|h|d|w)$"
# Names that become file, directory or module names in out/ (project, packages, services, SLOs,
# alerts) and Kubernetes object names downstream: at most a DNS label's 63 characters, far inside
# every file system's 255-byte component limit once a prefix and suffix are added.
FILE_NAME_MAX = 63


def _obj(props: dict[str, Any], required: tuple[str, ...] = (), description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def _map(value: dict[str, Any], key_pattern: str | None = None, description: str = "",
         key_max: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "additionalProperties": value}
    if key_pattern:
        out["propertyNames"] = {"pattern": key_pattern}
        if key_max:
            out["propertyNames"]["maxLength"] = key_max
    if description:
        out["description"] = description
    return out


def _str(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _list(items: dict[str, Any], description: str = "", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": items, **extra}
    if description:
        out["description"] = description
    return out


OWNER = _str("Team that owns the alerts (the `owner` label Alertmanager routes on; default: the service's owner, "
             "else the project name).", pattern=r"^[a-z][a-z0-9_-]*$", maxLength=FILE_NAME_MAX)
DESC = _str("What this is, in one or two sentences. Shown in the catalog, dashboards and generated code.", minLength=1)
RENAMED_FROM = _str("The name this item had before; `obs-codegen diff` then reports a rename, not a removal.",
                    minLength=1)
DEPRECATED = _obj(
    {
        "since": _str("When it was deprecated: an ISO date (YYYY-MM-DD) or a version.", minLength=1, maxLength=40),
        "replacement": _str("The spec name of the item of the same kind to use instead.", minLength=1),
        "remove_after": _str("ISO date (YYYY-MM-DD) after which it may be removed; lint warns once it has passed, "
                             "and `obs-codegen diff` accepts its removal from then on.", pattern=DATE),
    },
    ("since",),
    "Still emitted and valid, but on its way out: generated code, catalog and log schemas mark it.",
)
PER_ENV_NUMBER = {
    "description": "A number, or a map from environment name to number.",
    "type": ["number", "object"],
    "additionalProperties": {"type": "number"},
}
FILTER = _map(
    {"type": "string"},
    description="Tag name to the one value a query is restricted to, e.g. {route: POST /api/chat}.",
)

FIELD: dict[str, Any] = _obj(
    {
        "type": {
            "enum": ["string", "integer", "number", "boolean", "datetime", "uuid", "enum", "service"],
            "description": "Value type. Use `tag:` for a tag's values, `object:` for a nested object.",
        },
        "tag": _str("Take type, values and pattern from this tag."),
        "object": _str("Name of a reusable object under logs.objects."),
        "values": _list({"type": "string", "minLength": 1}, "Allowed values (type: enum).", minItems=1, uniqueItems=True),
        "required": {"type": "boolean", "description": "The field must be present (default false)."},
        "min": {"type": "number", "description": "Inclusive minimum."},
        "max": {"type": "number", "description": "Inclusive maximum."},
        "max_length": {"type": "integer", "minimum": 1, "description": "Longest string allowed."},
        "pattern": _str("Regular expression the string must match."),
        "unit": _str("Unit of a numeric field (ms, cents, ...)."),
        "description": DESC,
        "renamed_from": RENAMED_FROM,
        "deprecated": DEPRECATED,
    },
    ("description",),
)

SPEC_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "obs-codegen spec, version 1",
    "description": "One YAML file describing a product's metrics, tags, headers, log events, SLOs and alerts.",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "project", "services"],
    "properties": {
        "version": {"const": 1, "description": "Spec language version."},
        "include": INCLUDE,
        "accepted_breaks": _list(
            _obj({"rule": _str("A change rule id (`obs-codegen diff --list-rules`).", pattern=KEBAB),
                  "subject": _str("The item, as `obs-codegen diff` names it (`next.request.count:route`), or `*`.",
                                  minLength=1),
                  "reason": _str("Why this break is intended, for the reviewer and the record.", minLength=1)},
                 ("rule", "subject", "reason")),
            "Breaking changes `obs-codegen diff` accepts (a rare intentional break, with its reason).",
        ),
        "project": _obj(
            {
                "name": _str("Short lowercase project id.", pattern=NAME, maxLength=FILE_NAME_MAX),
                "title": _str("Human-readable project name."),
                "description": DESC,
                "metric_prefix": _str("First segment of every metric name.", pattern=NAME),
                "environments": _list(
                    {"type": "string", "pattern": NAME}, "Deployment environments.", minItems=1, uniqueItems=True
                ),
                "packages": _obj(
                    {
                        "python": _str("Python package name of the generated code.", pattern=NAME, maxLength=FILE_NAME_MAX),
                        "typescript": _str(
                            "npm package name of the generated code.",
                            pattern=r"^(@[a-z0-9-]+/)?[a-z0-9][a-z0-9._-]*$",
                        ),
                    }
                ),
                "dashboards": _obj({"folder": _str("Grafana folder the dashboards are provisioned into.")}),
                "links": _obj(
                    {
                        "catalog": _str("URL where out/docs/observability.md is published (runbook links)."),
                        "grafana": _str("Base URL of Grafana (dashboard links)."),
                    }
                ),
                "alerting": _obj(
                    {"page_environments": _list({"type": "string", "pattern": NAME},
                                                "Environments where `severity: page` pages (default: the first "
                                                "environment); elsewhere it becomes a ticket.", uniqueItems=True)},
                    description="How alerts are routed.",
                ),
                "series_budget": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Most label-value combinations one metric may have (histograms count buckets).",
                },
            },
            ("name", "metric_prefix", "environments"),
            "Project-wide settings.",
        ),
        "hops": _map(
            _obj(
                {
                    "description": DESC,
                    "from": _str("Service (or client) the request leaves."),
                    "to": _str("Service the request reaches."),
                    "external": {"type": "boolean", "description": "The receiver is a third party."},
                },
                ("description", "from", "to"),
            ),
            KEBAB,
            "Hops a request takes; headers list the hops they may cross.",
        ),
        "services": _map(
            _obj({"title": _str("Display name."), "description": DESC,
                  "owner": OWNER}, ("description",)),
            NAME,
            "Services that emit metrics and logs.",
            FILE_NAME_MAX,
        ),
        "hashing": _obj(
            {
                "algorithm": {"enum": ["hmac-sha256"], "description": "Keyed hash of raw identifiers."},
                "hex_chars": {"type": "integer", "minimum": 16, "maximum": 64, "description": "Hex digits kept."},
                "salt_env": _str("Environment variable holding the server-side salt.", pattern=r"^[A-Z][A-Z0-9_]*$"),
                "salt_rotation_days": {"type": "integer", "minimum": 1, "description": "Salt rotation period."},
            },
            description="How identifiers are hashed before they leave a service.",
        ),
        "tags": _map(
            _obj(
                {
                    "type": {
                        "enum": ["environment", "enum", "string", "hashed_id"],
                        "description": "environment: the project's environments; enum: fixed values; "
                        "string: bounded free text; hashed_id: salted hash, never a metric label.",
                    },
                    "description": DESC,
                    "label": _str("Prometheus label name (default: the tag name in snake_case).", pattern=NAME),
                    "values": _list({"type": "string", "minLength": 1}, "Allowed values (type: enum).", minItems=1, uniqueItems=True),
                    "max_values": {"type": "integer", "minimum": 1, "description": "Cardinality bound (type: string)."},
                    "pattern": _str("Regular expression a value must match."),
                    "prefix": _str("Prefix of the hashed form (type: hashed_id), e.g. 'u:'."),
                    "opaque_pattern": _str("Server-generated, non-personal form also accepted (type: hashed_id)."),
                    "renamed_from": _str("The tag name this tag had before (its label then had that name, unless "
                                         "`label:` set it); `obs-codegen diff` reports a label rename.", pattern=IDENT),
                    "deprecated": DEPRECATED,
                },
                ("type", "description"),
            ),
            IDENT,
            "Dimensions shared by metrics, log fields and headers.",
        ),
        "tag_sets": _map(
            _list({"type": "string"}, minItems=1, uniqueItems=True),
            NAME,
            "Named lists of tags, usable wherever a metric lists tags.",
        ),
        "bucket_sets": _map(
            _list({"type": "number"}, minItems=1, uniqueItems=True),
            NAME,
            "Named histogram bucket bounds, ascending.",
        ),
        "metrics": _map(
            _obj(
                {
                    "type": {"enum": ["counter", "gauge", "histogram"], "description": "Metric type."},
                    "unit": _str("Unit: ms, s, bytes, cents, percent (0-100), ratio (0-1), or a count unit "
                                 "(requests, events, messages, operations, records, tokens, items, users, jobs, "
                                 "none); each maps to a Grafana unit for values, rates and totals."),
                    "title": _str("Short human title for dashboard panels (default: the name, humanised).",
                                  minLength=1, maxLength=60),
                    "aggregation": {
                        "enum": ["sum", "max", "min", "avg"],
                        "description": "Gauges: how values of several series (pods, instances) combine on "
                                       "dashboards and in rules. Default sum (additive: queue depth, in-flight "
                                       "requests); max for an age or a value every instance reports (oldest job, "
                                       "daily active users), min for a remaining capacity, avg for a level.",
                    },
                    "part_of": _str("Counters: the total counter this one counts a failure (or other subset) of, "
                                    "e.g. next.request.count for next.request.errors; error-ratio panels divide "
                                    "this by it.", pattern=DOTTED),
                    "buckets": {
                        "description": "Bucket bounds, or the name of a bucket set (histograms).",
                        "type": ["string", "array"],
                        "items": {"type": "number"},
                    },
                    "tags": _list({"type": "string"}, "Tags and tag sets used as labels.", uniqueItems=True),
                    "description": DESC,
                    "renamed_from": RENAMED_FROM,
                    "deprecated": DEPRECATED,
                },
                ("type", "unit", "description"),
            ),
            DOTTED,
            "Metrics, named <service>.<family>.<name> (the project prefix is added).",
        ),
        "headers": _map(
            _obj(
                {
                    "group": {
                        "enum": ["required", "recommended", "sse", "tracing", "provider"],
                        "description": "Group in the generated code.",
                    },
                    "required": {"type": "boolean", "description": "Must be present on every request."},
                    "description": DESC,
                    "format": {
                        "enum": ["uuid-v4", "bearer-jwt", "hashed-id", "traceparent", "enum", "token", "literal"],
                        "description": "Value format, validated at each boundary.",
                    },
                    "tag": _str("Tag giving values, pattern or hash prefix (formats hashed-id, enum, token)."),
                    "value": _str("The only value (format: literal)."),
                    "max_bytes": {"type": "integer", "minimum": 1, "description": "Largest value accepted."},
                    "secret": {"type": "boolean", "description": "Carries a credential: never logged."},
                    "identity": {"type": "boolean", "description": "Carries an identity: must be hashed."},
                    "hops": _list({"type": "string"}, "Hops the header may be propagated over.", uniqueItems=True),
                    "renamed_from": RENAMED_FROM,
                    "deprecated": DEPRECATED,
                },
                ("group", "description", "format", "hops"),
            ),
            r"^[!-9;-~]+$",
            "HTTP headers, by lowercase name.",
        ),
        "header_policy": _obj(
            {
                "default_max_bytes": {"type": "integer", "minimum": 1, "description": "Limit where a header sets none."},
                "strip_unknown": {"type": "boolean", "description": "Drop headers the spec does not list."},
            },
            description="Rules applied at every boundary.",
        ),
        "logs": _obj(
            {
                "description": DESC,
                "envelope": _map(FIELD, IDENT, "Fields on every log event."),
                "objects": _map(
                    _obj({"description": DESC, "fields": _map(FIELD, IDENT)}, ("description", "fields")),
                    IDENT,
                    "Reusable nested objects.",
                ),
                "events": _map(
                    _obj(
                        {
                            "service": _str("Emitting service."),
                            "description": DESC,
                            "discriminator": _str("Field whose presence and value identify this event."),
                            "fields": _map(FIELD, IDENT),
                        },
                        ("service", "description", "discriminator", "fields"),
                    ),
                    DOTTED,
                    "Structured log events, named <service>.<event>.",
                ),
            },
            ("envelope", "events"),
            "Structured JSON logs.",
        ),
        "redaction": _obj(
            {
                "forbidden_fields": _list(
                    {"type": "string"}, "Log field names that mean raw PII or raw content.", uniqueItems=True
                ),
                "log_retention_days": {"type": "integer", "minimum": 1, "description": "Log retention window."},
                "description": DESC,
            },
            description="Privacy rules for logs.",
        ),
        "prometheus": _obj(
            {"retention": _str("TSDB retention of the Prometheus that evaluates the rules (default 15d, Prometheus's "
                               "own default); the lint warns when an SLO period needs longer.", pattern=DURATION)},
            description="Facts about the Prometheus the rules run on.",
        ),
        "budgets": _map(
            _obj({"description": DESC, "unit": _str("Unit of the value."), "value": PER_ENV_NUMBER},
                 ("description", "unit", "value")),
            NAME,
            "Named budgets that alerts compare against.",
        ),
        "slos": _map(
            _obj(
                {
                    "service": _str("Owning service."),
                    "description": DESC,
                    "period": _str("SLO period, e.g. 28d.", pattern=DURATION),
                    "objective": {**PER_ENV_NUMBER, "description": "Target in percent (e.g. 99.5), or per environment."},
                    "ratio": _obj(
                        {"errors": _str("Counter of bad events."), "total": _str("Counter of all events.")},
                        ("errors", "total"),
                        "Availability SLO: errors / total.",
                    ),
                    "latency": _obj(
                        {
                            "metric": _str("Histogram of the latency."),
                            "threshold": {"type": "number", "description": "Good if at or under this (a bucket bound)."},
                        },
                        ("metric", "threshold"),
                        "Latency SLO: share of events at or under a threshold.",
                    ),
                    "filter": FILTER,
                    "owner": OWNER,
                    "min_requests_per_hour": {
                        "type": "number",
                        "minimum": 0,
                        "description": "Below this traffic, burn-rate alerts stay quiet.",
                    },
                    "absent_alert": {"type": "boolean",
                                     "description": "Alert per environment when its SLI inputs vanish (default true)."},
                },
                ("service", "description", "objective"),
            ),
            KEBAB,
            "Service level objectives; each gets recording rules and burn-rate alerts.",
            FILE_NAME_MAX,
        ),
        "alerts": _map(
            _obj(
                {
                    "service": _str("Owning service."),
                    "severity": {
                        "description": "page or ticket, or a map from environment to either. `page` pages only in "
                                       "project.alerting.page_environments (default: the first environment).",
                        "anyOf": [{"enum": ["page", "ticket"]},
                                  {"type": "object", "additionalProperties": {"enum": ["page", "ticket"]}}],
                    },
                    "owner": OWNER,
                    "description": DESC,
                    "summary": _str("One-line summary (default: derived from the description)."),
                    "quantile": _obj(
                        {
                            "metric": _str("Histogram."),
                            "q": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                            "filter": FILTER,
                            "by": _list({"type": "string"}, "Tags to alert per value of.", uniqueItems=True),
                            "min_requests": {"type": "number", "minimum": 0, "description":
                                             "Events in the 5-minute rate window below which the alert stays quiet "
                                             "(default 20; 0 turns the guard off)."},
                        },
                        ("metric", "q"),
                        "Alert when a quantile of a histogram is above the threshold.",
                    ),
                    "ratio": _obj(
                        {
                            "numerator": _str("Counter of bad events."),
                            "numerator_filter": FILTER,
                            "denominator": _str("Counter of all events."),
                            "filter": FILTER,
                            "by": _list({"type": "string"}, "Tags to alert per value of.", uniqueItems=True),
                            "min_requests": {"type": "number", "minimum": 0, "description":
                                             "Events in the 5-minute rate window below which the alert stays quiet "
                                             "(default 20; 0 turns the guard off)."},
                        },
                        ("numerator", "denominator"),
                        "Alert when numerator/denominator is above the threshold.",
                    ),
                    "gauge": _obj(
                        {
                            "metric": _str("Gauge."),
                            "filter": FILTER,
                            "by": _list({"type": "string"}, "Tags to alert per value of.", uniqueItems=True),
                        },
                        ("metric",),
                        "Alert when a gauge (combined across instances by its `aggregation`) is above the threshold.",
                    ),
                    "cost_per_user": _obj(
                        {
                            "cost": _str("Cost counter."),
                            "users": _str("Gauge of daily active users."),
                            "average_over": _str("Moving-average window.", pattern=DURATION),
                            "min_users": {"type": "number", "exclusiveMinimum": 0, "description":
                                          "Fewer daily active users than this (an implausible reading) make the "
                                          "ratio absent instead of huge (default 1)."},
                        },
                        ("cost", "users", "average_over"),
                        "Alert when daily cost per daily active user, averaged, is above a budget.",
                    ),
                    "above": PER_ENV_NUMBER,
                    "above_budget": _str("Name of a budget to compare against."),
                    "for": _str("How long the condition must hold.", pattern=DURATION),
                },
                ("service", "severity", "description", "for"),
            ),
            r"^[A-Z][A-Za-z0-9]*$",
            "Threshold alerts, by CamelCase name.",
            FILE_NAME_MAX,
        ),
        "targets": TARGETS,
    },
}


def spec_schema() -> dict[str, Any]:
    """Return the JSON Schema of spec version 1."""
    return SPEC_SCHEMA


def is_free_text(path: tuple[Any, ...]) -> bool:
    """True when the value at `path` is a `description:` (free text, where newlines and tabs may appear)."""
    node: Any = SPEC_SCHEMA
    for part in path:
        if not isinstance(node, dict):
            return False
        if isinstance(part, int):
            node = node.get("items")
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            node = node.get("additionalProperties")
    return node is DESC
