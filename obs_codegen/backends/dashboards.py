"""Grafana backend: one dashboard per service, an SLO overview and a file-provisioning config.

Outputs (relative to out/):
  grafana/dashboards/<service>.json     RED first, rows by metric family, panels by metric type
  grafana/dashboards/slo-overview.json  objective, SLI, error budget and burn rate per SLO,
                                        plus daily cost per active user against its budget
                                        (omitted when the spec has neither SLOs nor cost alerts)
  grafana/provisioning/dashboards.yaml  a `file` provider for the folder named in the spec

Panels are planned from the model as `_Draft`s, built with grafanalib, then
normalised to the JSON current Grafana writes (`dashboards_normalize`). Queries
only use series names from `Metric.series` and recording-rule names from
`naming`, so they cannot drift from the Prometheus rules backend. Alert and SLO
thresholds that differ per environment are drawn at the value of the first
environment in the spec (by convention production); the panel description
lists the others, because Grafana thresholds cannot follow the `$env` variable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ..spec import naming
from ..spec.model import SLO, Alert, Metric, Model, PerEnv, Service, Tag
from . import promql
from .escape import json_value, yaml_comment, yaml_document
from .templating import Templates

DATASOURCE = "${datasource}"
RATE = "$__rate_interval"
GRID_COLUMNS = 24
DASHBOARDS_DIR = "grafana/dashboards"
PROVISIONING_FILE = "grafana/provisioning/dashboards.yaml"
MOUNT_ROOT = "/var/lib/grafana/dashboards"  # where the provisioning file expects the JSON files
QUANTILES = (0.5, 0.95, 0.99)
BURN_WINDOWS = ("1h", "6h", "1d", "3d")  # long windows of the standard multiwindow burn-rate pairs
SEVERITY_COLOR = {"page": "red", "ticket": "orange"}
SLO_COLOR = "purple"

# spec unit -> (Grafana unit of a value, Grafana unit of a per-second rate)
_UNITS = {
    "ms": ("ms", "ms"),
    "s": ("s", "s"),
    "none": ("none", "none"),
    "percent": ("percent", "percent"),
    "requests": ("short", "reqps"),
    "cents": ("currencyUSD", "currencyUSD"),
}


@dataclass(frozen=True)
class _Mark:
    """A threshold line: value in the panel's unit, colour, and the sentence explaining it."""

    value: float
    color: str
    text: str


@dataclass
class _Draft:
    """One panel before layout: what to draw, independent of grafanalib."""

    kind: str  # timeseries | stat | heatmap
    title: str
    description: str
    unit: str
    targets: list[tuple[str, str]]  # (expr, legend)
    width: int = 12
    height: int = 8
    marks: list[_Mark] = field(default_factory=list)
    instant: bool = False
    interval: str = ""
    bars: bool = False
    decimals: int | None = None
    base_color: str = "green"


# --- entry point ----------------------------------------------------------------------

def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    """Every dashboard and the provisioning file, as bytes keyed by path under out/."""
    from .dashboards_normalize import normalize_dashboard

    files: dict[PurePosixPath, bytes] = {}
    for name, raw in raw_dashboards(model).items():
        files[PurePosixPath(DASHBOARDS_DIR, f"{name}.json")] = _dump(normalize_dashboard(raw))
    files[PurePosixPath(PROVISIONING_FILE)] = _provisioning(model)
    return dict(sorted(files.items()))


def raw_dashboards(model: Model) -> dict[str, dict[str, Any]]:
    """grafanalib's own JSON for every dashboard (before normalisation), keyed by file stem."""
    from grafanalib._gen import DashboardEncoder

    built = {s.name: _service_dashboard(model, s) for s in model.services if model.metrics_for(s.name)}
    if model.slos or any(a.kind == "cost_per_user" for a in model.alerts):  # else it would have no panel
        built["slo-overview"] = _slo_dashboard(model)
    return {name: json.loads(json.dumps(d.to_json_data(), cls=DashboardEncoder)) for name, d in built.items()}


