"""JSON Schema (Draft 2020-12) of the spec language, version 1.

The schema is the contract for the *shape* of a spec: keys, types and enums.
The loader validates every spec against it (so unknown keys, wrong types and
misspelt enums become diagnostics with positions), `obs-codegen schema` prints
it, and the `schema` backend writes it to out/ for editor autocompletion.
Meaning (references, naming, privacy) is checked by the lint rules instead.
"""

from __future__ import annotations

from typing import Any

from . import custom, header_formats
from .include_schema import INCLUDE
from .limits import CEILINGS
from .schema_alerts import SECTIONS
from .schema_parts import (
    DEPRECATED,
    DESC,
    DOTTED,
    DURATION,
    ENV_NAME,
    FIELD,
    FILE_NAME_MAX,
    IDENT,
    KEBAB,
    NAME,
    OWNER,
    RENAMED_FROM,
    _list,
    _map,
    _obj,
    _str,
)
from .targets import SCHEMA as TARGETS

SCHEMA_ID = "https://obs-codegen.dev/schemas/spec-v1.json"

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
                "version": _str("Version of the generated npm and Python packages, MAJOR.MINOR.PATCH (default "
                                "0.0.0+spec.<digest of the spec>, which changes with every change of the spec).",
                                pattern=r"^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$"),
                "environments": _list(
                    {"type": "string", "pattern": ENV_NAME}, "Deployment environments: label values such as prod, eu-prod, "
                    "us-east-1.", minItems=1, uniqueItems=True
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
                    {"page_environments": _list({"type": "string", "pattern": ENV_NAME},
                                                "Environments where `severity: page` pages (default: the first "
                                                "environment); elsewhere it becomes a ticket.", uniqueItems=True)},
                    description="How alerts are routed.",
                ),
                "limits": _obj(
                    {key: {"type": "integer", "minimum": 1, "maximum": CEILINGS[key], "description": what}
                     for key, what in (("max_spec_bytes", "Refuse a spec (all its files) of more bytes (default 2 MiB)."),
                                       ("max_yaml_nodes", "Refuse a spec of more YAML nodes, after alias expansion too "
                                                          "(default 200000)."),
                                       ("max_yaml_aliases", "Refuse a spec with more YAML aliases (default 100)."))},
                    description="YAML-bomb limits of this spec, read before it is parsed: plain integers on their own "
                                "lines (or a one-line flow mapping) in the root file; command-line flags override them.",
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
                    "from": _str("Service, external party or client (browser, client, edge) the request leaves."),
                    "to": _str("Service or external party the request reaches."),
                    "external": {"type": "boolean", "description": "The receiver is a third party (implied when "
                                 "`to` is an external party; prefer declaring it under `externals:`)."},
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
        "externals": _map(
            _obj({"title": _str("Display name."), "description": DESC}, ("description",)),
            KEBAB,
            "Third parties requests leave to (LLM, payment, email providers): hop ends that emit no metrics "
            "or logs; secrets and identities never cross a hop to one.",
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
            "Named lists of tags and other tag sets (expanded in place), usable wherever a metric lists tags.",
        ),
        "bucket_sets": _map(
            _list({"type": "number"}, minItems=1, uniqueItems=True),
            NAME,
            "Named histogram bucket bounds, ascending.",
        ),
        "units": _map(
            _obj({"description": DESC,
                  "grafana": _str("Grafana unit id of a value (default `suffix: <name>`; rates show "
                                  "`suffix: <name>/s`).", minLength=1, maxLength=60)}, ("description",)),
            NAME,
            "Units beyond the built-in list (obs_codegen/spec/units.json), for metrics and log fields.",
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
                    "group": _str("Group in the generated code: required, recommended, sse, tracing, provider, or "
                                  "one declared under header_groups.", pattern=NAME),
                    "required": {"type": "boolean", "description": "Must be present on every request."},
                    "description": DESC,
                    "format": {
                        "enum": list(header_formats.FORMATS),
                        "description": "Value format, validated at each boundary (tracestate and baggage per the "
                                       "W3C Trace Context and Baggage specs).",
                    },
                    "tag": _str("Tag giving values, pattern or hash prefix (formats hashed-id, enum, token)."),
                    "value": _str("The only value (format: literal)."),
                    "max_bytes": {"type": "integer", "minimum": 1, "description":
                                  "Largest value accepted. Default: the exact size of uuid-v4 (36), traceparent (55), "
                                  "hashed-id, enum and literal values; 8192 for bearer-jwt and baggage, 512 for "
                                  "tracestate; header_policy.default_max_bytes (256) for token."},
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
        "header_groups": _map(
            _obj({"description": DESC}, ("description",)),
            NAME,
            "Header groups beyond the built-in required, recommended, sse, tracing and provider.",
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
                            "envelope": _obj(
                                {"optional": _list({"type": "string"}, "Required envelope fields this event may "
                                                   "lack (a cron job or a mobile crash has no requestId).",
                                                   minItems=1, uniqueItems=True),
                                 "reason": _str("Why these lines lack them (shown in the catalog and schemas).",
                                                minLength=1)},
                                ("optional", "reason"),
                                "How this event's lines differ from the envelope.",
                            ),
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
        **SECTIONS,
        "targets": TARGETS,
        **custom.schema(DESC, _str("Owning service.")),
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
