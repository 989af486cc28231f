"""Generated promtool tests of an SLO's rules: every burn-rate tier fires at a burn rate between the
factors, stays quiet below, the traffic guard holds, and the no-data alert fires per environment."""

from __future__ import annotations

import math
from typing import Any

from ...spec import naming
from ...spec.model import SLO, Model
from .. import promql
from .base import Rule, metric_env
from .slo import ABSENT_FOR, BURN_FOR, slo_alert_names, slo_total_series, tiers
from .testkit import (
    HEALTHY_TRAFFIC,
    PER_MINUTE,
    after,
    case,
    check,
    expected,
    expr_test,
    histogram_counts,
    metric_labels,
    minutes,
    series,
)

# --- SLO tests -------------------------------------------------------------------------

def _slo_increments(model: Model, slo: SLO, ratio: float, env_name: str,
                    per_minute: float) -> list[tuple[str, dict[str, str], float]]:
    if slo.kind == "ratio":
        assert slo.errors is not None and slo.total is not None
        return [(slo.errors.prom_name, metric_labels(model, slo.errors, env_name, slo.filter), per_minute * ratio),
                (slo.total.prom_name, metric_labels(model, slo.total, env_name, slo.filter), per_minute)]
    assert slo.latency_metric is not None and slo.threshold is not None
    bounds = list(slo.latency_metric.buckets) + [math.inf]
    counts = [0.0] * len(bounds)
    at = bounds.index(slo.threshold)
    counts[at] += per_minute * (1 - ratio)
    counts[at + 1] += per_minute * ratio
    rows = histogram_counts(model, slo.latency_metric, env_name, slo.filter, counts)
    keep = {at, at + 1, len(bounds) - 1, len(bounds)}  # the SLI reads the threshold's bucket and _count
    return [row for i, row in enumerate(rows) if i in keep]


def _slo_inputs(model: Model, slo: SLO, burn: float, per_minute: float, steps: int,
                healthy: int = 0) -> list[dict[str, str]]:
    """Series for every environment; the first one burns its budget at `burn` after `healthy` good minutes
    with HEALTHY_TRAFFIC times as many requests (so windows longer than the burn see a small error ratio)."""
    env = metric_env(model, *slo.metrics)
    out: list[dict[str, str]] = []
    for i, (env_name, objective) in enumerate(slo.objective.values if env else slo.objective.values[:1]):
        ratio = min(1.0, burn * (1 - objective / 100)) if i == 0 else 0.0
        good = _slo_increments(model, slo, 0.0, env_name, per_minute * HEALTHY_TRAFFIC)
        for (name, labels, inc), (_, _, good_inc) in zip(_slo_increments(model, slo, ratio, env_name, per_minute), good):
            out.append(series(name, labels, inc, steps, before=(good_inc, healthy)))
    return out


SETTLED = after(max(BURN_FOR.values(), key=minutes), 15)  # a burn since minute 1 has outlasted every `for:`


def burn_between(low: float, high: float, target: float) -> float | None:
    """A burn rate strictly between `low` and `high`, near `target`, in whole hundredths; None if none fits.

    Burn rates are printed with `%.2f`: a whole hundredth is 0.005 away from every rounding
    boundary, so the float noise of Prometheus's arithmetic cannot flip the expected text.
    """
    first = math.floor(round(low * 100, 6)) + 1  # the smallest hundredth above `low`
    last = math.ceil(round(high * 100, 6)) - 1 if math.isfinite(high) else math.inf
    if first > last:
        return None
    return min(max(round(target * 100), first), last) / 100


