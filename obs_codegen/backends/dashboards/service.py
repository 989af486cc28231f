"""One dashboard per service: rows by metric family (RED first), panels by metric type."""

from __future__ import annotations

from dataclasses import replace

from ...spec.model import Alert, Metric, Model, Service
from .common import (
    QUANTILES,
    RATE,
    SEVERITY_COLOR,
    Draft,
    Mark,
    aggregate,
    alerts_about,
    describe,
    display,
    filter_text,
    group_labels,
    is_plain_error_ratio,
    legend_of,
    per_env_text,
    selector,
    shown,
    sum_by,
    threshold_marks,
)
from .layout import Plan, plan, var_datasource, var_env, var_tag

# --- service dashboards ---------------------------------------------------------------

def service_dashboard(model: Model, service: Service) -> Plan:
    metrics = model.metrics_for(service.name)
    marks = threshold_marks(model)
    families: dict[str, list[Metric]] = {}
    for metric in sorted(metrics, key=lambda m: m.family != "request"):  # RED first, then spec order
        families.setdefault(metric.family, []).append(metric)
    sections = []
    for members in families.values():
        drafts = [replace(d, alerts=alerts_about(model, m)) for m in members for d in _metric_drafts(model, m, marks)]
        drafts += [replace(_alert_ratio_draft(model, a), alerts=(a.name,)) for a in _ratio_alerts(model, members)]
        prefix = ".".join(members[0].key.split(".")[:2])
        sections.append((f"{prefix}.*", drafts))
    custom = [Draft(p.kind, p.title, f"{p.description} (hand-written in the spec: panels.{p.name})", p.unit,
                    [(p.expr, p.legend)]) for p in model.panels if p.service == service.name]
    if custom:
        sections.append(("Custom panels", custom))
    tag_labels = sorted({t.label: t for m in metrics for t in m.tags if t.bounded and not t.is_environment}.items())
    variables = [var_datasource(), *var_env(model, metrics)]
    variables += [var_tag(label, tag, next(m for m in metrics if tag in m.tags)) for label, tag in tag_labels]
    return plan(
        model, service.dashboard_uid, f"{model.project.title} / {service.title}",
        f"{service.description} Metrics of the {service.name} service.", [service.name], sections, variables)


def _ratio_alerts(model: Model, members: list[Metric]) -> list[Alert]:
    """The ratio alerts (in spec order) whose numerator is one of `members` and that need a panel of their own."""
    by_numerator = model.memo("dashboards.ratio_alerts", _ratio_alerts_by_numerator)
    return [model.alerts[i] for i in sorted({i for m in members for i in by_numerator.get(m.key, ())})]


def _ratio_alerts_by_numerator(model: Model) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, a in enumerate(model.alerts):
        if a.kind == "ratio" and a.numerator is not None and not is_plain_error_ratio(model, a):
            found.setdefault(a.numerator.key, []).append(i)
    return found


def _metric_drafts(model: Model, metric: Metric, marks: dict[tuple[str, str], list[Mark]]) -> list[Draft]:
    labels = group_labels(metric)
    legend = legend_of(labels, metric.key)
    title = metric.display_title
    drafts: list[Draft] = []
    if metric.type == "counter":
        pair = model.error_pair(metric)
        if pair is not None and _narrows_both(metric, pair):
            drafts.append(_error_ratio_draft(metric, pair, marks.get(("ratio", metric.key), [])))
        rate = sum_by(f"rate({selector(metric.prom_name, metric)}[{RATE}])", labels)
        how = display(metric, "rate")
        totals = metric.unit in ("cents", "tokens")  # also shown per day and as a total: 9 + 9 + 6 columns
        per = "h" if how.per_hour else "s"
        note = "Spend per hour: per-second rate x 3600" if how.per_hour else f"Per-second rate in {metric.unit}"
        scale = ", cents shown as US dollars" if metric.unit == "cents" else ""
        drafts.append(Draft("timeseries", f"{title} ({'$' if metric.unit == 'cents' else ''}/{per})", describe(
            _about(metric), [], f"{note}{scale}."), how.grafana, [(shown(rate, how), legend)],
            width=9 if totals else 12))
        if totals:
            drafts += _total_drafts(metric, labels, legend)
    elif metric.type == "histogram":
        drafts += _histogram_drafts(metric, marks.get(("quantile", metric.key), []))
    else:
        how = display(metric, "value")
        expr = shown(aggregate(metric.aggregation, selector(metric.prom_name, metric), labels), how)
        drafts.append(Draft("timeseries", title, describe(
            _about(metric), [], f"Current value; the {AGGREGATION_TEXT[metric.aggregation]} of the series "
                                f"{'per ' + ', '.join(labels) if labels else 'selected'}."),
            how.grafana, [(expr, legend)]))
    return drafts


