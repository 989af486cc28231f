"""Checks on generated Grafana dashboards: grafana/dashboard-linter's rules as our own lint, plus PromQL.

`lint_dashboard(dashboard)` needs only the JSON: datasource variable and its use,
title/description/unit on every panel, targets with refIds, unique ids, a gapless
24-column grid without overlaps, no `null`, no legacy key, schemaVersion >= 39.
`check_promql(dashboard, model)` parses every query with `promql_parser` and
checks it against the spec: only known series (`outlint_promql.known_series`: the
metrics' series and the recording rules the rules backend records), only their
labels, every counter series inside `rate`/`irate`/`increase`
(`outlint_promql.series_problem`, with fewer functions allowed than in rules), rates
over `$__rate_interval`, and each dashboard variable applied to every selector (in
every `or` alternative of its matchers) whose series has that label.

Template variables inside label matchers (`route=~"$route"`) are valid PromQL
strings and are kept as they are (so the variable check can see them); the
built-in interval variables outside strings are replaced with plausible
durations. `$__rate_interval` becomes 5m1s, a window nobody writes by hand, so a
rate over a hard-coded window is still caught. Each query is then also given,
with `$env` set to the first environment and other variables to `.*`, to the
rules backend's own PromQL lint (`outlint_promql.check_expr`: enum values,
`histogram_quantile` keeping `le`, ...), so both outputs obey the same checks. Rule ids follow dashboard-linter
where one exists. Each finding is one line: `<uid> <where>: <rule>: <message>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..spec.model import Model
from .promql import Series, known_series, matcher_groups, selectors, series_problem, walk
from .promql import check_expr as rules_lint

MIN_SCHEMA_VERSION = 39
DATASOURCE_REF = {"type": "prometheus", "uid": "${datasource}"}
RATE_INTERVAL_STANDIN = "5m1s"
BUILTINS = {"__rate_interval": RATE_INTERVAL_STANDIN, "__range": "6h", "__interval": "1m"}
COUNTER_READERS = frozenset({"rate", "irate", "increase"})  # stricter than rules: no absent(), resets()...

LEGACY_KEYS = {
    "dashboard": frozenset({"rows", "style", "hideControls", "sharedCrosshair", "__inputs"}),
    "panel": frozenset({
        "span", "height", "minSpan", "error", "editable", "cards", "dataFormat", "heatmap", "hideZeroBuckets",
        "highlightCards", "reverseYBuckets", "xAxis", "yAxis", "xBucketNumber", "xBucketSize", "yBucketBound",
        "yBucketNumber", "yBucketSize",
    }),
    "target": frozenset({"query", "step", "metric", "target", "intervalFactor"}),
    "timepicker": frozenset({"time_options"}),
}
_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*(\w+)\)$", re.DOTALL)


# --- structure --------------------------------------------------------------------------

def panels_of(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows included, with the panels nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", []) if isinstance(panel.get("panels"), list) else []


def _where(panel: dict[str, Any]) -> str:
    return f"panel {panel.get('id')} {panel.get('title', '')!r}"


def lint_dashboard(dashboard: dict[str, Any]) -> list[str]:
    """Findings of the structural rules (empty when the dashboard is clean)."""
    uid = str(dashboard.get("uid"))
    found = [f"{uid} {where}: {rule}: {msg}" for where, rule, msg in _structure(dashboard)]
    return sorted(set(found))


def _structure(dash: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    yield from _nulls_and_legacy(dash)
    version = dash.get("schemaVersion")
    if not isinstance(version, int) or version < MIN_SCHEMA_VERSION:
        yield "dashboard", "schema-version-rule", f"schemaVersion {version!r} is below {MIN_SCHEMA_VERSION}"
    uid = dash.get("uid")
    if not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid):
        yield "dashboard", "uid-rule", f"uid {uid!r} must be 1-40 characters of [A-Za-z0-9_-]"
    if dash.get("id") is not None:
        yield "dashboard", "uid-rule", "id must be null or absent (Grafana assigns it)"
    variables = dash.get("templating", {}).get("list", [])
    yield from _variables(variables)
    ids: dict[Any, int] = {}
    grids: list[tuple[str, dict[str, Any]]] = []
    for panel in panels_of(dash):
        where = _where(panel)
        ids[panel.get("id")] = ids.get(panel.get("id"), 0) + 1
        grid = panel.get("gridPos")
        if not isinstance(grid, dict) or not all(isinstance(grid.get(k), int) for k in "hwxy"):
            yield where, "gridpos-rule", f"gridPos must hold integer h, w, x, y: {grid!r}"
        else:
            if grid["w"] < 1 or grid["h"] < 1 or grid["x"] < 0 or grid["x"] + grid["w"] > 24:
                yield where, "gridpos-rule", f"gridPos {grid} is outside the 24-column grid"
            grids.append((where, grid))
        if panel.get("type") == "row":
            if not panel.get("title"):
                yield where, "panel-title-description-rule", "row has no title"
            continue
        yield from _panel(panel, where)
    for panel_id, count in ids.items():
        if not isinstance(panel_id, int) or count > 1:
            yield f"panel {panel_id}", "panel-id-rule", "panel ids must be unique integers"
    for i, (where_a, a) in enumerate(grids):
        for where_b, b in grids[i + 1:]:
            if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] \
                    and b["y"] < a["y"] + a["h"]:
                yield where_a, "gridpos-rule", f"overlaps {where_b}"


def _variables(variables: list[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    ds = [v for v in variables if v.get("type") == "datasource"]
    if not any(v.get("name") == "datasource" and v.get("query") == "prometheus" for v in ds):
        yield "templating", "template-datasource-rule", "no `datasource` variable of type datasource (prometheus)"
    for var in variables:
        where = f"variable {var.get('name')!r}"
        if var.get("type") != "query":
            continue
        if var.get("datasource") != DATASOURCE_REF:
            yield where, "template-datasource-rule", "query variables must use ${datasource}"
        if var.get("refresh") != 2:
            yield where, "template-on-time-change-reload-rule", "refresh must be 2 (on time range change)"
        if var.get("multi") and not (var.get("includeAll") and var.get("allValue") == ".*"):
            yield where, "template-all-value-rule", "multi-select variables need includeAll with allValue `.*`"


def _panel(panel: dict[str, Any], where: str) -> Iterator[tuple[str, str, str]]:
    if panel.get("datasource") != DATASOURCE_REF:
        yield where, "panel-datasource-rule", f"datasource must be {DATASOURCE_REF}, not {panel.get('datasource')!r}"
    for key in ("title", "description"):
        if not isinstance(panel.get(key), str) or not panel[key].strip():
            yield where, "panel-title-description-rule", f"panel has no {key}"
    unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
    if not isinstance(unit, str) or not unit:
        yield where, "panel-units-rule", "panel has no unit"
    targets = panel.get("targets")
    if not isinstance(targets, list) or not targets:
        yield where, "panel-no-targets-rule", "panel has no target"
        return
    refs = [t.get("refId") for t in targets]
    if any(not isinstance(r, str) or not r for r in refs) or len(set(refs)) != len(refs):
        yield where, "target-refid-rule", f"every target needs a unique refId: {refs}"
    for target in targets:
        if target.get("datasource") != DATASOURCE_REF:
            yield where, "panel-datasource-rule", f"target {target.get('refId')} does not use ${{datasource}}"
        if not isinstance(target.get("expr"), str) or not target["expr"].strip():
            yield where, "target-promql-rule", f"target {target.get('refId')} has no expr"
    if panel.get("maxDataPoints") == 100:
        yield where, "legacy-key-rule", "maxDataPoints: 100 is grafanalib's default, not a choice"
    if "options" in panel and not isinstance(panel["options"], dict):
        yield where, "legacy-key-rule", "options must be an object (old heatmap writes [])"
    steps = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
    if steps and steps[0].get("value", 0) is not None:
        yield where, "threshold-value-rule", f"the base threshold step is -Infinity, saved as null: {steps[0]!r}"
    for step in steps[1:]:
        if not isinstance(step.get("value"), (int, float)) or isinstance(step.get("value"), bool):
            yield where, "threshold-value-rule", f"threshold value must be a number: {step!r}"


def _nulls_and_legacy(dash: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    def walk(value: Any, path: str, context: str | None) -> Iterator[tuple[str, str, str]]:
        if value is None and not path.endswith(".thresholds.steps[0].value"):  # Grafana's -Infinity
            yield path, "no-null-rule", "null value"
        elif isinstance(value, list):
            item_context = {"panels": "panel", "targets": "target"}.get(context or "")
            for i, item in enumerate(value):
                yield from walk(item, f"{path}[{i}]", item_context)
        elif isinstance(value, dict):
            for key in sorted(LEGACY_KEYS.get(context or "", frozenset()) & value.keys()):
                yield path, "legacy-key-rule", f"legacy key {key!r}"
            for key, item in value.items():
                yield from walk(item, f"{path}.{key}", _child_context(context, key))

    yield from walk(dash, "dashboard", "dashboard")


def _child_context(context: str | None, key: str) -> str | None:
    if context in ("dashboard", "panel") and key == "panels":
        return "panels"
    if context == "panel" and key == "targets":
        return "targets"
    if context == "dashboard" and key == "timepicker":
        return "timepicker"
    return None


# --- PromQL -----------------------------------------------------------------------------

def substitute_builtins(expr: str) -> str:
    """Replace Grafana's built-in interval variables with durations; other variables stay."""
    return _VARIABLE.sub(lambda m: BUILTINS.get(m.group(1) or m.group(2), m.group(0)), expr)


