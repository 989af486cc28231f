"""SLO rule groups: objective, SLI error ratios per window, remaining budget, multi-window multi-burn-rate
page and ticket alerts, and a no-data alert per environment.

Burn-rate factors follow the SRE workbook, derived from the SLO period (factor = budget share *
period / long window: 14.4 for 30d, 13.44 for 28d), but never below 1: a factor under 1 would
raise a "burning too fast" alert while the budget is on track to last the period.

Windows of a day or more (1d, 3d, the period) do not re-read the raw series at every evaluation: the
bad and all events per second over 5m are recorded once per evaluation (per environment), and a long
window is the ratio of their sums over it, `sum_over_time(bad[3d]) / sum_over_time(all[3d])`. Every
recorded sample covers the 5m before it, so each request counts about (5m / evaluation interval) times
in both sums alike: the ratio is weighted by traffic like `rate()` of the raw counters (Sloth's
`avg_over_time` of the 5m ratio is not: a quiet night's hour counts as much as a busy hour). It reads
one series per environment sampled once per evaluation instead of every raw series at every scrape
(scripts/bench_slo_rules.py measures it). A subquery at 5m steps (`bad[3d:5m]`) would read 5 times
fewer samples, but its steps are aligned to 5m boundaries: the window ends up to 5m in the past and is
empty for the first 5m after the rules load.
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


RECORDED_FROM = "1d"  # SLI windows this long or longer are sums of the recorded 5m rates, not raw-series rates


def recorded(window: str) -> bool:
    """Whether the SLI over `window` is computed from the recorded base-window rates."""
    return naming.duration_seconds(window) >= naming.duration_seconds(RECORDED_FROM)


def event_rates(model: Model, slo: SLO, window: str) -> tuple[str, str]:
    """(bad events, all events) per second over `window` from the raw series, by env. A ratio SLO's errors
    may have no series until the first one (read as 0); a latency SLO's bad events are the requests above the
    threshold's bucket."""
    env = metric_env(model, *slo.metrics)
    sel, grouping = matchers(slo.filter), [env] if env else []
    total = sum_rate(slo_total_series(slo), sel, window, grouping)
    if slo.kind == "ratio":
        assert slo.errors is not None
        return f"{sum_rate(slo.errors.prom_name, sel, window, grouping)}\nor\n0 * {total}", total
    assert slo.latency_metric is not None and slo.threshold is not None
    good = sum_rate(slo.latency_metric.bucket_series, sel + [promql.le_matcher(slo.threshold)], window, grouping)
    return f"{total}\n-\n{good}", total


def _recorded(slo: SLO, record: str, extra: tuple[str, ...] = ()) -> str:
    return promql.selector(record, [promql.eq(naming.SLO_LABEL, slo.name), *extra])


def sli_expr(model: Model, slo: SLO, window: str) -> str:
    """The SLI's error ratio over `window`: the recorded base rates' ratio (a sum of them over a long window),
    else bad over all events from the raw series."""
    bad, events = _recorded(slo, naming.SLO_BAD_EVENTS_RECORD), _recorded(slo, naming.SLO_EVENTS_RECORD)
    if window == naming.SLO_BASE_WINDOW:
        return f"{bad}\n/\n{events}"
    if recorded(window):
        return f"sum_over_time({bad}[{window}])\n/\nsum_over_time({events}[{window}])"
    raw_bad, raw_events = event_rates(model, slo, window)
    inner = "\n".join(f"  {line}" for line in raw_bad.splitlines())
    return f"(\n{inner}\n)\n/\n{raw_events}"


def _burn(slo: SLO, window: str, on: str, extra: tuple[str, ...] = ()) -> str:
    sel = [promql.eq(naming.SLO_LABEL, slo.name), *extra]
    return (f"{promql.selector(naming.slo_error_ratio_record(window), sel)}"
            f" / on ({on}) (1 - {promql.selector(naming.SLO_OBJECTIVE_RECORD, sel)})")


def _guard(model: Model, slo: SLO, window: str, extra: tuple[str, ...] = ()) -> str:
    env = metric_env(model, *slo.metrics)
    if recorded(window):
        rate = f"avg_over_time({_recorded(slo, naming.SLO_EVENTS_RECORD, extra)}[{window}])"
    else:
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
    for record, expr in zip((naming.SLO_BAD_EVENTS_RECORD, naming.SLO_EVENTS_RECORD),
                            event_rates(model, slo, naming.SLO_BASE_WINDOW)):
        group.rules.append(Rule(expr, record=record, labels=((naming.SLO_LABEL, slo.name),)))
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
