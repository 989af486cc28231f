"""SLO rule groups: objective, SLI error ratios per window, remaining budget, multi-window multi-burn-rate
page and ticket alerts, and a no-data alert per environment.

Burn-rate factors follow the SRE workbook, derived from the SLO period (factor = budget share *
period / long window: 14.4 for 30d, 13.44 for 28d), but never below 1: a factor under 1 would
raise a "burning too fast" alert while the budget is on track to last the period.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...spec import naming
from ...spec.model import SLO, Model
from .. import promql
from .base import (
    Group,
    Label,
    Rule,
    Text,
    Value,
    absent_per_env,
    env_matcher,
    links,
    matchers,
    metric_env,
    per_env_text,
    scope,
    severity_groups,
    sum_rate,
)


@dataclass(frozen=True)
class Tier:
    """One multi-window burn-rate condition (SRE workbook, table 6)."""

    severity: str
    long: str
    short: str
    budget_share: float
    factor: float


TIERS = (("page", "1h", "5m", 0.02), ("page", "6h", "30m", 0.05), ("ticket", "1d", "2h", 0.10), ("ticket", "3d", "6h", 0.10))
BURN_FOR = {"page": "2m", "ticket": "15m"}
ABSENT_FOR = "10m"
BURN_FORMAT = 'printf "%.2f"'  # burn rates are small numbers: 0.93x reads better than humanize's 930mx


MIN_FACTOR = 1.0  # a burn rate of 1 spends exactly the budget over the period: below it the SLO is on track


def tiers(slo: SLO) -> tuple[Tier, ...]:
    """The SRE workbook's four tiers; a factor the period would put below 1 (the 3d tier of a 28d SLO gives
    0.93, the 1d and 3d tiers of a 7d SLO 0.7 and 0.23) is raised to 1, so no tier fires while on track."""
    period = naming.duration_seconds(slo.period)
    return tuple(Tier(sev, long, short, share,
                      max(MIN_FACTOR, round(share * period / naming.duration_seconds(long), 4)))
                 for sev, long, short, share in TIERS)


def slo_alert_names(slo: SLO) -> dict[str, str]:
    return {"page": naming.slo_alert_name(slo.name, "BurnFast"), "ticket": naming.slo_alert_name(slo.name, "BurnSlow"),
            "absent": naming.slo_alert_name(slo.name, "NoData")}



# --- SLOs ------------------------------------------------------------------------------

def slo_total_series(slo: SLO) -> str:
    metric = slo.total if slo.kind == "ratio" else slo.latency_metric
    assert metric is not None
    return metric.prom_name if slo.kind == "ratio" else metric.count_series


def sli_expr(model: Model, slo: SLO, window: str) -> str:
    metric = slo.total or slo.latency_metric
    assert metric is not None
    env = metric_env(model, *slo.metrics)
    sel, grouping = matchers(slo.filter), [env] if env else []
    total = sum_rate(slo_total_series(slo), sel, window, grouping)
    if slo.kind == "ratio":
        assert slo.errors is not None
        errors = sum_rate(slo.errors.prom_name, sel, window, grouping)
        return f"(\n  {errors}\n  or\n  0 * {total}\n)\n/\n{total}"
    assert slo.latency_metric is not None and slo.threshold is not None
    good = sum_rate(slo.latency_metric.bucket_series, sel + [promql.le_matcher(slo.threshold)], window, grouping)
    return f"1 - (\n  {good}\n  /\n  {total}\n)"


def _burn(slo: SLO, window: str, on: str, extra: tuple[str, ...] = ()) -> str:
    sel = [promql.eq(naming.SLO_LABEL, slo.name), *extra]
    return (f"{promql.selector(naming.slo_error_ratio_record(window), sel)}"
            f" / on ({on}) (1 - {promql.selector(naming.SLO_OBJECTIVE_RECORD, sel)})")


def _guard(model: Model, slo: SLO, window: str, extra: tuple[str, ...] = ()) -> str:
    env = metric_env(model, *slo.metrics)
    rate = sum_rate(slo_total_series(slo), matchers(slo.filter, extra), window, [env] if env else [])
    return f"and on ({env or ''}) ({rate} * 3600 >= {promql.rounded_number(slo.min_requests_per_hour)})"


def burn_tier_expr(model: Model, slo: SLO, t: Tier, envs: tuple[str, ...] | None = None) -> str:
    """One burn-rate tier (long and short window over its factor, and the traffic guard), restricted to `envs`."""
    env = metric_env(model, *slo.metrics)
    on = ", ".join(x for x in (env, naming.SLO_LABEL) if x)
    extra = (env_matcher(env, envs),) if env and envs else ()
    f = promql.rounded_number(t.factor)
    lines = [f"{_burn(slo, t.long, on, extra)} > {f}", f"and {_burn(slo, t.short, on, extra)} > {f}"]
    if slo.min_requests_per_hour > 0:
        lines.append(_guard(model, slo, t.long, extra))
    return "\n".join(lines)


def tier_labels(t: Tier) -> tuple[tuple[str, str], ...]:
    """The windows a burn-rate alert's rule watches, as Pyrra labels them: a responder sees which tier tripped."""
    return ((naming.LONG_WINDOW_LABEL, t.long), (naming.SHORT_WINDOW_LABEL, t.short))


