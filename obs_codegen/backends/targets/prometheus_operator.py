"""prometheus-operator: one `PrometheusRule` (monitoring.coreos.com/v1) per service.

Output, relative to out/ (when `targets.prometheus_operator` is set):
  kubernetes/prometheus-operator/<project>-<service>.yaml   the service's groups, unchanged, under `spec.groups`
  kubernetes/prometheus-operator/kustomization.yaml         lists them

Each object carries the configured namespace and labels (those the Prometheus' `ruleSelector`
matches) plus `app.kubernetes.io/managed-by` and `part-of`. The groups are parsed back from
the prometheus backend's rule files, never rebuilt, so unwrapping `spec.groups` gives the plain
file's groups exactly.

With alerts in the spec it also writes `<project>-alertmanager.yaml`, an `AlertmanagerConfig`
(monitoring.coreos.com/v1alpha1) for an operator-managed Alertmanager (its
`alertmanagerConfigSelector` matches the same labels): the alertmanager backend's routing tree,
inhibit rules and placeholder receivers, read back from `alertmanager/alertmanager.yml` and only
renamed to the CRD's fields (`group_by` -> `groupBy`, `matchers` strings -> `{name, value,
matchType}`, `source_matchers` -> `sourceMatch`). The operator adds a `namespace` matcher to its
top route; the infra repository adds each receiver's integration (`pagerdutyConfigs`, ...) with its
secret references.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from ...spec.model import Model
from . import Files, k8s_document, kustomization, metadata, object_name, rule_groups, standalone

WRAPS = ("prometheus", "alertmanager")
ALERTMANAGER_API_VERSION = "monitoring.coreos.com/v1alpha1"
_MATCHER = re.compile(r'^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"(.*)"$', re.S)
_ROUTE_KEYS = {"receiver": "receiver", "group_by": "groupBy", "group_wait": "groupWait",
               "group_interval": "groupInterval", "repeat_interval": "repeatInterval", "continue": "continue"}
DIR = "kubernetes/prometheus-operator"
API_VERSION = "monitoring.coreos.com/v1"


def enabled(model: Model) -> bool:
    return model.targets.prometheus_operator is not None


def wrap(model: Model, files: Files) -> Files:
    target = model.targets.prometheus_operator
    if target is None:
        return {}
    out: Files = {}
    for service, groups in rule_groups(files).items():
        name = object_name(model.project.name, service)
        obj = {
            "apiVersion": API_VERSION,
            "kind": "PrometheusRule",
            "metadata": metadata(model, name, target.namespace, target.labels),
            "spec": {"groups": groups},
        }
        out[PurePosixPath(DIR, f"{name}.yaml")] = k8s_document(
            model, obj, f"The {service} service's rule groups for the prometheus-operator; `kubectl apply -f` it.")
    routing = files.get(PurePosixPath("alertmanager/alertmanager.yml"))
    if routing is not None:
        import yaml

        name = object_name(model.project.name, "alertmanager")
        obj = {"apiVersion": ALERTMANAGER_API_VERSION, "kind": "AlertmanagerConfig",
               "metadata": metadata(model, name, target.namespace, target.labels),
               "spec": alertmanager_spec(yaml.safe_load(routing))}
        out[PurePosixPath(DIR, f"{name}.yaml")] = k8s_document(
            model, obj, "Alertmanager routing for the generated alerts; add each receiver's integration and secrets.")
    if out:
        out[PurePosixPath(DIR, "kustomization.yaml")] = kustomization(model, [p.name for p in out])
    return dict(sorted(out.items()))


def _matcher(text: str) -> dict[str, str]:
    """`env="production"` (as the alertmanager backend writes it) -> {name, value, matchType}."""
    m = _MATCHER.match(text)
    if m is None:
        raise ValueError(f"not a matcher: {text!r}")
    return {"name": m.group(1), "value": json.loads(f'"{m.group(3)}"'), "matchType": m.group(2)}


def _route(route: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {_ROUTE_KEYS[k]: v for k, v in route.items() if k in _ROUTE_KEYS}
    if "matchers" in route:
        out["matchers"] = [_matcher(m) for m in route["matchers"]]
    if "routes" in route:
        out["routes"] = [_route(r) for r in route["routes"]]
    return out


def alertmanager_spec(config: dict[str, Any]) -> dict[str, Any]:
    """An Alertmanager configuration (the alertmanager backend's) as an AlertmanagerConfig `spec`."""
    return {
        "route": _route(config["route"]),
        "receivers": [{"name": r["name"]} for r in config.get("receivers", [])],
        "inhibitRules": [{"sourceMatch": [_matcher(m) for m in rule.get("source_matchers", [])],
                          "targetMatch": [_matcher(m) for m in rule.get("target_matchers", [])],
                          "equal": list(rule.get("equal", []))} for rule in config.get("inhibit_rules", [])],
    }


render = standalone(WRAPS, enabled, wrap)
