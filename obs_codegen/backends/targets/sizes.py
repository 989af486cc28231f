"""The size limits a generated Kubernetes object must fit, measured on the rendered objects.

`oversized(model)` renders the Kubernetes targets the spec enables (and the backends they wrap,
once), reads every object back and reports each that client-side `kubectl apply` could not
manage (its annotations, with the last-applied configuration it adds, over 262,144 bytes) or
whose ConfigMap data is over 1 MiB. Lint rule target-object-size reports the findings.
"""

from __future__ import annotations

from typing import Any

from ...spec.model import Model
from . import ANNOTATIONS_LIMIT, CONFIGMAP_LIMIT, applied_annotations_size

# spec target (and backend) -> the directory its objects are written to
KUBERNETES = {"prometheus_operator": "kubernetes/prometheus-operator", "grafana_operator": "kubernetes/grafana-operator",
              "grafana_sidecar": "kubernetes/grafana-sidecar"}


def oversized(model: Model) -> list[tuple[str, str, str]]:
    """(spec target, object, problem) for every generated object over a limit."""
    import yaml

    from .. import render_all

    enabled = [t for t in KUBERNETES if getattr(model.targets, t) is not None]
    if not enabled:
        return []
    where = {directory: target for target, directory in KUBERNETES.items()}
    out = []
    for path, data in render_all(model, only=enabled).items():  # the wrapped backends render once
        target = where[path.parent.as_posix()]
        if path.name != "kustomization.yaml":
            out += [(target, problem_of[0], problem_of[1]) for problem_of in _problems(yaml.safe_load(data))]
    return out


def _problems(obj: dict[str, Any]) -> list[tuple[str, str]]:
    name = f"{obj['kind']} {obj['metadata']['name']}"
    out = []
    size = applied_annotations_size(obj)
    if size > ANNOTATIONS_LIMIT:
        fix = ("leave `encoding` at auto (or set gzip)" if obj["kind"] == "GrafanaDashboard"
               else "apply it server-side, or split the service's metrics over more services")
        out.append((name, f"{size} bytes of annotations once `kubectl apply` adds its last-applied configuration, "
                          f"over the {ANNOTATIONS_LIMIT}-byte limit: {fix}"))
    if obj["kind"] == "ConfigMap":
        data_size = sum(len(k.encode()) + len(v.encode()) for k, v in obj.get("data", {}).items())
        if data_size > CONFIGMAP_LIMIT:
            out.append((name, f"{data_size} bytes of data, over the ConfigMap limit of {CONFIGMAP_LIMIT}"))
    return out
