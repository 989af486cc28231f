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

from typing import Any

from ..spec.model import Model
from .rules.base import Group, Rule
from .rules.slo_tests import burn_between, slo_long_window_test, slo_test
from .rules.testkit import metric_labels, series
from .rules.threshold_tests import alert_test

__all__ = ["build_tests", "burn_between", "metric_labels", "series", "slo_test", "alert_test"]


def build_tests(model: Model, groups: dict[str, list[Group]]) -> dict[str, dict[str, Any]]:
    """Test documents by file stem: `slo-<name>` per SLO, the alert name per threshold alert."""
    rules: dict[str, list[Rule]] = {}
    for r in (r for gs in groups.values() for g in gs for r in g.rules if r.alert):
        rules.setdefault(r.alert or "", []).append(r)  # an alert split by severity or burn-rate tier: every rule
    out = {}
    for slo in model.slos:
        doc = slo_test(model, slo, rules)
        if doc is not None:
            out[f"slo-{slo.name}"] = doc
        doc = slo_long_window_test(model, slo, rules)
        if doc is not None:
            out[f"slo-{slo.name}.long-windows"] = doc  # a dot: no SLO name (kebab-case) makes this stem
    for alert in model.alerts:
        doc = alert_test(model, alert, rules[alert.name][0])  # the first environment's
        if doc is not None:
            out[alert.name] = doc
    return out

