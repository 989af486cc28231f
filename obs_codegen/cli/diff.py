"""`obs-codegen diff`: compare the spec with a base (a file or a git revision) and gate breaking changes.

Registered in main.py with `main.add_command(diff)`. Exit codes: 0 nothing breaking (or every
break accepted), 1 a breaking change that is not accepted, 2 usage or input errors (the base
cannot be read, either spec does not load or resolve).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..diagnostics import has_errors
from ..diagnostics import render as render_diagnostics


def _fail(message: str) -> None:
    click.echo(f"obs-codegen: {message}", err=True)
    sys.exit(2)


def _compiled(compiled: Any, what: str) -> Any:
    if compiled.model is None or has_errors(compiled.diagnostics):
        click.echo(render_diagnostics([d for d in compiled.diagnostics if d.severity == "error"], "text"), nl=False,
                   err=True)
        _fail(f"the {what} spec has errors; fix them (`obs-codegen lint`) before comparing")
    return compiled


@click.command()
@click.option("--spec", "spec", default="spec/observability.yaml", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The new spec.")
@click.option("--against", "against", default=None, metavar="BASE",
              help="The base: a spec file, or a git revision (origin/main, HEAD~1) read with `git show REV:PATH`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "markdown"]), default="text",
              show_default=True, help="How findings are printed.")
@click.option("--allow", "allow", multiple=True, metavar="RULE_ID", help="Accept breaking changes of this rule.")
@click.option("--list-rules", is_flag=True, help="Print every change rule with its category and severity.")
def diff(spec: Path, against: str | None, fmt: str, allow: tuple[str, ...], list_rules: bool) -> None:
    """Fail (exit 1) when the spec breaks readers of the base: queries, code, logs or the wire."""
    from ..diff import RULES, accepted_breaks, diff_models
    from ..diff import report as out
    from ..diff.base import BaseError, read_base
    from ..pipeline import compile_bytes, compile_spec
    from .main import display_path

    if list_rules:
        for r in sorted(RULES.values(), key=lambda r: (r.category, r.id)):
            click.echo(f"{r.id:<32}  {r.category:<7}  {r.severity:<7}  {r.purpose}")
        return
    if against is None:
        _fail("diff needs --against BASE (a spec file or a git revision such as origin/main)")
        return
    unknown = sorted(set(allow) - set(RULES))
    if unknown:
        _fail(f"--allow: unknown rule id(s) {', '.join(unknown)} (see `obs-codegen diff --list-rules`)")
    try:
        new = _compiled(compile_spec(spec, display_path(spec), lint=False), "new")
    except OSError as exc:
        _fail(f"cannot read spec {spec}: {exc.strerror or exc}")
    try:
        base = read_base(against, spec, display_path)
    except BaseError as exc:
        _fail(f"cannot read the base {against!r}: {exc}")
    old = _compiled(compile_bytes(base.raw, base.display, lint=False, tree=base.tree), "base")
    accepted = accepted_breaks(new.source.data)
    stale = sorted({rule for rule, _ in accepted} - set(RULES))
    if stale:
        _fail(f"accepted_breaks: unknown rule id(s) {', '.join(stale)} (see `obs-codegen diff --list-rules`)")
    findings = diff_models(old.model, new.model, allow, accepted)
    render = {"text": out.text, "json": out.as_json, "github": out.github, "markdown": out.markdown}[fmt]
    click.echo(render(findings), nl=False)
    if fmt == "text":
        click.echo(f"obs-codegen: {out.verdict(findings)} against {base.display}", err=True)
    sys.exit(1 if any(f.breaking for f in findings) else 0)
