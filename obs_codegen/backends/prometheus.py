"""Prometheus recording and alert rules (one file per service) plus a promtool test per alert.

Outputs, relative to out/:
  * `prometheus/rules/<service>.rules.yml`: a group per SLO (objective, SLI error
    ratios over every burn-rate window, remaining budget, multi-window multi-burn-rate
    page and ticket alerts, optional absent-data alert), then a `<service>-alerts`
    group with the threshold alerts and the recording rules they read;
  * `prometheus/tests/<name>.test.yml`: `promtool test rules` files built by
    `prometheus_tests` (one per SLO and one per threshold alert).

Design choices:
  * Objectives are percentages per environment, so each SLO records its objective as
    `slo:objective:ratio{slo, env}` and the burn-rate alerts divide the SLI by
    `1 - objective` joined on (env, slo): one alert rule covers every environment,
    and dashboards read the same objective series.
  * Threshold alerts with a per-environment threshold are one rule whose expression is
    an `or` of one comparison per environment (same alert name, one series per env).
  * Burn-rate factors follow the SRE workbook, derived from the SLO period:
    factor = budget share * period / long window (14.4 for 30d, 13.44 for 28d).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..spec import naming
from ..spec.model import SLO, Alert, Filter, Metric, Model, PerEnv
from . import promql
from .escape import yaml_comment, yaml_document
from .templating import Templates

RATE_WINDOW = "5m"  # rate window of the threshold alerts


# --- annotation text: rendered as a Go template and (for tests) as the expected output ---

@dataclass(frozen=True)
class Value:
    """`{{ $value | <fmt> }}` in an annotation."""

    fmt: str = "humanize"


@dataclass(frozen=True)
class Label:
    """`{{ $labels.<name> }}` in an annotation."""

    name: str


Text = tuple[str | Value | Label, ...]


def template(text: Text) -> str:
    out = []
    for part in text:
        if isinstance(part, Value):
            out.append(f"{{{{ $value | {part.fmt} }}}}")
        elif isinstance(part, Label):
            out.append(f"{{{{ $labels.{part.name} }}}}")
        else:
            out.append(promql.go_template_text(part))
    return "".join(out)


# --- the rule model ---------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    expr: str
    record: str | None = None
    alert: str | None = None
    for_: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, Text], ...] = ()

    def to_yaml(self) -> dict[str, object]:
        doc: dict[str, object] = {"record": self.record} if self.record else {"alert": self.alert}
        doc["expr"] = self.expr
        if self.for_:
            doc["for"] = self.for_
        if self.labels:
            doc["labels"] = dict(self.labels)
        if self.annotations:
            doc["annotations"] = {k: template(v) for k, v in self.annotations}
        return doc


@dataclass
class Group:
    name: str
    rules: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class Tier:
    """One multi-window burn-rate condition (SRE workbook, table 6)."""

    severity: str
    long: str
    short: str
    budget_share: float
    factor: float


TIERS = (("page", "1h", "5m", 0.02), ("page", "6h", "30m", 0.05), ("ticket", "1d", "2h", 0.10), ("ticket", "3d", "6h", 0.10))
BURN_FOR = {"page": "2m", "ticket": "15m"}
ABSENT_FOR = "10m"
BURN_FORMAT = 'printf "%.2f"'  # burn rates are small numbers: 0.93x reads better than humanize's 930mx


def tiers(slo: SLO) -> tuple[Tier, ...]:
    period = naming.duration_seconds(slo.period)
    return tuple(Tier(sev, long, short, share, round(share * period / naming.duration_seconds(long), 4))
                 for sev, long, short, share in TIERS)


# --- helpers shared with the test generator --------------------------------------------

def env_label(model: Model) -> str | None:
    tag = next((t for t in model.tags if t.is_environment), None)
    return tag.label if tag else None


def metric_env(model: Model, *metrics: Metric) -> str | None:
    """The env label when every metric carries it, else None (no per-env matchers)."""
    label = env_label(model)
    return label if label and all(label in m.labels for m in metrics) else None


def branches(model: Model, value: PerEnv, *metrics: Metric) -> list[tuple[str | None, float]]:
    """(env or None, threshold): one branch per environment unless the value is uniform."""
    if value.uniform is not None or metric_env(model, *metrics) is None:
        return [(None, value.values[0][1])]
    return list(value.values)


def unit_suffix(unit: str) -> str:
    return f" {unit}" if unit and unit != "none" else ""


def per_env_text(value: PerEnv, suffix: str) -> str:
    """`2000 ms` or `production 2000 ms, staging 3000 ms`."""
    if value.uniform is not None:
        return promql.rounded_number(value.uniform) + suffix
    return ", ".join(f"{env} {promql.rounded_number(v)}{suffix}" for env, v in value.values)


def label_list(labels: list[str]) -> Text:
    out: list[str | Value | Label] = []
    for i, name in enumerate(labels):
        out += [", " if i else "", f"{name}=", Label(name)]
    return tuple(p for p in out if p != "")


def slo_alert_names(slo: SLO) -> dict[str, str]:
    return {"page": naming.slo_alert_name(slo.name, "BurnFast"), "ticket": naming.slo_alert_name(slo.name, "BurnSlow"),
            "absent": naming.slo_alert_name(slo.name, "NoData")}


def matchers(flt: Filter, extra: tuple[str, ...] = ()) -> list[str]:
    return [promql.eq(tag.label, value) for tag, value in flt] + list(extra)


def _sum_rate(metric_series: str, sel: list[str], window: str, labels: list[str], fn: str = "rate") -> str:
    return f"sum{promql.by(labels)} ({fn}({promql.selector(metric_series, sel)}[{window}]))"


# --- SLOs ------------------------------------------------------------------------------

def slo_total_series(slo: SLO) -> str:
    metric = slo.total if slo.kind == "ratio" else slo.latency_metric
    assert metric is not None
    return metric.prom_name if slo.kind == "ratio" else metric.count_series


def sli_expr(model: Model, slo: SLO, window: str) -> str:
    metric = slo.total or slo.latency_metric
    assert metric is not None
    env = metric_env(model, *slo.metrics)
    sel, grouping = matchers(slo.filter), [env] if env else []
    total = _sum_rate(slo_total_series(slo), sel, window, grouping)
    if slo.kind == "ratio":
        assert slo.errors is not None
        errors = _sum_rate(slo.errors.prom_name, sel, window, grouping)
        return f"(\n  {errors}\n  or\n  0 * {total}\n)\n/\n{total}"
    assert slo.latency_metric is not None and slo.threshold is not None
    good = _sum_rate(slo.latency_metric.bucket_series, sel + [promql.le_matcher(slo.threshold)], window, grouping)
    return f"1 - (\n  {good}\n  /\n  {total}\n)"


def _burn(slo: SLO, window: str, on: str) -> str:
    sel = [promql.eq(naming.SLO_LABEL, slo.name)]
    return (f"{promql.selector(naming.slo_error_ratio_record(window), sel)}"
            f" / on ({on}) (1 - {promql.selector(naming.SLO_OBJECTIVE_RECORD, sel)})")


def _guard(model: Model, slo: SLO, window: str) -> str:
    env = metric_env(model, *slo.metrics)
    rate = _sum_rate(slo_total_series(slo), matchers(slo.filter), window, [env] if env else [])
    return f"and on ({env or ''}) ({rate} * 3600 >= {promql.rounded_number(slo.min_requests_per_hour)})"


def burn_alert_expr(model: Model, slo: SLO, severity: str) -> str:
    env = metric_env(model, *slo.metrics)
    on = ", ".join(x for x in (env, naming.SLO_LABEL) if x)
    parts = []
    for t in tiers(slo):
        if t.severity != severity:
            continue
        f = promql.rounded_number(t.factor)
        lines = [f"{_burn(slo, t.long, on)} > {f}", f"and {_burn(slo, t.short, on)} > {f}"]
        if slo.min_requests_per_hour > 0:
            lines.append(_guard(model, slo, t.long))
        parts.append("\n".join(lines))
    return promql.or_join(parts) or ""


def slo_group(model: Model, slo: SLO) -> Group:
    env = metric_env(model, *slo.metrics)
    group = Group(f"slo-{slo.name}")
    for env_name, objective in slo.objective.values if env else slo.objective.values[:1]:
        labels = ((naming.SLO_LABEL, slo.name),) + (((env, env_name),) if env else ())
        group.rules.append(Rule(f"vector({promql.rounded_number(objective / 100)})", record=naming.SLO_OBJECTIVE_RECORD,
                                labels=labels))
    for window in naming.slo_windows(slo.period):
        group.rules.append(Rule(sli_expr(model, slo, window), record=naming.slo_error_ratio_record(window),
                                labels=((naming.SLO_LABEL, slo.name),)))
    on = ", ".join(x for x in (env, naming.SLO_LABEL) if x)
    group.rules.append(Rule(f"1 - ({_burn(slo, slo.period, on)})", record=naming.SLO_BUDGET_REMAINING_RECORD,
                            labels=((naming.SLO_LABEL, slo.name),)))
    names = slo_alert_names(slo)
    objective_text = per_env_text(slo.objective, "%")
    where = ("in ", Label(env), " ") if env else ()
    links = _links(model, slo.anchor, model.slo_overview_uid)
    for severity, pace in (("page", "fast"), ("ticket", "steadily")):
        spend = [f"{promql.rounded_number(t.budget_share * 100)}% of the budget in {t.long}"
                 for t in tiers(slo) if t.severity == severity]
        description: Text = (f"{slo.description} ", "The error budget of the ", slo.name, " SLO (objective ",
                             objective_text, f" over {slo.period}) is being spent ", Value(BURN_FORMAT),
                             "x faster than sustainable ",
                             *where, "(alert at ", " or ".join(spend), ").")
        group.rules.append(Rule(
            burn_alert_expr(model, slo, severity), alert=names[severity], for_=BURN_FOR[severity],
            labels=(("severity", severity), ("service", slo.service)),
            annotations=(("summary", (f"The {slo.name} SLO is burning its error budget {pace}.",)),
                         ("description", description)) + links))
    if slo.absent_alert:
        sel = promql.selector(slo_total_series(slo), matchers(slo.filter))
        absent_text = (f"No series {sel} for {ABSENT_FOR} in any environment: the SLO cannot be evaluated and its"
                       " burn-rate alerts cannot fire. Check the exporter and the scrape target.")
        group.rules.append(Rule(
            f"absent({sel})", alert=names["absent"], for_=ABSENT_FOR,
            labels=(("severity", "ticket"), ("service", slo.service), (naming.SLO_LABEL, slo.name)),
            annotations=(("summary", (f"The {slo.name} SLO has no data.",)),
                         ("description", (absent_text,)))
            + links))
    return group


def _links(model: Model, anchor: str, dashboard_uid: str) -> tuple[tuple[str, Text], ...]:
    return (("runbook_url", (f"{model.project.catalog_url}#{anchor}",)),
            ("dashboard_url", (f"{model.project.grafana_url}/d/{dashboard_uid}",)))


# --- threshold alerts ------------------------------------------------------------------

def alert_labels(model: Model, alert: Alert) -> list[str]:
    """Labels of the series the alert expression returns (before the rule's own labels)."""
    env = metric_env(model, *alert.metrics)
    return list(dict.fromkeys(([env] if env else []) + [t.label for t in alert.by]))


def cost_records(model: Model, alert: Alert) -> tuple[Rule, Rule]:
    assert alert.cost is not None and alert.users is not None
    env = metric_env(model, alert.cost, alert.users)
    grouping = [env] if env else []
    daily = naming.daily_increase_record(alert.cost.base_name)
    # the users gauge combines across instances as the spec declares (`aggregation`, default sum)
    users = f"{alert.users.aggregation}{promql.by(grouping)} ({alert.users.prom_name})"
    return (Rule(_sum_rate(alert.cost.prom_name, [], "1d", grouping, "increase"), record=daily),
            Rule(f"{daily} / on ({env or ''}) ({users} > 0)", record=naming.per_user_record(alert.cost.base_name)))


def alert_expr(model: Model, alert: Alert) -> str:
    env = metric_env(model, *alert.metrics)
    grouping = alert_labels(model, alert)
    parts = []
    for env_name, threshold in branches(model, alert.threshold, *alert.metrics):
        env_sel = (promql.eq(env, env_name),) if env and env_name else ()
        if alert.kind == "quantile":
            assert alert.metric is not None and alert.q is not None
            inner = _sum_rate(alert.metric.bucket_series, matchers(alert.filter, env_sel), RATE_WINDOW,
                              ["le"] + grouping)
            expr = f"histogram_quantile({promql.rounded_number(alert.q)}, {inner})"
        elif alert.kind == "ratio":
            assert alert.numerator is not None and alert.denominator is not None
            num = _sum_rate(alert.numerator.prom_name, matchers(alert.numerator_filter + alert.filter, env_sel),
                            RATE_WINDOW, grouping)
            den = _sum_rate(alert.denominator.prom_name, matchers(alert.filter, env_sel), RATE_WINDOW, grouping)
            expr = f"{num}\n/\n{den}"
        else:
            assert alert.cost is not None and alert.average_over is not None
            record = naming.per_user_record(alert.cost.base_name)
            expr = f"avg_over_time({promql.selector(record, env_sel)}[{alert.average_over}])"
        parts.append(f"{expr}\n> {promql.rounded_number(threshold)}")
    return promql.or_join(parts) or ""


def _value_text(model: Model, alert: Alert) -> Text:
    if alert.kind == "ratio":
        return (Value("humanizePercentage"),)
    if alert.kind == "cost_per_user":
        unit = alert.budget.unit if alert.budget else (alert.cost.unit if alert.cost else "")
        return (Value(), f" {unit} per active user per day ({alert.average_over} average)")
    suffix = unit_suffix(alert.metric.unit if alert.metric else "")
    return (Value(),) + ((suffix,) if suffix else ())


def alert_rule(model: Model, alert: Alert) -> Rule:
    labels = alert_labels(model, alert)
    if alert.kind == "ratio":
        limit = per_env_text(PerEnv(tuple((e, v * 100) for e, v in alert.threshold.values)), "%")
    else:
        unit = alert.budget.unit if alert.budget else (alert.metric.unit if alert.metric else "")
        limit = per_env_text(alert.threshold, unit_suffix(unit))
    where: Text = (" for ",) + label_list(labels) if labels else ()
    description: Text = (f"{alert.description} Now ", *_value_text(model, alert), *where, f"; threshold {limit}.")
    return Rule(alert_expr(model, alert), alert=alert.name, for_=alert.for_,
                labels=(("severity", alert.severity), ("service", alert.service)),
                annotations=(("summary", (alert.summary,)), ("description", description))
                + _links(model, alert.anchor, model.dashboard_uid_for(alert)))


def build(model: Model) -> dict[str, list[Group]]:
    """Rule groups per service, in spec order."""
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
        group.rules.append(alert_rule(model, alert))
    for service, rules in renamed_records(model).items():
        out.setdefault(service, []).append(Group(f"{service}-renamed", rules))
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
    """Deterministic YAML: keys in construction order, multi-line strings as literal blocks (`escape.yaml_document`)."""
    return yaml_document(doc)


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    from .prometheus_tests import build_tests

    groups = build(model)
    files: dict[PurePosixPath, bytes] = {}
    for service, service_groups in sorted(groups.items()):
        doc = {"groups": [{"name": g.name, "rules": [r.to_yaml() for r in g.rules]} for g in service_groups]}
        text = header(model, f"Recording and alert rules for the {service} service; load with Prometheus "
                             "`rule_files:` (also valid for Thanos and Mimir rulers).") + dump_yaml(doc)
        files[PurePosixPath(f"prometheus/rules/{service}.rules.yml")] = text.encode("utf-8")
    for name, doc in sorted(build_tests(model, groups).items()):
        text = header(model, "Unit tests for the generated rules; run `promtool test rules <this file>`.")
        files[PurePosixPath(f"prometheus/tests/{name}.test.yml")] = (text + dump_yaml(doc)).encode("utf-8")
    return dict(sorted(files.items()))
