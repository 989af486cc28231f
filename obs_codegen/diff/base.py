"""Where the base spec of `obs-codegen diff --against BASE` comes from: a file, a previous `out/`, or a git revision.

A BASE naming an existing file is read as a spec. A directory is a previous `out/` (it has the
writer's manifest): its `spec/spec.yaml`, the copy of the spec that generated it, is the base. Anything else is a git revision
(`origin/main`, `HEAD~1`, a tag): the spec is read with `git show REV:PATH`, where PATH is the
spec's path relative to the repository root, so the work tree is never touched. The bytes are
bounded like every other input. A multi-file base reads its includes from the same place: beside the
base file, from the previous out/'s `spec/` copy, or from the same revision (`git ls-tree` and `git cat-file`).
"""

from __future__ import annotations

import posixpath
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..safe_io import TooLarge, describe_os_error
from ..spec.include_paths import FsTree
from ..spec.loader import MAX_SPEC_BYTES, read_spec


class BaseError(Exception):
    """The base spec cannot be read (a one-line reason)."""


@dataclass(frozen=True)
class Base:
    display: str  # how diagnostics name it: `origin/main:spec/observability.yaml`
    raw: bytes
    tree: Any = None  # where its includes are read from (spec/include_paths.py): a directory, or GitTree


class GitTree:
    """The root spec's directory at a git revision, for a multi-file base: listed once with `git ls-tree`,
    files read with `git cat-file` (bounded), symlinks followed only to inside the directory."""

    def __init__(self, rev: str, top: Path, folder: str, root_name: str):
        self.rev, self.top, self.folder, self.root_name = rev, top, folder, root_name
        self.files: dict[str, tuple[str, str]] = {}  # rel -> (mode, object)
        self.dirs: dict[str, set[str]] = {"": set()}
        listing = _git(["ls-tree", "-r", "-z", f"{rev}:{folder}" if folder else f"{rev}^{{tree}}"], top)
        for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
            meta, _, rel = entry.partition("\t")
            if not rel:
                continue
            mode, _, rest = meta.partition(" ")
            self.files[rel] = (mode, rest.partition(" ")[2])
            parts = rel.split("/")
            for i in range(len(parts)):
                self.dirs.setdefault("/".join(parts[:i]), set()).add(parts[i])

    def _target(self, rel: str, hops: int = 0) -> str | None:
        """`rel` with symlinks followed; None when a link leaves the directory (or loops)."""
        entry = self.files.get(rel)
        if entry is None or entry[0] != "120000":
            return rel
        if hops > 8:
            return None
        link = _git(["cat-file", "blob", entry[1]], self.top).decode("utf-8", "replace")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), link))
        if link.startswith("/") or target == ".." or target.startswith("../"):
            return None
        return self._target(target, hops + 1)

    def kind(self, rel: str) -> str:
        if rel not in self.files:
            return "dir" if rel in self.dirs else "missing"
        target = self._target(rel)
        if target is None:
            return "outside"
        if target in self.dirs and target not in self.files:
            return "dir"
        entry = self.files.get(target)
        if entry is None:
            return "missing"
        return "file" if entry[0] in ("100644", "100755") else "submodule"

    def is_link(self, rel: str) -> bool:
        return self.files.get(rel, ("", ""))[0] == "120000"

    def listdir(self, rel: str) -> list[str]:
        return list(self.dirs.get(rel, ()))

    def read(self, rel: str, limit: int) -> bytes:
        target = self._target(rel)
        entry = self.files.get(target) if target else None
        if entry is None:
            raise OSError(f"{self.display(rel)} cannot be read")
        size = int(_git(["cat-file", "-s", entry[1]], self.top).decode().strip() or 0)
        if size > limit:
            raise TooLarge(self.display(rel), size, limit)
        return _git(["cat-file", "blob", entry[1]], self.top)

    def display(self, rel: str) -> str:
        return f"{self.rev}:{self.folder}/{rel}" if self.folder else f"{self.rev}:{rel}"

    def identity(self, rel: str) -> str:
        return self._target(rel) or rel

    def same_as_root(self, rel: str) -> bool:
        return self._target(rel) == self.root_name


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


def _out_dir(folder: Path, display: Callable[[Path], str]) -> Base:
    """The spec copy inside a previous `out/` directory."""
    from ..backends.spec_copy import PATH
    from ..output.writer import MANIFEST

    if not (folder / MANIFEST).is_file():
        raise BaseError(f"{display(folder)} is a directory but not an obs-codegen output directory (no {MANIFEST})")
    copy = folder.joinpath(*PATH.parts)
    if not copy.is_file():
        raise BaseError(f"{display(folder)} has no {PATH.as_posix()}: it was generated by an obs-codegen that did "
                        "not keep a copy of the spec; pass the base spec file or a git revision instead")
    try:
        return Base(display(copy), read_spec(copy), _fs_tree(copy, display))
    except OSError as exc:
        raise BaseError(f"cannot read {display(copy)}: {describe_os_error(exc)}") from exc


def read_base(against: str, spec: Path, display: Callable[[Path], str] = Path.as_posix) -> Base:
    """The base spec named by `against` (a file or a git revision) for the new spec at `spec`.

    `display` names a file base in diagnostics (the CLI passes its cwd-relative `display_path`).
    """
    candidate = Path(against)
    if candidate.is_dir():
        return _out_dir(candidate, display)
    if candidate.is_file():
        try:
            return Base(display(candidate), read_spec(candidate), _fs_tree(candidate, display))
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
    return Base(f"{against}:{rel}", raw, _GitTreeLazy(against, top, posixpath.dirname(rel), posixpath.basename(rel)))


def _fs_tree(spec: Path, display: Callable[[Path], str]) -> FsTree:
    return FsTree(spec.parent, posixpath.dirname(display(spec)), spec.name)


class _GitTreeLazy:
    """A GitTree listed only when the base spec has includes (a single-file base costs no `git ls-tree`)."""

    def __init__(self, rev: str, top: Path, folder: str, root_name: str):
        self.args = (rev, top, folder, root_name)
        self.tree: GitTree | None = None

    def __getattr__(self, name: str) -> Any:
        if name == "args" or name == "tree":
            raise AttributeError(name)
        if self.tree is None:
            try:
                self.tree = GitTree(*self.args)
            except BaseError as exc:
                raise OSError(str(exc)) from exc
        return getattr(self.tree, name)
