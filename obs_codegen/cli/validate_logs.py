"""`obs-codegen validate-logs`: check JSON Lines log files against the log schemas.

Registered in cli.py with `main.add_command(validate_logs)`. Prints one
`file:line: $.path: message` per problem, then a summary (lines read, valid,
invalid, per service and event kind). Exit codes: 0 every line valid, 1 some
line invalid, 2 usage, spec or schema error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the validator (and jsonschema) is imported only when the command runs
    from ..logs.validate import Finding, LogValidator, Stats


class InputError(click.ClickException):
    """A spec or schema problem: exit code 2, like a usage error."""

    exit_code = 2


def _load_validator(spec: str, schemas: str | None, pii: bool = False) -> LogValidator:
    """The validator, from a schema directory or built in memory from the spec."""
    from ..logs.validate import LogValidator

    if schemas is not None:
        return LogValidator.from_dir(Path(schemas), pii)
    from ..pipeline import compile_spec

    try:
        compiled = compile_spec(spec, spec, lint=False)
    except OSError as exc:
        raise InputError(f"cannot read spec {spec}: {exc.strerror or exc}") from exc
    if not compiled.ok or compiled.model is None:
        for d in compiled.diagnostics:
            click.echo(d.text(), err=True)
        raise InputError(f"{spec} has errors; fix them first")
    return LogValidator.from_model(compiled.model, pii)


def _open_log(name: str) -> IO[bytes]:
    """A log file, opened only if it is a regular file: a FIFO, device or directory is an input error."""
    from ..safe_io import NotRegularFile, describe_os_error, open_regular

    try:
        return open_regular(name)
    except NotRegularFile as exc:
        raise InputError(f"cannot read log file {name}: {exc.strerror}; to read a pipe or a device, "
                         f"redirect it to standard input and pass `-`") from exc
    except OSError as exc:
        raise InputError(f"cannot read log file {name}: {describe_os_error(exc)}") from exc


def _findings(validator: LogValidator, files: tuple[str, ...], stats: Stats, jobs: int = 1) -> Generator[Finding, None, None]:
    from ..logs.parallel import validate_parallel

    def check(stream: Any, name: str) -> Iterator[Finding]:
        if jobs > 1:
            return validate_parallel(validator, stream, name, stats, jobs)
        return validator.validate_lines(stream, name, stats)

    for name in files:
        if name == "-":
            yield from check(sys.stdin.buffer, "<stdin>")
            continue
        with _open_log(name) as stream:
            yield from check(stream, name)


def _summary_text(stats: Stats) -> list[str]:
    rows = [("service", "kind", "valid", "invalid")] + [(s, k, str(v), str(i)) for s, k, v, i in stats.rows()]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    table = ["  " + "  ".join(r[c].ljust(widths[c]) if c < 2 else r[c].rjust(widths[c]) for c in range(4)).rstrip()
             for r in rows]
    return [f"{stats.lines} lines read: {stats.valid} valid, {stats.invalid} invalid"] + (table if stats.lines else [])


def _run(validator: LogValidator, files: tuple[str, ...], fmt: str, out: IO[str], jobs: int = 1) -> Stats:
    """Stream findings to `out` as they are found (constant memory), then the summary."""
    from ..logs.validate import Stats

    stats = Stats()
    # closing(): a write that fails (a closed pipe) closes the generator, and with it the `--jobs` worker pool,
    # at once rather than whenever the generator is freed (the CLI leaves by os._exit, without freeing).
    with closing(_findings(validator, files, stats, jobs)) as findings:
        if fmt == "text":
            for f in findings:
                out.write(f.text() + "\n")
            out.write("\n".join(_summary_text(stats)) + "\n")
            return stats
        out.write('{"findings": [')
        for n, f in enumerate(findings):
            out.write(("," if n else "") + "\n  " + json.dumps(f.to_dict(), ensure_ascii=False, sort_keys=True))
    summary: dict[str, Any] = stats.to_dict()
    out.write('\n], "summary": ' + json.dumps(summary, ensure_ascii=False, sort_keys=True) + "}\n")
    return stats


@click.command("validate-logs")
@click.option("--spec", default="spec/observability.yaml", show_default=True,
              help="Spec whose log events define the schemas (ignored with --schemas).")
@click.option("--schemas", type=click.Path(exists=True, file_okay=False), default=None,
              help="Directory of <service>.schema.json files (e.g. out/schemas/logs) instead of the spec.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--pii", is_flag=True, default=False,
              help="Also flag free-text strings that look like emails, phone numbers or national ids.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes checking lines in parallel (output order unchanged).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def validate_logs(spec: str, schemas: str | None, fmt: str, pii: bool, jobs: int, files: tuple[str, ...]) -> None:
    """Validate JSON Lines log FILES (`-` for stdin) against each line's service schema."""
    from ..logs.validate import SchemaError

    for name in files:  # refuse a FIFO or device before any output (each is checked again when opened)
        if name != "-":
            _open_log(name).close()
    try:
        validator = _load_validator(spec, schemas, pii)
    except SchemaError as exc:
        raise InputError(str(exc)) from exc
    stats = _run(validator, files, fmt, sys.stdout, jobs)
    sys.exit(1 if stats.invalid else 0)

