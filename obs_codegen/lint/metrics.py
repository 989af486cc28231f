"""Lint rules for metrics and tags: names, units, types, labels and cardinality."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..spec import naming, units
from ..spec.loader import Source
from ..spec.model import Filter, Metric, Model, Tag
from .registry import _index_of, _raw, _valid_regex, log_fields, rule

# --- metrics ----------------------------------------------------------------------

UNIT_SUFFIXES = {"ms": "ms", "seconds": "s", "cents": "cents", "bytes": "bytes"}
COUNTER_WORDS = ("count", "errors", "events", "total", "disconnects", "stalls")


@rule("metric-name", "Metric names are lowercase dotted <service>.<family>.<name>, without the project prefix.")
def _metric_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    prefix = model.project.metric_prefix
    for m in model.metrics:
        parts = m.key.split(".")
        if parts[0] == prefix and prefix not in {s.name for s in model.services}:
            yield src.diag(("metrics", m.key), "metric-name",
                           f"'{m.key}': leave out the prefix '{prefix}.'; it is added to every metric", key=True)


@rule("metric-unit-suffix", "A unit suffix in the name agrees with the declared unit (_ms <-> ms).")
def _unit_suffix(model: Model, src: Source) -> Iterator[Diagnostic]:
    for m in model.metrics:
        last = m.key.rsplit(".", 1)[-1]
        suffix = next((s for s in UNIT_SUFFIXES if last == s or last.endswith("_" + s)), None)
        if suffix and UNIT_SUFFIXES[suffix] != m.unit:
            yield src.diag(("metrics", m.key, "unit"), "metric-unit-suffix",
                           f"'{m.key}' ends in _{suffix} but its unit is '{m.unit}' (expected {UNIT_SUFFIXES[suffix]})")
        elif not suffix and m.unit in UNIT_SUFFIXES.values() and m.type != "gauge":
            want = next(k for k, v in UNIT_SUFFIXES.items() if v == m.unit)
            yield src.diag(("metrics", m.key, "unit"), "metric-unit-suffix",
                           f"'{m.key}' has unit '{m.unit}': end its name in _{want}")


@rule("metric-type", "Counters count, histograms measure: buckets only on histograms, ascending; latencies are histograms.")
def _metric_type(model: Model, src: Source) -> Iterator[Diagnostic]:
    for m in model.metrics:
        path = ("metrics", m.key)
        last = m.key.rsplit(".", 1)[-1]
        if m.type == "histogram":
            if not m.buckets:
                yield src.diag(path, "metric-type", f"histogram '{m.key}' needs buckets", key=True)
            elif list(m.buckets) != sorted(set(m.buckets)):
                yield src.diag(path + ("buckets",), "metric-type", f"buckets of '{m.key}' must be ascending and distinct")
        elif m.buckets:
            yield src.diag(path + ("buckets",), "metric-type", f"{m.type} '{m.key}' cannot have buckets")
        if m.type == "counter" and m.unit in ("ms", "s"):
            yield src.diag(path + ("type",), "metric-type",
                           f"'{m.key}' measures a duration: make it a histogram, not a counter")
        if m.type in ("gauge", "histogram") and last in COUNTER_WORDS:  # an invalid type is spec-enum's
            yield src.diag(path + ("type",), "metric-type",
                           f"'{m.key}' is named like a count; declare it as a counter, not a {m.type}")
        if m.type == "counter" and last.endswith("_total"):
            yield src.diag(path, "metric-type", f"'{m.key}': do not end a counter in _total; it is added", key=True)


@rule("metric-prom-collision", "No two metrics share a Prometheus series name after translation.")
def _prom_collision(model: Model, src: Source) -> Iterator[Diagnostic]:
    seen: dict[str, Metric] = {}
    for m in model.metrics:
        for series in m.series:
            other = seen.get(series)
            if other is not None and other is not m:
                yield src.diag(("metrics", m.key), "metric-prom-collision",
                               f"'{m.key}' and '{other.key}' both expose Prometheus series '{series}'", key=True)
            seen[series] = m


@rule("metric-client-name", "prometheus_client, prom-client and OpenTelemetry expose a metric under one name.", "warning")
def _client_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    for m in model.metrics:
        why = naming.otel_mismatch(m.name, m.unit, m.type)
        if why is None or (m.type == "counter" and m.key.endswith("_total")):  # that one is metric-type's
            continue
        words = [w for w in re.split(r"[^a-z0-9]+", m.key) if w and not (m.type == "counter" and w == "total")]
        parts = m.key.split(".")
        tail = "_".join(w for w in re.split(r"[^a-z0-9]+", parts[-1]) if w and w in words) or parts[-1]
        instead = ".".join(parts[:-1] + [tail])
        yield src.diag(("metrics", m.key), "metric-client-name",
                       f"'{m.key}': {why}, so an OpenTelemetry-instrumented service would not feed the generated "
                       f"dashboards and rules; name it '{instead}' (single underscores, no 'total' word in a counter)",
                       "warning", key=True)


@rule("metric-label-unbounded", "Hashed ids and unbounded tags are never metric labels.")
def _label_unbounded(model: Model, src: Source) -> Iterator[Diagnostic]:
    sets = src.data.get("tag_sets", {}) if isinstance(src.data, dict) else {}
    for m in model.metrics:
        raw = _raw(src, "metrics", m.key, "tags")
        for tag in m.tags:
            if tag.bounded:
                continue
            index = _index_of(raw, tag.name, sets)
            why = "a hashed id (unbounded, privacy)" if tag.kind == "hashed_id" else "unbounded (no values or max_values)"
            yield src.diag(("metrics", m.key, "tags", index), "metric-label-unbounded",
                           f"tag '{tag.name}' is {why} and cannot be a label of metric '{m.key}'; log it instead")


@rule("metric-cardinality", "Each metric's label-value combinations stay under project.series_budget.")
def _cardinality(model: Model, src: Source) -> Iterator[Diagnostic]:
    budget = model.project.series_budget
    for m in model.metrics:
        n = series_count(m)
        if n is not None and n > budget:
            yield src.diag(("metrics", m.key, "tags"), "metric-cardinality",
                           f"'{m.key}' can have {n} series, over the budget of {budget}")


def series_count(m: Metric) -> int | None:
    """Upper bound of series for a metric (None if a label is unbounded)."""
    n = len(m.buckets) + 3 if m.type == "histogram" else 1
    for tag in m.tags:
        if tag.cardinality is None:
            return None
        n *= tag.cardinality
    return n


@rule("metric-label-collision", "Two tags of one metric map to the same Prometheus label.")
def _label_collision(model: Model, src: Source) -> Iterator[Diagnostic]:
    for m in model.metrics:
        labels = [t.label for t in m.tags]
        for label in sorted({x for x in labels if labels.count(x) > 1}):
            yield src.diag(("metrics", m.key, "tags"), "metric-label-collision",
                           f"'{m.key}' has two tags with Prometheus label '{label}'")


@rule("tag-kind", "Tags carry what their kind needs: enum values, a string bound, a hashed-id prefix.")
def _tag_kind(model: Model, src: Source) -> Iterator[Diagnostic]:
    for t in model.tags:
        path = ("tags", t.name)
        if t.kind == "hashed_id" and not t.prefix:
            yield src.diag(path, "tag-kind", f"hashed_id tag '{t.name}' needs a prefix such as 'u:'", key=True)
        if t.kind == "string" and t.max_values is None:
            yield src.diag(path, "tag-kind",
                           f"string tag '{t.name}' has no max_values; it can never be a metric label", "warning", key=True)
        for p in (t.pattern, t.opaque_pattern):
            if p is not None and not _valid_regex(p):
                yield src.diag(path, "tag-kind", f"tag '{t.name}': invalid regular expression {p!r}", key=True)
        if t.opaque_pattern is not None and not OPAQUE_ID.fullmatch(t.opaque_pattern):
            yield src.diag(path + ("opaque_pattern",), "tag-kind",
                           f"opaque_pattern of '{t.name}' must be anchored (^...$) and start with a literal prefix "
                           "such as '^grp_', so a raw identifier cannot pass as opaque")


# An opaque server-generated id: anchored, with a literal prefix of two or more characters.
OPAQUE_ID = re.compile(r"^\^[A-Za-z0-9_:-]{2,}[^|]*\$$")


# --- labels and label values -----------------------------------------------------------------

# A Prometheus label name as PromQL, the exposition format and promtool accept it unquoted.
PROM_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

# Labels that the generated rules and dashboards, Prometheus or Grafana set themselves: a tag
# with one of these labels is overwritten or renamed, or makes two series (or variables) collide.
RESERVED_LABELS = {
    "service": "the generated alert rules set it to the alerting service",
    "severity": "the generated alert rules set it (page or ticket)",
    "owner": "the generated alert rules set it to the owning team (Alertmanager routes on it)",
    "slo": "the generated SLO recording rules and alerts set it to the SLO name",
    "long_window": "the generated burn-rate alerts set it to the tier's long window",
    "short_window": "the generated burn-rate alerts set it to the tier's short window",
    "alertname": "Prometheus sets it to the alert's name",
    "alertstate": "Prometheus sets it on the ALERTS series",
    "le": "it holds a histogram's bucket bounds",
    "quantile": "it holds a summary's quantiles",
    "job": "Prometheus sets it on every scraped series (the metric's own becomes exported_job)",
    "instance": "Prometheus sets it on every scraped series (the metric's own becomes exported_instance)",
    "datasource": "it is the name of the dashboards' data-source variable",
}


def _label_path(src: Source, tag: Tag) -> tuple[tuple[str, ...], bool]:
    """Where a tag's label is written: its `label:` value, else the tag's name (the label derives from it)."""
    tags = src.data.get("tags") if isinstance(src.data, dict) else None
    raw = tags.get(tag.name) if isinstance(tags, dict) else None
    if isinstance(raw, dict) and "label" in raw:
        return ("tags", tag.name, "label"), False
    return ("tags", tag.name), True


def _metric_tags(model: Model) -> list[Tag]:
    """Tags that are a label of some metric, in spec order."""
    used = {t.name for m in model.metrics for t in m.tags}
    return [t for t in model.tags if t.name in used]


@rule("metric-label-name", "Metric labels are Prometheus label names, not ones the rules, Prometheus or Grafana set.")
def _label_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    env = next((t for t in model.tags if t.is_environment), None)
    env_label = env.label if env is not None else "env"
    for t in _metric_tags(model):
        path, key = _label_path(src, t)
        if not PROM_LABEL.fullmatch(t.label):
            yield src.diag(path, "metric-label-name",
                           f"tag '{t.name}' has Prometheus label {t.label!r}, which is not a label name "
                           "(letters, digits and _, not starting with a digit)", key=key)
            continue
        why = RESERVED_LABELS.get(t.label)
        if why is None and t.label.startswith("__"):
            why = "names starting with __ are reserved for Prometheus's internal use"
        if why is None and t.label == env_label and not t.is_environment:
            why = "it is the environment label the generated rules and dashboards group by"
        if why is not None:
            yield src.diag(path, "metric-label-name",
                           f"tag '{t.name}' has Prometheus label '{t.label}': {why}; give it another `label:`", key=key)


def unsafe_value_reason(value: str) -> str | None:
    """Why `value` cannot be a Prometheus label value (None if it can).

    Quotes, backslashes, newlines and other control characters can: PromQL string literals and
    the rule and test YAML escape them (the escaping case's values pass promtool). An empty value
    cannot (Prometheus drops empty labels, so `route=""` means "no route label"), nor can text
    that is not valid Unicode (a lone surrogate has no UTF-8 encoding).
    """
    if value == "":
        return "an empty label value is the same as no label in Prometheus"
    bad = next((ch for ch in value if unicodedata.category(ch) == "Cs"), None)
    if bad is not None:
        return f"it contains the lone surrogate U+{ord(bad):04X}, which has no UTF-8 encoding"
    return None


def _filter_values(path: tuple[object, ...], flt: Filter) -> Iterator[tuple[tuple[object, ...], str]]:
    for tag, value in flt:
        yield path + (tag.name,), value


@rule("metric-label-value", "Label values (enum values, environments, filters) are non-empty valid Unicode.")
def _label_value(model: Model, src: Source) -> Iterator[Diagnostic]:
    where: list[tuple[tuple[object, ...], str]] = []
    for t in _metric_tags(model):
        if t.is_environment:
            where += [(("project", "environments", i), v) for i, v in enumerate(model.project.environments)]
        elif t.kind == "enum":
            where += [(("tags", t.name, "values", i), v) for i, v in enumerate(t.values)]
    for s in model.slos:
        where += _filter_values(("slos", s.name, "filter"), s.filter)
    for a in model.alerts:
        where += _filter_values(("alerts", a.name, a.kind, "filter"), a.filter)
        where += _filter_values(("alerts", a.name, a.kind, "numerator_filter"), a.numerator_filter)
    for path, value in where:
        why = unsafe_value_reason(value)
        if why is not None:
            shown = repr(value) if len(value) <= 40 else repr(value[:40]) + "..."
            yield src.diag(path, "metric-label-value", f"{shown} cannot be a Prometheus label value: {why}")


# --- units, aggregation and declared relationships ---------------------------------

@rule("metric-unit-unmapped", "A metric's or log field's unit is a built-in unit (obs_codegen/spec/units.json) "
      "or one declared under `units:`.")
def _unit_unmapped(model: Model, src: Source) -> Iterator[Diagnostic]:
    declared = src.data.get("units") if isinstance(src.data, dict) else None
    custom = set(declared) if isinstance(declared, dict) else set()
    where: list[tuple[tuple[object, ...], str, str]] = [(("metrics", m.key, "unit"), m.unit, f"'{m.key}'")
                                                         for m in model.metrics]
    for fpath, f in log_fields(model):
        if f.unit is not None:
            where.append((fpath + ("unit",), f.unit, f"log field '{f.name}'"))
    for path, unit, what in where:
        if not units.known(unit) and unit not in custom:
            hint = difflib.get_close_matches(unit, sorted(units.table()) + sorted(custom), n=1)
            yield src.diag(path, "metric-unit-unmapped",
                           f"unknown unit '{unit}' of {what}"
                           + (f"; did you mean '{hint[0]}'?" if hint else "")
                           + f" (built in: {', '.join(sorted(units.table()))}; declare another under `units:`)")


@rule("metric-aggregation", "Only gauges declare an `aggregation` (counters are summed, histograms merged).")
def _aggregation(model: Model, src: Source) -> Iterator[Diagnostic]:
    raw = src.data.get("metrics", {}) if isinstance(src.data, dict) else {}
    for m in model.metrics:
        declared = raw.get(m.key) if isinstance(raw, dict) else None
        if m.type != "gauge" and isinstance(declared, dict) and "aggregation" in declared:
            yield src.diag(("metrics", m.key, "aggregation"), "metric-aggregation",
                           f"{m.type} '{m.key}' cannot declare an aggregation; only gauges do")


@rule("metric-part-of", "`part_of` links two counters; the part has every bounded label of the total.")
def _part_of(model: Model, src: Source) -> Iterator[Diagnostic]:
    metrics = {m.key: m for m in model.metrics}
    for m in model.metrics:
        total = metrics.get(m.part_of) if m.part_of is not None else None
        if m.part_of is None or total is None:  # an unknown name is ref-unknown-metric's
            continue
        path = ("metrics", m.key, "part_of")
        if m.type != "counter" or total.type != "counter":
            yield src.diag(path, "metric-part-of", f"part_of links counters: '{m.key}' is a {m.type}, "
                           f"'{total.key}' a {total.type}")
        elif total is m:
            yield src.diag(path, "metric-part-of", f"'{m.key}' cannot be part of itself")
        else:
            missing = [t.label for t in total.tags if t.bounded and t not in m.tags]
            if missing:
                yield src.diag(path, "metric-part-of",
                               f"'{total.key}' has label(s) {', '.join(missing)} that '{m.key}' lacks: the ratio "
                               f"could be narrowed on one side only; add the tags to '{m.key}'")
