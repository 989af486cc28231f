"""Generated promtool tests of the threshold alerts: fires over the threshold after `for:`, quiet just
below it, and quiet on traffic under the alert's minimum."""

from __future__ import annotations

import math
from typing import Any

from ...spec import naming
from ...spec.model import Alert, Metric, Model
from .. import promql
from .base import RATE_WINDOW, Rule, branches, metric_env
from .testkit import (
    DAY,
    MAX_EVALS,
    PER_MINUTE,
    STEPS,
    Timeline,
    case,
    check,
    evaluation_windows,
    expected,
    expr_test,
    histogram,
    metric_labels,
    series,
)
from .threshold import alert_labels

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


def _share(limit: float, over: bool) -> float:
    """A share over (or under) a ratio threshold in [0, 1): halfway to 1 at most, 0.5 over a threshold of 0."""
    if over:
        return min(2 * limit, (1 + limit) / 2) if limit > 0 else 0.5
    return 0.9 * limit


def _gauge_value(limit: float, over: bool) -> float:
    step = max(abs(limit), 1.0)
    return limit + step if over else limit - 0.1 * step


def _threshold_inputs(model: Model, alert: Alert, fire: bool, steps: Timeline,
                      traffic: float = 1.0) -> tuple[list[dict[str, str]], float] | None:
    """Series for every environment: the first one past its threshold when `fire`, all others just short of
    theirs (over a `below:` threshold, under an `above:` one); `traffic` scales the events (below 1: under the
    alert's `min_requests`)."""
    env = metric_env(model, *alert.metrics)
    out: list[dict[str, str]] = []
    value = 0.0
    for i, (env_name, limit) in enumerate(alert.threshold.values if env else alert.threshold.values[:1]):
        over = (fire and i == 0) != (alert.direction == "below")  # the value over the threshold
        if alert.kind == "quantile":
            assert alert.metric is not None and alert.q is not None
            found = _quantile_counts(alert.metric, limit, alert.q, over)
            if found is None:
                return None
            out += histogram(model, alert.metric, env_name, alert.filter, [c * traffic for c in found[0]], steps)
            v = found[1]
        elif alert.kind == "ratio":
            out += _ratio_series(model, alert, env_name, _share(limit, over), limit, fire, steps, PER_MINUTE * traffic)
            v = _share(limit, over)
        elif alert.kind == "gauge":
            assert alert.metric is not None
            v = _gauge_value(limit, over)
            out.append(series(alert.metric.prom_name, metric_labels(model, alert.metric, env_name, alert.filter),
                              0, steps, v))
        else:
            assert alert.cost is not None and alert.users is not None
            v = (2 if over else 0.9) * limit
            out.append(series(alert.cost.prom_name, metric_labels(model, alert.cost, env_name), v * 10, steps))
            out.append(series(alert.users.prom_name, metric_labels(model, alert.users, env_name), 0, steps, 240))
        if i == 0:
            value = v
    return out, value


def _ratio_series(model: Model, alert: Alert, env_name: str, v: float, limit: float, fire: bool, steps: Timeline,
                  per_minute: float) -> list[dict[str, str]]:
    """Numerator and denominator series for a share `v`. When the numerator is the denominator's metric
    restricted by `numerator_filter`, the denominator is the sum of the filtered series and one with another
    value of the filter's tag (each series listed once); otherwise other numerator values are noise."""
    assert alert.numerator is not None and alert.denominator is not None
    num_labels = metric_labels(model, alert.numerator, env_name, alert.numerator_filter + alert.filter)
    out = [series(alert.numerator.prom_name, num_labels, per_minute * v, steps)]
    other = None
    if alert.numerator_filter:
        tag, wanted = alert.numerator_filter[0]
        other_value = next((x for x in tag.values if x != wanted), "other")
        other = metric_labels(model, alert.numerator, env_name, ((tag, other_value),) + alert.filter)
    if alert.numerator == alert.denominator and other is not None:
        return out + [series(alert.numerator.prom_name, other, per_minute * (1 - v), steps)]
    out.append(series(alert.denominator.prom_name, metric_labels(model, alert.denominator, env_name, alert.filter),
                      per_minute, steps))
    if other is not None and not fire:  # other errors must not count
        out.append(series(alert.numerator.prom_name, other, per_minute * min(1 - v, 1.5 * limit), steps))
    return out


def eval_step(span: float, shortest: str) -> int:
    """Seconds between rule evaluations: the shortest of STEPS (at least `shortest`) that evaluates
    the rules at most MAX_EVALS times over `span` seconds, so long `for:` and `average_over:` tests stay fast."""
    floor = naming.duration_seconds(shortest)
    return int(next((s for s in STEPS if s >= floor and span / s <= MAX_EVALS), max(STEPS[-1], floor)))


def at(seconds: float) -> str:
    return promql.duration(seconds) if seconds else "0s"


