"""Grafana dashboard sidecar (k8s-sidecar, as in the Grafana Helm chart): one ConfigMap per dashboard.

Outputs, relative to out/ (when `targets.grafana_sidecar` is set):
  kubernetes/grafana-sidecar/<project>-dashboard-<dashboard>.yaml   data key `<project>-<dashboard>.json`
  kubernetes/grafana-sidecar/kustomization.yaml

Each ConfigMap has the configured labels (default `grafana_dashboard: "1"`, the chart's
`sidecar.dashboards.label`/`labelValue`) and the folder in the configured annotation (default
`k8s-sidecar-target-directory`, the sidecar's own default when the chart's `folderAnnotation` is
unset). One dashboard per ConfigMap keeps each object far below the 1 MiB ConfigMap limit and the
262,144 bytes client-side `kubectl apply` needs (lint rule target-object-size reports a dashboard
that still would not fit). The data value is the plain dashboard file's text byte for byte; the key
is prefixed with the project because the sidecar writes every key as a file name into one folder.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ...spec.model import Model
from ...spec.targets import GrafanaSidecar
from . import Files, dashboards, k8s_document, kustomization, metadata, object_name, standalone

WRAPS = ("dashboards",)
DIR = "kubernetes/grafana-sidecar"


def enabled(model: Model) -> bool:
    return model.targets.grafana_sidecar is not None


def config_map(model: Model, target: GrafanaSidecar, stem: str, data: bytes) -> dict[str, Any]:
    name = object_name(model.project.name, "dashboard", stem)
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": metadata(model, name, target.namespace, target.labels,
                                 {target.folder_annotation: target.folder}),
            "data": {f"{object_name(model.project.name, stem)}.json": data.decode("utf-8")}}


def wrap(model: Model, files: Files) -> Files:
    target = model.targets.grafana_sidecar
    if target is None:
        return {}
    out: Files = {}
    for stem, data in dashboards(files).items():
        obj = config_map(model, target, stem, data)
        out[PurePosixPath(DIR, f"{obj['metadata']['name']}.yaml")] = k8s_document(
            model, obj, f"Dashboard {stem} for the Grafana sidecar; the data is grafana/dashboards/{stem}.json.")
    if out:
        out[PurePosixPath(DIR, "kustomization.yaml")] = kustomization(model, [p.name for p in out])
    return dict(sorted(out.items()))


render = standalone(WRAPS, enabled, wrap)
