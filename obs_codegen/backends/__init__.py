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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def render_all(model: Model, templates: Templates | None = None, only: list[str] | None = None,
               jobs: int | None = None) -> Files:
    """Run every registered backend (or those in `only`) and merge their files.

    With `jobs` > 1 (default: `parallel.jobs()`) forked workers render the plain backends beside this
    process, from one queue (`parallel`); the result and any error raised are the same as with `jobs=1`."""
    with rendering(model, templates, only, jobs) as finish:
        return finish()


@contextmanager
def rendering(model: Model, templates: Templates | None = None, only: list[str] | None = None,
              jobs: int | None = None, parent_lints: bool = False) -> Iterator[Callable[[], Files]]:
    """`render_all` in two steps: workers start on entry, `finish()` renders the rest here and returns the files.

    Between the two the caller may do other work on the same model (`generate` lints meanwhile, and says
    so with `parent_lints`: it then gets `jobs` workers beside it instead of `jobs - 1`). Leaving the block
    kills any worker still running, so a caller that gives up (a lint error) waits for nothing."""
    from ..heap import frozen, refreeze
    from . import parallel

    templates = templates or Templates()
    names = sorted(BACKENDS) if only is None else only
    rendered: dict[str, Files] = {}

    def plain(name: str) -> Files:
        return importlib.import_module(BACKENDS[name]).render(model, templates)  # type: ignore[no-any-return]

    def run(name: str) -> Files:
        if name not in rendered:
            module = importlib.import_module(BACKENDS[name])
            wraps: tuple[str, ...] | None = getattr(module, "WRAPS", None)
            if wraps is None:
                rendered[name] = plain(name)
            elif not module.enabled(model):
                rendered[name] = {}
            else:
                rendered[name] = module.wrap(model, {p: d for w in wraps for p, d in run(w).items()})
        return rendered[name]

    processes = parallel.jobs() if jobs is None else max(1, jobs)
    # The deploy targets wrap other backends' files (`WRAPS`); the rest render from the model. Read off the
    # registry, not the modules: each process imports only the backends it renders, after the fork.
    candidates = [n for n in names if n not in TARGETS]
    # A caller that lints meanwhile (`generate`) gets `processes` workers beside it: the parent, which holds
    # every file at the end, renders the `PARENT` backends and then takes from the queue like the workers, which
    # by then have taken the largest backends (10k synth: the largest process 334 -> 294 MB).
    count = (processes if parent_lints else processes - 1) if processes > 1 else 0
    queue = parallel.queue_order(candidates) if count else []
    with frozen(), parallel.workers(plain, queue, count) as (take, collect):  # frozen: the model, outputs, memos

        def attempt(name: str) -> None:
            try:
                rendered[name] = plain(name)
            except Exception:  # raised again below, in registry order, as one process raises it
                pass

        def finish() -> Files:
            if queue:
                for name in candidates:
                    if name not in queue:
                        attempt(name)
                while (taken := take()) is not None:
                    attempt(taken)
                rendered.update((n, done) for n, done in collect().items() if done is not None)
            files: Files = {}
            owner: dict[PurePosixPath, str] = {}
            for name in names:
                for path, data in run(name).items():
                    if path in files:
                        raise BackendConflict(f"{path} is produced by both {owner[path]} and {name}")
                    files[path] = data
                    owner[path] = name
                refreeze()
            return dict(sorted(files.items()))

        yield finish
