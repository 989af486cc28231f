"""Generated `promtool test rules` files: one per SLO and one per threshold alert.

Input series use the spec's own metric names, label names and label values (filter
values, the first enum value, or a sample matching the tag's pattern). Counters grow
linearly, so every rate, ratio and quantile is known exactly and the expected
annotations (with `{{ $value | humanize }}` rendered the way Prometheus renders it)
can be written down. Each file has a case where the alert fires, a case where it is
quiet (just below the threshold, or before `for:` elapses), and expected values for
the recording rules. Burn rates are whole hundredths (their `%.2f` text cannot flip on
float noise), a severity no burn rate can reach gets a "cannot fire" case instead, and
the evaluation interval of a threshold alert's test grows with its `for:` (and a cost
alert's `average_over:`). When evaluations are minutes apart, a threshold alert's input
series have samples only in the 5 minutes before each evaluation (what its `rate()` reads):
a week-long `for:` then needs a few hundred samples per series, not 10,080 (which is also
more than promtool lets one query hold, see `promtool_cost`). Histogram inputs carry only
the buckets the rules under test read.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..spec import naming
from ..spec.model import SLO, Alert, Filter, Metric, Model, Tag
from . import promql
from .gotemplate import render_text
from .prometheus import (
    ABSENT_FOR,
    BURN_FOR,
    RATE_WINDOW,
    Group,
    Rule,
    alert_labels,
    branches,
    metric_env,
    slo_alert_names,
    slo_total_series,
    tiers,
)

ROUND_TO = "0.00000001"  # 1 / 1e-8 is exact in binary (1 / 1e-9 is not), so round() adds no noise
PER_MINUTE = 6000  # requests per minute in the generated series (100/s)
SAMPLE_CANDIDATES = ("example", "v1", "x", "1")
DAY = 86400
STEPS = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, DAY)  # evaluation intervals, seconds
HEALTHY_TRAFFIC = 20  # traffic before a recent burn, relative to the traffic during it
MAX_EVALS = 100  # evaluations of a threshold alert while it is pending


# --- building blocks -------------------------------------------------------------------

def sample_value(tag: Tag) -> str:
    if tag.values:
        return tag.values[0]
    for candidate in SAMPLE_CANDIDATES:
        if not tag.pattern or re.fullmatch(tag.pattern, candidate):
            return candidate
    return "example"


def metric_labels(model: Model, metric: Metric, env: str | None, fixed: Filter = ()) -> dict[str, str]:
    """Every label of `metric`: env, fixed (tag, value) pairs, sample values for the rest."""
    given = {tag.label: value for tag, value in fixed}
    out = {}
    for tag in metric.tags:
        if tag.is_environment:
            out[tag.label] = env or model.project.environments[0]
        else:
            out[tag.label] = given.get(tag.label, sample_value(tag))
    return out


Timeline = int | tuple[int, ...]  # dense: samples 0..n; sparse: the indices (minutes) that have a sample


def series(name: str, labels: dict[str, str], per_step: float, steps: Timeline, start: float = 0,
           before: tuple[float, int] | None = None) -> dict[str, str]:
    """A linear series; `before=(per_step, n)` grows at a different pace for the first n steps.

    With a tuple of sample indices the series has samples only there (`_xN` marks N missing), each
    still `start + per_step * index`: what a rate() sees at the evaluations those indices cover.
    """
    text = promql.selector(name, [promql.eq(k, v) for k, v in labels.items()])
    num = promql.rounded_number
    if isinstance(steps, tuple):
        return {"series": text, "values": _sparse_values(start, per_step, steps)}
    if before is None or before[1] == 0:
        return {"series": text, "values": f"{num(start)}+{num(per_step)}x{steps}"}
    pace, n = before
    second = start + pace * n + per_step
    return {"series": text, "values": f"{num(start)}+{num(pace)}x{n} {num(second)}+{num(per_step)}x{steps - n - 1}"}


def _sparse_values(start: float, per_step: float, at: tuple[int, ...]) -> str:
    """promtool values with samples only at the sorted indices `at`: `0 _x53 54+1x5 _x54 114+1x5 ...`."""
    num = promql.rounded_number
    runs: list[list[int]] = []
    for i in at:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    parts, previous = [], -1
    for first, last in runs:
        if first > previous + 1:
            parts.append(f"_x{first - previous - 1}")
        parts.append(f"{num(start + float(num(per_step)) * first)}+{num(per_step)}x{last - first}")
        previous = last
    return " ".join(parts)


def evaluation_windows(step: int, last: float, window: float) -> tuple[int, ...]:
    """Minutes with a sample when only the rate window before each evaluation (every `step` seconds
    up to `last`) needs data: far fewer samples than one a minute once evaluations are far apart."""
    k, w = step // 60, int(window // 60)
    return tuple(sorted({m for t in range(0, int(last // 60) + 1, k) for m in range(max(0, t - w), t + 1)}))


def histogram_counts(model: Model, metric: Metric, env: str | None, fixed: Filter,
                     counts: list[float]) -> list[tuple[str, dict[str, str], float]]:
    """(series name, labels, per-step increment) of the bucket and count series; counts[i] per bucket (last +Inf)."""
    labels = metric_labels(model, metric, env, fixed)
    out, running = [], 0.0
    for bound, n in zip(list(metric.buckets) + [math.inf], counts):
        running += n
        le = "+Inf" if math.isinf(bound) else promql.go_float(bound)
        out.append((metric.bucket_series, {**labels, "le": le}, running))
    out.append((metric.count_series, labels, running))
    return out


def histogram(model: Model, metric: Metric, env: str | None, fixed: Filter, counts: list[float],
              steps: Timeline) -> list[dict[str, str]]:
    """Bucket and count series for observations in one bucket: only that bucket, the one below it, `+Inf` and
    `_count`. histogram_quantile gives the same result as with every bucket (the others would repeat their
    neighbours' cumulative counts), and the test's size no longer grows with the number of buckets."""
    rows = histogram_counts(model, metric, env, fixed, counts)
    slot = next(i for i, n in enumerate(counts) if n)
    keep = {slot - 1, slot, len(metric.buckets), len(metric.buckets) + 1}
    return [series(n, lbl, inc, steps) for i, (n, lbl, inc) in enumerate(rows) if i in keep]


def expected(rule: Rule, labels: dict[str, str], value: float) -> dict[str, Any]:
    full = dict(sorted({**labels, **dict(rule.labels)}.items()))
    return {"exp_labels": full,
            "exp_annotations": {k: render_text(v, {**full, "alertname": rule.alert or ""}, value)
                                for k, v in rule.annotations}}


def check(eval_time: str, rule: Rule, *alerts: dict[str, Any]) -> dict[str, Any]:
    return {"eval_time": eval_time, "alertname": rule.alert, "exp_alerts": list(alerts)}


def case(name: str, interval: str, inputs: list[dict[str, str]], checks: list[dict[str, Any]],
         exprs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": name, "interval": interval, "input_series": inputs, "alert_rule_test": checks}
    if exprs:
        doc["promql_expr_test"] = exprs
    return doc


def expr_test(expr: str, eval_time: str, samples: list[tuple[dict[str, str], float]]) -> dict[str, Any]:
    """Expected values of `expr` rounded to 1e-8 (promtool compares floats exactly)."""
    return {"expr": f"round({expr}, {ROUND_TO})", "eval_time": eval_time, "exp_samples": [
        {"labels": "{" + ", ".join(promql.eq(k, v) for k, v in sorted(labels.items())) + "}",
         "value": round(value, 8)} for labels, value in samples]}


def minutes(duration: str) -> int:
    return int(naming.duration_seconds(duration) // 60)


def after(duration: str, extra_minutes: int) -> str:
    return f"{minutes(duration) + extra_minutes}m"


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
        labels = {tag.label: value for tag, value in slo.filter}
        cases.append(case(f"{names['absent']} fires when {slo_total_series(slo)} has no series", "1m", [],
                          [check(after(ABSENT_FOR, 5), absent, expected(absent, labels, 1))]))
    return {"rule_files": [f"../rules/{slo.service}.rules.yml"], "evaluation_interval": "1m", "tests": cases}


# --- threshold alert tests ---------------------------------------------------------------

def _quantile_counts(metric: Metric, threshold: float, q: float, above: bool) -> tuple[list[float], float] | None:
    """Observations in one bucket just above (or at/below) the threshold, and the resulting quantile."""
    bounds = list(metric.buckets)
    if above:
        idx = next((i for i, b in enumerate(bounds) if b >= threshold), None)
        if idx is None or idx + 1 >= len(bounds):
            return None
        lo, hi, slot = bounds[idx], bounds[idx + 1], idx + 1
    else:
        idx = max((i for i, b in enumerate(bounds) if b <= threshold), default=None)
        if idx is None:
            return None
        lo, hi, slot = (bounds[idx - 1] if idx else 0.0), bounds[idx], idx
    counts = [0.0] * (len(bounds) + 1)
    counts[slot] = 600.0
    return counts, lo + (hi - lo) * q


def _threshold_inputs(model: Model, alert: Alert, fire: bool, steps: Timeline) -> tuple[list[dict[str, str]], float] | None:
    """Series for every environment: the first one over its threshold when `fire`, all others just below."""
    env = metric_env(model, *alert.metrics)
    out: list[dict[str, str]] = []
    value = 0.0
    for i, (env_name, limit) in enumerate(alert.threshold.values if env else alert.threshold.values[:1]):
        over = fire and i == 0
        if alert.kind == "quantile":
            assert alert.metric is not None and alert.q is not None
            found = _quantile_counts(alert.metric, limit, alert.q, over)
            if found is None:
                return None
            out += histogram(model, alert.metric, env_name, alert.filter, found[0], steps)
            v = found[1]
        elif alert.kind == "ratio":
            assert alert.numerator is not None and alert.denominator is not None
            v = min(2 * limit, (1 + limit) / 2) if over else 0.9 * limit
            out.append(series(alert.numerator.prom_name, metric_labels(
                model, alert.numerator, env_name, alert.numerator_filter + alert.filter), PER_MINUTE * v, steps))
            out.append(series(alert.denominator.prom_name, metric_labels(
                model, alert.denominator, env_name, alert.filter), PER_MINUTE, steps))
            if alert.numerator_filter and not fire:  # other errors must not count
                tag, wanted = alert.numerator_filter[0]
                other = next((x for x in tag.values if x != wanted), "other")
                noise = metric_labels(model, alert.numerator, env_name, ((tag, other),) + alert.filter)
                out.append(series(alert.numerator.prom_name, noise, PER_MINUTE * min(1 - v, 1.5 * limit), steps))
        else:
            assert alert.cost is not None and alert.users is not None
            v = (2 if over else 0.9) * limit
            out.append(series(alert.cost.prom_name, metric_labels(model, alert.cost, env_name), v * 10, steps))
            out.append(series(alert.users.prom_name, metric_labels(model, alert.users, env_name), 0, steps, 240))
        if i == 0:
            value = v
    return out, value


def eval_step(span: float, shortest: str) -> int:
    """Seconds between rule evaluations: the shortest of STEPS (at least `shortest`) that evaluates
    the rules at most MAX_EVALS times over `span` seconds, so long `for:` and `average_over:` tests stay fast."""
    floor = naming.duration_seconds(shortest)
    return int(next((s for s in STEPS if s >= floor and span / s <= MAX_EVALS), max(STEPS[-1], floor)))


def at(seconds: float) -> str:
    return promql.duration(seconds) if seconds else "0s"


def alert_test(model: Model, alert: Alert, rule: Rule) -> dict[str, Any] | None:
    """Input series at 1m (1h for cost alerts); the evaluation interval grows with `for:` (and `average_over:`).

    The alert becomes active at the first evaluation with data (one step in), so it is still
    pending one step before `for:` has elapsed after that, and firing two steps later.
    """
    cost = alert.kind == "cost_per_user"
    hold = naming.duration_seconds(alert.for_)
    warmup = DAY + naming.duration_seconds(alert.average_over) if cost and alert.average_over else 0
    step = eval_step(warmup + hold, "1h" if cost else "1m")
    active = step  # rate() and increase() need two samples
    if cost:
        active = step * math.ceil(warmup / step)  # full daily increases and averages by then
    firing = active + step * math.ceil(hold / step)  # the first evaluation with the alert firing
    pending, late = at(firing - step), at(firing + step)
    interval = "1h" if cost else "1m"
    steps: Timeline = math.ceil((firing + step) / naming.duration_seconds(interval)) + 5
    window = naming.duration_seconds(RATE_WINDOW)
    if not cost and step > window + 60:  # evaluations far apart: samples only where rate() looks
        steps = evaluation_windows(step, firing + step, window)
    fire, quiet = _threshold_inputs(model, alert, True, steps), _threshold_inputs(model, alert, False, steps)
    if fire is None or quiet is None:
        return None  # threshold outside the buckets: the spec lint reports it
    env = metric_env(model, *alert.metrics)
    first_env, limit = alert.threshold.values[0]
    sample_labels = {}
    if alert.kind != "cost_per_user":
        metric = alert.metric or alert.denominator
        assert metric is not None
        sample_labels = metric_labels(model, metric, first_env, alert.filter)
    labels = {k: (first_env if k == env else sample_labels[k]) for k in alert_labels(model, alert)}
    where = f" in {first_env}" if len(branches(model, alert.threshold, *alert.metrics)) > 1 else ""
    fire_checks = ([] if cost else [check(pending, rule)]) + [check(late, rule, expected(rule, labels, fire[1]))]
    exprs = None
    if cost:
        assert alert.cost is not None
        per_env = alert.threshold.values if env else alert.threshold.values[:1]
        daily = [({env: e} if env else {}, 24 * 10 * (2 if i == 0 else 0.9) * v) for i, (e, v) in enumerate(per_env)]
        per_user = [(labels, v / 240) for labels, v in daily]
        exprs = [expr_test(naming.daily_increase_record(alert.cost.base_name), late, daily),
                 expr_test(naming.per_user_record(alert.cost.base_name), late, per_user)]
    cases = [
        case(f"{alert.name} fires above {promql.rounded_number(limit)}{where}", interval, fire[0], fire_checks, exprs),
        case(f"{alert.name} stays quiet just below the threshold", interval, quiet[0], [check(late, rule)]),
    ]
    return {"rule_files": [f"../rules/{alert.service}.rules.yml"], "evaluation_interval": at(step), "tests": cases}


def build_tests(model: Model, groups: dict[str, list[Group]]) -> dict[str, dict[str, Any]]:
    """Test documents by file stem: `slo-<name>` per SLO, the alert name per threshold alert."""
    rules = {r.alert: r for gs in groups.values() for g in gs for r in g.rules if r.alert}
    out = {}
    for slo in model.slos:
        doc = slo_test(model, slo, rules)
        if doc is not None:
            out[f"slo-{slo.name}"] = doc
    for alert in model.alerts:
        doc = alert_test(model, alert, rules[alert.name])
        if doc is not None:
            out[alert.name] = doc
    return out
