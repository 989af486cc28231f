"""Building blocks of the generated `promtool test rules` files: input series, expected alerts, cases."""

from __future__ import annotations

import math
import re
from typing import Any

from ...spec import naming
from ...spec.model import Filter, Metric, Model, Tag
from .. import promql
from ..gotemplate import render_text
from .base import Rule

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


def phased(name: str, labels: dict[str, str], phases: list[tuple[float, int]]) -> dict[str, str]:
    """A counter from 0 growing by `per_step` for `n` steps in each (per_step, n) phase, in order:
    `0+5x60 302+2x29` (1 + the sum of the n samples); a single phase is `series`'s `0+5x60`."""
    phases = [(inc, n) for inc, n in phases if n > 0]
    if len(phases) == 1:
        return series(name, labels, phases[0][0], phases[0][1])
    num = promql.rounded_number
    parts, value = [], 0.0
    for i, (inc, n) in enumerate(phases):
        if i:
            value += float(num(inc))
        parts.append(f"{num(value)}+{num(inc)}x{n - (1 if i else 0)}")
        value += float(num(inc)) * (n - (1 if i else 0))
    return {"series": promql.selector(name, [promql.eq(k, v) for k, v in labels.items()]), "values": " ".join(parts)}


def alerts_test(rule: Rule, eval_time: str, labels: list[dict[str, str]], **only: str) -> dict[str, Any]:
    """The ALERTS series of `rule`'s alert name (restricted by `only`) firing at `eval_time`: exactly `labels`
    (with the rule's labels); for alerts whose annotation value moves while the check waits for them."""
    sel = [promql.eq("alertname", rule.alert or ""), promql.eq("alertstate", "firing")]
    sel += [promql.eq(k, v) for k, v in only.items()]
    full = [{**lbl, **dict(rule.labels), "alertname": rule.alert or "", "alertstate": "firing"} for lbl in labels]
    return {"expr": promql.selector("ALERTS", sel), "eval_time": eval_time, "exp_samples": [
        {"labels": "ALERTS{" + ", ".join(promql.eq(k, v) for k, v in sorted(f.items())) + "}", "value": 1}
        for f in full]}


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
    doc: dict[str, Any] = {"name": name, "interval": interval, "input_series": inputs}
    if checks:
        doc["alert_rule_test"] = checks
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


