"""Alertmanager routing for the generated alerts, and `amtool config routes test` cases for it.

Outputs, relative to out/:
  * `alertmanager/alertmanager.yml`: a routing tree by owner, then severity and environment,
    grouped by alert name, environment and SLO; inhibition of each SLO's slow-burn alert while
    its fast-burn alert fires for the same SLO and environment; one receiver per route that
    some generated alert reaches. Receivers are placeholders (a name, no integration): the infra
    repository that deploys Alertmanager adds `pagerduty_configs`, `slack_configs`, ... with its
    secrets. Nothing secret is generated.
  * `alertmanager/routes.test.yml`: for every generated alert rule and environment, the labels an
    alert carries and the receiver it must reach; `tests/test_alertmanager.py` runs each case
    through `amtool config routes test --verify.receivers`.

`routing_tree(model)` builds the whole configuration as plain data (the YAML file is a dump of
it), so a deploy target can wrap the same tree into another object (a prometheus-operator
AlertmanagerConfig) without re-deriving it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..spec import naming
from ..spec.model import Model
from . import promql
from .escape import yaml_comment
from .rules.base import Rule, env_label
from .templating import Templates
from .yaml_doc import yaml_document

GROUP_WAIT, GROUP_INTERVAL = "30s", "5m"
REPEAT = {"page": "1h", "ticket": "12h"}  # pages repeat until acknowledged; tickets twice a day


@dataclass(frozen=True)
class Route:
    """Where one kind of generated alert goes: owner, severity and environment (None: no env label)."""

    owner: str
    severity: str
    env: str | None

    @property
    def receiver(self) -> str:
        return "-".join(x for x in (self.owner, self.severity, self.env) if x)


def _rules(model: Model) -> list[Rule]:
    from .prometheus import build

    return [r for groups in build(model).values() for g in groups for r in g.rules if r.alert]


def alert_cases(model: Model) -> list[tuple[dict[str, str], Route]]:
    """(labels of a notification, its route) for every generated alert rule and environment it covers."""
    env = env_label(model)
    out = []
    for rule in _rules(model):
        labels = dict(rule.labels)
        for e in rule.envs or (None,):
            full = {"alertname": rule.alert or "", **labels, **({env: e} if env and e else {})}
            out.append((full, Route(labels["owner"], labels["severity"], e)))
    return out


def routes(model: Model) -> list[Route]:
    """Every route a generated alert takes: owners in order of first appearance, pages first, then tickets,
    environments in project order (a route without env last)."""
    found = list(dict.fromkeys(route for _, route in alert_cases(model)))
    owners = list(dict.fromkeys(r.owner for r in found))
    envs = model.project.environments
    return sorted(found, key=lambda r: (owners.index(r.owner), r.severity != "page",
                                        envs.index(r.env) if r.env in envs else len(envs)))


def routing_tree(model: Model) -> dict[str, Any]:
    """The Alertmanager configuration as plain data: route tree, inhibit rules, placeholder receivers."""
    env = env_label(model)
    group_by = ["alertname"] + ([env] if env else []) + [naming.SLO_LABEL]
    found = routes(model)
    owners = list(dict.fromkeys(r.owner for r in found))
    unrouted = f"{model.project.name}-unrouted"
    tree: list[dict[str, Any]] = []
    for owner in owners:
        children = []
        for r in (r for r in found if r.owner == owner):
            matchers = [promql.eq("severity", r.severity)] + ([promql.eq(env, r.env)] if env and r.env else [])
            children.append({"matchers": matchers, "receiver": r.receiver, "repeat_interval": REPEAT[r.severity]})
        tree.append({"matchers": [promql.eq("owner", owner)], "routes": children})
    inhibit = []
    for slo in model.slos:
        from .prometheus import slo_alert_names

        names = slo_alert_names(slo)
        inhibit.append({"source_matchers": [promql.eq("alertname", names["page"])],
                        "target_matchers": [promql.eq("alertname", names["ticket"])],
                        "equal": ([env] if env else []) + [naming.SLO_LABEL]})
    receivers = [{"name": unrouted}] + [{"name": r.receiver} for r in found]
    return {
        "route": {"receiver": unrouted, "group_by": group_by, "group_wait": GROUP_WAIT,
                  "group_interval": GROUP_INTERVAL, "repeat_interval": REPEAT["ticket"], "routes": tree},
        "inhibit_rules": inhibit,
        "receivers": receivers,
    }


def route_tests(model: Model) -> dict[str, Any]:
    return {"tests": [{"labels": labels, "receivers": [route.receiver]} for labels, route in alert_cases(model)]}


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    if not _rules(model):
        return {}
    head = f"# Generated by obs-codegen from {yaml_comment(model.spec_path)}; do not edit.\n"
    config = (head + "# Alertmanager routing for the generated alerts. Receivers are placeholders: add their "
              "integrations\n# (pagerduty_configs, slack_configs, ...) and secrets in the repository that deploys "
              "Alertmanager.\n" + yaml_document(routing_tree(model)))
    tests = (head + "# Expected receiver per generated alert and environment: "
             "amtool config routes test --verify.receivers=<receiver> <labels>\n" + yaml_document(route_tests(model)))
    return {PurePosixPath("alertmanager/alertmanager.yml"): config.encode("utf-8"),
            PurePosixPath("alertmanager/routes.test.yml"): tests.encode("utf-8")}
