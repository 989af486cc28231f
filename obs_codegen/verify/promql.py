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
an empty list means clean.

Shared with the dashboards lint (`outlint_dashboards`) and the end-to-end checks:
`known_series(model)` (every series a generated query may read: the spec's metric
series and exactly the recording rules the rules backend records), the AST walk
`walk()` / `selectors()`, `matcher_groups()`, and `series_problem()` (the
function-over-series check, including a counter read without a rate).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..spec import naming
from ..spec.model import Model, Tag

RATE_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
PRESENCE_FUNCS = frozenset({"absent", "absent_over_time", "present_over_time", "count_over_time", "changes",
                            "timestamp", "last_over_time"})
GAUGE_ONLY_FUNCS = frozenset({"delta", "idelta", "deriv", "predict_linear"})
COUNTER_READERS = RATE_FUNCS | PRESENCE_FUNCS  # functions a rule expression may read a counter through
COUNTER_KINDS = frozenset({"counter", "bucket", "count", "sum"})
SEVERITIES = ("page", "ticket")
ALERT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+:[a-zA-Z0-9_]+$")
_SERIES_KINDS = {"counter": ("counter",), "gauge": ("gauge",), "histogram": ("bucket", "sum", "count")}


@dataclass(frozen=True)
class Series:
    """What the lint knows about a series name: its kind and the labels it may carry."""

    kind: str  # counter | gauge | bucket | count | sum | record
    labels: Mapping[str, Tag | None] = field(default_factory=dict)  # label -> tag (None: any value)
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # label -> allowed values (records)

    @property
    def is_counter(self) -> bool:
        """A counter or a histogram series: only meaningful through rate()/increase()."""
        return self.kind in COUNTER_KINDS


def _record(out: dict[str, Series], name: str, labels: Mapping[str, Tag | None],
            values: Mapping[str, tuple[str, ...]] | None = None) -> None:
    """Register a recording rule, or widen it (every SLO records the same names, with its own `slo`)."""
    old, values = out.get(name, Series("record")), values or {}
    merged = {k: old.values.get(k, ()) + values.get(k, ()) for k in sorted({*old.values, *values})}
    out[name] = Series("record", {**old.labels, **labels}, merged)


def known_series(model: Model) -> dict[str, Series]:
    """Every series a generated query may read: the spec metrics' series, and the recording
    rules the rules backend records for this model (names from `naming`, labels as recorded)."""
    from ..backends.prometheus import metric_env

    out: dict[str, Series] = {}
    for m in model.metrics:
        labels: dict[str, Tag | None] = {t.label: t for t in m.tags}
        for series, kind in zip(m.series, _SERIES_KINDS[m.type], strict=True):
            out[series] = Series(kind, {**labels, "le": None} if kind == "bucket" else labels)
    env_tag = {t.label: t for t in model.tags if t.is_environment}
    for slo in model.slos:
        env = metric_env(model, *slo.metrics)
        labels = {naming.SLO_LABEL: None, **({env: env_tag[env]} if env else {})}
        for name in (naming.SLO_OBJECTIVE_RECORD, naming.SLO_BUDGET_REMAINING_RECORD, naming.SLO_BAD_EVENTS_RECORD,
                     naming.SLO_EVENTS_RECORD, *(naming.slo_error_ratio_record(w) for w in naming.slo_windows(slo.period))):
            _record(out, name, labels, {naming.SLO_LABEL: (slo.name,)})
    for alert in model.alerts:
        if alert.kind == "cost_per_user" and alert.cost is not None and alert.users is not None:
            env = metric_env(model, alert.cost, alert.users)
            for name in (naming.daily_increase_record(alert.cost.base_name), naming.per_user_record(alert.cost.base_name),
                         naming.users_record(alert.users.base_name)):
                _record(out, name, {env: env_tag[env]} if env else {})
    for record in model.recording_rules:  # hand-written, in spec order: each may read the ones before it
        _record(out, record.name, _output_labels(record.expr, out))
    return out


