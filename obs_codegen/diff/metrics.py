"""Change rules for metrics: what dashboards, rules and ad-hoc queries read (category `queries`)."""

from __future__ import annotations

from collections.abc import Iterator

from ..backends.identifiers import exact_number
from ..lint.metrics import series_count
from ..spec import naming
from ..spec.model import Metric, Tag
from .dependents import listing
from .registry import Change, Matched, Pair, change_rule, match, removed, retiring


def _metrics(pair: Pair) -> Matched[Metric]:
    return match(pair.old.metrics, pair.new.metrics, lambda m: m.key, lambda m: m.renamed_from)


def tag_pairs(pair: Pair) -> Matched[Tag]:
    return match(pair.old.tags, pair.new.tags, lambda t: t.name, lambda t: t.renamed_from)


def _label_renames(pair: Pair) -> dict[str, str]:
    """Old label -> new label, for tags that declare `renamed_from` and changed label with it."""
    return {o.label: n.label for o, n in tag_pairs(pair).renamed if o.label != n.label}


@change_rule("metric-removed", "queries", "error", "A metric is gone: every query of its series returns nothing.")
def _removed(pair: Pair) -> Iterator[Change]:
    for m in _metrics(pair).removed:
        readers = pair.readers.of_metric(m)
        yield removed(m.pos, "metric-removed", m.key,
                      f"metric '{m.key}' was removed: queries of {', '.join(m.series)} return nothing"
                      f"{listing(readers)}; declare `renamed_from: {m.key}` on its replacement if it was renamed",
                      deprecated=m.deprecated)


@change_rule("metric-renamed", "queries", "warning",
             "A metric declares `renamed_from`: queries of the old name must move to the new one.")
def _renamed(pair: Pair) -> Iterator[Change]:
    for old, new in _metrics(pair).renamed:
        readers = pair.readers.of_metric(old)
        yield Change(new.pos, "metric-renamed", new.key,
                     f"metric '{old.key}' is renamed to '{new.key}' ({old.prom_name} -> {new.prom_name}); generated "
                     f"dashboards and rules use the new name, and a transitional recording rule keeps the old series "
                     f"for queries written elsewhere until `renamed_from` is removed{listing(readers)}")


@change_rule("metric-rename-retired", "queries", "warning",
             "A metric no longer declares the `renamed_from` it had: the old name's transitional series and the "
             "generated code's deprecated aliases are gone.")
def _rename_retired(pair: Pair) -> Iterator[Change]:
    for old, new in _metrics(pair).both:
        if old.renamed_from is not None and new.renamed_from != old.renamed_from and old.key == new.key:
            former = naming.prom_series(f"{pair.old.project.metric_prefix}.{old.renamed_from}", old.type)
            yield Change(new.pos, "metric-rename-retired", new.key,
                         f"metric '{new.key}' no longer declares renamed_from: {old.renamed_from}: queries of "
                         f"{', '.join(former)} (the transitional recording rules) return nothing from now on")


@change_rule("metric-type-changed", "queries", "error", "A metric changed type: its series names and functions change.")
def _type(pair: Pair) -> Iterator[Change]:
    for old, new in _metrics(pair).both:
        if old.type != new.type:
            yield Change(new.pos, "metric-type-changed", new.key,
                         f"metric '{new.key}' changed type {old.type} -> {new.type}: its series "
                         f"{', '.join(old.series)} become {', '.join(new.series)}{listing(pair.readers.of_metric(old))}")


@change_rule("metric-unit-changed", "queries", "error",
             "A metric changed unit: every threshold and panel on it now reads a different quantity.")
def _unit(pair: Pair) -> Iterator[Change]:
    for old, new in _metrics(pair).both:
        if old.unit != new.unit:
            yield Change(new.pos, "metric-unit-changed", new.key,
                         f"metric '{new.key}' changed unit {old.unit} -> {new.unit}: thresholds and panels on it read a "
                         f"different quantity{listing(pair.readers.of_metric(old))}")


@change_rule("metric-prometheus-name-changed", "queries", "error",
             "The Prometheus name of a metric changed (prefix or name): queries of the old series return nothing.")
def _prom_name(pair: Pair) -> Iterator[Change]:
    m = _metrics(pair)
    renamed = {id(n) for _, n in m.renamed}
    for old, new in m.both:
        if old.type == new.type and old.prom_name != new.prom_name and id(new) not in renamed:
            yield Change(new.pos, "metric-prometheus-name-changed", new.key,
                         f"metric '{new.key}' is exposed as {new.prom_name}, no longer {old.prom_name}"
                         f"{listing(pair.readers.of_metric(old))}")


