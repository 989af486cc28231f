"""Prometheus recording and alert rules (one file per service) plus a promtool test per alert.

Outputs, relative to out/:
  * `prometheus/rules/<service>.rules.yml`: a group per SLO (objective, SLI error
    ratios over every burn-rate window, remaining budget, multi-window multi-burn-rate
    page and ticket alerts, a no-data alert per environment), then a `<service>-alerts`
    group with the threshold alerts and the recording rules they read;
  * `prometheus/tests/<name>.test.yml`: `promtool test rules` files built by
    `prometheus_tests` (one per SLO and one per threshold alert).

Design choices:
  * Objectives are percentages per environment, so each SLO records its objective as
    `slo:objective:ratio{slo, env}` and the burn-rate alerts divide the SLI by
    `1 - objective` joined on (env, slo): one alert rule covers every environment of
    one severity, and dashboards read the same objective series.
  * Severity is per environment (`page` only in project.alerting.page_environments):
    an alert whose environments differ in severity is one rule per severity, with the
    same name and `env` matchers (`rules.base.severity_groups`).
  * Threshold alerts with a per-environment threshold are one rule whose expression is
    an `or` of one comparison per environment (same alert name, one series per env).
  * Burn-rate factors follow the SRE workbook, derived from the SLO period:
    factor = budget share * period / long window (14.4 for 30d, 13.44 for 28d), never
    below 1 (`rules.slo.tiers`).
  * The rule content lives in `rules/` (base, slo, threshold and their tests); this
    module assembles the groups and serialises them.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..spec import naming
from ..spec.model import Model
from .escape import yaml_comment
from .rules.base import (
    RATE_WINDOW,
    Group,
    Label,
    Rule,
    Text,
    Value,
    branches,
    env_label,
    metric_env,
    template,
)
from .rules.slo import (
    ABSENT_FOR,
    BURN_FOR,
    BURN_FORMAT,
    TIERS,
    Tier,
    burn_tier_expr,
    sli_expr,
    slo_alert_names,
    slo_group,
    slo_total_series,
    tiers,
)
from .rules.threshold import alert_expr, alert_labels, alert_rule, alert_rules, cost_records
from .templating import Templates
from .yaml_doc import yaml_document

__all__ = ["ABSENT_FOR", "BURN_FOR", "BURN_FORMAT", "RATE_WINDOW", "TIERS", "Group", "Label", "Rule", "Text", "Tier",
           "Value", "alert_expr", "alert_labels", "alert_rule", "alert_rules", "branches", "build", "burn_tier_expr", "cost_records",
           "dump_yaml", "env_label", "header", "metric_env", "render", "renamed_records", "sli_expr", "slo_alert_names",
           "slo_group", "slo_total_series", "template", "tests_of", "tiers"]


def build(model: Model) -> dict[str, list[Group]]:
    """Rule groups per service, in spec order; built once per model (two lint rules and three backends read
    them), so read-only."""
    return model.memo("prometheus.groups", _build)


def tests_of(model: Model) -> dict[str, dict[str, Any]]:
    """The promtool test documents of `build(model)` by file stem, built once per model (the lint measures
    them, `render` writes them); read-only."""
    from .prometheus_tests import build_tests

    return model.memo("prometheus.tests", lambda m: build_tests(m, build(m)))


def _build(model: Model) -> dict[str, list[Group]]:
    out: dict[str, list[Group]] = {}
    for slo in model.slos:
        out.setdefault(slo.service, []).append(slo_group(model, slo))
    for alert in model.alerts:
        group = next((g for g in out.setdefault(alert.service, []) if g.name == f"{alert.service}-alerts"), None)
        if group is None:
            group = Group(f"{alert.service}-alerts")
            out[alert.service].append(group)
        if alert.kind == "cost_per_user":
            for rule in cost_records(model, alert):
                if rule not in group.rules:
                    group.rules.append(rule)
        group.rules += alert_rules(model, alert)
    for service, rules in renamed_records(model).items():
        out.setdefault(service, []).append(Group(f"{service}-renamed", rules))
    for record in model.recording_rules:  # hand-written (`recording_rules:`), checked by lint/custom.py
        group = next((g for g in out.setdefault(record.service, []) if g.name == f"{record.service}-custom"), None)
        if group is None:
            group = Group(f"{record.service}-custom")
            out[record.service].append(group)
        group.rules.append(Rule(expr=record.expr, record=record.name))
    return out


def renamed_records(model: Model) -> dict[str, list[Rule]]:
    """Transitional rules for metrics that declare `renamed_from`: each old series recorded from the new one.

    Queries, dashboards and alerts written against the old name keep returning data (every label
    kept, `le` included) while they move; remove `renamed_from` when nothing reads the old name.
    """
    out: dict[str, list[Rule]] = {}
    for m in model.metrics:
        if m.renamed_from is None:
            continue
        old = naming.prom_series(f"{model.project.metric_prefix}.{m.renamed_from}", m.type)
        for before, now in zip(old, m.series):
            if before != now:
                out.setdefault(m.service, []).append(Rule(expr=now, record=before))
    return out


# --- YAML ------------------------------------------------------------------------------

def header(model: Model, what: str) -> str:
    return (f"# Generated by obs-codegen from {yaml_comment(model.spec_path)}; do not edit.\n"
            f"# {yaml_comment(what)}\n")


def dump_yaml(doc: object) -> str:
    """Deterministic YAML: keys in construction order, multi-line strings as literal blocks (`yaml_doc.yaml_document`)."""
    return yaml_document(doc)


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    groups = build(model)
    files: dict[PurePosixPath, bytes] = {}
    for service, service_groups in sorted(groups.items()):
        doc = {"groups": [{"name": g.name, "rules": [r.to_yaml() for r in g.rules]} for g in service_groups]}
        text = header(model, f"Recording and alert rules for the {service} service; load with Prometheus "
                             "`rule_files:` (also valid for Thanos and Mimir rulers).") + dump_yaml(doc)
        files[PurePosixPath(f"prometheus/rules/{service}.rules.yml")] = text.encode("utf-8")
    for name, doc in sorted(tests_of(model).items()):
        text = header(model, "Unit tests for the generated rules; run `promtool test rules <this file>`.")
        files[PurePosixPath(f"prometheus/tests/{name}.test.yml")] = (text + dump_yaml(doc)).encode("utf-8")
    return dict(sorted(files.items()))

