"""Generated promtool tests of an SLO's rules: every burn-rate tier fires at a burn rate between the
factors, stays quiet below, the traffic guard holds, and the no-data alert fires per environment."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...spec import naming
from ...spec.model import SLO, Model
from .. import promql
from .base import Rule, metric_env
from .slo import ABSENT_FOR, BURN_FOR, Tier, slo_alert_names, slo_total_series, tiers
from .testkit import (
    HEALTHY_TRAFFIC,
    PER_MINUTE,
    after,
    alerts_test,
    case,
    check,
    expected,
    expr_test,
    histogram_counts,
    metric_labels,
    minutes,
    phased,
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


def _slo_phases(model: Model, slo: SLO, phases: list[tuple[float, float, int]]) -> list[dict[str, str]]:
    """Series for every environment through (burn rate, requests per minute, minutes) phases, in order:
    the first environment burns its budget at each phase's rate, the others serve the same traffic without errors."""
    env = metric_env(model, *slo.metrics)
    out: list[dict[str, str]] = []
    for i, (env_name, objective) in enumerate(slo.objective.values if env else slo.objective.values[:1]):
        rows = [_slo_increments(model, slo, min(1.0, burn * (1 - objective / 100)) if i == 0 else 0.0, env_name, pm)
                for burn, pm, _ in phases]
        for j, (name, labels, _) in enumerate(rows[0]):
            out.append(phased(name, labels, [(r[j][2], n) for r, (_, _, n) in zip(rows, phases)]))
    return out


def _slo_inputs(model: Model, slo: SLO, burn: float, per_minute: float, steps: int,
                healthy: int = 0) -> list[dict[str, str]]:
    """The first environment burns its budget at `burn` after `healthy` good minutes with HEALTHY_TRAFFIC
    times as many requests (so windows longer than the burn see a small error ratio)."""
    return _slo_phases(model, slo, [(0.0, per_minute * HEALTHY_TRAFFIC, healthy), (burn, per_minute, steps - healthy)])


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


@dataclass(frozen=True)
class _Setup:
    """What every case of an SLO's tests shares: its first environment's rules, labels, traffic and burn rates."""

    names: dict[str, str]
    env_name: str
    objective: float
    tier_rules: dict[str, Rule]  # by long window
    page: Rule
    ticket: Rule
    absent: Rule | None
    labels: dict[str, str]  # of the first environment's alerts
    per_minute: float
    most: float  # the burn rate when every request fails

    def burn(self, low: float, high: float, target: float) -> float | None:
        return burn_between(low, min(high, self.most), target)


def _setup(model: Model, slo: SLO, rules: dict[str, list[Rule]]) -> _Setup | None:
    if slo.kind == "latency" and (slo.latency_metric is None or slo.threshold not in slo.latency_metric.buckets):
        return None  # the spec lint reports a latency threshold that is not a bucket bound
    env = metric_env(model, *slo.metrics)
    names = slo_alert_names(slo)
    env_name, objective = slo.objective.values[0]

    def rules_of(kind: str) -> list[Rule]:  # the rules of the first environment (an alert split by severity)
        return [r for r in rules.get(names[kind], []) if not r.envs or env_name in r.envs]

    return _Setup(names, env_name, objective,
                  {dict(r.labels)[naming.LONG_WINDOW_LABEL]: r for r in rules_of("page") + rules_of("ticket")},
                  rules_of("page")[0], rules_of("ticket")[0], next(iter(rules_of("absent")), None),
                  {**({env: env_name} if env else {}), naming.SLO_LABEL: slo.name},
                  max(PER_MINUTE, math.ceil(5 * slo.min_requests_per_hour)),
                  promql.denoise(1 / (1 - objective / 100)))


