"""The `obs-codegen` command line: generate, check, lint, schema (and validate-logs, diff).

The CLI is the only module that talks to the terminal. Exit codes: 0 clean,
1 findings or drift, 2 usage or input errors (unreadable spec, bad options).
Heavy libraries are imported by the commands that need them, so `check` on a
fresh out/ stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import __version__
from ..diagnostics import render as render_diagnostics
from ..safe_io import describe_os_error
from .diff import diff
from .validate_logs import validate_logs

DEFAULT_SPEC = "spec/observability.yaml"
DEFAULT_OUT = "out"

spec_option = click.option("--spec", "spec", default=DEFAULT_SPEC, show_default=True,
                           type=click.Path(dir_okay=False, path_type=Path), help="The spec file.")
out_option = click.option("--out", "out", default=DEFAULT_OUT, show_default=True,
                          type=click.Path(file_okay=False, path_type=Path), help="The output directory.")
templates_option = click.option("--templates", "templates", default=None,
                                type=click.Path(file_okay=False, exists=True, path_type=Path),
                                help="A directory of template overrides (same layout as templates/).")


def limits_options(fn: Any) -> Any:
    """--max-spec-bytes, --max-yaml-nodes, --max-yaml-aliases: spec/loader.py's Limits for this run."""
    from ..spec import loader

    for name, default, what in (("--max-yaml-aliases", loader.MAX_ALIASES, "YAML aliases"),
                                ("--max-yaml-nodes", loader.MAX_NODES, "YAML nodes (after alias expansion too)"),
                                ("--max-spec-bytes", loader.MAX_SPEC_BYTES, "bytes of spec")):
        fn = click.option(name, type=click.IntRange(min=1), default=None, show_default=f"{default}, or project.limits",
                          help=f"Refuse a spec with more {what} (YAML-bomb protection; overrides the "
                               "spec's project.limits).")(fn)
    return fn


def _limits(max_spec_bytes: int | None, max_yaml_nodes: int | None, max_yaml_aliases: int | None) -> Any:
    """The Limits of this run: each flag given is fixed; the others are the defaults, or the spec's project.limits."""
    from ..spec.loader import DEFAULT_LIMITS, Limits

    given = {"spec_bytes": max_spec_bytes, "nodes": max_yaml_nodes, "aliases": max_yaml_aliases}
    return Limits(spec_bytes=max_spec_bytes or DEFAULT_LIMITS.spec_bytes, nodes=max_yaml_nodes or DEFAULT_LIMITS.nodes,
                  aliases=max_yaml_aliases or DEFAULT_LIMITS.aliases,
                  explicit=frozenset(k for k, v in given.items() if v is not None))


format_option = click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
                             show_default=True, help="How diagnostics are printed.")


def display_path(path: Path) -> str:
    """The spec path as it appears in diagnostics and generated headers: relative to cwd when inside it."""
    from ..output.fresh import display_path

    return display_path(path)


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"obs-codegen: {message}", err=True)
    sys.exit(code)


def _compile(spec: Path, fmt: str, lint: bool = True, limits: Any = None) -> Any:
    from ..pipeline import lint_compiled

    compiled = _resolved(spec, limits)
    return _report(spec, fmt, lint_compiled(compiled) if lint else compiled)


def _resolved(spec: Path, limits: Any) -> Any:
    """The spec loaded and resolved, not linted (`pipeline.lint_compiled` adds the rules)."""
    from ..pipeline import compile_spec
    from ..spec.loader import DEFAULT_LIMITS

    try:
        return compile_spec(spec, display_path(spec), lint=False, limits=limits or DEFAULT_LIMITS)
    except OSError as exc:
        _fail(f"cannot read spec {spec}: {exc.strerror or exc}")


def _report(spec: Path, fmt: str, compiled: Any) -> Any:
    """Print `compiled`'s diagnostics; exit 1 if any is an error (or nothing could be built)."""
    if compiled.diagnostics:
        click.echo(render_diagnostics(compiled.diagnostics, fmt), nl=False, err=fmt == "text")
    if not compiled.ok:
        errors = sum(d.severity == "error" for d in compiled.diagnostics)
        _fail(f"{errors} error(s) in {display_path(spec)}; nothing was generated", 1)
    return compiled