def plausible(expr: str, model: Model) -> str:
    """The query as Grafana would send it: `$env` is the first environment, other variables `.*`."""
    env = next((t.label for t in model.tags if t.is_environment), "env")

    def value(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return BUILTINS.get(name) or (model.project.environments[0] if name == env else ".*")

    return _VARIABLE.sub(value, expr)


def check_promql(dashboard: dict[str, Any], model: Model) -> list[str]:
    """Findings of the PromQL rules for every target and every label_values() variable query."""
    known = known_series(model)
    variables = {v.get("name") for v in dashboard.get("templating", {}).get("list", [])}
    uid = str(dashboard.get("uid"))
    found: list[str] = []
    for panel in panels_of(dashboard):
        for target in panel.get("targets", []):
            where = f"{_where(panel)} {target.get('refId')}"
            expr = str(target.get("expr", ""))
            problems = check_expr(expr, known, variables)
            if not problems:
                problems = [("target-promql-rule", msg) for msg in rules_lint(plausible(expr, model), model, known)]
            found += [f"{uid} {where}: {rule}: {msg}" for rule, msg in problems]
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        match = _LABEL_VALUES.match(str(var.get("query", "")))
        where = f"variable {var.get('name')!r}"
        if not match:
            found.append(f"{uid} {where}: template-label-promql-rule: query must be label_values(<series>, <label>)")
            continue
        for rule, msg in check_expr(match.group(1), known, variables, evaluated=False):
            found.append(f"{uid} {where}: {rule}: {msg}")
        series = match.group(1).split("{")[0].strip()
        if series in known and match.group(2) not in known[series].labels:
            found.append(f"{uid} {where}: target-promql-rule: {series} has no label {match.group(2)!r}")
    return sorted(set(found))


def check_expr(expr: str, known: Mapping[str, Series], variables: set[Any],
               evaluated: bool = True) -> list[tuple[str, str]]:
    """(rule, message) pairs for one expression; empty when it is clean.

    `evaluated=False` is for the series selector of a label_values() variable query:
    it is not evaluated as a query, so the counter and variable rules do not apply.
    """
    import promql_parser

    for m in _VARIABLE.finditer(expr):
        name = m.group(1) or m.group(2)
        if name not in BUILTINS and name not in variables:
            return [("template-variable-rule", f"${name} is not a dashboard variable")]
    try:
        tree = promql_parser.parse(substitute_builtins(expr))
    except ValueError as exc:
        return [("target-promql-rule", f"does not parse: {exc}")]
    out: list[tuple[str, str]] = []
    readable: set[str] = set()
    standin = promql_parser.parse_duration(RATE_INTERVAL_STANDIN)
    for sel in selectors(tree):
        name = sel.vector.name
        if name is None or name not in known:
            out.append(("target-promql-rule", f"unknown metric {name!r} (not in the spec or naming)"))
            continue
        info = known[name]
        labels = set(info.labels)
        readable |= labels
        problem = series_problem(name, info, sel.func, COUNTER_READERS) if evaluated and info.is_counter else None
        if problem:
            out.append(("target-counter-agg-rule", problem))
        if sel.func in ("rate", "irate") and sel.window != standin:
            out.append(("target-rate-interval-rule", f"{sel.func}({name}) must use [$__rate_interval]"))
        groups = matcher_groups(sel.vector)
        for label in sorted({m.name for group in groups for m in group} - labels - {"__name__"}):
            out.append(("target-promql-rule", f"{name} has no label {label!r}"))
        for label in sorted(labels & variables) if evaluated else ():
            if not all(_applies(label, group) for group in groups):
                out.append(("target-variable-rule", f"{name} must filter {label} by ${label}"))
    for node, _ in walk(tree) if evaluated else ():
        if isinstance(node, promql_parser.BinaryExpr) and str(node.op) == "/":
            one_sided = _variables_in(node.rhs) - _variables_in(node.lhs)
            if one_sided:
                out.append(("target-ratio-variable-rule", "the denominator is narrowed by "
                            f"{', '.join('$' + v for v in sorted(one_sided))} and the numerator is not"))
    readable |= {node.args[1].val for node, _ in walk(tree)  # labels label_replace() writes
                 if isinstance(node, promql_parser.Call) and node.func.name == "label_replace"
                 and isinstance(node.args[1], promql_parser.StringLiteral)}
    for label in sorted(set(_grouping(tree)) - readable):
        out.append(("target-promql-rule", f"grouping by {label!r}, which no series in the query has"))
    return out


def _variables_in(node: Any) -> set[str]:
    """Dashboard variables the selectors under `node` filter by."""
    return {m.group(1) or m.group(2) for sel in selectors(node) for group in matcher_groups(sel.vector)
            for matcher in group for m in _VARIABLE.finditer(matcher.value)}


def _applies(label: str, matchers: list[Any]) -> bool:
    """The matchers filter `label` by its dashboard variable, or pin it to a literal value."""
    import promql_parser

    values = {m.value for m in matchers if m.name == label}
    pinned = any(m.name == label and m.op == promql_parser.MatchOp.Equal and "$" not in m.value for m in matchers)
    return pinned or bool(values & {f"${label}", f"${{{label}}}"})


def _grouping(tree: Any) -> list[str]:
    """Every label an aggregation groups by or a binary operation matches on (`on`, `group_left`)."""
    import promql_parser as p

    out: list[str] = []
    for node, _ in walk(tree):
        if isinstance(node, p.AggregateExpr) and node.modifier is not None:
            out += list(node.modifier.labels)
        elif isinstance(node, p.BinaryExpr) and node.modifier is not None:
            if node.modifier.matching is not None:
                out += list(node.modifier.matching.labels)
            out += list(node.modifier.group_labels or [])
    return out
