"""One dashboard per service: rows by metric family (RED first), panels by metric type."""

from __future__ import annotations

from typing import Any

from ...spec.model import Alert, Metric, Model, Service
from .common import (
    QUANTILES,
    RATE,
    SEVERITY_COLOR,
    Draft,
    Mark,
    describe,
    env_value,
    filter_text,
    group_labels,
    is_plain_error_ratio,
    legend_of,
    rate_unit,
    scaled,
    selector,
    sum_by,
    threshold_marks,
    value_unit,
)
from .layout import dashboard, var_datasource, var_env, var_tag

# --- service dashboards ---------------------------------------------------------------

def service_dashboard(model: Model, service: Service) -> Any:
    metrics = model.metrics_for(service.name)
    marks = threshold_marks(model)
    families: dict[str, list[Metric]] = {}
    for metric in sorted(metrics, key=lambda m: m.family != "request"):  # RED first, then spec order
        families.setdefault(metric.family, []).append(metric)
    sections = []
    for members in families.values():
        drafts = [d for m in members for d in _metric_drafts(model, m, marks)]
        drafts += [_alert_ratio_draft(model, a) for a in model.alerts
                   if a.kind == "ratio" and a.numerator in members and not is_plain_error_ratio(model, a)]
        prefix = ".".join(members[0].key.split(".")[:2])
        sections.append((f"{prefix}.*", drafts))
    tag_labels = sorted({t.label: t for m in metrics for t in m.tags if t.bounded and not t.is_environment}.items())
    variables = [var_datasource(), *var_env(model, metrics)]
    variables += [var_tag(label, tag, next(m for m in metrics if tag in m.tags)) for label, tag in tag_labels]
    return dashboard(
        model, service.dashboard_uid, f"{model.project.title} / {service.title}",
        f"{service.description} Metrics of the {service.name} service.", [service.name], sections, variables)


def _metric_drafts(model: Model, metric: Metric, marks: dict[tuple[str, str], list[Mark]]) -> list[Draft]:
    labels = group_labels(metric)
    legend = legend_of(labels, metric.key)
    drafts: list[Draft] = []
    if metric.type == "counter":
        pair = model.error_pair(metric)
        if pair is not None:
            drafts.append(_error_ratio_draft(metric, pair, marks.get(("ratio", metric.key), [])))
        rate = sum_by(f"rate({selector(metric.prom_name, metric)}[{RATE}])", labels)
        totals = metric.unit in ("cents", "tokens")  # also shown per day and as a total: 9 + 9 + 6 columns
        if metric.unit == "cents":
            drafts.append(Draft("timeseries", f"{metric.key} ($/h)", describe(
                metric.description, [], "Spend per hour: per-second rate x 3600, cents shown as US dollars."),
                "currencyUSD", [(f"{rate} * 3600 / 100", legend)], width=9))
        else:
            drafts.append(Draft("timeseries", f"{metric.key} (/s)", describe(
                metric.description, [], f"Per-second rate in {metric.unit}."), rate_unit(metric), [(rate, legend)],
                width=9 if totals else 12))
        if totals:
            drafts += _total_drafts(metric, labels, legend)
    elif metric.type == "histogram":
        drafts += _histogram_drafts(metric, marks.get(("quantile", metric.key), []))
    else:
        expr = scaled(sum_by(selector(metric.prom_name, metric), labels), metric)
        drafts.append(Draft("timeseries", metric.key, describe(metric.description, [], "Current value."),
                             value_unit(metric), [(expr, legend)]))
    return drafts


def _error_ratio_draft(errors: Metric, total: Metric, marks: list[Mark]) -> Draft:
    common = tuple(label for label in group_labels(errors) if label in group_labels(total))
    num = sum_by(f"rate({selector(errors.prom_name, errors)}[{RATE}])", common)
    den = sum_by(f"rate({selector(total.prom_name, total)}[{RATE}])", common)
    return Draft(
        "timeseries", f"{errors.key} / {total.key} (error ratio)",
        describe(f"Share of {total.key} that are {errors.key}: {errors.description}", marks),
        "percentunit", [(f"{num} / {den}", legend_of(common, "error ratio"))], marks=marks)


def _alert_ratio_draft(model: Model, alert: Alert) -> Draft:
    """A panel showing exactly what a ratio alert evaluates (when no generic panel does)."""
    assert alert.numerator is not None and alert.denominator is not None
    value, note = env_value(model, alert.threshold)
    by = tuple(t.label for t in alert.by)
    num = sum_by(f"rate({selector(alert.numerator.prom_name, alert.numerator, alert.numerator_filter + alert.filter)}"
               f"[{RATE}])", by)
    den = sum_by(f"rate({selector(alert.denominator.prom_name, alert.denominator, alert.filter)}[{RATE}])", by)
    mark = Mark(value, SEVERITY_COLOR[alert.severity],
                 f"Line: alert {alert.name} ({alert.severity}) when above {value:g} for {alert.for_}{note}.")
    return Draft(
        "timeseries", f"{alert.name} ratio",
        describe(alert.description, [mark], f"{alert.numerator.key}"
                  + (f" ({filter_text(alert.numerator_filter)})" if alert.numerator_filter else "")
                  + f" / {alert.denominator.key}."),
        "percentunit", [(f"{num} / {den}", legend_of(by, alert.name))], marks=[mark])


def _total_drafts(metric: Metric, labels: tuple[str, ...], legend: str) -> list[Draft]:
    unit = "currencyUSD" if metric.unit == "cents" else "short"
    daily = scaled(sum_by(f"increase({selector(metric.prom_name, metric)}[1d])", labels), metric)
    total = scaled(f"sum(increase({selector(metric.prom_name, metric)}[$__range]))", metric)
    return [
        Draft("timeseries", f"{metric.key} per day", describe(metric.description, [], "Increase per day."),
               unit, [(daily, legend)], width=9, interval="1d", bars=True),
        Draft("stat", f"{metric.key} total", describe(metric.description, [], "Total over the dashboard range."),
               unit, [(total, "total")], width=6, instant=True),
    ]


def _histogram_drafts(metric: Metric, marks: list[Mark]) -> list[Draft]:
    buckets = sum_by(f"rate({selector(metric.bucket_series, metric)}[{RATE}])", ("le",))
    quantiles = [(scaled(f"histogram_quantile({q:g}, {buckets})", metric), f"p{q * 100:g}") for q in QUANTILES]
    labels = group_labels(metric)
    scope = f" Aggregated over the selected {', '.join(labels)}; narrow the variables to drill down." if labels else ""
    unit = value_unit(metric)
    return [
        Draft("timeseries", f"{metric.key} p50/p95/p99",
               describe(metric.description, marks, f"Quantiles estimated from the histogram buckets.{scope}"),
               unit, quantiles, marks=marks),
        Draft("heatmap", f"{metric.key} distribution",
               describe(metric.description, [], "Observations per second in each bucket (le = upper bound)."),
               unit if metric.unit != "cents" else "short", [(buckets, "{{le}}")]),
    ]
