"""Backend: `spec/spec.yaml`, the spec's own bytes, so a copy of `out/` carries the contract it was made from.

An infra repo that receives `out/` (and not the product repo) can then gate an update with
`obs-codegen diff --spec new/spec/spec.yaml --against old-out/` (a previous `out/` directory), and
anyone reading the generated files can see exactly which spec produced them. The copy is byte for
byte (it is data, not code: nothing of it is interpreted by any consumer), listed in the manifest
and drift-checked like every other file.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..spec.model import Model
from .templating import Templates

PATH = PurePosixPath("spec/spec.yaml")


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    return {PATH: model.source} if model.source else {}