def _inputs_hash(raw: bytes, spec_path: str, tpl: Any, include: tuple[str, ...] = (),
                 included: tuple[tuple[str, bytes], ...] = ()) -> str:
    """The inputs hash; reading the templates first means a FIFO or huge --templates dir fails here, cleanly."""
    from ..output.drift import inputs_hash

    try:
        return inputs_hash(raw, spec_path, tpl, include, included)
    except OSError as exc:
        _fail(f"cannot read templates: {describe_os_error(exc)}")


jobs_option = click.option("--jobs", type=click.IntRange(1, 64), default=None,
                           help="Worker processes that render beside the one that lints (default: $OBS_CODEGEN_JOBS, else the "
                                "usable CPUs; 1: one process, no fork).")


def _build(spec: Path, fmt: str, limits: Any, templates: Path | None, jobs: int | None = None) -> tuple[Any, Any, bytes]:
    """Compile, lint and render the spec: (compiled, files, manifest), or exit with the diagnostics or error.

    Rendering starts as soon as the spec resolves cleanly, in forked workers (`backends.rendering`),
    while this process runs the lint rules; a lint error kills the workers and is reported exactly
    as before. A spec that does not resolve is linted and reported without rendering anything."""
    from jinja2 import TemplateError, TemplateSyntaxError

    from ..backends import BackendConflict, rendering
    from ..backends.escaped import UnescapedOutput
    from ..backends.templating import Templates
    from ..output.writer import UnsafePath, manifest_bytes, safe_relpath
    from ..pipeline import lint_compiled
    from ..spec.includes import patterns_of

    compiled = _resolved(spec, limits)
    if not compiled.ok:
        _report(spec, fmt, lint_compiled(compiled))
    tpl = Templates(templates)
    with rendering(compiled.model, tpl, jobs=jobs, parent_lints=True) as finish:
        compiled = _report(spec, fmt, lint_compiled(compiled))
        src = compiled.source
        include = tuple(patterns_of(src.data)) if src.included else ()
        inputs = _inputs_hash(src.raw, src.path, tpl, include, tuple((rel, raw) for rel, _, raw in src.included))
        try:
            files = finish()
            for path in files:
                safe_relpath(path)
        except (BackendConflict, UnsafePath) as exc:
            _fail(str(exc), 1)
        except TemplateSyntaxError as exc:
            _fail(f"template error: {exc.filename or exc.name}:{exc.lineno}: {exc.message}", 2)
        except (UnescapedOutput, TemplateError) as exc:
            _fail(f"template error: {exc}", 2)
        except Exception as exc:  # a template error or a backend bug: report it, never a traceback
            _fail(f"internal error while rendering ({type(exc).__name__}: {exc}); please report it", 2)
    spec_files = {src.path: src.raw, **{name: raw for _, name, raw in src.included}}
    return compiled, files, manifest_bytes(files, inputs, src.path, __version__, include, spec_files)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="obs-codegen")
def main() -> None:
    """Compile one observability spec into dashboards, Prometheus rules, code and log schemas."""


@main.command()
@spec_option
@out_option
@templates_option
@format_option
@jobs_option
@limits_options
def generate(spec: Path, out: Path, templates: Path | None, fmt: str, jobs: int | None, **limits: int | None) -> None:
    """Render every output into --out (all or nothing)."""
    from ..output.writer import UnsafePath, WriteError, write_tree

    compiled, files, manifest = _build(spec, fmt, _limits(**limits), templates, jobs)
    notices: list[str] = []
    protect = {"the spec file": spec, **({"the templates directory": templates} if templates else {}),
               **{f"the included spec file {name}": spec.parent / rel for rel, name, _ in compiled.source.included}}
    try:
        changed = write_tree(out, files, manifest, protect=protect, notices=notices)
    except UnsafePath as exc:
        _fail(str(exc), 1)
    except WriteError as exc:
        _fail(f"cannot write {out.as_posix()}/: {exc}" + ("; the previous output is intact" if exc.intact else ""))
    finally:
        for notice in notices:
            click.echo(f"obs-codegen: {notice}", err=True)
    click.echo(f"obs-codegen: {len(files)} files in {out.as_posix()}/, {len(changed)} changed", err=True)


