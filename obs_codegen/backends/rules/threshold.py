"""Threshold alerts: quantile, ratio, gauge and cost-per-user rules, each with its guards."""

from __future__ import annotations

from ...spec import naming
from ...spec.model import Alert, Model, PerEnv
from .. import promql
from .base import (
    RATE_WINDOW,
    Rule,
    Text,
    Value,
    branches,
    label_list,
    links,
    matchers,
    metric_env,
    per_env_text,
    sum_rate,
    unit_suffix,
)

# --- threshold alerts ------------------------------------------------------------------

def alert_labels(model: Model, alert: Alert) -> list[str]:
    """Labels of the series the alert expression returns (before the rule's own labels)."""
    env = metric_env(model, *alert.metrics)
    return list(dict.fromkeys(([env] if env else []) + [t.label for t in alert.by]))


def cost_records(model: Model, alert: Alert) -> tuple[Rule, Rule]:
    assert alert.cost is not None and alert.users is not None
    env = metric_env(model, alert.cost, alert.users)
    grouping = [env] if env else []
    daily = naming.daily_increase_record(alert.cost.base_name)
    # the users gauge combines across instances as the spec declares (`aggregation`, default sum)
    users = f"{alert.users.aggregation}{promql.by(grouping)} ({alert.users.prom_name})"
    return (Rule(sum_rate(alert.cost.prom_name, [], "1d", grouping, "increase"), record=daily),
            Rule(f"{daily} / on ({env or ''}) ({users} > 0)", record=naming.per_user_record(alert.cost.base_name)))


def alert_expr(model: Model, alert: Alert) -> str:
    env = metric_env(model, *alert.metrics)
    grouping = alert_labels(model, alert)
    parts = []
    for env_name, threshold in branches(model, alert.threshold, *alert.metrics):
        env_sel = (promql.eq(env, env_name),) if env and env_name else ()
        if alert.kind == "quantile":
            assert alert.metric is not None and alert.q is not None
            inner = sum_rate(alert.metric.bucket_series, matchers(alert.filter, env_sel), RATE_WINDOW,
                              ["le"] + grouping)
            expr = f"histogram_quantile({promql.rounded_number(alert.q)}, {inner})"
        elif alert.kind == "ratio":
            assert alert.numerator is not None and alert.denominator is not None
            num = sum_rate(alert.numerator.prom_name, matchers(alert.numerator_filter + alert.filter, env_sel),
                            RATE_WINDOW, grouping)
            den = sum_rate(alert.denominator.prom_name, matchers(alert.filter, env_sel), RATE_WINDOW, grouping)
            expr = f"{num}\n/\n{den}"
        else:
            assert alert.cost is not None and alert.average_over is not None
            record = naming.per_user_record(alert.cost.base_name)
            expr = f"avg_over_time({promql.selector(record, env_sel)}[{alert.average_over}])"
        parts.append(f"{expr}\n> {promql.rounded_number(threshold)}")
    return promql.or_join(parts) or ""


def _value_text(model: Model, alert: Alert) -> Text:
    if alert.kind == "ratio":
        return (Value("humanizePercentage"),)
    if alert.kind == "cost_per_user":
        unit = alert.budget.unit if alert.budget else (alert.cost.unit if alert.cost else "")
        return (Value(), f" {unit} per active user per day ({alert.average_over} average)")
    suffix = unit_suffix(alert.metric.unit if alert.metric else "")
    return (Value(),) + ((suffix,) if suffix else ())


def alert_rule(model: Model, alert: Alert) -> Rule:
    labels = alert_labels(model, alert)
    if alert.kind == "ratio":
        limit = per_env_text(PerEnv(tuple((e, v * 100) for e, v in alert.threshold.values)), "%")
    else:
        unit = alert.budget.unit if alert.budget else (alert.metric.unit if alert.metric else "")
        limit = per_env_text(alert.threshold, unit_suffix(unit))
    where: Text = (" for ",) + label_list(labels) if labels else ()
    description: Text = (f"{alert.description} Now ", *_value_text(model, alert), *where, f"; threshold {limit}.")
    return Rule(alert_expr(model, alert), alert=alert.name, for_=alert.for_,
                labels=(("severity", alert.severity), ("service", alert.service)),
                annotations=(("summary", (alert.summary,)), ("description", description))
                + links(model, alert.anchor, model.dashboard_uid_for(alert)))


