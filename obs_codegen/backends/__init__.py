"""The backend registry: every output of obs-codegen is one pure function here.

A backend is a module exposing `render(model: Model, templates: Templates) -> Files`
that returns file contents keyed by a relative POSIX path under out/; it never
touches the file system (templates are read through `Templates`). Adding an output
is one module, one line in `BACKENDS`, and its golden files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import PurePosixPath

from ..spec.model import Model
from .templating import Templates

Files = dict[PurePosixPath, bytes]
Render = Callable[[Model, Templates], Files]

# name -> module (imported lazily, so `check` and `lint` do not pay for heavy libraries)
BACKENDS: dict[str, str] = {
    "alertmanager": "obs_codegen.backends.alertmanager",
    "catalog": "obs_codegen.backends.catalog",
    "dashboards": "obs_codegen.backends.dashboards",
    "log_schemas": "obs_codegen.backends.log_schemas",
    "prometheus": "obs_codegen.backends.prometheus",
    "python": "obs_codegen.backends.python_pkg",
    "spec_schema": "obs_codegen.backends.spec_schema",
    "typescript": "obs_codegen.backends.typescript",
}


def backend(name: str) -> Render:
    module = importlib.import_module(BACKENDS[name])
    return module.render  # type: ignore[no-any-return]


class BackendConflict(Exception):
    """Two backends produced the same path."""


def render_all(model: Model, templates: Templates | None = None, only: list[str] | None = None) -> Files:
    """Run every registered backend (or those in `only`) and merge their files."""
    templates = templates or Templates()
    files: Files = {}
    owner: dict[PurePosixPath, str] = {}
    for name in sorted(BACKENDS) if only is None else only:
        for path, data in backend(name)(model, templates).items():
            if path in files:
                raise BackendConflict(f"{path} is produced by both {owner[path]} and {name}")
            files[path] = data
            owner[path] = name
    return dict(sorted(files.items()))