def slo_test(model: Model, slo: SLO, rules: dict[str, list[Rule]]) -> dict[str, Any] | None:
    setup = _setup(model, slo, rules)
    if setup is None:
        return None
    env = metric_env(model, *slo.metrics)
    names, env_name, objective, tier_rules = setup.names, setup.env_name, setup.objective, setup.tier_rules
    page, ticket, absent, per_minute, most = setup.page, setup.ticket, setup.absent, setup.per_minute, setup.most
    factors = {sev: [t.factor for t in tiers(slo) if t.severity == sev] for sev in ("page", "ticket")}
    (f1, f2), (f3, f4) = factors["page"], factors["ticket"]
    steps = minutes(SETTLED) + 10
    burn = setup.burn

    def burning(rate: float) -> list[dict[str, str]]:
        return _slo_inputs(model, slo, rate, per_minute, steps)

    def fired(severity: str, rate: float, *longs: str) -> list[dict[str, Any]]:
        """The tiers of `severity` that fire at `rate` (every window burning; or just the `longs` ones)."""
        return [expected(tier_rules[t.long], setup.labels, rate) for t in tiers(slo)
                if t.severity == severity and (t.long in longs if longs else rate > t.factor)]

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
                 burning(fast), [check(BURN_FOR["page"], page), check(SETTLED, page, *fired("page", fast))]),
            case(f"{names['page']} fires on the 1h window alone: {x(fast)} burn for the last hour only", "1m",
                 _slo_inputs(model, slo, fast, per_minute, recent + 80, healthy=recent),
                 [check(f"{recent + 70}m", page, *fired("page", fast, "1h"))])]  # firing once the hour is all burn
    if fast_6h is not None:
        cases.append(case(f"{names['page']} fires on the 6h window alone at {x(fast_6h)} burn", "1m",
                          burning(fast_6h), [check(SETTLED, page, *fired("page", fast_6h))]))
    if steady is not None:
        cases.append(case(f"{names['page']} stays quiet at {x(steady)} burn; {names['ticket']} fires", "1m",
                          burning(steady), [check(SETTLED, page), check(SETTLED, ticket, *fired("ticket", steady))]))
    if slow is not None:
        cases.append(case(f"{names['ticket']} fires at {x(slow)} burn, after for: {BURN_FOR['ticket']}", "1m",
                          burning(slow), [check(BURN_FOR["ticket"], ticket),
                                          check(SETTLED, ticket, *fired("ticket", slow)), check(SETTLED, page)]))
    if slow_3d is not None:
        cases.append(case(f"{names['ticket']} fires on the 3d window alone at {x(slow_3d)} burn", "1m",
                          burning(slow_3d), [check(SETTLED, ticket, *fired("ticket", slow_3d)), check(SETTLED, page)]))
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
    if fast is not None:
        cases.append(_resolve_case(model, slo, setup, "page", fast, 1))
    cases += _detection_cases(model, slo, setup, lambda t: t.short in DETECTION_STEP)
    if slo.min_requests_per_hour > 0:
        cases.append(case(
            f"no alert below {promql.rounded_number(slo.min_requests_per_hour)} requests per hour, even if all fail", "1m",
            _slo_inputs(model, slo, most, slo.min_requests_per_hour / 120, steps),
            [check(SETTLED, page), check(SETTLED, ticket)]))
    if absent is not None:
        cases.append(_absent_case(model, slo, absent, per_minute, steps))
    return {"rule_files": [f"../rules/{slo.service}.rules.yml"], "evaluation_interval": "1m", "tests": cases}


def _resolve_case(model: Model, slo: SLO, setup: _Setup, severity: str, rate: float, step: int) -> dict[str, Any]:
    """A burn that fires every tier it can, then recovery: each tier resolves once its short window is healthy
    again, while its long window still shows the burn (the short window is what resets the alert)."""
    burned = math.ceil(minutes(SETTLED) / step) * step
    reset = max(minutes(t.short) for t in tiers(slo) if t.severity == severity) + 2 * step
    fired = [t for t in tiers(slo) if t.severity == severity and rate > t.factor]
    rule = setup.tier_rules[fired[0].long]
    inputs = _slo_phases(model, slo, [(rate, setup.per_minute, burned), (0.0, setup.per_minute, reset + 2 * step)])
    return case(f"{setup.names[severity]} resolves within {max(minutes(t.short) for t in fired)}m of recovery "
                f"from {promql.rounded_number(rate)}x burn", "1m", inputs,
                [check(f"{burned}m", rule, *(expected(setup.tier_rules[t.long], setup.labels, rate) for t in fired)),
                 check(f"{burned + reset}m", rule)])