def _dump(data: dict[str, Any]) -> bytes:
    return (json_value(data, indent=2) + "\n").encode("utf-8")


def mount_path(model: Model) -> str:
    """Directory inside the Grafana container where the dashboards JSON must be mounted."""
    return f"{MOUNT_ROOT}/{model.project.name}"


def _provisioning(model: Model) -> bytes:
    doc = {
        "apiVersion": 1,
        "providers": [{
            "name": f"{model.project.name}-obs-codegen",
            "orgId": 1,
            "type": "file",
            "folder": model.project.dashboards_folder,
            "folderUid": naming.dashboard_uid(model.project.name, "folder"),
            "disableDeletion": False,
            "allowUiUpdates": False,
            "updateIntervalSeconds": 60,
            "options": {"path": mount_path(model), "foldersFromFilesStructure": False},
        }],
    }
    header = (
        f"# generated by obs-codegen from {yaml_comment(model.spec_path)}; do not edit\n"
        f"# Grafana file provisioning: mount out/{DASHBOARDS_DIR}/ at {yaml_comment(mount_path(model))}\n"
        f"# and this file in /etc/grafana/provisioning/dashboards/.\n"
    )
    return (header + yaml_document(doc, sort_keys=True)).encode()


# --- shared helpers -------------------------------------------------------------------

def _first_env(model: Model) -> str:
    return model.project.environments[0]


def _env_value(model: Model, per_env: PerEnv) -> tuple[float, str]:
    """(value drawn, note) for a per-environment number: the first environment's value."""
    env = _first_env(model)
    if per_env.uniform is not None:
        return per_env.uniform, ""
    others = ", ".join(f"{e} {v:g}" for e, v in per_env.values if e != env)
    return per_env.get(env), f" (value for {env}; {others})"


def _env_tag(model: Model) -> Tag | None:
    return next((t for t in model.tags if t.is_environment), None)


def _selector(series: str, metric: Metric, extra: tuple[tuple[Tag, str], ...] = ()) -> str:
    """`series{env="$env", route=~"$route", ...}`: every bounded label not pinned by `extra` gets its variable."""
    pinned = {tag.label for tag, _ in extra}
    parts = []
    for tag in metric.tags:
        if (not tag.bounded and not tag.is_environment) or tag.label in pinned:
            continue
        op = "=" if tag.is_environment else "=~"
        parts.append(f'{tag.label}{op}"${tag.label}"')
    parts += [f"{tag.label}={promql.string(value)}" for tag, value in extra]
    return f"{series}{{{', '.join(parts)}}}"


def _group_labels(metric: Metric) -> tuple[str, ...]:
    return tuple(t.label for t in metric.tags if t.bounded and not t.is_environment)


def _sum(expr: str, labels: tuple[str, ...]) -> str:
    return f"sum by ({', '.join(labels)}) ({expr})" if labels else f"sum({expr})"


def _legend(labels: tuple[str, ...], fallback: str) -> str:
    return " ".join("{{" + label + "}}" for label in labels) if labels else fallback


def _scaled(expr: str, metric: Metric) -> str:
    return f"{expr} / 100" if metric.unit == "cents" else expr


def _value_unit(metric: Metric) -> str:
    return _UNITS.get(metric.unit, ("short", "cps"))[0]


def _rate_unit(metric: Metric) -> str:
    return _UNITS.get(metric.unit, ("short", "cps"))[1]


def _describe(base: str, marks: list[_Mark], *more: str) -> str:
    parts = [base.strip().rstrip(".") + "."] + [m for m in more if m] + [m.text for m in marks]
    return " ".join(parts)


def _filter_text(filt: tuple[tuple[Tag, str], ...]) -> str:
    return ", ".join(f"{t.label}={v}" for t, v in filt)


