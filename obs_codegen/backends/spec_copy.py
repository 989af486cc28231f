"""Backend: `spec/spec.yaml`, the spec's own bytes, so a copy of `out/` carries the contract it was made from.

An infra repo that receives `out/` (and not the product repo) can then gate an update with
`obs-codegen diff --spec new/spec/spec.yaml --against old-out/` (a previous `out/` directory), and
anyone reading the generated files can see exactly which spec produced them. The copy is byte for
byte (it is data, not code: nothing of it is interpreted by any consumer), listed in the manifest
and drift-checked like every other file.

A multi-file spec is copied file by file: the root as `spec/spec.yaml`, each included file at its
path relative to the root (`spec/services/api.yaml`), so the root's `include:` patterns find
exactly the copies when `diff --against old-out/` loads `spec/spec.yaml`, with every position intact.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..spec.model import Model
from . import BackendConflict
from .templating import Templates

PATH = PurePosixPath("spec/spec.yaml")


class SpecCopyConflict(BackendConflict):
    """An included file would be copied over the root's copy."""


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    if not model.source:
        return {}
    out = {PATH: model.source}
    for rel, raw in model.included:
        path = PATH.parent / rel
        if path == PATH:
            raise SpecCopyConflict(f"the included file {rel} would overwrite the copy of the root spec in out/{PATH}; "
                                   "rename it")
        out[path] = raw
    return out