def slo_test(model: Model, slo: SLO, rules: dict[str, Rule]) -> dict[str, Any] | None:
    if slo.kind == "latency" and (slo.latency_metric is None or slo.threshold not in slo.latency_metric.buckets):
        return None  # the spec lint reports a latency threshold that is not a bucket bound
    env = metric_env(model, *slo.metrics)
    names = slo_alert_names(slo)
    page, ticket, absent = (rules.get(names[k]) for k in ("page", "ticket", "absent"))
    assert page is not None and ticket is not None
    env_name, objective = slo.objective.values[0]
    first = {env: env_name} if env else {}
    per_minute = max(PER_MINUTE, math.ceil(5 * slo.min_requests_per_hour))
    factors = {sev: [t.factor for t in tiers(slo) if t.severity == sev] for sev in ("page", "ticket")}
    (f1, f2), (f3, f4) = factors["page"], factors["ticket"]
    most = promql.denoise(1 / (1 - objective / 100))  # the burn rate when every request fails
    steps = minutes(SETTLED) + 10

    def burn(low: float, high: float, target: float) -> float | None:
        return burn_between(low, min(high, most), target)

    def burning(rate: float) -> list[dict[str, str]]:
        return _slo_inputs(model, slo, rate, per_minute, steps)

    def fired(rule: Rule, rate: float) -> dict[str, Any]:
        return expected(rule, {**first, naming.SLO_LABEL: slo.name}, rate)

    def x(rate: float) -> str:
        return f"{promql.rounded_number(rate)}x"

    fast, fast_6h, steady = burn(f1, math.inf, 1.25 * f1), burn(f2, f1, 1.25 * f2), burn(f3, f2, 0.9 * f2)
    slow, slow_3d, calm = burn(f3, f2, 1.25 * f3), burn(f4, f3, 1.25 * f4), burn(0, f4, 0.9 * f4)
    assert calm is not None  # f4 >= 0.1 (period >= 3d) and most >= 1
    recent = 30  # healthy minutes before a burn that only the 1h window sees (the 6h one sees < 1/9 of it)
    envs = slo.objective.values if env else slo.objective.values[:1]
    objective_samples = [({naming.SLO_LABEL: slo.name, **({env: e} if env else {})}, v / 100) for e, v in envs]
    sli_samples = [({naming.SLO_LABEL: slo.name, **({env: e} if env else {})}, calm * (1 - v / 100) if i == 0 else 0.0)
                   for i, (e, v) in enumerate(envs)]
    sel = promql.selector
    cases = []
    if fast is not None:
        cases += [
            case(f"{names['page']} fires at {x(fast)} burn in {env_name}, after for: {BURN_FOR['page']}", "1m",
                 burning(fast), [check(BURN_FOR["page"], page), check(SETTLED, page, fired(page, fast))]),
            case(f"{names['page']} fires on the 1h window alone: {x(fast)} burn for the last hour only", "1m",
                 _slo_inputs(model, slo, fast, per_minute, recent + 80, healthy=recent),
                 [check(f"{recent + 70}m", page, fired(page, fast))])]  # firing once the hour is all burn
    if fast_6h is not None:
        cases.append(case(f"{names['page']} fires on the 6h window alone at {x(fast_6h)} burn", "1m",
                          burning(fast_6h), [check(SETTLED, page, fired(page, fast_6h))]))
    if steady is not None:
        cases.append(case(f"{names['page']} stays quiet at {x(steady)} burn; {names['ticket']} fires", "1m",
                          burning(steady), [check(SETTLED, page), check(SETTLED, ticket, fired(ticket, steady))]))
    if slow is not None:
        cases.append(case(f"{names['ticket']} fires at {x(slow)} burn, after for: {BURN_FOR['ticket']}", "1m",
                          burning(slow), [check(BURN_FOR["ticket"], ticket), check(SETTLED, ticket, fired(ticket, slow)),
                                          check(SETTLED, page)]))
    if slow_3d is not None:
        cases.append(case(f"{names['ticket']} fires on the 3d window alone at {x(slow_3d)} burn", "1m",
                          burning(slow_3d), [check(SETTLED, ticket, fired(ticket, slow_3d)), check(SETTLED, page)]))
    cases.append(case(
        f"{names['ticket']} stays quiet at {x(calm)} burn", "1m", burning(calm),
        [check(SETTLED, ticket), check(SETTLED, page)] + ([check(SETTLED, absent)] if absent else []),
        [expr_test(sel(naming.SLO_OBJECTIVE_RECORD, [promql.eq(naming.SLO_LABEL, slo.name)]), SETTLED, objective_samples),
         expr_test(sel(naming.slo_error_ratio_record("5m"), [promql.eq(naming.SLO_LABEL, slo.name)]), SETTLED,
                   sli_samples)]))
    for severity, rule in (("page", page), ("ticket", ticket)):
        if min(factors[severity]) >= most:
            cases.append(case(
                f"{names[severity]} cannot fire at objective {promql.rounded_number(objective)}%: every request "
                f"failing burns the budget only {x(most)} faster than sustainable", "1m", burning(most),
                [check(SETTLED, rule)]))
    if slo.min_requests_per_hour > 0:
        cases.append(case(
            f"no alert below {promql.rounded_number(slo.min_requests_per_hour)} requests per hour, even if all fail", "1m",
            _slo_inputs(model, slo, most, slo.min_requests_per_hour / 120, steps),
            [check(SETTLED, page), check(SETTLED, ticket)]))
    if absent is not None:
        cases.append(_absent_case(model, slo, absent, per_minute, steps))
    return {"rule_files": [f"../rules/{slo.service}.rules.yml"], "evaluation_interval": "1m", "tests": cases}




def _absent_case(model: Model, slo: SLO, absent: Rule, per_minute: float, steps: int) -> dict[str, Any]:
    """The first environment stops reporting while the others still do: the no-data alert fires for it alone."""
    env = metric_env(model, *slo.metrics)
    labels = {tag.label: value for tag, value in slo.filter}
    name = slo_alert_names(slo)["absent"]
    if env is None:
        return case(f"{name} fires when {slo_total_series(slo)} has no series", "1m", [],
                    [check(after(ABSENT_FOR, 5), absent, expected(absent, labels, 1))])
    silent = model.project.environments[0]
    inputs = [series(n, lbl, inc, steps) for e in model.project.environments[1:]
              for n, lbl, inc in _slo_increments(model, slo, 0.0, e, per_minute)]
    return case(f"{name} fires for {silent} alone when only its series vanish", "1m", inputs,
                [check(after(ABSENT_FOR, 5), absent, expected(absent, {**labels, env: silent}, 1))])