# --- thresholds from alerts and SLOs --------------------------------------------------

def _marks(model: Model) -> dict[tuple[str, str], list[_Mark]]:
    """Threshold lines keyed by (panel kind, metric key): 'quantile' or 'ratio' panels."""
    marks: dict[tuple[str, str], list[_Mark]] = {}
    for alert in model.alerts:
        value, note = _env_value(model, alert.threshold)
        color = SEVERITY_COLOR[alert.severity]
        where = f" on {_filter_text(alert.filter)}" if alert.filter else ""
        if alert.kind == "quantile" and alert.metric is not None and alert.q is not None:
            text = (f"Line: alert {alert.name} ({alert.severity}) when p{alert.q * 100:g}{where} is above "
                    f"{value:g} {alert.metric.unit} for {alert.for_}{note}.")
            marks.setdefault(("quantile", alert.metric.key), []).append(_Mark(value, color, text))
        elif alert.kind == "ratio" and alert.numerator is not None and _is_plain_error_ratio(model, alert):
            text = (f"Line: alert {alert.name} ({alert.severity}) when the ratio is above {value:g} "
                    f"for {alert.for_}{note}.")
            marks.setdefault(("ratio", alert.numerator.key), []).append(_Mark(value, color, text))
    for slo in model.slos:
        objective, note = _env_value(model, slo.objective)
        where = f" on {_filter_text(slo.filter)}" if slo.filter else ""
        if slo.kind == "latency" and slo.latency_metric is not None and slo.threshold is not None:
            text = (f"Line: SLO {slo.name}: {objective:g}% of requests{where} within {slo.threshold:g} "
                    f"{slo.latency_metric.unit}{note}.")
            marks.setdefault(("quantile", slo.latency_metric.key), []).append(_Mark(slo.threshold, SLO_COLOR, text))
        elif slo.kind == "ratio" and slo.errors is not None and model.error_pair(slo.errors) == slo.total:
            budget = promql.denoise(1 - objective / 100)
            text = f"Line: SLO {slo.name} error budget, {budget:.4g} of requests{where}, objective {objective:g}%{note}."
            marks.setdefault(("ratio", slo.errors.key), []).append(_Mark(budget, SLO_COLOR, text))
    return marks


def _is_plain_error_ratio(model: Model, alert: Alert) -> bool:
    """True when the alert watches exactly the generic error-ratio panel of its numerator."""
    return (alert.numerator is not None and model.error_pair(alert.numerator) == alert.denominator
            and not alert.numerator_filter and not alert.filter)


# --- service dashboards ---------------------------------------------------------------

def _service_dashboard(model: Model, service: Service) -> Any:
    metrics = model.metrics_for(service.name)
    marks = _marks(model)
    families: dict[str, list[Metric]] = {}
    for metric in sorted(metrics, key=lambda m: m.family != "request"):  # RED first, then spec order
        families.setdefault(metric.family, []).append(metric)
    sections = []
    for members in families.values():
        drafts = [d for m in members for d in _metric_drafts(model, m, marks)]
        drafts += [_alert_ratio_draft(model, a) for a in model.alerts
                   if a.kind == "ratio" and a.numerator in members and not _is_plain_error_ratio(model, a)]
        prefix = ".".join(members[0].key.split(".")[:2])
        sections.append((f"{prefix}.*", drafts))
    tag_labels = sorted({t.label: t for m in metrics for t in m.tags if t.bounded and not t.is_environment}.items())
    variables = [_var_datasource(), *_var_env(model, metrics)]
    variables += [_var_tag(label, tag, next(m for m in metrics if tag in m.tags)) for label, tag in tag_labels]
    return _dashboard(
        model, service.dashboard_uid, f"{model.project.title} / {service.title}",
        f"{service.description} Metrics of the {service.name} service.", [service.name], sections, variables)