def slo_group(model: Model, slo: SLO) -> Group:
    env = metric_env(model, *slo.metrics)
    group = Group(f"slo-{slo.name}")
    for env_name, objective in slo.objective.values if env else slo.objective.values[:1]:
        labels = ((naming.SLO_LABEL, slo.name),) + (((env, env_name),) if env else ())
        group.rules.append(Rule(f"vector({promql.rounded_number(objective / 100)})", record=naming.SLO_OBJECTIVE_RECORD,
                                labels=labels))
    for window in naming.slo_windows(slo.period):
        group.rules.append(Rule(sli_expr(model, slo, window), record=naming.slo_error_ratio_record(window),
                                labels=((naming.SLO_LABEL, slo.name),)))
    on = ", ".join(x for x in (env, naming.SLO_LABEL) if x)
    group.rules.append(Rule(f"1 - ({_burn(slo, slo.period, on)})", record=naming.SLO_BUDGET_REMAINING_RECORD,
                            labels=((naming.SLO_LABEL, slo.name),)))
    names = slo_alert_names(slo)
    objective_text = per_env_text(slo.objective, "%")
    where = ("in ", Label(env), " ") if env else ()
    urls = links(model, slo.anchor, model.slo_overview_uid)
    for severity, pace in (("page", "fast"), ("ticket", "steadily")):
        for t in (t for t in tiers(slo) if t.severity == severity):
            share = f"{promql.rounded_number(t.budget_share * 100)}% of the budget in {t.long}"
            description: Text = (f"{slo.description} ", "The error budget of the ", slo.name, " SLO (objective ",
                                 objective_text, f" over {slo.period}) is being spent ", Value(BURN_FORMAT),
                                 f"x faster than sustainable over the last {t.long} ", *where,
                                 f"(alert above {promql.rounded_number(t.factor)}x over {t.long} and {t.short}: "
                                 f"{share}).")
            group.rules += [Rule(
                burn_tier_expr(model, slo, t, envs), alert=names[severity], for_=BURN_FOR[severity],
                labels=(("severity", rule_severity), ("service", slo.service), ("owner", slo.owner))
                + tier_labels(t),
                annotations=(("summary", (f"The {slo.name} SLO is burning its error budget {pace}.",)),
                             ("description", description)) + urls, envs=scope(model, envs, *slo.metrics))
                for rule_severity, envs in severity_groups(model, severity, (), *slo.metrics)]
    if slo.absent_alert:
        group.rules.append(absent_rule(model, slo, urls))
    return group




def absent_inputs(slo: SLO) -> list[tuple[str, list[str]]]:
    """(series, extra matchers) the SLI cannot do without: the total (errors may be absent until the
    first one, the SLI reads them as 0), and for a latency SLO the threshold's bucket too."""
    out: list[tuple[str, list[str]]] = [(slo_total_series(slo), [])]
    if slo.kind == "latency" and slo.latency_metric is not None and slo.threshold is not None:
        out.append((slo.latency_metric.bucket_series, [promql.le_matcher(slo.threshold)]))
    return out


def absent_expr(model: Model, slo: SLO) -> str:
    """`absent()` of every SLI input per environment: a silent production fires while staging still reports."""
    return absent_per_env(slo.filter, metric_env(model, *slo.metrics), model.project.environments, absent_inputs(slo))


def absent_rule(model: Model, slo: SLO, urls: tuple[tuple[str, Text], ...]) -> Rule:
    env = metric_env(model, *slo.metrics)
    inputs = " and ".join(promql.selector(name, matchers(slo.filter) + more) for name, more in absent_inputs(slo))
    where: Text = (" in ", Label(env)) if env else ()
    text: Text = (f"No series {inputs} for {ABSENT_FOR}", *where,
                  ": the SLO cannot be evaluated there and its burn-rate alerts cannot fire."
                  " Check the exporter, its relabelling and the scrape target.")
    return Rule(absent_expr(model, slo), alert=slo_alert_names(slo)["absent"], for_=ABSENT_FOR,
                labels=(("severity", "ticket"), ("service", slo.service), ("owner", slo.owner),
                        (naming.SLO_LABEL, slo.name)),
                annotations=(("summary", (f"The {slo.name} SLO has no data.",)), ("description", text)) + urls,
                envs=scope(model, None, *slo.metrics))
