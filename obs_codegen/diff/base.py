"""Where the base spec of `obs-codegen diff --against BASE` comes from: a file, or a git revision.

A BASE naming an existing file is read as a spec. Anything else is a git revision
(`origin/main`, `HEAD~1`, a tag): the spec is read with `git show REV:PATH`, where PATH is the
spec's path relative to the repository root, so the work tree is never touched. The bytes are
bounded like every other input.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..safe_io import describe_os_error
from ..spec.loader import MAX_SPEC_BYTES, read_spec


class BaseError(Exception):
    """The base spec cannot be read (a one-line reason)."""


@dataclass(frozen=True)
class Base:
    display: str  # how diagnostics name it: `origin/main:spec/observability.yaml`
    raw: bytes


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=30, check=False)
    except FileNotFoundError as exc:
        raise BaseError("git is not installed; pass the base spec as a file instead") from exc
    except subprocess.TimeoutExpired as exc:
        raise BaseError(f"git {args[0]} did not finish within 30 s") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BaseError(message[-1] if message else f"git {args[0]} failed ({done.returncode})")
    return done.stdout


def read_base(against: str, spec: Path, display: Callable[[Path], str] = Path.as_posix) -> Base:
    """The base spec named by `against` (a file or a git revision) for the new spec at `spec`.

    `display` names a file base in diagnostics (the CLI passes its cwd-relative `display_path`).
    """
    candidate = Path(against)
    if candidate.is_file():
        try:
            return Base(display(candidate), read_spec(candidate))
        except OSError as exc:
            raise BaseError(f"cannot read {candidate.as_posix()}: {describe_os_error(exc)}") from exc
    if against.startswith("-") or not against.strip():
        raise BaseError(f"{against!r} is neither a file nor a git revision")
    folder = spec.resolve().parent
    top = Path(_git(["rev-parse", "--show-toplevel"], folder).decode().strip())
    try:
        rel = spec.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as exc:
        raise BaseError(f"{spec.as_posix()} is not inside the git repository {top.as_posix()}") from exc
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{against}^{{commit}}"], folder)
    except BaseError as exc:
        raise BaseError(f"{against!r} is neither a file nor a git revision of {top.as_posix()}") from exc
    raw = _git(["show", f"{against}:{rel}"], folder)
    if len(raw) > MAX_SPEC_BYTES:
        raise BaseError(f"{against}:{rel} is {len(raw)} bytes; the limit is {MAX_SPEC_BYTES}")
    return Base(f"{against}:{rel}", raw)
