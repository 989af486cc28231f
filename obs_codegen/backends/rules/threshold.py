"""Threshold alerts: quantile, ratio, gauge and cost-per-user rules, each with its guards."""

from __future__ import annotations

from ...spec import naming
from ...spec.model import Alert, Model, PerEnv
from .. import promql
from .base import (
    RATE_WINDOW,
    Label,
    Rule,
    Text,
    Value,
    absent_per_env,
    branches,
    env_matcher,
    label_list,
    links,
    matchers,
    metric_env,
    per_env_text,
    scope,
    severity_groups,
    sum_rate,
    unit_suffix,
)

# --- threshold alerts ------------------------------------------------------------------

def alert_labels(model: Model, alert: Alert) -> list[str]:
    """Labels of the series the alert expression returns (before the rule's own labels)."""
    env = metric_env(model, *alert.metrics)
    return list(dict.fromkeys(([env] if env else []) + [t.label for t in alert.by]))


def cost_records(model: Model, alert: Alert) -> tuple[Rule, Rule, Rule]:
    """Once per environment: the daily cost, the daily active users (absent below `min_users`), their ratio."""
    assert alert.cost is not None and alert.users is not None
    env = metric_env(model, alert.cost, alert.users)
    grouping = [env] if env else []
    daily, users = naming.daily_increase_record(alert.cost.base_name), naming.users_record(alert.users.base_name)
    # the users gauge combines across instances as the spec declares (`aggregation`, default sum)
    combined = f"{alert.users.aggregation}{promql.by(grouping)} ({alert.users.prom_name})"
    return (Rule(sum_rate(alert.cost.prom_name, [], "1d", grouping, "increase"), record=daily),
            Rule(f"{combined} >= {promql.rounded_number(alert.min_users)}", record=users),
            Rule(f"{daily} / on ({env or ''}) {users}", record=naming.per_user_record(alert.cost.base_name)))


def _cost_expr(model: Model, alert: Alert, env_sel: tuple[str, ...], threshold: float) -> str:
    """Cost over the last N days / the users of the last N days (N x their average, low readings left out),
    only where a user count is plausible now and the cost counter reported N days ago (N days of data)."""
    assert alert.cost is not None and alert.users is not None and alert.average_over is not None
    env = metric_env(model, alert.cost, alert.users)
    grouping, on = [env] if env else [], f"on ({env or ''})"
    n = alert.average_over
    days = promql.rounded_number(naming.duration_seconds(n) / 86400)
    users = promql.selector(naming.users_record(alert.users.base_name), list(env_sel))
    cost = sum_rate(alert.cost.prom_name, list(env_sel), n, grouping, "increase")
    history = (f"sum{promql.by(grouping)} (count_over_time({promql.selector(alert.cost.prom_name, list(env_sel))}"
               f"[1h] offset {n}))")
    return (f"(\n  {cost}\n  / {on}\n  ({days} * avg_over_time({users}[{n}]))\n)\n> {promql.rounded_number(threshold)}"
            f"\nand {on} {users}\nand {on} {history}")


def _traffic_guard(model: Model, alert: Alert, env_sel: tuple[str, ...], grouping: list[str]) -> str:
    if alert.kind == "quantile":
        assert alert.metric is not None
        series = alert.metric.count_series
    else:
        assert alert.denominator is not None
        series = alert.denominator.prom_name
    events = sum_rate(series, matchers(alert.filter, env_sel), RATE_WINDOW, grouping, "increase")
    return f"\nand on ({', '.join(grouping)}) {events} >= {promql.rounded_number(alert.min_requests)}"


def absent_alert_expr(model: Model, alert: Alert, envs: tuple[str, ...] | None = None) -> str:
    """`absent()` of the metric in each of `envs` (None: every environment)."""
    return absent_per_env(alert.filter, metric_env(model, *alert.metrics), envs or model.project.environments,
                          [(alert.presence_series, [])])