def detection_minutes(t: Tier, rate: float) -> float:
    """The SRE workbook's time to detect a constant burn at `rate` after an error-free long window:
    the long window's burn rate reaches the factor after long window x factor / rate."""
    return minutes(t.long) * t.factor / rate


DETECTION_STEP = {"5m": 1}  # minutes between evaluations of a tier's detection test; LONG_STEP for the others, in
LONG_STEP = 15  # a file of their own: the test stays cheap (the 3d tier's, at 1m steps, evaluates every rule of the
# service 4,500 times: over a minute). Input samples stay a minute apart, as scrapes are: the recorded 5m rates
# that the long windows sum need two samples in 5m.


def _detection_case(model: Model, slo: SLO, setup: _Setup, t: Tier, rate: float) -> dict[str, Any]:
    """After healthy traffic, a burn at `rate` (about twice the tier's factor): the tier is still quiet `tol`
    minutes before the predicted detection time plus `for:`, and firing `tol` minutes after it."""
    step = DETECTION_STEP.get(t.short, LONG_STEP)
    detect = detection_minutes(t, rate)
    fire_at = detect + minutes(BURN_FOR[t.severity])
    tol = max(2 * step, 3, math.ceil(fire_at / 20 / step) * step)  # evaluation steps, the window's edge, 5 %

    def on_step(m: float) -> int:
        return math.ceil(m / step) * step

    start = on_step(minutes(t.long) - detect + tol)  # the long window sees only healthy minutes and the burn
    quiet, firing = on_step(start + fire_at - tol - step), on_step(start + fire_at + tol)
    inputs = _slo_phases(model, slo, [(0.0, setup.per_minute, start), (rate, setup.per_minute, firing - start + 1)])
    rule = setup.tier_rules[t.long]
    tier = {naming.LONG_WINDOW_LABEL: t.long}
    return case(f"{slo_alert_names(slo)[t.severity]} on the {t.long}/{t.short} windows detects a "
                f"{promql.rounded_number(rate)}x burn after {promql.rounded_number(round(detect, 1))}m "
                f"+ for: {BURN_FOR[t.severity]} (within {tol}m)", "1m", inputs, [],
                [alerts_test(rule, f"{quiet}m", [], **tier), alerts_test(rule, f"{firing}m", [setup.labels], **tier)])


def _detection_cases(model: Model, slo: SLO, setup: _Setup, which: Callable[[Tier], bool]) -> list[dict[str, Any]]:
    """A detection case per tier `which` selects, at a burn rate about twice its factor (if one is possible)."""
    out = []
    for t in filter(which, tiers(slo)):
        rate = setup.burn(t.factor, math.inf, 2 * t.factor)
        if rate is not None:
            out.append(_detection_case(model, slo, setup, t, rate))
    return out


def slo_long_window_test(model: Model, slo: SLO, rules: dict[str, list[Rule]]) -> dict[str, Any] | None:
    """The cases of the tiers whose short window is 30m or more, at LONG_STEP: their detection times, and the
    ticket tiers resolving after recovery."""
    setup = _setup(model, slo, rules)
    if setup is None:
        return None
    cases = _detection_cases(model, slo, setup, lambda t: t.short not in DETECTION_STEP)
    ticket = [t.factor for t in tiers(slo) if t.severity == "ticket"]
    page = min(t.factor for t in tiers(slo) if t.severity == "page")
    # a burn both ticket tiers see and no page tier, else one the most sensitive ticket tier sees
    rate = setup.burn(max(ticket), page, 1.25 * max(ticket)) or setup.burn(min(ticket), math.inf, 2 * min(ticket))
    if rate is not None:
        cases.append(_resolve_case(model, slo, setup, "ticket", rate, LONG_STEP))
    if not cases:
        return None
    return {"rule_files": [f"../rules/{slo.service}.rules.yml"], "evaluation_interval": f"{LONG_STEP}m", "tests": cases}


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
