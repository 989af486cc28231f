"""Lint rules for SLOs and alerts: metric kinds, thresholds, periods, names and labels."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..diagnostics import Diagnostic
from ..spec import naming
from ..spec.loader import Source
from ..spec.model import Metric, Model, Tag
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
        for env, v in s.objective.values:
            if not 0 < v < 100:
                yield src.diag(path + ("objective", env), "slo-metric-types",
                               f"objective for {env} must be a percentage between 0 and 100, got {v:g}")
        yield from _labels_exist(src, _filter_paths(path + ("filter",), s.filter), s.metrics)


@rule("alert-metric-types", "Quantile alerts read histograms, ratio alerts counters, cost alerts a counter and a gauge.")
def _alert_types(model: Model, src: Source) -> Iterator[Diagnostic]:
    for a in model.alerts:
        path = ("alerts", a.name)
        wanted = [
            (a.kind, "metric", a.metric, "histogram"),
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


@rule("alert-threshold-bucket", "A quantile alert's threshold lies below its histogram's largest bucket, or it can never fire.")
def _threshold_bucket(model: Model, src: Source) -> Iterator[Diagnostic]:
    for a in model.alerts:
        if a.kind != "quantile" or a.metric is None or not a.metric.buckets:
            continue
        top = max(a.metric.buckets)
        for env, value in a.threshold.values:
            if value >= top:
                yield src.diag(("alerts", a.name, "above"), "alert-threshold-bucket",
                               f"threshold {value:g} for {env} is not below the largest bucket of '{a.metric.key}' "
                               f"({top:g}): histogram_quantile never exceeds it, so the alert could never fire")
                break


@rule("slo-period", "An SLO period holds its longest burn-rate window (3d) and is at most 400 days.")
def _slo_period(model: Model, src: Source) -> Iterator[Diagnostic]:
    longest = max(naming.duration_seconds(w) for w in naming.SLO_WINDOWS)
    for s in model.slos:
        try:
            seconds = naming.duration_seconds(s.period)
        except ValueError:
            continue  # the schema reports a malformed duration
        if seconds < longest:
            yield src.diag(("slos", s.name, "period"), "slo-period",
                           f"period {s.period} is shorter than the 3d burn-rate window; use at least 3d (28d is usual)")
        elif seconds > MAX_SLO_PERIOD_DAYS * 86400:
            yield src.diag(("slos", s.name, "period"), "slo-period",
                           f"period {s.period} is longer than {MAX_SLO_PERIOD_DAYS} days; Prometheus keeps no data that old")


MAX_SLO_PERIOD_DAYS = 400


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
