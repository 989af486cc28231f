"""Grafana's own defaults for every panel kind this backend emits, as Grafana 12.4 writes them.

A panel plugin's schema (`Options` and `FieldConfig` in @grafana/schema's
`raw/composable/<panel>/panelcfg/x/*_types.gen.ts`) has required options
(`legend.showLegend`, `wideLayout`, `showValue`, ...). A new panel saved from
Grafana's editor carries all of them with the values below; `complete` lays
the generated choices over these, so every panel carries every option its
schema requires (tests/test_panel_schemas.py type-checks each panel against
the pinned @grafana/schema and compares these values with its `defaultOptions`).
"""

from __future__ import annotations

import copy
from typing import Any

GRAFANA_VERSION = "12.4"  # @grafana/schema pinned in package.json

_HIDE_FROM = {"legend": False, "tooltip": False, "viz": False}

OPTIONS: dict[str, dict[str, Any]] = {
    "timeseries": {
        "legend": {"calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": True},
        "tooltip": {"hideZeros": False, "mode": "single", "sort": "none"},
    },
    "stat": {
        "colorMode": "value",
        "graphMode": "area",
        "justifyMode": "auto",
        "orientation": "auto",
        "percentChangeColorMode": "standard",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "showPercentChange": False,
        "textMode": "auto",
        "wideLayout": True,
    },
    "heatmap": {
        "calculate": False,
        "cellGap": 1,
        "color": {
            "exponent": 0.5, "fill": "dark-orange", "mode": "scheme", "reverse": False, "scale": "exponential",
            "scheme": "Oranges", "steps": 64,
        },
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "filterValues": {"le": 1e-9},
        "legend": {"show": True},
        "rowsFrame": {"layout": "auto"},
        "selectionMode": "x",
        "showValue": "auto",
        "tooltip": {"mode": "single", "showColorScale": False, "yHistogram": False},
        "yAxis": {"axisPlacement": "left", "reverse": False},
    },
}

CUSTOM: dict[str, dict[str, Any]] = {
    "timeseries": {
        "axisBorderShow": False,
        "axisCenteredZero": False,
        "axisColorMode": "text",
        "axisLabel": "",
        "axisPlacement": "auto",
        "barAlignment": 0,
        "barWidthFactor": 0.6,
        "drawStyle": "line",
        "fillOpacity": 0,
        "gradientMode": "none",
        "hideFrom": _HIDE_FROM,
        "insertNulls": False,
        "lineInterpolation": "linear",
        "lineWidth": 1,
        "pointSize": 5,
        "scaleDistribution": {"type": "linear"},
        "showPoints": "auto",
        "spanNulls": False,
        "stacking": {"group": "A", "mode": "none"},
        "thresholdsStyle": {"mode": "off"},
    },
    "heatmap": {"hideFrom": _HIDE_FROM, "scaleDistribution": {"type": "linear"}},
}


def _copy(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars): what copy.deepcopy gives, 10x faster."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return copy.deepcopy(value) if isinstance(value, tuple) else value


def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`base` with `over` laid on top, recursively for nested objects (lists are replaced)."""
    out: dict[str, Any] = _copy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = _copy(value)
    return out


def complete(panel: dict[str, Any]) -> dict[str, Any]:
    """The panel with Grafana's defaults under its options and `fieldConfig.defaults.custom`."""
    kind = panel["type"]
    if kind not in OPTIONS:
        raise ValueError(f"no Grafana defaults for panel type {kind!r}")
    panel["options"] = merged(OPTIONS[kind], panel.get("options") or {})
    defaults = panel.setdefault("fieldConfig", {}).setdefault("defaults", {})
    if kind in CUSTOM:
        defaults["custom"] = merged(CUSTOM[kind], defaults.get("custom") or {})
    return panel
