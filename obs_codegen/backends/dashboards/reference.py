"""The reference build: a `Plan` as grafanalib objects, then grafanalib's JSON normalised (`normalize`).

`generate` writes `build.dashboard_json`, plain data written directly (grafanalib's objects cost
4x the time and its import 0.1-0.2 s). This module keeps grafanalib as the consumer the JSON is
proven against: tests/test_dashboard_reference.py builds every dashboard of the Coach Up spec and
of every test case, and randomly drafted panels, both ways and requires the same bytes, so the two
cannot drift apart silently. Not imported on the generate path.
"""

from __future__ import annotations

import json
from typing import Any

from .common import DATASOURCE
from .layout import Placed, Plan, Variable, panel_parts
from .normalize import normalize_dashboard


def reference_json(plan: Plan) -> dict[str, Any]:
    """The normalised JSON of the plan's grafanalib dashboard: what `build.dashboard_json` must equal."""
    return normalize_dashboard(grafanalib_json(plan))


def grafanalib_json(plan: Plan) -> dict[str, Any]:
    """grafanalib's own JSON of the plan's dashboard (before normalisation)."""
    from grafanalib._gen import DashboardEncoder

    return json.loads(json.dumps(grafanalib_dashboard(plan).to_json_data(), cls=DashboardEncoder))  # type: ignore[no-any-return]


def grafanalib_dashboard(plan: Plan) -> Any:
    from grafanalib.core import Annotations, Dashboard, DashboardLink, GridPos, RowPanel, Templating, Time

    panels: list[Any] = []
    for row in plan.rows:
        panels.append(RowPanel(title=row.title, id=row.id, gridPos=GridPos(**row.grid)))
        panels += [_panel(p, plan.env_var) for p in row.panels]
    links = [DashboardLink(title=link.title, type=link.type, tags=list(link.tags), asDropdown=link.asDropdown,
                           keepTime=link.keepTime, includeVars=link.includeVars, targetBlank=link.targetBlank,
                           icon=link.icon, tooltip=link.tooltip, uri=link.uri) for link in plan.links]
    return Dashboard(
        title=plan.title, uid=plan.uid, description=plan.description, tags=plan.tags,
        annotations=Annotations(plan.annotations), panels=panels,
        templating=Templating([_variable(v) for v in plan.variables]), time=Time("now-6h", "now"), refresh="1m",
        graphTooltip=1, timezone="utc", links=links)


def _variable(var: Variable) -> Any:
    from grafanalib.core import Template

    if var.type == "datasource":
        return Template(name=var.name, label=var.label, query=var.query, type="datasource", refresh=1, default=None)
    return Template(name=var.name, label=var.label, query=var.query, dataSource=DATASOURCE, type="query", refresh=2,
                    sort=1, multi=var.multi, includeAll=var.multi, allValue=".*" if var.multi else None)


def _panel(placed: Placed, env_var: str | None) -> Any:
    from grafanalib.core import GridPos, Heatmap, Stat, Target, Threshold, TimeSeries, YAxis

    draft = placed.draft
    parts = panel_parts(draft, env_var)
    targets = [Target(expr=expr, legendFormat=legend, refId=ref, instant=draft.instant, datasource=DATASOURCE,
                      format="heatmap" if draft.kind == "heatmap" else "time_series")
               for expr, legend, ref in parts.targets]
    steps = [Threshold(color, i, 0.0 if value is None else value) for i, (color, value) in enumerate(parts.steps)]
    common: dict[str, Any] = {
        "title": draft.title, "description": draft.description, "dataSource": DATASOURCE, "targets": targets,
        "id": placed.id, "gridPos": GridPos(**placed.grid), "interval": draft.interval or None,
    }
    if draft.kind == "heatmap":
        return Heatmap(yAxis=YAxis(format=draft.unit), **common)
    if draft.kind == "stat":
        return Stat(format=draft.unit, thresholds=steps, reduceCalc="lastNotNull", graphMode="none",
                    colorMode="value", decimals=draft.decimals, **common)
    return TimeSeries(
        unit=draft.unit, thresholds=steps, thresholdsStyleMode="line" if parts.lines else "off",
        overrides=parts.overrides, drawStyle="bars" if draft.bars else "line", fillOpacity=60 if draft.bars else 10,
        legendDisplayMode="table", legendCalcs=["lastNotNull", "max"], tooltipMode="multi", tooltipSort="desc",
        valueMin=0, valueDecimals=draft.decimals, colorMode="palette-classic", **common)
