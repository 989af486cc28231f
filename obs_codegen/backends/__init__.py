"""The backend registry: every output of obs-codegen is one pure function here.

A backend is a module exposing `render(model: Model, templates: Templates) -> Files`
that returns file contents keyed by a relative POSIX path under out/; it never
touches the file system (templates are read through `Templates`). Adding an output
is one module, one line in `BACKENDS`, and its golden files.

A deploy target (`targets/`) also declares `WRAPS`, the backends whose files it wraps,
`enabled(model)` and `wrap(model, files)`: `render_all` renders each wrapped backend once
and passes its files on, and skips a target the spec does not enable.
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
    "grafana_api": "obs_codegen.backends.targets.grafana_api",
    "grafana_operator": "obs_codegen.backends.targets.grafana_operator",
    "grafana_sidecar": "obs_codegen.backends.targets.grafana_sidecar",
    "log_schemas": "obs_codegen.backends.log_schemas",
    "mtail": "obs_codegen.backends.mtail",
    "prometheus": "obs_codegen.backends.prometheus",
    "prometheus_operator": "obs_codegen.backends.targets.prometheus_operator",
    "python": "obs_codegen.backends.python_pkg",
    "rulers": "obs_codegen.backends.targets.rulers",
    "spec_copy": "obs_codegen.backends.spec_copy",
    "spec_schema": "obs_codegen.backends.spec_schema",
    "typescript": "obs_codegen.backends.typescript",
}

# the deploy targets among them (they render nothing unless the spec's `targets:` enables them)
TARGETS: frozenset[str] = frozenset(n for n, m in BACKENDS.items() if m.startswith("obs_codegen.backends.targets."))


def backend(name: str) -> Render:
    module = importlib.import_module(BACKENDS[name])
    return module.render  # type: ignore[no-any-return]


class BackendConflict(Exception):
    """Two backends produced the same path."""


def render_all(model: Model, templates: Templates | None = None, only: list[str] | None = None) -> Files:
    """Run every registered backend (or those in `only`) and merge their files."""
    templates = templates or Templates()
    rendered: dict[str, Files] = {}

    def run(name: str) -> Files:
        if name not in rendered:
            module = importlib.import_module(BACKENDS[name])
            wraps: tuple[str, ...] | None = getattr(module, "WRAPS", None)
            if wraps is None:
                rendered[name] = module.render(model, templates)
            elif not module.enabled(model):
                rendered[name] = {}
            else:
                rendered[name] = module.wrap(model, {p: d for w in wraps for p, d in run(w).items()})
        return rendered[name]

    from ..heap import frozen, refreeze

    files: Files = {}
    owner: dict[PurePosixPath, str] = {}
    with frozen():  # the model, then each backend's output and memos: kept, so never walked by the collector
        for name in sorted(BACKENDS) if only is None else only:
            for path, data in run(name).items():
                if path in files:
                    raise BackendConflict(f"{path} is produced by both {owner[path]} and {name}")
                files[path] = data
                owner[path] = name
            refreeze()
    return dict(sorted(files.items()))