SELECTING_AGGREGATIONS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})


def _output_labels(expr: str, known: Mapping[str, Series]) -> dict[str, Tag | None]:
    """The labels a hand-written rule's series carry (what `sum by`, `without`, `on` and the operands keep)."""
    import promql_parser as pp

    try:
        tree = pp.parse(expr)
    except (ValueError, TypeError):
        return {}  # lint/custom.py reports it
    return _labels_of(tree, known)


def _labels_of(node: Any, known: Mapping[str, Series]) -> dict[str, Tag | None]:
    import promql_parser as pp

    node = _unparen(node)
    if isinstance(node, pp.VectorSelector):
        info = known.get(node.name or "")
        return dict(info.labels) if info is not None else {}
    if isinstance(node, pp.MatrixSelector):
        return _labels_of(node.vector_selector, known)
    if isinstance(node, pp.AggregateExpr):
        inner, op = _labels_of(node.expr, known), str(node.op).lower()
        if op in SELECTING_AGGREGATIONS:  # topk and the like return whole input series
            return inner
        if node.modifier is None:
            out: dict[str, Tag | None] = {}
        elif node.modifier.type == pp.AggModifierType.By:
            out = {label: inner.get(label) for label in node.modifier.labels}
        else:
            out = {k: v for k, v in inner.items() if k not in node.modifier.labels}
        if op == "count_values" and isinstance(node.param, pp.StringLiteral):
            out[node.param.val] = None
        return out
    if isinstance(node, pp.BinaryExpr):
        lhs, rhs = _labels_of(node.lhs, known), _labels_of(node.rhs, known)
        modifier = node.modifier
        matching = modifier.matching if modifier is not None else None
        side = lhs or rhs
        if modifier is not None and matching is not None and modifier.card == pp.VectorMatchCardinality.OneToOne:
            if matching.type == pp.LabelModifierType.Include:  # on (...)
                return {label: side.get(label) for label in matching.labels}
            return {k: v for k, v in side.items() if k not in matching.labels}  # ignoring (...)
        return side
    if isinstance(node, pp.Call):
        args, name = list(node.args), node.func.name
        if name == "histogram_quantile" and len(args) > 1:
            return {k: v for k, v in _labels_of(args[1], known).items() if k != "le"}
        base = next((found for a in args if (found := _labels_of(a, known))), {})
        if name in ("label_replace", "label_join") and len(args) > 1 and isinstance(args[1], pp.StringLiteral):
            base = {**base, args[1].val: None}
        return base
    if isinstance(node, pp.SubqueryExpr):
        return _labels_of(node.expr, known)
    return {}


# --- the AST walk, shared with the dashboards lint and the end-to-end checks ---------------

def walk(node: Any, func: str | None = None) -> Iterator[tuple[Any, str | None]]:
    """Every node of a parsed PromQL expression, parents first, with the name of the function
    it is a direct argument of (None elsewhere). A matrix selector is a leaf."""
    import promql_parser as pp

    yield node, func
    if isinstance(node, pp.Call):
        for arg in node.args:
            yield from walk(arg, node.func.name)
    elif isinstance(node, pp.AggregateExpr):
        yield from walk(node.expr)
        if node.param is not None:
            yield from walk(node.param)
    elif isinstance(node, pp.BinaryExpr):
        yield from walk(node.lhs)
        yield from walk(node.rhs)
    elif isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        yield from walk(node.expr)


@dataclass(frozen=True)
class Selector:
    """A series selector in an expression: the vector selector, its range (matrix selectors),
    and the function it is a direct argument of."""

    vector: Any  # promql_parser.VectorSelector
    window: timedelta | None
    func: str | None

    def __str__(self) -> str:
        return str(self.vector)


