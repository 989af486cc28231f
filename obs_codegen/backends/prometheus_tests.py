"""Generated `promtool test rules` files: one per SLO and one per threshold alert.

Input series use the spec's own metric names, label names and label values (filter
values, the first enum value, or a sample matching the tag's pattern). Counters grow
linearly, so every rate, ratio and quantile is known exactly and the expected
annotations (with `{{ $value | humanize }}` rendered the way Prometheus renders it)
can be written down. Each file has a case where the alert fires, a case where it is
quiet (just below the threshold, or before `for:` elapses), and expected values for
the recording rules.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .. import naming, promql
from ..model import SLO, Alert, Filter, Metric, Model, Tag
from .prometheus import (
    ABSENT_FOR,
    BURN_FOR,
    Group,
    Label,
    Rule,
    Text,
    Value,
    alert_labels,
    branches,
    metric_env,
    slo_alert_names,
    slo_total_series,
    tiers,
)

ROUND_TO = "0.000001"
PER_MINUTE = 6000  # requests per minute in the generated series (100/s)
SAMPLE_CANDIDATES = ("example", "v1", "x", "1")


# --- Go template rendering of the expected annotations ------------------------------------

def _g4(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return "NaN" if math.isnan(value) else f"{value:.4g}"


def humanize(value: float) -> str:
    """Prometheus's `humanize` template function (SI prefixes, 4 significant digits)."""
    if value == 0 or math.isnan(value) or math.isinf(value):
        return _g4(value)
    prefix = ""
    if abs(value) >= 1:
        for p in "kMGTPEZY":
            if abs(value) < 1000:
                break
            prefix, value = p, value / 1000
    else:
        for p in "munpfazy":
            if abs(value) >= 1:
                break
            prefix, value = p, value * 1000
    return _g4(value) + prefix


def humanize_percentage(value: float) -> str:
    return _g4(value * 100) + "%"


def _format_value(fmt: str, value: float) -> str:
    if fmt == "humanizePercentage":
        return humanize_percentage(value)
    if fmt.startswith("printf "):
        return fmt[len("printf "):].strip('"') % value
    return humanize(value)


def render_text(text: Text, labels: dict[str, str], value: float) -> str:
    out = []
    for part in text:
        if isinstance(part, Value):
            out.append(_format_value(part.fmt, value))
        elif isinstance(part, Label):
            out.append(labels.get(part.name, ""))
        else:
            out.append(part)
    return "".join(out)


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


def series(name: str, labels: dict[str, str], per_step: float, steps: int, start: float = 0,
           before: tuple[float, int] | None = None) -> dict[str, str]:
    """A linear series; `before=(per_step, n)` grows at a different pace for the first n steps."""
    text = promql.selector(name, [promql.eq(k, v) for k, v in labels.items()])
    num = promql.rounded_number
    if before is None or before[1] == 0:
        return {"series": text, "values": f"{num(start)}+{num(per_step)}x{steps}"}
    pace, n = before
    second = start + pace * n + per_step
    return {"series": text, "values": f"{num(start)}+{num(pace)}x{n} {num(second)}+{num(per_step)}x{steps - n - 1}"}


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
              steps: int) -> list[dict[str, str]]:
    return [series(n, lbl, inc, steps) for n, lbl, inc in histogram_counts(model, metric, env, fixed, counts)]


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
    """Expected values of `expr` rounded to 1e-6 (promtool compares floats exactly)."""
    return {"expr": f"round({expr}, {ROUND_TO})", "eval_time": eval_time, "exp_samples": [
        {"labels": "{" + ", ".join(promql.eq(k, v) for k, v in sorted(labels.items())) + "}",
         "value": round(value, 6)} for labels, value in samples]}


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
    counts[bounds.index(slo.threshold)] += per_minute * (1 - ratio)
    counts[bounds.index(slo.threshold) + 1] += per_minute * ratio
    return histogram_counts(model, slo.latency_metric, env_name, slo.filter, counts)