def alert_expr(model: Model, alert: Alert, envs: tuple[str, ...] | None = None) -> str:
    """The alert's expression, restricted to `envs` (None: every environment)."""
    if alert.kind == "absent":
        return absent_alert_expr(model, alert, envs)
    env = metric_env(model, *alert.metrics)
    grouping = alert_labels(model, alert)
    parts = []
    for env_name, threshold in branches(model, alert.threshold, *alert.metrics):
        if envs is not None and env_name is not None and env_name not in envs:
            continue
        env_sel = ((promql.eq(env, env_name),) if env_name else (env_matcher(env, envs),) if envs else ()) if env else ()
        if alert.kind == "cost_per_user":
            parts.append(_cost_expr(model, alert, env_sel, threshold))
            continue
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
            assert alert.metric is not None
            sel = promql.selector(alert.metric.prom_name, matchers(alert.filter, env_sel))
            expr = f"{alert.metric.aggregation}{promql.by(grouping)} ({sel})"
        guard = _traffic_guard(model, alert, env_sel, grouping) if alert.kind != "gauge" and alert.min_requests else ""
        parts.append(f"{expr}\n{alert.comparison} {promql.rounded_number(threshold)}{guard}")
    return promql.or_join(parts) or ""


def _value_text(model: Model, alert: Alert) -> Text:
    if alert.kind == "ratio":
        return (Value("humanizePercentage"),)
    if alert.kind == "cost_per_user":
        unit = alert.budget.unit if alert.budget else (alert.cost.unit if alert.cost else "")
        return (Value(), f" {unit} per active user per day over the last {alert.average_over}")
    suffix = unit_suffix(alert.metric.unit if alert.metric else "")
    return (Value(),) + ((suffix,) if suffix else ())


def _description(model: Model, alert: Alert) -> Text:
    labels = alert_labels(model, alert)
    if alert.kind == "absent":
        return (f"{alert.description} No series ", promql.selector(alert.presence_series, matchers(alert.filter)),
                *((" in ", Label(labels[0])) if labels else ()),
                f" for {alert.for_}: check the exporter, its relabelling and the scrape target.")
    if alert.kind == "ratio":
        limit = per_env_text(PerEnv(tuple((e, v * 100) for e, v in alert.threshold.values)), "%")
    else:
        unit = alert.budget.unit if alert.budget else (alert.metric.unit if alert.metric else "")
        limit = per_env_text(alert.threshold, unit_suffix(unit))
    limit = limit if alert.direction == "above" else f"below {limit}"
    where: Text = (" for ",) + label_list(labels) if labels else ()
    return (f"{alert.description} Now ", *_value_text(model, alert), *where, f"; threshold {limit}.", *_guard_text(alert))


def alert_rules(model: Model, alert: Alert) -> list[Rule]:
    """One rule, or one per severity when the environments' severities differ (same alert name)."""
    description = _description(model, alert)
    return [Rule(alert_expr(model, alert, envs), alert=alert.name, for_=alert.for_,
                 labels=(("severity", severity), ("service", alert.service), ("owner", alert.owner)),
                 annotations=(("summary", (alert.summary,)), ("description", description))
                 + links(model, alert.anchor, model.dashboard_uid_for(alert)), envs=scope(model, envs, *alert.metrics))
            for severity, envs in severity_groups(model, alert.severity, alert.severity_per_env, *alert.metrics)]


def alert_rule(model: Model, alert: Alert) -> Rule:
    """The rule of the alert's first environment."""
    return alert_rules(model, alert)[0]


def _guard_text(alert: Alert) -> Text:
    if alert.kind == "cost_per_user":
        return (f" Quiet until {alert.average_over} of cost data exist, and while fewer than "
                f"{promql.rounded_number(alert.min_users)} daily active users are reported.",)
    if alert.kind != "gauge" and alert.min_requests:
        return (f" Quiet below {promql.rounded_number(alert.min_requests)} events in {RATE_WINDOW}.",)
    return ()
