"""Backend: the JSON Schema of the spec language, for editors (`# yaml-language-server: $schema=`)."""

from __future__ import annotations

from pathlib import PurePosixPath

from ..spec.model import Model
from ..spec.schema import spec_schema
from .escape import json_value
from .templating import Templates


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    text = json_value(spec_schema(), indent=2) + "\n"
    return {PurePosixPath("schema/obs-codegen.spec.schema.json"): text.encode()}
