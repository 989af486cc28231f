"""A `Plan` as the dashboard JSON current Grafana (10.4, 11, 12) writes itself, built directly as data.

This is what `generate` writes: plain dicts and lists, no grafanalib objects (see `reference`, the
grafanalib build it is proven byte-identical to, and `normalize` for why each key is there). Every
panel carries every option its plugin's schema requires: Grafana's defaults (`panels.OPTIONS`,
`panels.CUSTOM`) with this backend's choices laid over them once per panel kind, at import.
Constant sub-objects (Grafana's defaults, empty lists of a kind) are shared between panels: the
result is read-only data, to be encoded (`__init__._dump`) or read.
"""

from __future__ import annotations

from typing import Any

from .common import DATASOURCE
from .layout import Link, Placed, Plan, Variable, panel_parts
from .normalize import BUILTIN_ANNOTATION, SCHEMA_VERSION
from .panels import CUSTOM, OPTIONS, merged

_SOURCE = {"type": "prometheus", "uid": DATASOURCE}
_TIMEPICKER = {"hidden": False, "refresh_intervals": ["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d"]}

# The choices this backend makes for every panel of a kind, laid over Grafana's defaults once.
_TIMESERIES_CUSTOM = merged(CUSTOM["timeseries"], {"scaleDistribution": {"log": 2, "type": "linear"}})
_TIMESERIES_OPTIONS = merged(OPTIONS["timeseries"], {
    "legend": {"calcs": ["lastNotNull", "max"], "displayMode": "table", "placement": "bottom"},
    "tooltip": {"mode": "multi", "sort": "desc"},
})
_STAT_OPTIONS = merged(OPTIONS["stat"], {"graphMode": "none", "colorMode": "value"})
_HEATMAP_CUSTOM = merged(CUSTOM["heatmap"], {})
_THRESHOLD_STYLES = {mode: {"mode": mode} for mode in ("line", "off")}


def dashboard_json(plan: Plan) -> dict[str, Any]:
    """The dashboard of `plan`, as `reference.reference_json(plan)` gives it (tests/test_dashboard_reference.py)."""
    panels: list[dict[str, Any]] = []
    for row in plan.rows:
        panels.append({"collapsed": False, "gridPos": row.grid, "id": row.id, "panels": [], "title": row.title,
                       "type": "row"})
        panels += [_panel(p, plan.env_var) for p in row.panels]
    return {
        "annotations": {"list": [BUILTIN_ANNOTATION, *plan.annotations]},
        "description": plan.description,
        "editable": True,
        "graphTooltip": 1,
        "links": [_link(link) for link in plan.links],
        "panels": panels,
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "tags": plan.tags,
        "templating": {"list": [_variable(v) for v in plan.variables]},
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": _TIMEPICKER,
        "timezone": "utc",
        "title": plan.title,
        "uid": plan.uid,
    }


def _link(link: Link) -> dict[str, Any]:
    out = {"asDropdown": link.asDropdown, "icon": link.icon, "includeVars": link.includeVars,
           "keepTime": link.keepTime, "tags": list(link.tags), "targetBlank": link.targetBlank, "title": link.title,
           "tooltip": link.tooltip, "type": link.type, "url": link.uri}
    return {k: v for k, v in out.items() if v != "" or k == "tooltip"}


def _variable(var: Variable) -> dict[str, Any]:
    out: dict[str, Any] = {"hide": 0, "includeAll": var.multi, "label": var.label, "multi": var.multi,
                           "name": var.name, "options": [], "query": var.query, "regex": "", "sort": 1,
                           "type": var.type}
    if var.type == "datasource":
        out["refresh"] = 1
    else:
        out["datasource"] = _SOURCE
        out["refresh"] = 2
    if var.multi:
        out["allValue"] = ".*"
    return out


def _panel(placed: Placed, env_var: str | None) -> dict[str, Any]:
    draft = placed.draft
    parts = panel_parts(draft, env_var)
    kind = draft.kind
    fmt = "heatmap" if kind == "heatmap" else "time_series"
    ranged = not draft.instant
    out: dict[str, Any] = {
        "datasource": _SOURCE, "description": draft.description, "gridPos": placed.grid, "id": placed.id,
        "links": [], "title": draft.title, "transformations": [], "type": kind,
        "targets": [{"datasource": _SOURCE, "editorMode": "code", "expr": expr, "format": fmt,
                     "instant": draft.instant, "legendFormat": legend or "__auto", "range": ranged, "refId": ref}
                    for expr, legend, ref in parts.targets],
    }
    if draft.interval:
        out["interval"] = draft.interval
    if kind == "heatmap":
        unit = draft.unit or "short"
        out["fieldConfig"] = {"defaults": {"custom": _HEATMAP_CUSTOM, "unit": unit}, "overrides": []}
        out["options"] = {**OPTIONS["heatmap"], "yAxis": {**OPTIONS["heatmap"]["yAxis"], "unit": unit}}
        return out
    defaults: dict[str, Any] = {
        "mappings": [], "unit": draft.unit,
        "thresholds": {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in parts.steps]},
    }
    if draft.decimals is not None:
        defaults["decimals"] = draft.decimals
    if kind == "stat":
        out["options"] = _STAT_OPTIONS
    else:
        defaults["color"] = {"mode": "palette-classic"}
        defaults["min"] = 0
        defaults["custom"] = {**_TIMESERIES_CUSTOM, "drawStyle": "bars" if draft.bars else "line",
                              "fillOpacity": 60 if draft.bars else 10,
                              "thresholdsStyle": _THRESHOLD_STYLES["line" if parts.lines else "off"]}
        out["options"] = _TIMESERIES_OPTIONS
    out["fieldConfig"] = {"defaults": defaults, "overrides": parts.overrides}
    return out
