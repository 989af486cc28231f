"""Which files a root spec's `include:` names: pattern checks, glob expansion and confinement.

Importable without PyYAML or jsonschema: `check`'s fast path (output/fresh.py, cli/entry.py)
expands the include patterns recorded in the manifest with this module to find every spec file
it must hash. spec/includes.py (the loader's side) uses the same functions, so both paths see
the same files in the same order.

The rules (README "Several spec files"):
  * a pattern is a relative POSIX path below the root spec's directory, optionally with glob
    characters (`*`, `?`, `[...]` within one path segment, `**` for any number of directories);
    absolute paths, `..`, `.`, empty segments, backslashes, `~` and URLs are refused;
  * a pattern's matches are sorted (by path, segment by segment); patterns are taken in their
    order and a file matched twice (or by two names, through a symlink) is included once, at its
    first match; `*` does not match a
    leading dot, and wildcards do not descend into hidden or symlinked directories or into an
    obs-codegen output directory (one holding a manifest: its `spec/` copies are not spec files);
  * every match must resolve (symlinks followed) to a regular file inside the root's directory;
  * the root spec itself is never included: a glob skips it, a literal path naming it is an error.
"""

from __future__ import annotations

import os
import re
import stat
from fnmatch import fnmatchcase
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the fast path stays light)
if TYPE_CHECKING:
    from typing import Protocol

    class Tree(Protocol):
        """A directory tree the includes are read from: the file system, a git revision, a previous out/."""

        def kind(self, rel: str) -> str:
            """'file', 'dir', 'missing', 'outside' (resolves outside the tree), or a file kind ('FIFO', ...)."""

        def listdir(self, rel: str) -> list[str]:
            """Names in directory `rel` ('' is the tree's root), unsorted; OSError if unreadable."""

        def read(self, rel: str, limit: int) -> bytes:
            """The bytes of regular file `rel`; safe_io.TooLarge over `limit`, OSError if unreadable."""

        def display(self, rel: str) -> str:
            """How diagnostics name `rel`."""

        def same_as_root(self, rel: str) -> bool:
            """True when `rel` is the root spec itself."""

        def identity(self, rel: str) -> str:
            """The same string for every name of one file (symlinks resolved)."""

