"""Lint rules for SLOs and alerts: metric kinds, thresholds, periods, names and labels."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from ..diagnostics import Diagnostic
from ..spec import durations, naming
from ..spec.loader import Source
from ..spec.model import SLO, Alert, Metric, Model, Tag
from .registry import _index_of, _raw, _stage, rule

# --- SLOs and alerts ------------------------------------------------------------------

@rule("slo-metric-types", "Ratio SLOs use counters; latency SLOs a histogram with the threshold as a bucket bound.")
def _slo_types(model: Model, src: Source) -> Iterator[Diagnostic]:
    for s in model.slos:
        path = ("slos", s.name)
        for role, m in (("errors", s.errors), ("total", s.total)):
            if m is not None and m.type != "counter":
                yield src.diag(path + ("ratio", role), "slo-metric-types", f"'{m.key}' must be a counter, not a {m.type}")
        m = s.latency_metric
        if m is not None:
            if m.type != "histogram":
                yield src.diag(path + ("latency", "metric"), "slo-metric-types", f"'{m.key}' must be a histogram")
            elif s.threshold not in m.buckets:
                yield src.diag(path + ("latency", "threshold"), "slo-metric-types",
                               f"threshold {s.threshold:g} is not a bucket bound of '{m.key}' "
                               f"({', '.join(f'{b:g}' for b in m.buckets)})")
        yield from _labels_exist(src, _filter_paths(path + ("filter",), s.filter), s.metrics)


@rule("alert-metric-types",
      "Quantile alerts read histograms, ratio alerts counters, gauge alerts a gauge, cost alerts a counter and a gauge.")
def _alert_types(model: Model, src: Source) -> Iterator[Diagnostic]:
    for a in model.alerts:
        path = ("alerts", a.name)
        wanted = [
            (a.kind, "metric", a.metric if a.kind != "absent" else None, "gauge" if a.kind == "gauge" else "histogram"),
            (a.kind, "numerator", a.numerator, "counter"),
            (a.kind, "denominator", a.denominator, "counter"),
            (a.kind, "cost", a.cost, "counter"),
            (a.kind, "users", a.users, "gauge"),
        ]
        for kind, role, m, want in wanted:
            if m is not None and m.type != want:
                yield src.diag(path + (kind, role), "alert-metric-types", f"'{m.key}' must be a {want}, not a {m.type}")
        # q outside (0, 1) is a schema error (spec-schema), reported by the loader.
        used = _filter_paths(path + (a.kind, "filter"), a.filter) + _by_paths(src, path + (a.kind, "by"), a.by)
        yield from _labels_exist(src, used, a.metrics if a.kind != "cost_per_user" else ())
        if a.numerator is not None:
            only_numerator = _filter_paths(path + (a.kind, "numerator_filter"), a.numerator_filter)
            yield from _labels_exist(src, only_numerator, (a.numerator,))


@rule("alert-threshold-bucket", "A quantile threshold lies under the largest bucket (and a `below:` one at or over the "
      "smallest).")
def _threshold_bucket(model: Model, src: Source) -> Iterator[Diagnostic]:
    for a in model.alerts:
        if a.kind != "quantile" or a.metric is None or not a.metric.buckets:
            continue
        top, bottom = max(a.metric.buckets), min(a.metric.buckets)
        for env, value in a.threshold.values:
            if value >= top:
                why = ("histogram_quantile never exceeds it, so the alert could never fire" if a.direction == "above"
                       else "histogram_quantile never exceeds it, so the alert would never stop firing")
                yield src.diag(("alerts", a.name, a.direction), "alert-threshold-bucket",
                               f"threshold {value:g} for {env} is not below the largest bucket of '{a.metric.key}' "
                               f"({top:g}): {why}")
                break
            if a.direction == "below" and value < bottom:
                yield src.diag(("alerts", a.name, "below"), "alert-threshold-bucket",
                               f"threshold {value:g} for {env} is below the smallest bucket of '{a.metric.key}' "
                               f"({bottom:g}): the histogram cannot tell quantiles under it apart; add a bucket bound "
                               "at or under the threshold")
                break


@rule("alert-ratio-threshold", "A ratio alert's threshold is a share: `above:` from 0 up to, not including, 1; "
      "`below:` above 0 up to 1.")
def _ratio_threshold(model: Model, src: Source) -> Iterator[Diagnostic]:
    for a in model.alerts:
        if a.kind != "ratio":
            continue
        where = threshold_path(a)
        per_env = isinstance(_raw_value(src, *where), dict)
        for env, value in a.threshold.values if per_env else a.threshold.values[:1]:
            above = a.direction == "above"
            if above and not 0 <= value < 1:
                why = "a share is never negative" if value < 0 else "a share never exceeds 1, so the alert could never fire"
                span = "[0, 1)"
            elif not above and not 0 < value <= 1:
                why = ("a share is never negative, so the alert could never fire" if value <= 0
                       else "a share never exceeds 1, so the alert would always fire")
                span = "(0, 1]"
            else:
                continue
            yield src.diag(where + ((env,) if per_env else ()), "alert-ratio-threshold",
                           f"ratio threshold {value:g}{f' for {env}' if per_env else ''} is not in {span}: {why} "
                           "(write 5% as 0.05)")


def threshold_path(a: Alert) -> tuple[str, ...]:
    """Where an alert's threshold is written: its budget's value, `above:` or `below:`."""
    return ("budgets", a.budget.name, "value") if a.budget is not None else ("alerts", a.name, a.direction)


@rule("alert-severity-environment",
      "Environments in a `severity:` map and in project.alerting.page_environments are project environments.")
def _severity_envs(model: Model, src: Source) -> Iterator[Diagnostic]:
    envs = model.project.environments
    for i, e in enumerate(model.project.page_environments):
        if e not in envs:
            yield src.diag(("project", "alerting", "page_environments", i), "alert-severity-environment",
                           f"page environment '{e}' is not one of the project's environments ({', '.join(envs)})")
    for a in model.alerts:
        for e, _ in a.severity_per_env:
            if e not in envs:
                yield src.diag(("alerts", a.name, "severity", e), "alert-severity-environment",
                               f"severity for '{e}': not one of the project's environments ({', '.join(envs)})",
                               key=True)


@rule("slo-retention", "An SLO period fits in the Prometheus retention (`prometheus.retention`, default 15d, "
      "Prometheus's own default).", severity="warning")
def _slo_retention(model: Model, src: Source) -> Iterator[Diagnostic]:
    declared = src.data.get("prometheus") if isinstance(src.data, dict) else None
    keep = duration_seconds(model.project.retention)
    if keep is None:
        return  # the schema reports a malformed retention
    given = isinstance(declared, dict) and "retention" in declared
    what = (f"the Prometheus retention {model.project.retention}" if given else
            f"Prometheus's default retention ({model.project.retention}; the spec declares none)")
    for s in model.slos:
        period = duration_seconds(s.period)
        if period is not None and keep < period <= MAX_SLO_PERIOD_DAYS * 86400:  # slo-period reports longer ones
            yield src.diag(("slos", s.name, "period"), "slo-retention",
                           f"period {s.period} is longer than {what}: its {s.period} error ratio and remaining "
                           f"budget would read data Prometheus has deleted; run Prometheus with "
                           f"--storage.tsdb.retention.time={s.period} or more and declare it as prometheus.retention",
                           severity="warning")


@rule("slo-period", "An SLO period is a Prometheus duration that holds its longest burn-rate window (3d), at most 400d.")
def _slo_period(model: Model, src: Source) -> Iterator[Diagnostic]:
    longest = max(naming.duration_seconds(w) for w in naming.SLO_WINDOWS)
    for s in model.slos:
        seconds = duration_seconds(s.period)
        if seconds is None:
            yield src.diag(("slos", s.name, "period"), "slo-period",
                           f"period {s.period!r} is not a Prometheus duration such as 28d")
        elif seconds < longest:
            yield src.diag(("slos", s.name, "period"), "slo-period",
                           f"period {s.period} is shorter than the 3d burn-rate window; use at least 3d (28d is usual)")
        elif seconds > MAX_SLO_PERIOD_DAYS * 86400:
            yield src.diag(("slos", s.name, "period"), "slo-period",
                           f"period {s.period} is longer than {MAX_SLO_PERIOD_DAYS} days; Prometheus keeps no data that old")


MAX_SLO_PERIOD_DAYS = 400

duration_seconds = durations.seconds  # None when the text is not a Prometheus duration


# --- bounds that keep the generated promtool tests exact and small ----------------------------------
# A threshold alert's test feeds 1-minute samples until `for:` has elapsed (input samples grow
# linearly with it); a cost alert's test evaluates the rules through a day plus `average_over:`
# (evaluations grow with it). Within these bounds every generated test runs in about a second.
MAX_FOR = "7d"
MAX_AVERAGE_OVER = "90d"


@rule("alert-duration", "Alert `for:` (at most 7d) and `average_over:` (0 < d <= 90d) are Prometheus durations.")
def _alert_duration(model: Model, src: Source) -> Iterator[Diagnostic]:
    for a in model.alerts:
        seconds = duration_seconds(a.for_)
        if seconds is None:
            yield src.diag(("alerts", a.name, "for"), "alert-duration",
                           f"for: {a.for_!r} is not a Prometheus duration such as 10m")
        elif seconds > naming.duration_seconds(MAX_FOR):
            yield src.diag(("alerts", a.name, "for"), "alert-duration",
                           f"for: {a.for_} is longer than {MAX_FOR}, the longest `for:` whose generated promtool "
                           "test stays small (it feeds one sample a minute until `for:` has elapsed)")
        if a.kind != "cost_per_user" or a.average_over is None:
            continue
        window = duration_seconds(a.average_over)
        path = ("alerts", a.name, "cost_per_user", "average_over")
        if window is None or window == 0:
            yield src.diag(path, "alert-duration",
                           f"average_over: {a.average_over!r} is not a positive Prometheus duration such as 3d")
        elif window > naming.duration_seconds(MAX_AVERAGE_OVER):
            yield src.diag(path, "alert-duration",
                           f"average_over: {a.average_over} is longer than {MAX_AVERAGE_OVER}, the longest average "
                           "whose generated promtool test stays small (it evaluates the rules through the whole window)")


# Bounds of one generated test file: about a second of promtool on a CI core, and a margin under
# the 10,000 samples promtool's test engine lets one query load (the rest is for the vectors it builds).
MAX_TEST_SAMPLES = 1_000_000
MAX_QUERY_SAMPLES = 8_000


@rule("alert-test-size", "A generated promtool test loads at most 1,000,000 samples, and 8,000 in any one query.",
      renders=True)
def _test_size(model: Model, src: Source) -> Iterator[Diagnostic]:
    if not all(_testable(model, a) for a in model.alerts) or not all(_slo_testable(model, s) for s in model.slos) \
            or any(True for _ in _slo_types(model, src)) or any(True for _ in _alert_types(model, src)):
        return  # other rules report what is missing or malformed; tests are built only from a sound model
    from ..backends.prometheus import build, tests_of
    from ..backends.promtool_cost import PROMTOOL_MAX_SAMPLES, input_samples, query_samples

    try:
        groups = build(model)
        docs = tests_of(model)
    except (LookupError, AssertionError, ValueError, ArithmeticError, RecursionError, re.error):
        return  # a model the other rules reject (a tag pattern Python cannot compile, ...); never rendered
    owners: dict[str, tuple[str, tuple[str, ...], bool]] = {
        f"slo-{s.name}{part}": (s.service, ("slos", s.name), True) for s in model.slos for part in ("", ".long-windows")}
    owners.update({a.name: (a.service, ("alerts", a.name, "for"), False) for a in model.alerts})
    parsed: dict[str, Any] = {}  # the selectors of every expression and input series read (query_samples)
    for name, doc in docs.items():
        service, path, key = owners[name]
        cost = any(a.name == name and a.kind == "cost_per_user" for a in model.alerts)
        fix = ("shorten `for:` or `average_over:`, or use" if cost else "shorten `for:` or use") if not key else "use"
        rules = [r for g in groups.get(service, []) for r in g.rules]
        n = input_samples(doc)
        if n > MAX_TEST_SAMPLES:
            yield src.diag(path, "alert-test-size",
                           f"the generated promtool test {name}.test.yml would load {n:,} input samples, over the "
                           f"limit of {MAX_TEST_SAMPLES:,}; {fix} fewer environments", key=key)
        loaded, index = query_samples(doc, [r.expr for r in rules], len(model.project.environments), parsed)
        if loaded > MAX_QUERY_SAMPLES:
            what = rules[index].record or rules[index].alert
            yield src.diag(path, "alert-test-size",
                           f"in the generated promtool test {name}.test.yml, rule '{what}' would load {loaded:,} "
                           f"samples in one query (the lint allows {MAX_QUERY_SAMPLES:,}; promtool refuses over "
                           f"{PROMTOOL_MAX_SAMPLES:,}); {fix} fewer environments", key=key)


def _testable(model: Model, a: Alert) -> bool:
    """The alert resolved completely and its durations are within bounds, so its test can be built."""
    if a.service not in {s.name for s in model.services} or not a.threshold.values:
        return False
    hold = duration_seconds(a.for_)
    if hold is None or hold > naming.duration_seconds(MAX_FOR):
        return False
    if a.kind == "quantile":
        return a.metric is not None and a.metric.type == "histogram" and bool(a.metric.buckets) and a.q is not None
    if a.kind == "ratio":
        return a.numerator is not None and a.denominator is not None
    if a.kind in ("gauge", "absent"):
        return a.metric is not None
    window = duration_seconds(a.average_over or "")
    return (a.cost is not None and a.users is not None and window is not None
            and 0 < window <= naming.duration_seconds(MAX_AVERAGE_OVER))


def _slo_testable(model: Model, s: SLO) -> bool:
    period = duration_seconds(s.period)
    if s.service not in {x.name for x in model.services} or period is None or not s.objective.values:
        return False
    if not 3 * 86400 <= period <= MAX_SLO_PERIOD_DAYS * 86400:
        return False
    if any(not 0 < v < 100 or decimals(v) > OBJECTIVE_DECIMALS for _, v in s.objective.values):
        return False
    if s.kind == "ratio":
        return s.errors is not None and s.total is not None
    return s.latency_metric is not None and s.latency_metric.type == "histogram" and s.threshold is not None


# An objective is a percentage with at most 4 decimals (99.9999% at most): the error budget
# (100 - objective) / 100 is then a multiple of 1e-6, so every expected value of the generated
# tests (a burn rate in hundredths times the budget) has at most 8 decimals and is exact at the
# tests' 1e-8 rounding; with more decimals it can fall on a rounding tie that float noise flips
# (99.99999% over 15d expects 5e-08 where Prometheus computes 4e-08), and past 10 decimals the
# recorded objective rounds to 1 (burn rates become +Inf).
OBJECTIVE_DECIMALS = 4


@rule("slo-objective", "An SLO objective is a percentage above 0 and below 100, with at most 4 decimals (99.9999).")
def _slo_objective(model: Model, src: Source) -> Iterator[Diagnostic]:
    for s in model.slos:
        per_env = isinstance(_raw_value(src, "slos", s.name, "objective"), dict)
        for env, v in s.objective.values if per_env else s.objective.values[:1]:
            path = ("slos", s.name, "objective") + ((env,) if per_env else ())
            where = f" for {env}" if per_env else ""
            if v >= 100:
                yield src.diag(path, "slo-objective",
                               f"objective{where} of {v:g}% leaves no error budget (one failure breaks it): use a "
                               "percentage below 100, such as 99.9")
            elif v <= 0:
                yield src.diag(path, "slo-objective", f"objective{where} must be a percentage above 0, got {v:g}")
            elif decimals(v) > OBJECTIVE_DECIMALS:
                yield src.diag(path, "slo-objective",
                               f"objective {v!r}{where} has more than {OBJECTIVE_DECIMALS} decimals (at most 99.9999): "
                               "burn rates and the generated promtool tests would not be exact")


def _raw_value(src: Source, *path: Any) -> Any:
    node = src.data
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node


# Numbers the rules write into PromQL keep 10 decimals (promql.rounded_number drops the float noise
# of computed values past that): a threshold of 1.5e-12 would become `> 0`.
PROMQL_DECIMALS = 10


# Largest threshold magnitude: float64 still counts integers exactly, and the generated tests can scale it.
THRESHOLD_MAX = 1e15


@rule("alert-threshold-precision",
      "Thresholds, budgets, q and min_requests_per_hour have at most 10 decimals, as PromQL gets, and stay below 1e15.")
def _threshold_precision(model: Model, src: Source) -> Iterator[Diagnostic]:
    from ..backends.promql import rounded_number

    found: list[tuple[tuple[Any, ...], str, float]] = []
    for a in model.alerts:
        where = threshold_path(a)
        per_env = isinstance(_raw_value(src, *where), dict)
        found += [(where + ((env,) if per_env else ()), "threshold", v) for env, v in a.threshold.values]
        if a.q is not None:
            found.append((("alerts", a.name, "quantile", "q"), "q", a.q))
    found += [(("slos", s.name, "min_requests_per_hour"), "min_requests_per_hour", s.min_requests_per_hour)
              for s in model.slos]
    for path, what, v in dict.fromkeys(found):
        if math.isfinite(v) and abs(v) >= THRESHOLD_MAX:  # infinity and NaN are spec-number-finite's
            yield src.diag(path, "alert-threshold-precision",
                           f"{what} {v!r} is not below {THRESHOLD_MAX:.0e} in magnitude, beyond what a float64 "
                           f"counts exactly and the generated tests can scale; use a larger unit")
        elif decimals(v) > PROMQL_DECIMALS:
            yield src.diag(path, "alert-threshold-precision",
                           f"{what} {v!r} has more than {PROMQL_DECIMALS} decimals, which the generated PromQL keeps "
                           f"(it would read {rounded_number(v)}); use a coarser value or a smaller unit")


def decimals(value: float) -> int:
    """Decimal places of a spec number as written (its shortest repr): 99.95 -> 2, 1e-05 -> 5, 99 -> 0."""
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@rule("alert-name", "Alert names are CamelCase, at most 40 characters, and unique with the SLOs' generated alerts.")
def _alert_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    from ..backends.prometheus import slo_alert_names

    taken: dict[str, str] = {}
    for s in model.slos:
        for generated in slo_alert_names(s).values():
            if generated in taken:
                yield src.diag(("slos", s.name), "alert-name",
                               f"SLO '{s.name}' generates alert '{generated}', as {taken[generated]} does; rename one",
                               key=True)
            taken.setdefault(generated, f"SLO '{s.name}'")
    for a in model.alerts:
        if len(a.name) > 40:
            yield src.diag(("alerts", a.name), "alert-name", f"alert name '{a.name}' is over 40 characters", key=True)
        if a.name in taken:
            yield src.diag(("alerts", a.name), "alert-name",
                           f"alert '{a.name}' has the name of an alert generated for {taken[a.name]}", key=True)


TagAt = tuple[Tag, tuple[Any, ...], bool]  # a tag used by a query, the path naming it, and whether that is a key


def _filter_paths(path: tuple[Any, ...], flt: Iterable[tuple[Tag, str]]) -> list[TagAt]:
    return [(t, path + (t.name,), True) for t, _ in flt]


def _by_paths(src: Source, path: tuple[Any, ...], by: Iterable[Tag]) -> list[TagAt]:
    raw = _raw(src, *path)
    sets = src.data.get("tag_sets", {}) if isinstance(src.data, dict) else {}
    return [(t, path + (_index_of(raw, t.name, sets),), False) for t in by]


def _labels_exist(src: Source, used: list[TagAt], metrics: Iterable[Metric]) -> Iterator[Diagnostic]:
    for m in metrics:
        for t, path, key in used:
            if t not in m.tags:
                yield src.diag(path, "ref-unknown-label", f"'{m.key}' has no label '{t.label}' (tag '{t.name}')",
                               key=key)


_stage("ref-unknown-label", "A filter or `by` uses a tag that is not a label of the metric.")


_ABSOLUTE_URL = re.compile(r"^https?://[^/\s]+")


@rule("alert-links-relative", "Alerts and SLOs get absolute runbook and dashboard URLs (project.links).",
      severity="warning")
def _links_relative(model: Model, src: Source) -> Iterator[Diagnostic]:
    if not model.alerts and not model.slos:
        return
    raw = src.data.get("project", {}) if isinstance(src.data, dict) else {}
    links = raw.get("links") if isinstance(raw, dict) else None
    for key, what in (("catalog", "runbook_url (the published catalog)"), ("grafana", "dashboard_url (Grafana)")):
        value = links.get(key) if isinstance(links, dict) else None
        if not isinstance(value, str) or not _ABSOLUTE_URL.match(value):
            path = ("project", "links", key) if isinstance(value, str) else ("project",)
            yield src.diag(path, "alert-links-relative",
                           f"project.links.{key} is {'not an absolute http(s) URL' if value else 'missing'}: "
                           f"every alert's {what} would be relative and not open from a notification",
                           severity="warning", key=not isinstance(value, str))
