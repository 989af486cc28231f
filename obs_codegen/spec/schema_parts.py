"""The building blocks of the spec schema: name patterns, shape helpers and the shared fragments.

Shared by `schema` (the document), `schema_alerts` (budgets, SLOs and alerts) and the sections
that hold their own fragment (`targets`, `custom`).
"""

from __future__ import annotations

from typing import Any

from . import durations
from .lifecycle import DATE

NAME = r"^[a-z][a-z0-9_]*$"
DOTTED = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
IDENT = r"^[A-Za-z][A-Za-z0-9_]*$"
KEBAB = r"^[a-z][a-z0-9-]*$"
# An environment name is a Prometheus label value (`eu-prod`, `us-east-1`, `staging.2`) and a string
# literal in generated code, never an identifier; at most a DNS label so it can name a namespace.
ENV_NAME = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$"
DURATION = durations.PATTERN
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
