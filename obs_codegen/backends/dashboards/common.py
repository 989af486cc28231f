"""Shared pieces of the dashboard planners: drafts, threshold marks, selectors, aggregation and units.

A `Draft` is one panel before layout, independent of grafanalib; a `Mark` is a
threshold line. Queries only use series names from `Metric.series` and label
names from the model, so they cannot drift from the Prometheus rules backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...spec import units
from ...spec.model import Alert, Metric, Model, PerEnv, Tag
from .. import promql

DATASOURCE = "${datasource}"
RATE = "$__rate_interval"
GRID_COLUMNS = 24
QUANTILES = (0.5, 0.95, 0.99)
BURN_WINDOWS = ("1h", "6h", "1d", "3d")  # long windows of the standard multiwindow burn-rate pairs
SEVERITY_COLOR = {"page": "red", "ticket": "orange"}
SLO_COLOR = "purple"

@dataclass(frozen=True)
class Mark:
    """A threshold line: value in the panel's unit, colour, and the sentence explaining it."""

    value: float
    color: str
    text: str


@dataclass
class Draft:
    """One panel before layout: what to draw, independent of grafanalib."""

    kind: str  # timeseries | stat | heatmap
    title: str
    description: str
    unit: str
    targets: list[tuple[str, str]]  # (expr, legend)
    width: int = 12
    height: int = 8
    marks: list[Mark] = field(default_factory=list)
    instant: bool = False
    interval: str = ""
    bars: bool = False
    decimals: int | None = None
    base_color: str = "green"


# --- shared helpers -------------------------------------------------------------------

def first_env(model: Model) -> str:
    return model.project.environments[0]


def env_value(model: Model, per_env: PerEnv) -> tuple[float, str]:
    """(value drawn, note) for a per-environment number: the first environment's value."""
    env = first_env(model)
    if per_env.uniform is not None:
        return per_env.uniform, ""
    others = ", ".join(f"{e} {v:g}" for e, v in per_env.values if e != env)
    return per_env.get(env), f" (value for {env}; {others})"


def env_tag(model: Model) -> Tag | None:
    return next((t for t in model.tags if t.is_environment), None)


def selector(series: str, metric: Metric, extra: tuple[tuple[Tag, str], ...] = ()) -> str:
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


def group_labels(metric: Metric) -> tuple[str, ...]:
    return tuple(t.label for t in metric.tags if t.bounded and not t.is_environment)


def sum_by(expr: str, labels: tuple[str, ...]) -> str:
    return aggregate("sum", expr, labels)


def aggregate(op: str, expr: str, labels: tuple[str, ...]) -> str:
    """`op by (labels) (expr)`, or `op(expr)` without labels."""
    return f"{op} by ({', '.join(labels)}) ({expr})" if labels else f"{op}({expr})"


def legend_of(labels: tuple[str, ...], fallback: str) -> str:
    return " ".join("{{" + label + "}}" for label in labels) if labels else fallback


def display(metric: Metric, use: units.Use) -> units.Display:
    """The Grafana unit (and scaling) of the metric's value, rate or total, from the unit table."""
    return units.display(metric.unit, use)


def shown(expr: str, how: units.Display) -> str:
    """`expr` scaled as the unit table says: per hour (x 3600), then divided (cents -> dollars)."""
    if how.per_hour:
        expr = f"{expr} * 3600"
    return f"{expr} / {how.divide_by:g}" if how.divide_by != 1 else expr


def describe(base: str, marks: list[Mark], *more: str) -> str:
    parts = [base.strip().rstrip(".") + "."] + [m for m in more if m] + [m.text for m in marks]
    return " ".join(parts)


def filter_text(filt: tuple[tuple[Tag, str], ...]) -> str:
    return ", ".join(f"{t.label}={v}" for t, v in filt)


# --- thresholds from alerts and SLOs --------------------------------------------------

def threshold_marks(model: Model) -> dict[tuple[str, str], list[Mark]]:
    """Threshold lines keyed by (panel kind, metric key): 'quantile' or 'ratio' panels."""
    marks: dict[tuple[str, str], list[Mark]] = {}
    for alert in model.alerts:
        value, note = env_value(model, alert.threshold)
        color = SEVERITY_COLOR[alert.severity]
        where = f" on {filter_text(alert.filter)}" if alert.filter else ""
        if alert.kind == "quantile" and alert.metric is not None and alert.q is not None:
            text = (f"Line: alert {alert.name} ({alert.severity}) when p{alert.q * 100:g}{where} is above "
                    f"{value:g} {alert.metric.unit} for {alert.for_}{note}.")
            marks.setdefault(("quantile", alert.metric.key), []).append(Mark(value, color, text))
        elif alert.kind == "ratio" and alert.numerator is not None and is_plain_error_ratio(model, alert):
            text = (f"Line: alert {alert.name} ({alert.severity}) when the ratio is above {value:g} "
                    f"for {alert.for_}{note}.")
            marks.setdefault(("ratio", alert.numerator.key), []).append(Mark(value, color, text))
    for slo in model.slos:
        objective, note = env_value(model, slo.objective)
        where = f" on {filter_text(slo.filter)}" if slo.filter else ""
        if slo.kind == "latency" and slo.latency_metric is not None and slo.threshold is not None:
            text = (f"Line: SLO {slo.name}: {objective:g}% of requests{where} within {slo.threshold:g} "
                    f"{slo.latency_metric.unit}{note}.")
            marks.setdefault(("quantile", slo.latency_metric.key), []).append(Mark(slo.threshold, SLO_COLOR, text))
        elif slo.kind == "ratio" and slo.errors is not None and model.error_pair(slo.errors) == slo.total:
            budget = promql.denoise(1 - objective / 100)
            text = f"Line: SLO {slo.name} error budget, {budget:.4g} of requests{where}, objective {objective:g}%{note}."
            marks.setdefault(("ratio", slo.errors.key), []).append(Mark(budget, SLO_COLOR, text))
    return marks


def is_plain_error_ratio(model: Model, alert: Alert) -> bool:
    """True when the alert watches exactly the generic error-ratio panel of its numerator."""
    return (alert.numerator is not None and model.error_pair(alert.numerator) == alert.denominator
            and not alert.numerator_filter and not alert.filter)