def _metric_drafts(model: Model, metric: Metric, marks: dict[tuple[str, str], list[_Mark]]) -> list[_Draft]:
    labels = _group_labels(metric)
    legend = _legend(labels, metric.key)
    drafts: list[_Draft] = []
    if metric.type == "counter":
        pair = model.error_pair(metric)
        if pair is not None:
            drafts.append(_error_ratio_draft(metric, pair, marks.get(("ratio", metric.key), [])))
        rate = _sum(f"rate({_selector(metric.prom_name, metric)}[{RATE}])", labels)
        totals = metric.unit in ("cents", "tokens")  # also shown per day and as a total: 9 + 9 + 6 columns
        if metric.unit == "cents":
            drafts.append(_Draft("timeseries", f"{metric.key} ($/h)", _describe(
                metric.description, [], "Spend per hour: per-second rate x 3600, cents shown as US dollars."),
                "currencyUSD", [(f"{rate} * 3600 / 100", legend)], width=9))
        else:
            drafts.append(_Draft("timeseries", f"{metric.key} (/s)", _describe(
                metric.description, [], f"Per-second rate in {metric.unit}."), _rate_unit(metric), [(rate, legend)],
                width=9 if totals else 12))
        if totals:
            drafts += _total_drafts(metric, labels, legend)
    elif metric.type == "histogram":
        drafts += _histogram_drafts(metric, marks.get(("quantile", metric.key), []))
    else:
        expr = _scaled(_sum(_selector(metric.prom_name, metric), labels), metric)
        drafts.append(_Draft("timeseries", metric.key, _describe(metric.description, [], "Current value."),
                             _value_unit(metric), [(expr, legend)]))
    return drafts


def _error_ratio_draft(errors: Metric, total: Metric, marks: list[_Mark]) -> _Draft:
    common = tuple(label for label in _group_labels(errors) if label in _group_labels(total))
    num = _sum(f"rate({_selector(errors.prom_name, errors)}[{RATE}])", common)
    den = _sum(f"rate({_selector(total.prom_name, total)}[{RATE}])", common)
    return _Draft(
        "timeseries", f"{errors.key} / {total.key} (error ratio)",
        _describe(f"Share of {total.key} that are {errors.key}: {errors.description}", marks),
        "percentunit", [(f"{num} / {den}", _legend(common, "error ratio"))], marks=marks)


def _alert_ratio_draft(model: Model, alert: Alert) -> _Draft:
    """A panel showing exactly what a ratio alert evaluates (when no generic panel does)."""
    assert alert.numerator is not None and alert.denominator is not None
    value, note = _env_value(model, alert.threshold)
    by = tuple(t.label for t in alert.by)
    num = _sum(f"rate({_selector(alert.numerator.prom_name, alert.numerator, alert.numerator_filter + alert.filter)}"
               f"[{RATE}])", by)
    den = _sum(f"rate({_selector(alert.denominator.prom_name, alert.denominator, alert.filter)}[{RATE}])", by)
    mark = _Mark(value, SEVERITY_COLOR[alert.severity],
                 f"Line: alert {alert.name} ({alert.severity}) when above {value:g} for {alert.for_}{note}.")
    return _Draft(
        "timeseries", f"{alert.name} ratio",
        _describe(alert.description, [mark], f"{alert.numerator.key}"
                  + (f" ({_filter_text(alert.numerator_filter)})" if alert.numerator_filter else "")
                  + f" / {alert.denominator.key}."),
        "percentunit", [(f"{num} / {den}", _legend(by, alert.name))], marks=[mark])


def _total_drafts(metric: Metric, labels: tuple[str, ...], legend: str) -> list[_Draft]:
    unit = "currencyUSD" if metric.unit == "cents" else "short"
    daily = _scaled(_sum(f"increase({_selector(metric.prom_name, metric)}[1d])", labels), metric)
    total = _scaled(f"sum(increase({_selector(metric.prom_name, metric)}[$__range]))", metric)
    return [
        _Draft("timeseries", f"{metric.key} per day", _describe(metric.description, [], "Increase per day."),
               unit, [(daily, legend)], width=9, interval="1d", bars=True),
        _Draft("stat", f"{metric.key} total", _describe(metric.description, [], "Total over the dashboard range."),
               unit, [(total, "total")], width=6, instant=True),
    ]


