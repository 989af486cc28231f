"""Backend: the JSON Schemas of the spec language, for editors (`# yaml-language-server: $schema=`): one for
the root spec, one for the files a root's `include:` names (spec/include_schema.py)."""

from __future__ import annotations

from pathlib import PurePosixPath

from ..spec.include_schema import included_schema, root_schema
from ..spec.model import Model
from .escape import json_value
from .templating import Templates


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    return {PurePosixPath("schema/obs-codegen.spec.schema.json"): (json_value(root_schema(), indent=2) + "\n").encode(),
            PurePosixPath("schema/obs-codegen.include.schema.json"): (json_value(included_schema(), indent=2) + "\n").encode()}