AGGREGATION_TEXT = {"sum": "sum", "max": "maximum", "min": "minimum", "avg": "average"}


def _about(metric: Metric) -> str:
    """The panel description's opening: the metric's spec name and description."""
    return f"{metric.key}: {metric.description}"


def _narrows_both(part: Metric, total: Metric) -> bool:
    """Every variable applied to the total is applied to the part too (lint metric-part-of enforces it)."""
    return set(group_labels(total)) <= set(group_labels(part))


def _error_ratio_draft(errors: Metric, total: Metric, marks: list[Mark]) -> Draft:
    """part / total, grouped by the total's labels; both sides carry every variable of the total's labels."""
    common = group_labels(total)
    num = sum_by(f"rate({selector(errors.prom_name, errors)}[{RATE}])", common)
    den = sum_by(f"rate({selector(total.prom_name, total)}[{RATE}])", common)
    return Draft(
        "timeseries", f"{errors.display_title} / {total.display_title}",
        describe(f"Share of {total.key} that are {errors.key} (declared part_of): {errors.description}", marks),
        "percentunit",
        [(f"{num} / {den}", legend_of(common, "ratio"))], marks=marks)


def _alert_ratio_draft(model: Model, alert: Alert) -> Draft:
    """A panel showing exactly what a ratio alert evaluates (when no generic panel does)."""
    assert alert.numerator is not None and alert.denominator is not None
    by = tuple(t.label for t in alert.by)
    num = sum_by(f"rate({selector(alert.numerator.prom_name, alert.numerator, alert.numerator_filter + alert.filter)}"
                 f"[{RATE}])", by)
    den = sum_by(f"rate({selector(alert.denominator.prom_name, alert.denominator, alert.filter)}[{RATE}])", by)
    mark = Mark.of(model, alert.threshold, SEVERITY_COLOR[alert.severity],
                   f"Line: alert {alert.name} ({alert.severity}) when {alert.direction} {per_env_text(alert.threshold)} "
                   f"for {alert.for_}.", name=f"{alert.name} threshold")
    return Draft(
        "timeseries", f"{alert.name} ratio",
        describe(alert.description, [mark], f"{alert.numerator.key}"
                 + (f" ({filter_text(alert.numerator_filter)})" if alert.numerator_filter else "")
                 + f" / {alert.denominator.key}."),
        "percentunit", [(f"{num} / {den}", legend_of(by, alert.name))], marks=[mark])


def _total_drafts(metric: Metric, labels: tuple[str, ...], legend: str) -> list[Draft]:
    how = display(metric, "total")
    daily = shown(sum_by(f"increase({selector(metric.prom_name, metric)}[1d])", labels), how)
    total = shown(f"sum(increase({selector(metric.prom_name, metric)}[$__range]))", how)
    title = metric.display_title
    return [
        Draft("timeseries", f"{title} per day", describe(_about(metric), [], "Increase per day."),
              how.grafana, [(daily, legend)], width=9, interval="1d", bars=True),
        Draft("stat", f"{title} total", describe(_about(metric), [], "Total over the dashboard range."),
              how.grafana, [(total, "total")], width=6, instant=True),
    ]


def _histogram_drafts(metric: Metric, marks: list[Mark]) -> list[Draft]:
    buckets = sum_by(f"rate({selector(metric.bucket_series, metric)}[{RATE}])", ("le",))
    how = display(metric, "value")
    quantiles = [(shown(f"histogram_quantile({q:g}, {buckets})", how), f"p{q * 100:g}") for q in QUANTILES]
    labels = group_labels(metric)
    scope = f" Aggregated over the selected {', '.join(labels)}; narrow the variables to drill down." if labels else ""
    title = metric.display_title
    return [
        Draft("timeseries", f"{title} p50/p95/p99",
              describe(_about(metric), marks, f"Quantiles estimated from the histogram buckets.{scope}"),
              how.grafana, quantiles, marks=marks),
        Draft("heatmap", f"{title} distribution",
              describe(_about(metric), [], "Observations per second in each bucket (le = upper bound)."),
              how.grafana if how.divide_by == 1 else "short", [(buckets, "{{le}}")]),  # le stays in spec units
    ]
