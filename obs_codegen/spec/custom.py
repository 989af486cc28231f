"""The escape hatches: hand-written recording rules (`recording_rules:`) and panels (`panels:`).

A team sometimes needs one rule or one panel the generators do not derive. Kept in the spec, it
is validated with the rest: its PromQL is parsed by promql-parser and held to the same checks as
the generated queries (only the spec's series and recording rules, only their labels, enum values,
counters inside `rate`; panels also `$__rate_interval` and the dashboard variables), by the lint
rules in `lint/custom.py`. Like `targets.py`, this module holds the section's JSON Schema fragment,
its model and its resolver, so the section is one self-contained part of the spec language.

A recording rule lands in its service's rule file (group `<service>-custom`); a panel in its
service's dashboard, in a last row "Custom panels".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # model.py imports this module for `Model.recording_rules` and `Model.panels`
    from .model import Pos

PanelKind = Literal["timeseries", "stat"]
# Prometheus's `level:metric:operations` convention, which also keeps hand-written names apart from
# the metric series (which have no colon).
RECORD_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+:[a-zA-Z0-9_]+$"


def schema(desc: dict[str, Any], service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The two sections' JSON Schema fragments (`desc`, `service`: the main schema's shared parts)."""
    expr = {"type": "string", "minLength": 1, "maxLength": 4000, "description": "PromQL, checked like the "
            "generated queries (spec series and recording rules only, their labels and values)."}
    return {
        "recording_rules": {
            "type": "object", "propertyNames": {"pattern": RECORD_NAME, "maxLength": 200},
            "description": "Hand-written recording rules, by `level:metric:operations` name.",
            "additionalProperties": {
                "type": "object", "additionalProperties": False, "required": ["service", "expr", "description"],
                "properties": {"service": service, "expr": expr, "description": desc},
            },
        },
        "panels": {
            "type": "object", "propertyNames": {"pattern": r"^[a-z][a-z0-9-]*$", "maxLength": 63},
            "description": "Hand-written panels, added to their service's dashboard (row \"Custom panels\").",
            "additionalProperties": {
                "type": "object", "additionalProperties": False,
                "required": ["service", "title", "expr", "description"],
                "properties": {
                    "service": service, "expr": expr, "description": desc,
                    "title": {"type": "string", "minLength": 1, "maxLength": 60, "description": "Panel title."},
                    "kind": {"enum": ["timeseries", "stat"], "description": "Panel kind (default timeseries)."},
                    "unit": {"type": "string", "minLength": 1, "maxLength": 60,
                             "description": "Grafana unit id (default `short`)."},
                    "legend": {"type": "string", "maxLength": 200,
                               "description": "Legend format, e.g. {{route}} (default: the panel name)."},
                },
            },
        },
    }


@dataclass(frozen=True)
class CustomRecord:
    name: str  # the `record:` name
    service: str
    expr: str
    description: str
    pos: Pos


@dataclass(frozen=True)
class CustomPanel:
    name: str
    service: str
    title: str
    expr: str
    description: str
    kind: PanelKind
    unit: str
    legend: str
    pos: Pos


def resolve_custom(data: dict[str, Any], pos: Callable[..., Pos]) -> tuple[tuple[CustomRecord, ...],
                                                                         tuple[CustomPanel, ...]]:
    """The hand-written rules and panels (shapes were checked by the schema, references by the lint)."""
    def s(d: dict[str, Any], key: str, default: str = "") -> str:
        v = d.get(key)
        return v if isinstance(v, str) else default

    def items(key: str) -> list[tuple[str, dict[str, Any]]]:
        section = data.get(key)
        return [(k, v) for k, v in section.items() if isinstance(v, dict)] if isinstance(section, dict) else []

    records = tuple(CustomRecord(name, s(r, "service"), s(r, "expr"), s(r, "description"),
                                 pos("recording_rules", name)) for name, r in items("recording_rules"))
    panels = tuple(CustomPanel(name, s(p, "service"), s(p, "title", name), s(p, "expr"), s(p, "description"),
                               "stat" if p.get("kind") == "stat" else "timeseries", s(p, "unit", "short"),
                               s(p, "legend", name), pos("panels", name)) for name, p in items("panels"))
    return records, panels
