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
Render1 = Callable[[str], Files]  # one backend of a fixed model, by name

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


def render_all(model: Model, templates: Templates | None = None, only: list[str] | None = None,
               jobs: int | None = None) -> Files:
    """Run every registered backend (or those in `only`) and merge their files.

    With `jobs` > 1 (default: `parallel.jobs()`) forked workers render a share of the plain
    backends (`parallel`); the result and any error raised are the same as with `jobs=1`."""
    from . import parallel

    templates = templates or Templates()
    names = sorted(BACKENDS) if only is None else only
    rendered: dict[str, Files] = {}

    def module_of(name: str) -> object:
        return importlib.import_module(BACKENDS[name])

    def plain(name: str) -> Files:
        return module_of(name).render(model, templates)  # type: ignore[attr-defined, no-any-return]

    def run(name: str) -> Files:
        if name not in rendered:
            module = module_of(name)
            wraps: tuple[str, ...] | None = getattr(module, "WRAPS", None)
            if wraps is None:
                rendered[name] = plain(name)
            elif not module.enabled(model):  # type: ignore[attr-defined]
                rendered[name] = {}
            else:
                rendered[name] = module.wrap(model, {p: d for w in wraps for p, d in run(w).items()})  # type: ignore[attr-defined]
        return rendered[name]

    from ..heap import frozen, refreeze

    files: Files = {}
    owner: dict[PurePosixPath, str] = {}
    with frozen():  # the model, then each backend's output and memos: kept, so never walked by the collector
        processes = parallel.jobs() if jobs is None else max(1, jobs)
        if processes > 1:
            _render_shared(names, processes, plain, rendered)
        for name in names:
            for path, data in run(name).items():
                if path in files:
                    raise BackendConflict(f"{path} is produced by both {owner[path]} and {name}")
                files[path] = data
                owner[path] = name
            refreeze()
    return dict(sorted(files.items()))


def _render_shared(names: list[str], processes: int, plain: Render1, rendered: dict[str, Files]) -> None:
    """Fill `rendered` with what workers and this process render of the plain backends among `names`.

    Whatever failed is left out, so the caller's run in registry order renders it again here and
    raises its error as a one-process run would."""
    from . import parallel

    candidates = [n for n in names if getattr(importlib.import_module(BACKENDS[n]), "WRAPS", None) is None]
    mine, *theirs = parallel.shares(candidates, processes)
    if not theirs:
        return
    with parallel.workers(plain, theirs) as collect:
        for name in mine:
            try:
                rendered[name] = plain(name)
            except Exception:  # raised again, in order, by the caller
                pass
        for name, done in collect().items():
            if done is not None:
                rendered[name] = done
