"""Backend: the JSON Schema of the spec language, for editors (`# yaml-language-server: $schema=`)."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from ..spec.model import Model
from ..spec.schema import spec_schema
from .templating import Templates


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    text = json.dumps(spec_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {PurePosixPath("schema/obs-codegen.spec.schema.json"): text.encode()}