@change_rule("label-removed", "queries", "error",
             "A metric lost a label: queries that filter or group by it return nothing or merge series.")
def _label_removed(pair: Pair) -> Iterator[Change]:
    renames = _label_renames(pair)
    for old, new in _metrics(pair).both:
        tags = {t.label: t for t in old.tags}
        for label in [x for x in old.labels if x not in new.labels and renames.get(x) not in new.labels]:
            readers = pair.readers.of_metric(old, label)
            yield retiring(Change(new.pos, "label-removed", f"{new.key}:{label}",
                                  f"metric '{new.key}' no longer has label '{label}': queries that filter or group by "
                                  f"it break{listing(readers)}"), tags[label].deprecated)


@change_rule("label-renamed", "queries", "warning",
             "A tag declares `renamed_from` and its label changed: queries must filter and group by the new label.")
def _label_renamed(pair: Pair) -> Iterator[Change]:
    renames = _label_renames(pair)
    for old, new in _metrics(pair).both:
        for label in [x for x in old.labels if x in renames and x not in new.labels and renames[x] in new.labels]:
            readers = pair.readers.of_metric(old, label)
            yield Change(new.pos, "label-renamed", f"{new.key}:{label}",
                         f"metric '{new.key}' label '{label}' is now '{renames[label]}': queries that filter or group "
                         f"by '{label}' must move{listing(readers)}")


@change_rule("label-added", "queries", "warning",
             "A metric gained a label: more series, and sums without `by` stay right but recording rules may not.")
def _label_added(pair: Pair) -> Iterator[Change]:
    budget = pair.new.project.series_budget
    renamed_to = set(_label_renames(pair).values())  # a renamed label is reported by label-renamed, not as added
    for old, new in _metrics(pair).both:
        added = [x for x in new.labels if x not in old.labels and x not in renamed_to]
        if not added:
            continue
        before, after = series_count(old), series_count(new)
        growth = (f"series {before} -> {after} (budget {budget})" if before is not None and after is not None
                  else "series unbounded" if after is None else f"up to {after} series (budget {budget})")
        yield Change(new.pos, "label-added", f"{new.key}:{','.join(added)}",
                     f"metric '{new.key}' gained label(s) {', '.join(added)}: {growth}")


@change_rule("tag-value-removed", "queries", "error",
             "An enum tag lost a value: queries filtered on it return nothing, and the generated types reject it.")
def _tag_value(pair: Pair) -> Iterator[Change]:
    new_tags = {t.name: t for t in pair.new.tags}
    for old in pair.old.tags:
        new = new_tags.get(old.name)
        if new is None or old.kind != "enum" or new.kind != "enum":
            continue
        gone = [v for v in old.values if v not in new.values]
        if gone:
            users = [m.key for m in pair.old.metrics if any(t.name == old.name for t in m.tags)]
            yield Change(new.pos, "tag-value-removed", f"{old.name}:{','.join(gone)}",
                         f"tag '{old.name}' lost value(s) {', '.join(gone)}: series and queries with "
                         f"{old.label}={gone[0]!r} stop" + (f" (metrics {', '.join(users[:5])})" if users else ""))


@change_rule("bucket-removed", "queries", "warning",
             "A histogram lost or moved a bucket bound: quantiles shift; an SLO or alert reading that `le` breaks.")
def _buckets(pair: Pair) -> Iterator[Change]:
    for old, new in _metrics(pair).both:
        if old.type != "histogram" or new.type != "histogram":
            continue
        gone = [b for b in old.buckets if b not in new.buckets]
        if not gone:
            continue
        hard = [f"SLO '{s.name}' (threshold {exact_number(s.threshold)})" for s in pair.old.slos
                if s.latency_metric is not None and s.latency_metric.key == old.key and s.threshold in gone]
        bounds = ", ".join(f'le="{exact_number(b)}"' for b in gone)
        panels = pair.readers.panels(old, "le")
        if hard:
            yield Change(new.pos, "bucket-removed", f"{new.key}:{bounds}",
                         f"histogram '{new.key}' lost bucket(s) {bounds}, which {', '.join(hard)} counts: its SLI "
                         f"has no data{listing(panels)}", severity="error")
        else:
            yield Change(new.pos, "bucket-removed", f"{new.key}:{bounds}",
                         f"histogram '{new.key}' lost bucket(s) {bounds}: quantile estimates shift{listing(panels)}")


