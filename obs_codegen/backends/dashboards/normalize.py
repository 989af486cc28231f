"""Turn grafanalib 0.7.1 dashboard JSON into the JSON current Grafana (10.4, 11, 12) writes itself.

grafanalib is a good builder for panel objects but serialises an old model:
`schemaVersion: 12`, `null` everywhere, legacy keys (`rows`, `style`, `span`,
`height`, `hideControls`, `timepicker.time_options`, targets' `query`/`step`/
`metric`/`target`/`intervalFactor`), the pre-9 heatmap (`cards`, `dataFormat`,
`options: []`), `maxDataPoints: 100` on every panel and the base threshold step
as the string `"null"`. This module keeps only the keys the current classic (v1)
model defines (allow-lists per object kind, so a new grafanalib field cannot
leak through), rebuilds the heatmap in the current format, turns datasource
strings into `{type, uid}` references, drops every `None` (the base threshold
step is the one null, as Grafana writes it) and completes each panel's options
with Grafana's defaults (`panels`).

schemaVersion 39 is the newest version that Grafana 10.4 and 11.0-11.2 write
natively; 11.3+ and 12 migrate it to 40/41, and both migrations are no-ops on
this output (v40 only makes `refresh` a string, v41 only deletes
`timepicker.time_options`), so every supported Grafana loads it unchanged.
"""

from __future__ import annotations

from typing import Any

from .panels import complete

SCHEMA_VERSION = 39

# The base threshold step is -Infinity; JSON cannot hold it, so Grafana saves it as null
# (fieldOverrides.ts: "First value is always -Infinity / JSON saves it as null") and the
# dashboard schema types a step's value as `number | null`. This is the only null written.
BASE_STEP_VALUE = None

BUILTIN_ANNOTATION = {
    "builtIn": 1,
    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
    "enable": True,
    "hide": True,
    "iconColor": "rgba(0, 211, 255, 1)",
    "name": "Annotations & Alerts",
    "type": "dashboard",
}

_DASHBOARD_KEYS = frozenset({
    "annotations", "description", "editable", "fiscalYearStartMonth", "graphTooltip", "links", "panels",
    "refresh", "schemaVersion", "tags", "templating", "time", "timepicker", "timezone", "title", "uid",
    "weekStart",
})
_PANEL_KEYS = frozenset({
    "datasource", "description", "fieldConfig", "gridPos", "id", "interval", "links", "options", "targets",
    "title", "transformations", "type",
})
_ROW_KEYS = frozenset({"collapsed", "gridPos", "id", "panels", "title", "type"})
_TARGET_KEYS = frozenset({"datasource", "expr", "format", "instant", "legendFormat", "refId"})
_VARIABLE_KEYS = frozenset({
    "allValue", "datasource", "description", "hide", "includeAll", "label", "multi", "name", "options", "query",
    "refresh", "regex", "skipUrlSync", "sort", "type",
})
_FIELD_DEFAULT_KEYS = frozenset({"color", "custom", "decimals", "mappings", "max", "min", "thresholds", "unit"})


