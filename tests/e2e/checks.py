"""What the end-to-end test asserts, as functions returning failure messages (empty = pass).

Each check runs real queries against a running Prometheus (`stack.Prometheus`), so the
negative tests can feed it a deliberately broken dashboard or exporter and assert that the
message names the dashboard, panel and query (or the rule group and rule).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .stack import Prometheus, StackError, finite_values

# Grafana's built-in variables, as Grafana would expand them for a "last 1 minute" view of a
# Prometheus scraped every second (the test has seconds of data, not days).
RANGE_SECONDS = 60
STEP_SECONDS = 2
BUILTINS = {"__rate_interval": "15s", "__interval": f"{STEP_SECONDS}s", "__interval_ms": str(STEP_SECONDS * 1000),
            "__range": f"{RANGE_SECONDS}s", "__range_s": str(RANGE_SECONDS), "__range_ms": str(RANGE_SECONDS * 1000)}
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*(\w+)\s*\)\s*$", re.S)
REGEX_SPECIAL = set("\\^$.|?*+()[]{}")


def regex_of(values: list[str]) -> str:
    """A multi-value selection as Grafana sends it to Prometheus: `(a|b)` with regex escaping."""
    escaped = ["".join("\\" + c if c in REGEX_SPECIAL else c for c in v) for v in values]
    return "(" + "|".join(escaped) + ")"


def promql_string_body(text: str) -> str:
    """`text` inside a double-quoted PromQL string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def substitute(expr: str, values: dict[str, str]) -> str:
    """Expand `$x`, `${x}`, `${x:fmt}` and `[[x]]`; an unknown variable raises KeyError."""
    def one(m: re.Match[str]) -> str:
        name = next(g for g in m.groups() if g)
        return {**BUILTINS, **values}[name]
    return VARIABLE.sub(one, expr)


def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for p in items:
        yield p
        yield from panels(p.get("panels", []))


@dataclass(frozen=True)
class Job:
    """One query to run: where it comes from, and how (instant or range)."""

    where: str  # "Coach Up / Next.js API (coachup-next) / panel 'x' / A"
    expr: str  # as written in the dashboard
    query: str  # with variables substituted
    instant: bool
    selection: str  # how the variables were set, for the message


def resolve_variables(api: Prometheus, dashboard: dict[str, Any], env: str | None,
                      real_values: bool) -> tuple[dict[str, str], list[str], str]:
    """Values for the dashboard's variables: (values, failures, description).

    The environment variable takes `env` (or its first value); multi-value variables take
    their All value, or with `real_values` the first two values their own query returns.
    """
    values: dict[str, str] = {}
    failures: list[str] = []
    title = f"{dashboard['title']} ({dashboard['uid']})"
    for var in dashboard.get("templating", {}).get("list", []):
        name, kind = var["name"], var["type"]
        if kind == "datasource":
            values[name] = "prometheus"  # only used in datasource uids, never in expressions
            continue
        match = LABEL_VALUES.match(var.get("query") or "")
        if kind != "query" or not match:
            failures.append(f"{title}: variable ${name}: unsupported {kind} variable {var.get('query')!r}")
            continue
        selector, label = substitute(match.group(1), values), match.group(2)
        try:
            found = api.label_values(label, selector)
        except StackError as err:
            failures.append(f"{title}: variable ${name} query {var['query']!r} failed: {err}")
            continue
        if not found:
            failures.append(f"{title}: variable ${name} has no values: label_values({selector}, {label})")
            continue
        if var.get("multi") or var.get("includeAll"):
            chosen = regex_of(found[:2]) if real_values else var.get("allValue") or regex_of(found)
            values[name] = promql_string_body(chosen)
        else:
            values[name] = env if env is not None and env in found else found[0]
    description = ", ".join(f"${k}={v}" for k, v in values.items() if k != "datasource")
    return values, failures, description


def dashboard_jobs(dashboard: dict[str, Any], values: dict[str, str], selection: str) -> tuple[list[Job], list[str]]:
    jobs, failures = [], []
    title = f"{dashboard['title']} ({dashboard['uid']})"
    for panel in panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            if "expr" not in target:
                continue
            where = f"{title} / panel {panel.get('title')!r} / {target.get('refId')}"
            try:
                query = substitute(target["expr"], values)
            except KeyError as err:
                failures.append(f"{where}: unknown variable {err}\n  query: {target['expr']}")
                continue
            jobs.append(Job(where, target["expr"], query, bool(target.get("instant")) and not target.get("range"),
                            selection))
    return jobs, failures


def run_job(api: Prometheus, job: Job) -> str | None:
    """None when the query succeeds with at least one finite value, else the failure message."""
    try:
        result = (api.query(job.query) if job.instant
                  else api.query_range(job.query, RANGE_SECONDS, STEP_SECONDS))
    except StackError as err:
        return f"{job.where}: query failed: {err}\n  query: {job.expr}\n  ran: {job.query}\n  with: {job.selection}"
    if not result:
        why = "returned no series"
    elif not finite_values(result):
        why = "returned only NaN/Inf"
    else:
        return None
    return f"{job.where}: {why}\n  query: {job.expr}\n  ran: {job.query}\n  with: {job.selection}"


