"""The rule model shared by every rule kind: annotation text, rules, groups, and per-environment helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...spec.model import Filter, Metric, Model, PerEnv
from .. import promql

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
    envs: tuple[str, ...] = ()  # alerts: the environments its alerts carry (empty: no env label); not in the YAML

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


def matchers(flt: Filter, extra: tuple[str, ...] = ()) -> list[str]:
    return [promql.eq(tag.label, value) for tag, value in flt] + list(extra)


def absent_per_env(flt: Filter, env: str | None, envs: tuple[str, ...],
                   inputs: list[tuple[str, list[str]]]) -> str:
    """`absent()` of each (series, extra matchers) input, per environment, `or`-ed: absent() keeps only the
    equality matchers' labels, so one selector over every environment would fire only when all are silent."""
    parts = []
    for e in envs if env else (None,):
        extra = (promql.eq(env, e),) if env and e else ()
        parts.append(" or ".join(f"absent({promql.selector(name, matchers(flt, extra) + more)})" for name, more in inputs))
    return promql.or_join(parts) or ""


def sum_rate(metric_series: str, sel: list[str], window: str, labels: list[str], fn: str = "rate") -> str:
    return f"sum{promql.by(labels)} ({fn}({promql.selector(metric_series, sel)}[{window}]))"


def links(model: Model, anchor: str, dashboard_uid: str) -> tuple[tuple[str, Text], ...]:
    return (("runbook_url", (f"{model.project.catalog_url}#{anchor}",)),
            ("dashboard_url", (f"{model.project.grafana_url}/d/{dashboard_uid}",)))




# --- severity per environment ------------------------------------------------------------

def severity_in(model: Model, declared: str, per_env: tuple[tuple[str, str], ...], env: str) -> str:
    """An explicit `severity: {env: ...}` entry, else `page` only in the page environments, else the declared one."""
    explicit = dict(per_env)
    if env in explicit:
        return explicit[env]
    if declared == "page" and env not in model.project.page_environments:
        return "ticket"
    return declared


def severity_groups(model: Model, declared: str, per_env: tuple[tuple[str, str], ...],
                    *metrics: Metric) -> list[tuple[str, tuple[str, ...] | None]]:
    """(severity, environments) per rule: one rule (environments None: no env matcher) when every environment
    gets the same severity or the metrics carry no env label, else one rule per severity, in environment order."""
    envs = model.project.environments
    if metric_env(model, *metrics) is None:
        return [(severity_in(model, declared, per_env, envs[0]), None)]
    groups: dict[str, list[str]] = {}
    for e in envs:
        groups.setdefault(severity_in(model, declared, per_env, e), []).append(e)
    if len(groups) == 1:
        return [(next(iter(groups)), None)]
    return [(sev, tuple(es)) for sev, es in groups.items()]


def scope(model: Model, envs: tuple[str, ...] | None, *metrics: Metric) -> tuple[str, ...]:
    """The environments a rule's alerts carry: `envs`, every environment, or none without an env label."""
    if metric_env(model, *metrics) is None:
        return ()
    return envs if envs is not None else model.project.environments


def env_matcher(label: str, envs: tuple[str, ...]) -> str:
    """`env="production"` or `env=~"staging|dev"`."""
    if len(envs) == 1:
        return promql.eq(label, envs[0])
    return promql.re_match(label, "|".join(promql.regex_literal(e) for e in envs))