def prune(value: Any) -> Any:
    """Drop `None` values from dicts (recursively); lists keep their order."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune(v) for v in value if v is not None]
    return value


def datasource_ref(value: Any) -> Any:
    """grafanalib writes the datasource as a string; current Grafana stores `{type, uid}`."""
    if isinstance(value, str):
        return {"type": "prometheus", "uid": value}
    return value


def normalize_dashboard(raw: dict[str, Any]) -> dict[str, Any]:
    """The current-Grafana form of a grafanalib `Dashboard.to_json_data()` (already JSON-encoded)."""
    out = {k: v for k, v in raw.items() if k in _DASHBOARD_KEYS}
    out["schemaVersion"] = SCHEMA_VERSION
    extra = [a for a in (raw.get("annotations") or {}).get("list", []) if isinstance(a, dict) and not a.get("builtIn")]
    out["annotations"] = {"list": [dict(BUILTIN_ANNOTATION), *extra]}
    out["panels"] = [_panel(p) for p in raw.get("panels", [])]
    out["templating"] = {"list": [_variable(v) for v in raw.get("templating", {}).get("list", [])]}
    out["links"] = [{k: v for k, v in link.items() if v != "" or k == "tooltip"} for link in raw.get("links", [])]
    picker = raw.get("timepicker") or {}
    out["timepicker"] = {k: v for k, v in picker.items() if k in ("hidden", "refresh_intervals")}
    pruned: dict[str, Any] = prune(out)
    for panel in pruned["panels"]:  # after prune, which would drop the null
        for step in panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])[:1]:
            step["value"] = BASE_STEP_VALUE
    return pruned


def _panel(raw: dict[str, Any]) -> dict[str, Any]:
    if raw.get("type") == "row":
        row = {k: v for k, v in raw.items() if k in _ROW_KEYS}
        row["panels"] = [_panel(p) for p in raw.get("panels", [])]
        return row
    out = {k: v for k, v in raw.items() if k in _PANEL_KEYS}
    out["datasource"] = datasource_ref(raw.get("datasource"))
    out["targets"] = [_target(t, raw.get("datasource")) for t in raw.get("targets", [])]
    if not out.get("interval"):
        out.pop("interval", None)
    if raw.get("type") == "heatmap":
        return complete(_heatmap(raw, out))
    defaults = {k: v for k, v in raw.get("fieldConfig", {}).get("defaults", {}).items() if k in _FIELD_DEFAULT_KEYS}
    if "thresholds" in defaults:
        defaults["thresholds"] = _thresholds(defaults["thresholds"])
    custom = defaults.get("custom")
    if isinstance(custom, dict):
        custom.pop("axisSoftMax", None)
        custom.pop("axisSoftMin", None)
        if custom.get("stacking") == {}:
            custom["stacking"] = {"group": "A", "mode": "none"}
        if not custom:
            defaults.pop("custom")
    out["fieldConfig"] = {"defaults": defaults, "overrides": raw.get("fieldConfig", {}).get("overrides", [])}
    return complete(out)


def _target(raw: dict[str, Any], panel_datasource: Any) -> dict[str, Any]:
    out = {k: v for k, v in raw.items() if k in _TARGET_KEYS}
    out["datasource"] = datasource_ref(raw.get("datasource") or panel_datasource)
    out["editorMode"] = "code"
    out["range"] = not raw.get("instant", False)
    if not out.get("legendFormat"):
        out["legendFormat"] = "__auto"
    return out


def _thresholds(raw: dict[str, Any]) -> dict[str, Any]:
    steps = [{"color": s["color"], "value": s["value"]} for s in raw.get("steps", [])]
    for step in steps[1:]:
        if not isinstance(step["value"], (int, float)):
            raise TypeError(f"threshold value must be a number: {step!r}")
    return {"mode": raw.get("mode", "absolute"), "steps": steps}


def _heatmap(raw: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """The heatmap panel as Grafana 9+ writes it: pre-bucketed Prometheus `le` series, no `cards`."""
    unit = (raw.get("yAxis") or {}).get("format") or "short"
    # Grafana's heatmap defaults (panels.OPTIONS / CUSTOM) are laid under this by `complete`: only the unit is ours.
    out["options"] = {"yAxis": {"unit": unit}}
    out["fieldConfig"] = {"defaults": {"unit": unit}, "overrides": []}
    return out


def _variable(raw: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in raw.items() if k in _VARIABLE_KEYS}
    if out.get("type") == "datasource":
        out.pop("datasource", None)
    else:
        out["datasource"] = datasource_ref(raw.get("datasource"))
    if not out.get("regex"):
        out["regex"] = ""
    if not out.get("includeAll"):
        out.pop("allValue", None)
    return out
