"""prometheus-operator: one `PrometheusRule` (monitoring.coreos.com/v1) per service.

Output, relative to out/ (when `targets.prometheus_operator` is set):
  kubernetes/prometheus-operator/<project>-<service>.yaml   the service's groups, unchanged, under `spec.groups`
  kubernetes/prometheus-operator/kustomization.yaml         lists them

Each object carries the configured namespace and labels (those the Prometheus' `ruleSelector`
matches) plus `app.kubernetes.io/managed-by` and `part-of`. The groups are parsed back from
the prometheus backend's rule files, never rebuilt, so unwrapping `spec.groups` gives the plain
file's groups exactly.

Hook for the alerting work (#12): an `AlertmanagerConfig` (monitoring.coreos.com/v1alpha1) from
the Alertmanager routing tree belongs here when both are enabled: add the alertmanager backend
to `WRAPS`, convert its routing tree to the CRD's `spec.route`/`spec.receivers` in `wrap`, and
put the CRD (monitoring.coreos.com_alertmanagerconfigs.yaml, shared/crds/) into
tests/fixtures/crds/; tests/test_targets.py validates every object by its kind.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ...spec.model import Model
from . import Files, k8s_document, kustomization, metadata, object_name, rule_groups, standalone

WRAPS = ("prometheus",)
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
    if out:
        out[PurePosixPath(DIR, "kustomization.yaml")] = kustomization(model, [p.name for p in out])
    return dict(sorted(out.items()))


render = standalone(WRAPS, enabled, wrap)