def _histogram_drafts(metric: Metric, marks: list[_Mark]) -> list[_Draft]:
    buckets = _sum(f"rate({_selector(metric.bucket_series, metric)}[{RATE}])", ("le",))
    quantiles = [(_scaled(f"histogram_quantile({q:g}, {buckets})", metric), f"p{q * 100:g}") for q in QUANTILES]
    labels = _group_labels(metric)
    scope = f" Aggregated over the selected {', '.join(labels)}; narrow the variables to drill down." if labels else ""
    unit = _value_unit(metric)
    return [
        _Draft("timeseries", f"{metric.key} p50/p95/p99",
               _describe(metric.description, marks, f"Quantiles estimated from the histogram buckets.{scope}"),
               unit, quantiles, marks=marks),
        _Draft("heatmap", f"{metric.key} distribution",
               _describe(metric.description, [], "Observations per second in each bucket (le = upper bound)."),
               unit if metric.unit != "cents" else "short", [(buckets, "{{le}}")]),
    ]


# --- SLO overview ---------------------------------------------------------------------

def _slo_dashboard(model: Model) -> Any:
    env = _env_tag(model)
    env_label = env.label if env is not None else "env"
    sections = [(f"SLO {slo.name} ({model.service(slo.service).title})", _slo_drafts(model, slo, env_label))
                for slo in model.slos]
    cost = [d for a in model.alerts if a.kind == "cost_per_user" for d in _cost_drafts(model, a, env_label)]
    if cost:
        sections.append(("Cost per daily active user", cost))
    # The env values come from a record this dashboard reads: the SLO objective, or (no SLOs) the cost ratio.
    cost_alert = next((a for a in model.alerts if a.kind == "cost_per_user" and a.cost is not None), None)
    source = (naming.SLO_OBJECTIVE_RECORD if model.slos or cost_alert is None
              else naming.per_user_record(cost_alert.cost.base_name))  # type: ignore[union-attr]
    variables = [_var_datasource(), _var_query(env_label, "Environment", f"label_values({source}, {env_label})",
                                               multi=False)]
    return _dashboard(
        model, model.slo_overview_uid, f"{model.project.title} / SLO overview",
        "Objective, current SLI, remaining error budget and burn rate of every SLO, read from the recording rules "
        "that the Prometheus rules generated from the same spec; plus daily cost per active user.",
        ["slo"], sections, variables)