def dashboard_failures(api: Prometheus, dashboards: dict[str, dict[str, Any]], envs: tuple[str, ...]) -> list[str]:
    """Run every target of every dashboard: for each env with multi-value variables on All, and
    for the first env with real values picked from each variable's own query."""
    jobs: list[Job] = []
    failures: list[str] = []
    for dashboard in dashboards.values():
        for env, real in [(e, False) for e in envs] + [(envs[0], True)]:
            values, bad, description = resolve_variables(api, dashboard, env, real)
            failures += bad
            found, bad = dashboard_jobs(dashboard, values, description)
            jobs += found
            failures += bad
    with ThreadPoolExecutor(max_workers=8) as pool:
        failures += [f for f in pool.map(lambda j: run_job(api, j), jobs) if f]
    return sorted(set(failures))


def rule_health_failures(api: Prometheus, rule_groups: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every generated group loaded, with the same rules, each `health == "ok"`."""
    loaded = {g["name"]: g for g in api.groups()}
    failures = [f"rule group {name!r} is not loaded" for name in sorted(set(rule_groups) - set(loaded))]
    failures += [f"unexpected rule group {name!r} loaded" for name in sorted(set(loaded) - set(rule_groups))]
    for name, group in sorted(loaded.items()):
        expected = [r.get("record") or r.get("alert") for r in rule_groups.get(name, [])]
        got = [r["name"] for r in group["rules"]]
        if got != expected:
            failures.append(f"rule group {name!r}: loaded rules {got} != generated {expected}")
        failures += [f"rule group {name!r}, rule {r['name']!r}: health {r['health']!r}: {r.get('lastError')}"
                     for r in group["rules"] if r["health"] != "ok"]
    return failures


def selector_of(record: str, labels: dict[str, str]) -> str:
    matchers = ", ".join(f'{k}="{promql_string_body(v)}"' for k, v in sorted(labels.items()))
    return f"{record}{{{matchers}}}" if matchers else record


def recording_rule_failures(api: Prometheus, rule_groups: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every recording rule's output (its record name with its own labels) has a finite value."""
    failures = []
    for group, rules in sorted(rule_groups.items()):
        for rule in rules:
            if "record" not in rule:
                continue
            selector = selector_of(rule["record"], rule.get("labels") or {})
            try:
                result = api.query(selector)
            except StackError as err:
                failures.append(f"rule group {group!r}, record {selector}: query failed: {err}")
                continue
            if not finite_values(result):
                why = "no series" if not result else "only NaN/Inf"
                failures.append(f"rule group {group!r}, record {selector}: {why}\n  expr: {rule['expr']}")
    return failures


def alert_failures(api: Prometheus, rule_groups: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every alert expression evaluates, and every series selector in it returns data (so the
    alert reads series that exist, with the label values it filters on)."""
    import promql_parser

    from obs_codegen.backends import promql
    from obs_codegen.verify.promql import matcher_groups, selectors

    ops = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}

    def text(vector: Any) -> str:  # re-quoted: str(vector) drops the escapes of a regex such as le=~"30|30\\.0"
        return promql.selector(vector.name, [f"{m.name}{ops[str(m.op)]}{promql.string(m.value)}"
                                             for g in matcher_groups(vector) for m in g if m.name != "__name__"])

    failures = []
    for group, rules in sorted(rule_groups.items()):
        for rule in rules:
            if "alert" not in rule:
                continue
            where = f"rule group {group!r}, alert {rule['alert']!r}"
            try:
                api.query(rule["expr"])
            except StackError as err:
                failures.append(f"{where}: expression failed: {err}\n  expr: {rule['expr']}")
                continue
            for sel in selectors(promql_parser.parse(rule["expr"])):
                if not api.query(f"count({text(sel.vector)})"):
                    failures.append(f"{where}: selector {sel.vector} matches no series\n  expr: {rule['expr']}")
    return failures


def exposition_failures(api: Prometheus, metrics: Any) -> list[str]:
    """Every series name of every spec metric is scraped with exactly the spec's labels, and
    every histogram with exactly the spec's `le` buckets (+Inf)."""
    failures = []
    scrape_labels = {"__name__", "instance", "job"}
    for m in metrics:
        for series in m.series:
            labels = set(api.get("/api/v1/labels", **{"match[]": series}))
            want = scrape_labels | set(m.labels) | ({"le"} if series == m.bucket_series else set())
            if not labels:
                failures.append(f"metric {m.key}: series {series} not scraped")
            elif labels != want:
                failures.append(f"metric {m.key}: series {series} has labels {sorted(labels - scrape_labels)}, "
                                f"spec says {sorted(want - scrape_labels)}")
        if m.type == "histogram":
            got = {float(v) for v in api.label_values("le", m.bucket_series)}
            want_le = {float(b) for b in m.buckets} | {math.inf}
            if got != want_le:
                failures.append(f"metric {m.key}: {m.bucket_series} le buckets missing {sorted(want_le - got)}, "
                                f"unexpected {sorted(got - want_le)}")
    return failures
