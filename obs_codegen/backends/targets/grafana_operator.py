"""grafana-operator: a `GrafanaDashboard` per dashboard and the `GrafanaFolder` (grafana.integreatly.org/v1beta1).

Outputs, relative to out/ (when `targets.grafana_operator` is set):
  kubernetes/grafana-operator/<project>-folder.yaml       GrafanaFolder (title and uid of the spec's folder)
  kubernetes/grafana-operator/<project>-<dashboard>.yaml  GrafanaDashboard, `folderRef` to it
  kubernetes/grafana-operator/kustomization.yaml

`spec.json` holds the plain dashboard file's text byte for byte. With `encoding: auto` (the
default) a dashboard whose object would not fit the 262,144 bytes of annotations that
client-side `kubectl apply` needs goes into `spec.gzipJson` instead (gzip, mtime 0, base64 in
YAML), which the operator inflates to the same bytes; `json`/`gzip` force one or the other.
Splitting a dashboard would change it, so it is never split. With `folder: false` no
GrafanaFolder is written and the dashboards name the existing folder by `folderUID`.
"""

from __future__ import annotations

import base64
import gzip
from pathlib import PurePosixPath
from typing import Any

from ...spec import naming
from ...spec.model import Model
from ...spec.targets import GrafanaOperator
from . import (
    ANNOTATIONS_LIMIT,
    Files,
    applied_annotations_size,
    dashboards,
    k8s_document,
    kustomization,
    metadata,
    object_name,
    standalone,
)

WRAPS = ("dashboards",)
DIR = "kubernetes/grafana-operator"
API_VERSION = "grafana.integreatly.org/v1beta1"


def enabled(model: Model) -> bool:
    return model.targets.grafana_operator is not None


def gzip_json(data: bytes) -> str:
    """`spec.gzipJson`: deterministic gzip (no name, mtime 0), base64 as the CRD's `format: byte` wants."""
    return base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0)).decode("ascii")


def folder_name(model: Model) -> str:
    return object_name(model.project.name, "folder")


def _common_spec(target: GrafanaOperator) -> dict[str, Any]:
    spec: dict[str, Any] = {"instanceSelector": {"matchLabels": dict(sorted(target.instance_selector))}}
    if target.allow_cross_namespace_import is not None:
        spec["allowCrossNamespaceImport"] = target.allow_cross_namespace_import
    return spec


def dashboard_object(model: Model, target: GrafanaOperator, stem: str, data: bytes) -> dict[str, Any]:
    spec = _common_spec(target)
    if target.folder:
        spec["folderRef"] = folder_name(model)
    else:
        spec["folderUID"] = naming.dashboard_uid(model.project.name, "folder")
    obj = {"apiVersion": API_VERSION, "kind": "GrafanaDashboard",
           "metadata": metadata(model, object_name(model.project.name, stem), target.namespace, target.labels),
           "spec": {**spec, "json": data.decode("utf-8")}}
    if target.encoding == "gzip" or (target.encoding == "auto" and applied_annotations_size(obj) > ANNOTATIONS_LIMIT):
        obj["spec"] = {**spec, "gzipJson": gzip_json(data)}
    return obj


def wrap(model: Model, files: Files) -> Files:
    target = model.targets.grafana_operator
    if target is None:
        return {}
    out: Files = {}
    if target.folder:
        folder = {"apiVersion": API_VERSION, "kind": "GrafanaFolder",
                  "metadata": metadata(model, folder_name(model), target.namespace, target.labels),
                  "spec": {**_common_spec(target), "title": model.project.dashboards_folder,
                           "uid": naming.dashboard_uid(model.project.name, "folder")}}
        out[PurePosixPath(DIR, f"{folder_name(model)}.yaml")] = k8s_document(
            model, folder, "The dashboards' folder for the grafana-operator.")
    for stem, data in dashboards(files).items():
        obj = dashboard_object(model, target, stem, data)
        out[PurePosixPath(DIR, f"{obj['metadata']['name']}.yaml")] = k8s_document(
            model, obj, f"Dashboard {stem} for the grafana-operator; spec.json (or gzipJson) is grafana/dashboards/{stem}.json.")
    out[PurePosixPath(DIR, "kustomization.yaml")] = kustomization(model, [p.name for p in out])
    return dict(sorted(out.items()))


render = standalone(WRAPS, enabled, wrap)