def _selector(node: Any, func: str | None) -> Selector | None:
    import promql_parser as pp

    if isinstance(node, pp.VectorSelector):
        return Selector(node, None, func)
    if isinstance(node, pp.MatrixSelector):
        return Selector(node.vector_selector, node.range, func)
    return None


def selectors(node: Any) -> list[Selector]:
    """Every series selector in a parsed expression, in order."""
    return [s for n, func in walk(node) if (s := _selector(n, func)) is not None]


def matcher_groups(vs: Any) -> list[list[Any]]:
    """The label matchers of a vector selector, one list per `or` alternative (one list without `or`)."""
    return [list(g) for g in vs.matchers.or_matchers] or [list(vs.matchers.matchers)]


def series_problem(name: str, info: Series, func: str | None, counter_readers: frozenset[str] = COUNTER_READERS
                   ) -> str | None:
    """What is wrong with reading series `name` as a direct argument of `func` (None: nothing):
    a rate over a non-counter, a gauge function over a counter, or a counter read other than
    through one of `counter_readers` (the dashboards allow fewer functions than rules)."""
    if func in RATE_FUNCS and not info.is_counter:
        return f"{func}() over {info.kind} '{name}': only counters (_total) and histogram series may be rated"
    if func in GAUGE_ONLY_FUNCS and info.is_counter:
        return f"{func}() over counter '{name}': use rate() or increase()"
    if info.is_counter and func not in counter_readers:
        return f"counter '{name}' read without rate()/increase()"
    return None


# --- the checks -----------------------------------------------------------------------------

def _check_selector(sel: Selector, series: Mapping[str, Series], model: Model) -> list[str]:
    import promql_parser as pp

    name = sel.vector.name
    if not name:
        return [f"selector {sel} has no metric name"]
    info = series.get(name)
    if info is None:
        return [f"unknown metric or recording rule '{name}'"]
    problem = series_problem(name, info, sel.func)
    out = [problem] if problem else []
    for m in (m for group in matcher_groups(sel.vector) for m in group):
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


def _check_grouping(node: Any, series: Mapping[str, Series]) -> list[str]:
    """`sum by (x)` / `without (x)`: x must be a label of some series the aggregation reads."""
    if node.modifier is None:
        return []
    known = [series[s.vector.name] for s in selectors(node.expr) if s.vector.name in series]
    if not known:
        return []
    carried = {label for info in known for label in info.labels}
    return [f"{node.op} by/without label '{label}' that none of its series carry"
            for label in node.modifier.labels if label not in carried]


def check_expr(expr: str, model: Model, series: Mapping[str, Series] | None = None) -> list[str]:
    """Problems in one PromQL expression (empty when clean)."""
    import promql_parser as pp

    try:
        tree = pp.parse(expr)
    except (ValueError, TypeError) as err:
        return [f"does not parse: {err}"]
    known = known_series(model) if series is None else series
    out: list[str] = []
    for node, func in walk(tree):
        if (sel := _selector(node, func)) is not None:
            out += _check_selector(sel, known, model)
        elif isinstance(node, pp.Call) and node.func.name == "histogram_quantile" and len(node.args) > 1:
            out += _check_quantile(node.args[1])
        elif isinstance(node, pp.AggregateExpr):
            out += _check_grouping(node, known)
    return out


def _check_alert(rule: Mapping[str, Any], model: Model) -> list[str]:
    name = str(rule.get("alert"))
    out = []
    if not ALERT_NAME.fullmatch(name) or len(name) > 40:
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
    no_value = str(rule.get("expr", "")).lstrip("( \n").startswith("absent(")  # a no-data alert's value is always 1
    if "$value" not in str(notes.get("description", "")) and not no_value:
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
                    # one alert name may be a rule per severity (disjoint environments) and burn-rate tier
                    # (its window labels), never two with the same labels
                    key: object = ("alert", name, tuple(sorted((rule.get("labels") or {}).items())))
                else:
                    if not RECORD_NAME.fullmatch(str(name)):
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