def _slo_drafts(model: Model, slo: SLO, env_label: str) -> list[_Draft]:
    sel = f'{{{naming.SLO_LABEL}={promql.string(slo.name)}, {env_label}="${env_label}"}}'
    objective, note = _env_value(model, slo.objective)
    target = _Mark(promql.denoise(objective / 100), "green", "")
    sli = f"1 - {naming.slo_error_ratio_record(slo.period)}{sel}"
    windows = [w for w in BURN_WINDOWS if w in naming.slo_windows(slo.period)]
    on = f"on ({naming.SLO_LABEL}, {env_label})"
    burn = [(f"{naming.slo_error_ratio_record(w)}{sel} / {on} (1 - {naming.SLO_OBJECTIVE_RECORD}{sel})", f"{w} window")
            for w in windows]
    return [
        _Draft("stat", f"{slo.name} objective", _describe(slo.description, [], f"Target share of good events over "
               f"{slo.period}."), "percentunit", [(f"{naming.SLO_OBJECTIVE_RECORD}{sel}", "objective")],
               width=4, height=6, instant=True, decimals=2, base_color="blue"),
        _Draft("stat", f"{slo.name} SLI ({slo.period})", _describe(
            f"Share of good events over the last {slo.period}", [],
            f"Green at or above the objective {objective:g}%{note}."), "percentunit", [(sli, "SLI")],
            width=5, height=6, instant=True, decimals=3, marks=[target], base_color="red"),
        _Draft("stat", f"{slo.name} error budget left", _describe(
            f"Share of the {slo.period} error budget not yet spent (below 0: overspent)", [],
            "Red below 0, orange below 25%."), "percentunit",
            [(f"{naming.SLO_BUDGET_REMAINING_RECORD}{sel}", "budget left")], width=5, height=6, instant=True,
            decimals=1, marks=[_Mark(0, "orange", ""), _Mark(0.25, "green", "")], base_color="red"),
        _Draft("timeseries", f"{slo.name} burn rate", _describe(
            f"Error ratio divided by the error budget (1 - objective) over {', '.join(windows)}", [],
            f"At 1 the budget runs out exactly at the end of the {slo.period} period."),
            "none", burn, width=10, height=6, marks=[_Mark(1, "red", "")]),
    ]


def _cost_drafts(model: Model, alert: Alert, env_label: str) -> list[_Draft]:
    assert alert.cost is not None and alert.users is not None and alert.budget is not None
    record = naming.per_user_record(alert.cost.base_name)
    sel = f'{record}{{{env_label}="${env_label}"}}'
    budget, note = _env_value(model, alert.budget.value)
    mark = _Mark(promql.denoise(budget / 100), SEVERITY_COLOR[alert.severity],
                 f"Line: budget {alert.budget.name}, {budget:g} cents{note}; alert {alert.name} ({alert.severity}) "
                 f"when the {alert.average_over} average is above it for {alert.for_}.")
    why = (f"Daily increase of {alert.cost.key} divided by {alert.users.key}; cents shown as US dollars. "
           f"{alert.budget.description}")
    average = f"avg_over_time({sel}[{alert.average_over}]) / 100"
    return [
        _Draft("timeseries", f"{alert.cost.key} per active user per day", _describe(why, [mark]), "currencyUSD",
               [(f"{sel} / 100", "daily"), (average, f"{alert.average_over} average")], width=18, marks=[mark]),
        _Draft("stat", f"{alert.cost.key} per active user ({alert.average_over} average)",
               _describe(why, [mark]), "currencyUSD", [(average, "average")], width=6, instant=True, decimals=3,
               marks=[mark]),
    ]


# --- variables ------------------------------------------------------------------------

def _var_datasource() -> Any:
    from grafanalib.core import Template

    return Template(name="datasource", label="Data source", query="prometheus", type="datasource", refresh=1,
                    default=None)


def _var_query(name: str, label: str, query: str, multi: bool) -> Any:
    from grafanalib.core import Template

    return Template(name=name, label=label, query=query, dataSource=DATASOURCE, type="query", refresh=2,
                    sort=1, multi=multi, includeAll=multi, allValue=".*" if multi else None)


def _var_env(model: Model, metrics: tuple[Metric, ...]) -> list[Any]:
    env = _env_tag(model)
    source = next((m for m in metrics if env is not None and env in m.tags), None)
    if env is None or source is None:
        return []
    return [_var_query(env.label, "Environment", f"label_values({source.series[-1]}, {env.label})", multi=False)]


def _var_tag(label: str, tag: Tag, source: Metric) -> Any:
    env = next((t for t in source.tags if t.is_environment), None)
    scope = f'{{{env.label}="${env.label}"}}' if env is not None else ""
    return _var_query(label, tag.name, f"label_values({source.series[-1]}{scope}, {label})", multi=True)


# --- layout and grafanalib objects ----------------------------------------------------