def absent_test(model: Model, alert: Alert, rule: Rule) -> dict[str, Any]:
    """The first environment silent from the start while the others report: pending one step before `for:`, then
    firing for it alone; quiet while every environment reports; resolved at the first evaluation after its series
    returns. Samples only in the 5 minutes an instant selector looks back from each evaluation."""
    metric = alert.metric
    assert metric is not None
    env = metric_env(model, *alert.metrics)
    envs: list[str | None] = list(model.project.environments) if env else [None]
    step = eval_step(naming.duration_seconds(alert.for_), "1m")
    firing = step * math.ceil(naming.duration_seconds(alert.for_) / step)  # absent from the first evaluation
    late, back = firing + step, firing + 2 * step
    window = naming.duration_seconds(RATE_WINDOW)  # the instant selectors' 5-minute lookback
    reporting = evaluation_windows(step, back, window)
    returned = tuple(m for m in reporting if m * 60 > late)

    def inputs(first: tuple[int, ...] | None) -> list[dict[str, str]]:
        out = []
        for i, e in enumerate(envs):
            at = reporting if i else first
            if at:
                out.append(series(alert.presence_series, metric_labels(model, metric, e, alert.filter), 1, at))
        return out

    labels = {**({env: envs[0]} if env and envs[0] else {}), **{t.label: v for t, v in alert.filter}}
    fired = expected(rule, labels, 1)
    pending = [check(at(firing - step), rule)] if firing >= step else []
    where = f" for {envs[0]} alone" if env else ""
    cases = [
        case(f"{alert.name} fires{where} when its {alert.presence_series} series vanish, after for: {alert.for_}",
             "1m", inputs(None), pending + [check(at(late), rule, fired)]),
        case(f"{alert.name} stays quiet while every environment reports", "1m", inputs(reporting),
             [check(at(late), rule)]),
        case(f"{alert.name} resolves once the series returns", "1m", inputs(returned),
             [check(at(late), rule, fired), check(at(back), rule)]),
    ]
    return {"rule_files": [f"../rules/{alert.service}.rules.yml"], "evaluation_interval": at(step), "tests": cases}


def alert_test(model: Model, alert: Alert, rule: Rule) -> dict[str, Any] | None:
    """Input series at 1m (1h for cost alerts); the evaluation interval grows with `for:` (and `average_over:`).

    The alert becomes active at the first evaluation with data (one step in), so it is still
    pending one step before `for:` has elapsed after that, and firing two steps later.
    """
    if alert.kind == "absent":
        return absent_test(model, alert, rule)
    cost = alert.kind == "cost_per_user"
    hold = naming.duration_seconds(alert.for_)
    warmup = DAY + naming.duration_seconds(alert.average_over) if cost and alert.average_over else 0
    step = eval_step(warmup + hold, "1h" if cost else "1m")
    active = 0 if alert.kind == "gauge" else step  # rate() and increase() need two samples, a gauge one
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
        metric = alert.denominator or alert.metric
        assert metric is not None
        sample_labels = metric_labels(model, metric, first_env, alert.filter)
    labels = {k: (first_env if k == env else sample_labels[k]) for k in alert_labels(model, alert)}
    where = f" in {first_env}" if len(branches(model, alert.threshold, *alert.metrics)) > 1 else ""
    quiet_before = not cost and firing >= step  # still pending one step before `for:` has elapsed
    fire_checks = ([check(pending, rule)] if quiet_before else []) + [check(late, rule, expected(rule, labels, fire[1]))]
    exprs = None
    if cost:
        assert alert.cost is not None
        per_env = alert.threshold.values if env else alert.threshold.values[:1]
        daily = [({env: e} if env else {}, 24 * 10 * (2 if i == 0 else 0.9) * v) for i, (e, v) in enumerate(per_env)]
        per_user = [(labels, v / 240) for labels, v in daily]
        exprs = [expr_test(naming.daily_increase_record(alert.cost.base_name), late, daily),
                 expr_test(naming.per_user_record(alert.cost.base_name), late, per_user)]
    cases = [
        case(f"{alert.name} fires {alert.direction} {promql.rounded_number(limit)}{where}", interval, fire[0],
             fire_checks, exprs),
        case(f"{alert.name} stays quiet just {'below' if alert.direction == 'above' else 'above'} the threshold",
             interval, quiet[0], [check(late, rule)]),
    ]
    if alert.kind in ("quantile", "ratio") and alert.min_requests:
        per_window = (600 if alert.kind == "quantile" else PER_MINUTE) * window / 60
        low = _threshold_inputs(model, alert, True, steps, traffic=alert.min_requests / per_window / 2)
        assert low is not None
        cases.append(case(f"{alert.name} stays quiet over the threshold on fewer than "
                          f"{promql.rounded_number(alert.min_requests)} events in {RATE_WINDOW}", interval, low[0],
                          [check(late, rule)]))
    return {"rule_files": [f"../rules/{alert.service}.rules.yml"], "evaluation_interval": at(step), "tests": cases}