def _slo_inputs(model: Model, slo: SLO, burn: float, per_minute: float, steps: int,
                healthy: int = 0) -> list[dict[str, str]]:
    """Series for every environment; the first one burns its budget at `burn` after `healthy` good minutes."""
    env = metric_env(model, *slo.metrics)
    out: list[dict[str, str]] = []
    for i, (env_name, objective) in enumerate(slo.objective.values if env else slo.objective.values[:1]):
        ratio = min(1.0, burn * (1 - objective / 100)) if i == 0 else 0.0
        good = _slo_increments(model, slo, 0.0, env_name, per_minute)
        for (name, labels, inc), (_, _, good_inc) in zip(_slo_increments(model, slo, ratio, env_name, per_minute), good):
            out.append(series(name, labels, inc, steps, before=(good_inc, healthy)))
    return out


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
    steps = 150

    def burning(burn: float) -> list[dict[str, str]]:
        return _slo_inputs(model, slo, burn, per_minute, steps)

    def fired(rule: Rule, burn: float) -> dict[str, Any]:
        return expected(rule, {**first, naming.SLO_LABEL: slo.name}, burn)

    (f1, f2), (f3, f4) = factors["page"], factors["ticket"]
    fast, fast_6h, steady = round(1.25 * f1, 4), round(1.25 * f2, 4), round(0.9 * f2, 4)
    slow, slow_3d, calm = round(1.25 * f3, 4), round(1.25 * f4, 4), round(0.9 * f4, 4)
    recent = 180  # healthy minutes before a burn that only the 1h window sees
    envs = slo.objective.values if env else slo.objective.values[:1]
    objective_samples = [({naming.SLO_LABEL: slo.name, **({env: e} if env else {})}, v / 100) for e, v in envs]
    sli_samples = [({naming.SLO_LABEL: slo.name, **({env: e} if env else {})}, fast * (1 - v / 100) if i == 0 else 0.0)
                   for i, (e, v) in enumerate(envs)]
    sel = promql.selector
    cases = [
        case(f"{names['page']} fires at {promql.rounded_number(fast)}x burn in {env_name}, after for: {BURN_FOR['page']}",
             "1m", burning(fast),
             [check(BURN_FOR["page"], page), check("30m", page, fired(page, fast))]
             + ([check("30m", absent)] if absent else []),
             [expr_test(sel(naming.SLO_OBJECTIVE_RECORD, [promql.eq(naming.SLO_LABEL, slo.name)]), "30m",
                        objective_samples),
              expr_test(sel(naming.slo_error_ratio_record("5m"), [promql.eq(naming.SLO_LABEL, slo.name)]), "30m",
                        sli_samples)]),
        case(f"{names['page']} fires on the 1h window alone: {promql.rounded_number(fast)}x burn for the last hour only",
             "1m", _slo_inputs(model, slo, fast, per_minute, recent + 70, healthy=recent),
             [check(f"{recent + 60}m", page, fired(page, fast))]),
        case(f"{names['page']} fires on the 6h window alone at {promql.rounded_number(fast_6h)}x burn", "1m",
             burning(fast_6h), [check("1h", page, fired(page, fast_6h))]),
        case(f"{names['page']} stays quiet at {promql.rounded_number(steady)}x burn; {names['ticket']} fires", "1m",
             burning(steady), [check("1h", page), check("1h", ticket, fired(ticket, steady))]),
        case(f"{names['ticket']} fires at {promql.rounded_number(slow)}x burn, after for: {BURN_FOR['ticket']}", "1m",
             burning(slow), [check(BURN_FOR["ticket"], ticket), check("45m", ticket, fired(ticket, slow)),
                             check("45m", page)]),
        case(f"{names['ticket']} fires on the 3d window alone at {promql.rounded_number(slow_3d)}x burn", "1m",
             burning(slow_3d), [check("1h", ticket, fired(ticket, slow_3d)), check("1h", page)]),
        case(f"{names['ticket']} stays quiet at {promql.rounded_number(calm)}x burn", "1m", burning(calm),
             [check("2h", ticket), check("2h", page)]),
    ]
    if slo.min_requests_per_hour > 0:
        every_request_fails = 1 / (1 - objective / 100)
        cases.append(case(
            f"no alert below {promql.rounded_number(slo.min_requests_per_hour)} requests per hour, even if all fail", "1m",
            _slo_inputs(model, slo, every_request_fails, slo.min_requests_per_hour / 120, steps),
            [check("2h", page), check("2h", ticket)]))
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


def _threshold_inputs(model: Model, alert: Alert, fire: bool, steps: int) -> tuple[list[dict[str, str]], float] | None:
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


def alert_test(model: Model, alert: Alert, rule: Rule) -> dict[str, Any] | None:
    cost = alert.kind == "cost_per_user"
    interval = "1h" if cost else "1m"
    steps = 100 if cost else minutes(alert.for_) + 30
    late = "98h" if cost else after(alert.for_, 10)
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
    fire_checks = ([] if cost else [check(alert.for_, rule)]) + [check(late, rule, expected(rule, labels, fire[1]))]
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
    return {"rule_files": [f"../rules/{alert.service}.rules.yml"], "evaluation_interval": interval, "tests": cases}


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
