"""Grafana HTTP API: the bodies of `POST /api/folders` and `POST /api/dashboards/db`.

Outputs, relative to out/ (when `targets.grafana_api` is set):
  grafana/api/folder.json              {"uid", "title"} of the dashboards' folder
  grafana/api/dashboards/<name>.json   {"dashboard": <the plain dashboard>, "folderUid", "overwrite": true, "message"}

The dashboard is the plain file's JSON value: written back with the same encoder (keys sorted,
indent 2) it is the plain file byte for byte. The README has the `curl` lines that post them.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from ...spec.model import Model
from ..escape import json_value
from . import Files, dashboards, standalone

WRAPS = ("dashboards",)
DIR = "grafana/api"


def enabled(model: Model) -> bool:
    return model.targets.grafana_api is not None


def _dump(value: object) -> bytes:
    return (json_value(value, indent=2) + "\n").encode("utf-8")


def wrap(model: Model, files: Files) -> Files:
    target = model.targets.grafana_api
    if target is None:
        return {}
    out: Files = {PurePosixPath(DIR, "folder.json"): _dump({"uid": target.folder_uid,
                                                              "title": model.project.dashboards_folder})}
    for stem, data in dashboards(files).items():
        payload = {"dashboard": json.loads(data), "folderUid": target.folder_uid, "overwrite": True,
                   "message": f"obs-codegen from {model.spec_path}"}
        out[PurePosixPath(DIR, "dashboards", f"{stem}.json")] = _dump(payload)
    return dict(sorted(out.items()))


render = standalone(WRAPS, enabled, wrap)