@main.command()
@spec_option
@out_option
@templates_option
@click.option("--full", is_flag=True, help="Always re-render (skip the manifest fast path).")
@jobs_option
@limits_options
def check(spec: Path, out: Path, templates: Path | None, full: bool, jobs: int | None,
          **limit_values: int | None) -> None:
    """Fail (exit 1) when --out is not exactly what the spec generates."""
    from ..backends.templating import Templates
    from ..output.drift import compare, is_fresh
    from ..output.fresh import spec_inputs
    from ..safe_io import TooLarge
    from ..spec.limits import effective, read_bound
    from ..spec.loader import read_spec

    limits = _limits(**limit_values)
    bound = limits.spec_bytes
    try:
        bound = effective(read_spec(spec, replace(limits, spec_bytes=read_bound(limits))), limits).spec_bytes
    except OSError as exc:
        if not isinstance(exc, TooLarge):
            _fail(f"cannot read spec {spec}: {exc.strerror or exc}")
    inputs = spec_inputs(spec, out, bound)  # None: not fresh, the full path reports why
    tpl = Templates(templates)
    if not full and inputs is not None and is_fresh(out, _inputs_hash(inputs[0], display_path(spec), tpl, *inputs[1:])):
        click.echo(f"obs-codegen: {out.as_posix()}/ is up to date", err=True)
        return
    from ..output.swap import leftovers

    if not out.exists() and any(kind == "previous" for kind, _, _ in leftovers(Path(os.path.abspath(out)))):
        click.echo(f"obs-codegen: {out.as_posix()}/ is missing, but an interrupted generate left the previous "
                   "output beside it; `obs-codegen generate` restores it", err=True)
    _, files, manifest = _build(spec, "text", limits, templates, jobs)
    report = compare(out, files, manifest)
    if report.clean:
        click.echo(f"obs-codegen: {out.as_posix()}/ is up to date", err=True)
        return
    for d in report.differences:
        click.echo(f"{d.kind}: {out.as_posix()}/{d.path}")
        if d.diff:
            click.echo(d.diff, nl=False)
    fix = f"obs-codegen generate --spec {display_path(spec)} --out {out.as_posix()}"
    if templates:
        fix += f" --templates {templates.as_posix()}"
    click.echo(f"\n{len(report.differences)} file(s) differ from what {display_path(spec)} generates.\n"
               f"Fix: run `{fix}` (or `make generate`) and commit {out.as_posix()}/.", err=True)
    sys.exit(1)


@main.command()
@spec_option
@format_option
@click.option("--list-rules", is_flag=True, help="Print every rule id with its purpose and severity.")
@limits_options
def lint(spec: Path, fmt: str, list_rules: bool, **limits: int | None) -> None:
    """Check the spec: schema, references, naming and privacy rules."""
    if list_rules:
        from ..lint import RULES

        rows = sorted(RULES.values(), key=lambda r: r.id)
        if fmt == "json":
            click.echo(json.dumps([{"id": r.id, "severity": r.severity, "purpose": r.purpose} for r in rows], indent=2))
        else:
            width = max(len(r.id) for r in rows)
            for r in rows:
                click.echo(f"{r.id:<{width}}  {r.severity:<7}  {r.purpose}")
        return
    _compile(spec, fmt, limits=_limits(**limits))
    if fmt == "text":
        click.echo(f"obs-codegen: {display_path(spec)} is clean", err=True)


@main.command()
@click.option("--included", is_flag=True, help="The schema of a file a root spec's include: names (named items only).")
def schema(included: bool) -> None:
    """Print the JSON Schema of the spec language (for editor autocompletion)."""
    from ..spec.include_schema import included_schema, root_schema

    click.echo(json.dumps(included_schema() if included else root_schema(), indent=2, sort_keys=True))


main.add_command(validate_logs)
main.add_command(diff)

if __name__ == "__main__":  # pragma: no cover
    main()
