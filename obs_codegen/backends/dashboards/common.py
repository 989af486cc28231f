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
    per_env: tuple[tuple[str, float], ...] = ()  # set when the value differs per environment
    name: str = "threshold"  # legend of the series drawn for a per-environment value

    @staticmethod
    def of(model: Model, per_env: PerEnv, color: str, text: str, scale: float = 1.0,
           offset: float = 0.0, name: str = "threshold") -> Mark:
        """A mark for a per-environment number (`offset + scale * value`, e.g. 1 - objective / 100)."""
        values = tuple((e, promql.denoise(offset + scale * v)) for e, v in per_env.values)
        drawn = promql.denoise(offset + scale * (per_env.uniform if per_env.uniform is not None
                                                  else per_env.get(first_env(model))))
        return Mark(drawn, color, text, values if per_env.uniform is None else (), name)


def env_threshold_expr(env_label: str, values: tuple[tuple[str, float], ...]) -> str:
    """A constant series whose value is the threshold of the environment `$<env_label>` selects.

    `label_replace(vector(v), env, "$env", ...)` carries the selected environment as a label; the
    `and on (env)` with a series labelled with one environment keeps it only for that environment,
    and `or` joins one such term per environment: one value, never another environment's.
    """
    var = promql.string(f"${env_label}")
    label = promql.string(env_label)
    terms = [f"(label_replace(vector({promql.rounded_number(v)}), {label}, {var}, {label}, \"\") and on ({env_label}) "
             f"label_replace(vector(1), {label}, {promql.string(e)}, {label}, \"\"))" for e, v in values]
    return " or ".join(terms)


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
    alerts: tuple[str, ...] = ()  # alert rules about what the panel shows: their firing state is annotated


def alerts_about(model: Model, metric: Metric) -> tuple[str, ...]:
    """Names of the alert rules (spec alerts and SLO burn-rate/no-data alerts) that read `metric`."""
    return model.memo("dashboards.alerts_about", _alerts_by_metric).get(metric.key, ())


def _alerts_by_metric(model: Model) -> dict[str, tuple[str, ...]]:
    """alerts_about for every metric, in one pass: spec alerts in order, then each SLO's generated alerts."""
    from ..prometheus import slo_alert_names

    names: dict[str, list[str]] = {}
    for alert in model.alerts:
        for key in dict.fromkeys(m.key for m in alert.metrics):
            names.setdefault(key, []).append(alert.name)
    for slo in model.slos:
        generated = slo_alert_names(slo)
        for key in dict.fromkeys(m.key for m in slo.metrics):
            names.setdefault(key, []).extend(
                [generated["page"], generated["ticket"]] + ([generated["absent"]] if slo.absent_alert else []))
    return {key: tuple(found) for key, found in names.items()}


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
    """The Grafana unit (and scaling) of the metric's value, rate or total: the unit table's, or a declared unit's."""
    if metric.custom_unit is not None:
        return units.Display(f"suffix: {metric.unit}/s" if use == "rate" else metric.custom_unit)
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
    """Threshold lines keyed by (panel kind, metric key): 'quantile' or 'ratio' panels (built once per model)."""
    return model.memo("dashboards.threshold_marks", _threshold_marks)


def _threshold_marks(model: Model) -> dict[tuple[str, str], list[Mark]]:
    marks: dict[tuple[str, str], list[Mark]] = {}
    for alert in model.alerts:
        color = SEVERITY_COLOR[alert.severity]
        where = f" on {filter_text(alert.filter)}" if alert.filter else ""
        if alert.kind == "quantile" and alert.metric is not None and alert.q is not None:
            text = (f"Line: alert {alert.name} ({alert.severity}) when p{alert.q * 100:g}{where} is {alert.direction} "
                    f"{per_env_text(alert.threshold)} {alert.metric.unit} for {alert.for_}.")
            marks.setdefault(("quantile", alert.metric.key), []).append(
                Mark.of(model, alert.threshold, color, text, name=f"{alert.name} threshold"))
        elif alert.kind == "ratio" and alert.numerator is not None and is_plain_error_ratio(model, alert):
            text = (f"Line: alert {alert.name} ({alert.severity}) when the ratio is {alert.direction} "
                    f"{per_env_text(alert.threshold)} for {alert.for_}.")
            marks.setdefault(("ratio", alert.numerator.key), []).append(
                Mark.of(model, alert.threshold, color, text, name=f"{alert.name} threshold"))
    for slo in model.slos:
        where = f" on {filter_text(slo.filter)}" if slo.filter else ""
        if slo.kind == "latency" and slo.latency_metric is not None and slo.threshold is not None:
            text = (f"Line: SLO {slo.name}: {per_env_text(slo.objective)}% of requests{where} within "
                    f"{slo.threshold:g} {slo.latency_metric.unit}.")
            marks.setdefault(("quantile", slo.latency_metric.key), []).append(Mark(slo.threshold, SLO_COLOR, text))
        elif slo.kind == "ratio" and slo.errors is not None and model.error_pair(slo.errors) == slo.total:
            budget = Mark.of(model, slo.objective, SLO_COLOR, "", scale=-0.01, offset=1.0)
            text = (f"Line: SLO {slo.name} error budget (1 - objective) of requests{where}, objective "
                    f"{per_env_text(slo.objective)}%.")
            marks.setdefault(("ratio", slo.errors.key), []).append(
                Mark(budget.value, SLO_COLOR, text, budget.per_env, f"SLO {slo.name} error budget"))
    return marks


def per_env_text(per_env: PerEnv) -> str:
    """`2000`, or `2000 in production, 3000 in staging, 5000 in dev`."""
    if per_env.uniform is not None:
        return f"{per_env.uniform:g}"
    return ", ".join(f"{v:g} in {e}" for e, v in per_env.values)


def is_plain_error_ratio(model: Model, alert: Alert) -> bool:
    """True when the alert watches exactly the generic error-ratio panel of its numerator."""
    return (alert.numerator is not None and model.error_pair(alert.numerator) == alert.denominator
            and not alert.numerator_filter and not alert.filter)
