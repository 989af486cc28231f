"""Lint of generated PromQL and rule files, in the spirit of pint and mixtool.

`check_expr(expr, model)` parses one expression with `promql_parser` and reports:
unknown metrics or recording rules, labels the metric does not carry, enum label
values the spec does not declare, `rate`/`increase`/`irate` over anything but a
counter (`_total`) or histogram series (`_bucket`, `_count`, `_sum`), counters
read without a rate, and `histogram_quantile` over an aggregation that drops `le`.
`check_rule_files(docs, model)` adds the rule-level checks: `for:` set, severity in
page|ticket, a known service, summary/description/runbook/dashboard annotations,
CamelCase alert names of at most 40 characters, `level:metric:operations` record
names, and no duplicate rule names. Every function returns messages (strings);
an empty list means clean. The dashboards backend reuses `check_expr`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import naming
from .model import Model, Tag

RATE_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
PRESENCE_FUNCS = frozenset({"absent", "absent_over_time", "present_over_time", "count_over_time", "changes",
                            "timestamp", "last_over_time"})
GAUGE_ONLY_FUNCS = frozenset({"delta", "idelta", "deriv", "predict_linear"})
SEVERITIES = ("page", "ticket")
ALERT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+:[a-zA-Z0-9_]+$")


@dataclass(frozen=True)
class Series:
    """What the lint knows about a series name: its kind and the labels it may carry."""

    kind: str  # counter | gauge | bucket | count | sum | record
    labels: Mapping[str, Tag | None] = field(default_factory=dict)  # label -> tag (None: any value)
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # label -> allowed values (records)


def known_series(model: Model) -> dict[str, Series]:
    """Every series a generated expression may read: spec metrics and recording rules named in `naming`."""
    out: dict[str, Series] = {}
    for m in model.metrics:
        labels = {t.label: t for t in m.tags}
        if m.type == "counter":
            out[m.prom_name] = Series("counter", labels)
        elif m.type == "gauge":
            out[m.prom_name] = Series("gauge", labels)
        else:
            out[m.bucket_series] = Series("bucket", {**labels, "le": None})
            out[m.count_series] = Series("count", labels)
            out[m.sum_series] = Series("sum", labels)
    env = next((t for t in model.tags if t.is_environment), None)
    env_labels: dict[str, Tag | None] = {env.label: env} if env else {}
    slo_labels = {**env_labels, naming.SLO_LABEL: None}
    slo_values = {naming.SLO_LABEL: tuple(s.name for s in model.slos)}
    records = {naming.SLO_OBJECTIVE_RECORD, naming.SLO_BUDGET_REMAINING_RECORD}
    records |= {naming.slo_error_ratio_record(w) for s in model.slos for w in naming.slo_windows(s.period)}
    for name in records:
        out[name] = Series("record", slo_labels, slo_values)
    for m in model.metrics:
        if m.type == "counter":
            for name in (naming.daily_increase_record(m.base_name), naming.per_user_record(m.base_name)):
                out[name] = Series("record", env_labels)
    return out


def _matchers(vs: Any) -> list[Any]:
    return list(vs.matchers.matchers) + [m for group in vs.matchers.or_matchers for m in group]


def _check_selector(vs: Any, func: str | None, series: Mapping[str, Series], model: Model) -> list[str]:
    import promql_parser as pp

    name = vs.name
    if not name:
        return [f"selector {vs} has no metric name"]
    info = series.get(name)
    if info is None:
        return [f"unknown metric or recording rule '{name}'"]
    out = []
    counterish = info.kind in ("counter", "bucket", "count", "sum")
    if func in RATE_FUNCS and not counterish:
        out.append(f"{func}() over {info.kind} '{name}': only counters (_total) and histogram series may be rated")
    elif func in GAUGE_ONLY_FUNCS and counterish:
        out.append(f"{func}() over counter '{name}': use rate() or increase()")
    elif counterish and func not in RATE_FUNCS | PRESENCE_FUNCS:
        out.append(f"counter '{name}' read without rate()/increase()")
    for m in _matchers(vs):
        if m.name == "__name__":
            continue
        if m.name not in info.labels:
            out.append(f"'{name}' has no label '{m.name}' (labels: {', '.join(sorted(info.labels)) or 'none'})")
            continue
        tag = info.labels[m.name]
        allowed = (tag.values or (model.project.environments if tag.is_environment else ())) if tag else \
            info.values.get(m.name, ())
        if m.op == pp.MatchOp.Equal and allowed and m.value not in allowed:
            out.append(f"'{name}{{{m.name}=\"{m.value}\"}}': '{m.value}' is not a declared value of '{m.name}'")
    return out


def _unparen(node: Any) -> Any:
    import promql_parser as pp

    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def _check_quantile(arg: Any) -> list[str]:
    import promql_parser as pp

    node = _unparen(arg)
    if isinstance(node, pp.AggregateExpr):
        labels = list(node.modifier.labels) if node.modifier else []
        keeps_le = node.modifier is not None and (
            ("le" in labels) if node.modifier.type == pp.AggModifierType.By else ("le" not in labels))
        if not keeps_le:
            return [f"histogram_quantile over {node.op} that drops the 'le' label"]
    return []


def _selectors(node: Any) -> list[Any]:
    import promql_parser as pp

    if isinstance(node, pp.VectorSelector):
        return [node]
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    children = {pp.Call: lambda n: n.args, pp.AggregateExpr: lambda n: [n.expr], pp.BinaryExpr: lambda n: [n.lhs, n.rhs],
                pp.ParenExpr: lambda n: [n.expr], pp.UnaryExpr: lambda n: [n.expr], pp.SubqueryExpr: lambda n: [n.expr]}
    for kind, get in children.items():
        if isinstance(node, kind):
            return [s for child in get(node) for s in _selectors(child)]
    return []


def _check_grouping(node: Any, series: Mapping[str, Series]) -> list[str]:
    """`sum by (x)` / `without (x)`: x must be a label of some series the aggregation reads."""
    if node.modifier is None:
        return []
    known = [series[s.name] for s in _selectors(node.expr) if s.name in series]
    if not known:
        return []
    carried = {label for info in known for label in info.labels}
    return [f"{node.op} by/without label '{label}' that none of its series carry"
            for label in node.modifier.labels if label not in carried]


def _walk(node: Any, func: str | None, series: Mapping[str, Series], model: Model) -> list[str]:
    import promql_parser as pp

    if isinstance(node, pp.VectorSelector):
        return _check_selector(node, func, series, model)
    if isinstance(node, pp.MatrixSelector):
        return _check_selector(node.vector_selector, func, series, model)
    if isinstance(node, pp.Call):
        name = node.func.name
        out = _check_quantile(node.args[1]) if name == "histogram_quantile" and len(node.args) > 1 else []
        for arg in node.args:
            out += _walk(arg, name, series, model)
        return out
    if isinstance(node, pp.AggregateExpr):
        out = _check_grouping(node, series)
        return out + _walk(node.expr, None, series, model) + (_walk(node.param, None, series, model) if node.param else [])
    if isinstance(node, pp.BinaryExpr):
        return _walk(node.lhs, None, series, model) + _walk(node.rhs, None, series, model)
    if isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        return _walk(node.expr, None, series, model)
    return []


def check_expr(expr: str, model: Model, series: Mapping[str, Series] | None = None) -> list[str]:
    """Problems in one PromQL expression (empty when clean)."""
    import promql_parser as pp

    try:
        tree = pp.parse(expr)
    except (ValueError, TypeError) as err:
        return [f"does not parse: {err}"]
    return _walk(tree, None, known_series(model) if series is None else series, model)


def _check_alert(rule: Mapping[str, Any], model: Model) -> list[str]:
    name = str(rule.get("alert"))
    out = []
    if not ALERT_NAME.match(name) or len(name) > 40:
        out.append("alert name must be CamelCase and at most 40 characters")
    if not rule.get("for"):
        out.append("no `for:` duration")
    labels, notes = rule.get("labels") or {}, rule.get("annotations") or {}
    if labels.get("severity") not in SEVERITIES:
        out.append(f"severity {labels.get('severity')!r} is not one of {', '.join(SEVERITIES)}")
    if labels.get("service") not in {s.name for s in model.services}:
        out.append(f"service {labels.get('service')!r} is not a spec service")
    for key in ("summary", "description", "runbook_url", "dashboard_url"):
        if not str(notes.get(key) or "").strip():
            out.append(f"annotation `{key}` missing")
    if "$value" not in str(notes.get("description", "")) and not str(rule.get("expr", "")).startswith("absent("):
        out.append("description does not show {{ $value }}")
    if not str(notes.get("runbook_url", "")).startswith(model.project.catalog_url + "#"):
        out.append("runbook_url does not point into the catalog")
    if not str(notes.get("dashboard_url", "")).startswith(model.project.grafana_url + "/d/"):
        out.append("dashboard_url does not point at a Grafana dashboard")
    return out


def check_rule_files(docs: Mapping[str, Any], model: Model) -> list[str]:
    """Problems in parsed rule files {path: yaml document}, including duplicates across files."""
    series = known_series(model)
    out: list[str] = []
    seen: dict[object, str] = {}
    for path, doc in sorted(docs.items()):
        groups = doc.get("groups") if isinstance(doc, dict) else None
        if not isinstance(groups, list):
            out.append(f"{path}: no `groups:` list")
            continue
        for group in groups:
            for rule in group.get("rules") or []:
                name = rule.get("alert") or rule.get("record")
                where = f"{path}: {group.get('name')}/{name}"
                problems = check_expr(str(rule.get("expr", "")), model, series)
                if "alert" in rule:
                    problems += _check_alert(rule, model)
                    key: object = ("alert", name)
                else:
                    if not RECORD_NAME.match(str(name)):
                        problems.append("record name is not level:metric:operations")
                    key = ("record", name, tuple(sorted((rule.get("labels") or {}).items())))
                if key in seen:
                    problems.append(f"duplicate rule name (also in {seen[key]})")
                seen.setdefault(key, where)
                out += [f"{where}: {p}" for p in problems]
    return out


def check_rule_texts(texts: Mapping[str, str | bytes], model: Model) -> list[str]:
    """`check_rule_files` on YAML text."""
    import yaml

    return check_rule_files({p: yaml.safe_load(t) for p, t in texts.items()}, model)


def expressions(doc: Mapping[str, Any]) -> Iterable[str]:
    """Every `expr` in a rule file document."""
    for group in doc.get("groups") or []:
        for rule in group.get("rules") or []:
            yield str(rule.get("expr", ""))