MAX_INCLUDED_FILES = 1000  # files one spec may include
OUTPUT_MARKER = ".obs-codegen-manifest.json"  # a directory holding one is an obs-codegen out/: globs skip it
MAX_LISTED = 100_000  # directory entries looked at while expanding the globs of one spec
_MAGIC = re.compile(r"[*?\[]")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class IncludeError(Exception):
    """One pattern cannot be used: `rule` and a message (the loader adds the position)."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


def check_pattern(pattern: str) -> None:
    """Raise IncludeError (spec-include-escape) for a pattern that could name something outside the tree."""
    if not pattern:
        raise IncludeError("spec-include-escape", "an include pattern is empty")
    if _URL.match(pattern) or "://" in pattern:
        raise IncludeError("spec-include-escape", f"include '{pattern}' is a URL; includes are local files below "
                           "the root spec's directory (nothing is fetched)")
    if pattern.startswith(("/", "~")) or "\\" in pattern or "\0" in pattern:
        raise IncludeError("spec-include-escape", f"include '{pattern}' is not a relative POSIX path; write it "
                           "relative to the root spec's directory, with '/'")
    parts = pattern.split("/")
    if ".." in parts:
        raise IncludeError("spec-include-escape", f"include '{pattern}' uses '..'; includes stay inside the root "
                           "spec's directory")
    if any(part in ("", ".") for part in parts):
        raise IncludeError("spec-include-escape", f"include '{pattern}' has an empty or '.' path segment; write "
                           "it as a plain relative path ('services/api.yaml')")


def is_glob(pattern: str) -> bool:
    return bool(_MAGIC.search(pattern))


class _Budget:
    def __init__(self, entries: int):
        self.entries = entries

    def spend(self, n: int) -> None:
        self.entries -= n
        if self.entries < 0:
            raise IncludeError("spec-too-large", f"the include globs look at more than {MAX_LISTED} directory "
                               "entries; name the directories more precisely")


def _matches(tree: Tree, segments: list[str], budget: _Budget) -> list[str]:
    """Every existing path matching the glob `segments`, sorted."""
    found: list[str] = []

    def names(prefix: str) -> list[str]:
        try:
            listing = tree.listdir(prefix)
        except OSError:
            return []
        budget.spend(len(listing))
        return sorted(listing)

    def join(prefix: str, name: str) -> str:
        return f"{prefix}/{name}" if prefix else name

    def is_dir(child: str) -> bool:
        kind = tree.kind(child)
        if kind == "outside":
            raise IncludeError("spec-include-escape", f"{tree.display(child)} is a symlink to a directory outside the "
                               "root spec's directory")
        return kind == "dir"

    def descend(child: str) -> bool:
        """A glob walks into `child`: a real directory that is not hidden, a symlink or an obs-codegen out/."""
        name = child.rpartition("/")[2]
        return (not name.startswith(".") and is_dir(child) and not tree_is_link(tree, child)
                and tree.kind(f"{child}/{OUTPUT_MARKER}") == "missing")

    def walk(prefix: str, i: int) -> None:
        seg, last = segments[i], i == len(segments) - 1
        if seg == "**":
            if last:  # `dir/**`: every file below
                for name in names(prefix):
                    child = join(prefix, name)
                    if name.startswith("."):
                        continue
                    if descend(child):
                        walk(child, i)
                    elif tree.kind(child) != "dir":
                        found.append(child)
                return
            walk(prefix, i + 1)
            for name in names(prefix):
                child = join(prefix, name)
                if descend(child):
                    walk(child, i)
            return
        if not is_glob(seg):
            child = join(prefix, seg)
            if last:
                found.append(child)
            elif is_dir(child):
                walk(child, i + 1)
            return
        for name in names(prefix):
            if name.startswith(".") and not seg.startswith("."):
                continue
            if fnmatchcase(name, seg):
                child = join(prefix, name)
                if last:
                    found.append(child)
                elif descend(child):
                    walk(child, i + 1)

    walk("", 0)
    return sorted(set(found), key=lambda p: p.split("/"))


def tree_is_link(tree: Tree, rel: str) -> bool:
    is_link = getattr(tree, "is_link", None)
    return bool(is_link(rel)) if is_link else False


def expand(patterns: list[str], tree: Tree) -> list[tuple[int, list[str] | IncludeError]]:
    """For each pattern (by index), its files (relative paths, in order) or the IncludeError that stops it.

    A file already matched by an earlier pattern is left out of later ones; a glob skips directories
    and the root spec, and must match at least one file.
    """
    seen: set[str] = set()
    total = 0
    budget = _Budget(MAX_LISTED)
    out: list[tuple[int, list[str] | IncludeError]] = []
    for index, pattern in enumerate(patterns):
        try:
            check_pattern(pattern)
            glob = is_glob(pattern)
            files: list[str] = []
            again = False
            for rel in _matches(tree, pattern.split("/"), budget):
                kind = tree.kind(rel)
                if kind == "outside":
                    raise IncludeError("spec-include-escape", f"include '{pattern}': {tree.display(rel)} is a symlink "
                                       "to a file outside the root spec's directory")
                if glob and (kind == "dir" or tree.same_as_root(rel)):
                    continue
                if kind == "missing":
                    raise IncludeError("spec-include-missing", f"include '{pattern}': {tree.display(rel)} does not exist")
                if kind == "dir":
                    raise IncludeError("spec-include-not-file", f"include '{pattern}': {tree.display(rel)} is a "
                                       f"directory; include its files with '{pattern.rstrip('/')}/*.yaml'")
                if kind != "file":
                    raise IncludeError("spec-include-not-file", f"include '{pattern}': {tree.display(rel)} is a {kind}, "
                                       "not a regular file")
                if tree.same_as_root(rel):
                    raise IncludeError("spec-include-cycle", f"include '{pattern}' names the root spec itself")
                identity = tree.identity(rel)  # a symlink and its target are one file, included once
                if identity in seen:
                    again = True
                else:
                    seen.add(identity)
                    files.append(rel)
            if glob and not files and not again:
                raise IncludeError("spec-include-empty", f"include '{pattern}' matches no file")
            total += len(files)
            if total > MAX_INCLUDED_FILES:
                raise IncludeError("spec-too-large", f"the includes name more than {MAX_INCLUDED_FILES} files")
            out.append((index, files))
        except IncludeError as exc:
            out.append((index, exc))
            if exc.rule == "spec-too-large":
                break
    return out


class FsTree:
    """The directory holding the root spec, on the file system; symlinks are followed only to inside it."""

    def __init__(self, root_dir: Path, display_dir: str, root_name: str):
        self.root = Path(root_dir)
        self.display_dir = display_dir
        self.root_name = root_name
        try:
            self.real = Path(os.path.realpath(self.root))
        except (OSError, ValueError):
            self.real = self.root

    def _real(self, rel: str) -> Path | None:
        try:
            real = Path(os.path.realpath(self.root / rel))
            real.relative_to(self.real)
        except (OSError, ValueError, RuntimeError):
            return None
        return real

    def kind(self, rel: str) -> str:
        try:
            os.lstat(self.root / rel)
        except OSError:
            return "missing"
        real = self._real(rel)
        if real is None:
            return "outside"
        try:
            mode = os.stat(real).st_mode
        except OSError:
            return "missing"  # a dangling symlink
        if stat.S_ISDIR(mode):
            return "dir"
        if stat.S_ISREG(mode):
            return "file"
        from ..safe_io import file_kind

        return file_kind(mode)

    def is_link(self, rel: str) -> bool:
        try:
            return stat.S_ISLNK(os.lstat(self.root / rel).st_mode)
        except OSError:
            return False

    def listdir(self, rel: str) -> list[str]:
        real = self._real(rel)
        if real is None:
            return []
        return os.listdir(real)

    def read(self, rel: str, limit: int) -> bytes:
        from ..safe_io import read_regular

        real = self._real(rel)
        if real is None:
            raise OSError(f"{self.display(rel)} resolves outside the root spec's directory")
        return read_regular(real, limit)

    def display(self, rel: str) -> str:
        return f"{self.display_dir}/{rel}" if self.display_dir not in ("", ".") else rel

    def identity(self, rel: str) -> str:
        return str(self._real(rel) or rel)

    def same_as_root(self, rel: str) -> bool:
        real = self._real(rel)
        root = self._real(self.root_name)
        return real is not None and real == root