def _dashboard(model: Model, uid: str, title: str, description: str, tags: list[str],
               sections: list[tuple[str, list[_Draft]]], variables: list[Any]) -> Any:
    from grafanalib.core import (
        Dashboard,
        DashboardLink,
        GridPos,
        RowPanel,
        Templating,
        Time,
    )

    panels: list[Any] = []
    for row_title, row_grid, placed in _layout(sections):
        panels.append(RowPanel(title=row_title, id=len(panels) + 1, gridPos=GridPos(**row_grid)))
        panels += [_panel(draft, len(panels) + 1 + i, GridPos(**grid)) for i, (draft, grid) in enumerate(placed)]
    generated = f"Generated by obs-codegen from {model.spec_path}; do not edit (regenerate instead)."
    return Dashboard(
        title=title, uid=uid, description=f"{description} {generated}", tags=[model.project.name, *tags],
        panels=panels, templating=Templating(variables), time=Time("now-6h", "now"), refresh="1m",
        graphTooltip=1, timezone="utc", links=[DashboardLink(
            title=model.project.title, type="dashboards", tags=[model.project.name], asDropdown=True,
            keepTime=True, includeVars=False, targetBlank=False, icon="external link", tooltip="")])


Grid = dict[str, int]


def _layout(sections: list[tuple[str, list[_Draft]]]) -> list[tuple[str, Grid, list[tuple[_Draft, Grid]]]]:
    """Place rows and panels on the 24-column grid, left to right; the last panel of a line fills it."""
    out: list[tuple[str, Grid, list[tuple[_Draft, Grid]]]] = []
    y = 0
    for title, drafts in sections:
        row = {"h": 1, "w": GRID_COLUMNS, "x": 0, "y": y}
        y += 1
        placed: list[tuple[_Draft, Grid]] = []
        line: list[Grid] = []
        for draft in [*drafts, None]:
            used = sum(g["w"] for g in line)
            if line and (draft is None or used + draft.width > GRID_COLUMNS):
                line[-1]["w"] += GRID_COLUMNS - used
                y += max(g["h"] for g in line)
                line, used = [], 0
            if draft is not None:
                line.append({"h": draft.height, "w": draft.width, "x": used, "y": y})
                placed.append((draft, line[-1]))
        out.append((title, row, placed))
    return out


def _panel(draft: _Draft, panel_id: int, grid: Any) -> Any:
    from grafanalib.core import Heatmap, Stat, Target, Threshold, TimeSeries, YAxis

    targets = [Target(expr=expr, legendFormat=legend, refId=chr(ord("A") + i), instant=draft.instant,
                      datasource=DATASOURCE, format="heatmap" if draft.kind == "heatmap" else "time_series")
               for i, (expr, legend) in enumerate(draft.targets)]
    steps = [Threshold(draft.base_color, 0, 0.0)]
    for i, mark in enumerate(sorted(set(draft.marks), key=lambda m: m.value)):
        steps.append(Threshold(mark.color, i + 1, float(mark.value)))
    common: dict[str, Any] = {
        "title": draft.title, "description": draft.description, "dataSource": DATASOURCE, "targets": targets,
        "id": panel_id, "gridPos": grid, "interval": draft.interval or None,
    }
    if draft.kind == "heatmap":
        return Heatmap(yAxis=YAxis(format=draft.unit), **common)
    if draft.kind == "stat":
        return Stat(format=draft.unit, thresholds=steps, reduceCalc="lastNotNull", graphMode="none",
                    colorMode="value", decimals=draft.decimals, **common)
    return TimeSeries(
        unit=draft.unit, thresholds=steps, thresholdsStyleMode="line" if draft.marks else "off",
        drawStyle="bars" if draft.bars else "line", fillOpacity=60 if draft.bars else 10,
        legendDisplayMode="table", legendCalcs=["lastNotNull", "max"], tooltipMode="multi", tooltipSort="desc",
        valueMin=0, valueDecimals=draft.decimals, colorMode="palette-classic", **common)
