"""Stage 5: the one writer for every backend's files, and the manifest it keeps.

Guarantees:
  * every path is relative, normalised and inside the output directory, and no
    symlink on it is followed: every component is checked (lstat) against the real
    out/ before anything is created, and written with O_NOFOLLOW in the staging copy;
  * the output directory is refused (before anything is created) when it is a
    symlink or not a directory, or is, contains or lies inside the spec, the
    templates directory, the working directory, a repository root or a `.git` dir;
  * all or nothing, and out/ never missing: the new tree is staged beside out/
    and swapped in atomically (output/swap.py); a failed run removes its staging
    dir and leaves out/ as it was; an interrupted swap is repaired by the next run;
  * a manifest (`.obs-codegen-manifest.json`) records each generated file's
    sha256, the inputs' hash and the tool version;
  * only files listed in the previous manifest and no longer generated are
    removed; files obs-codegen did not generate are never touched, and a foreign
    file at a path the spec now generates is refused by name (ForeignFiles);
  * when nothing changed, nothing is written (mtimes stay put);
  * any OSError (disk full, permission denied, read-only) becomes a one-line WriteError.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from ..safe_io import (
    SymlinkOnPath,
    describe_os_error,
    file_kind,
    lstat_beneath,
    read_beneath,
)
from . import fresh, swap

# The manifest format lives in output/fresh.py, so `check`'s fast path reads it with the same code.
MANIFEST = fresh.MANIFEST
MAX_MANIFEST_BYTES = fresh.MAX_MANIFEST_BYTES
UnsafePath = fresh.UnsafePath
manifest_path = fresh.manifest_path
read_manifest = fresh.read_manifest
safe_relpath = fresh.safe_relpath
sha256 = fresh.sha256

Files = dict[PurePosixPath, bytes]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class ForeignFiles(UnsafePath):
    """Files obs-codegen did not generate sit where it now generates files."""


class WriteError(OSError):
    """Writing failed (disk full, permission denied, ...); the message is one line. `intact`: out/ is as it was."""

    def __init__(self, message: str, intact: bool = True):
        super().__init__(message)
        self.intact = intact


def manifest_bytes(files: Files, inputs: str, spec: str, version: str, include: tuple[str, ...] = (),
                   spec_files: Mapping[str, bytes] | None = None) -> bytes:
    """The manifest; a multi-file spec also records its include patterns (for `check`'s fast path, see
    fresh.spec_inputs) and the sha256 of every spec file, root first, by display name."""
    doc: dict[str, object] = {
        "generator": f"obs-codegen {version}",
        "spec": spec,
        "inputs_sha256": inputs,
        "files": {str(p): sha256(d) for p, d in sorted(files.items(), key=lambda kv: str(kv[0]))},
    }
    if include:
        doc["include"] = list(include)
        doc["spec_files"] = {name: sha256(raw) for name, raw in (spec_files or {}).items()}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


# --- choosing the output directory --------------------------------------------------------

def resolve_out(out_dir: Path, protect: Mapping[str, Path] | None = None) -> Path:
    """The real path of the output directory, or UnsafePath if obs-codegen must not use it.

    `protect` maps a description ("the spec file") to a path that out/ must neither contain nor lie inside.
    """
    given = Path(os.path.abspath(out_dir))
    if given == given.parent:
        raise UnsafePath(f"refusing to use {given} as the output directory: it is the filesystem root")
    try:
        parent = given.parent.resolve()
        cwd = Path.cwd().resolve()
        guarded = [(what, Path(p), Path(p).resolve()) for what, p in (protect or {}).items()]
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        raise UnsafePath(f"refusing to use {given} as the output directory: cannot resolve it ({exc})") from None
    real = parent / given.name
    ancestor = parent
    while not os.path.lexists(ancestor):
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UnsafePath(f"refusing to use {given} as the output directory: {ancestor} is not a directory")
    try:
        st = os.lstat(real)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise UnsafePath(f"refusing to use {given} as the output directory: it is a symlink (to {os.readlink(real)}); "
                         "obs-codegen swaps the output directory as a whole and never writes through a link: "
                         "pass the real directory as --out, or replace the link by a directory")
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise UnsafePath(f"refusing to use {given} as the output directory: it is {file_kind(st.st_mode)}, "
                         "not a directory")
    if cwd.is_relative_to(real):
        raise UnsafePath(f"refusing to use {given} as the output directory: it contains the working directory")
    if ".git" in real.parts or os.path.lexists(real / ".git"):
        raise UnsafePath(f"refusing to use {given} as the output directory: it is (inside) a git repository's "
                         "own directory or root")
    for root in _repo_roots([cwd] + [p for _, _, p in guarded]):
        if root.is_relative_to(real):
            raise UnsafePath(f"refusing to use {given} as the output directory: it contains the repository root {root}")
    for what, shown, p in guarded:
        if p.is_relative_to(real):
            raise UnsafePath(f"refusing to use {given} as the output directory: it contains {what} {shown}")
        if real.is_relative_to(p):
            raise UnsafePath(f"refusing to use {given} as the output directory: it is inside {what} {shown}")
    return real


def _repo_roots(starts: Iterable[Path]) -> set[Path]:
    roots = set()
    for start in starts:
        for d in (start, *start.parents):
            if os.path.lexists(d / ".git"):
                roots.add(d)
                break
    return roots


# --- writing ----------------------------------------------------------------------------

def write_tree(out_dir: Path, files: Files, manifest: bytes, protect: Mapping[str, Path] | None = None,
               notices: list[str] | None = None) -> list[PurePosixPath]:
    """Make `out_dir` hold `files` (plus foreign files already there); return the paths that changed.

    Raises UnsafePath (including ForeignFiles) before anything is created, WriteError when the
    filesystem fails. Messages for the user about repairs of earlier runs go to `notices`.
    """
    checked = {safe_relpath(p): d for p, d in files.items()}
    out = resolve_out(out_dir, protect)
    try:
        repaired = swap.recover(out)
    except OSError as exc:
        raise WriteError(f"cannot repair what an interrupted earlier run left: {describe_os_error(exc)}",
                         intact=False) from exc
    if notices is not None:
        notices.extend(repaired)
    staging = swap.staging_path(out)
    try:
        old = read_manifest(out) or {"files": {}}
        old_files = {p for p in map(manifest_path, old["files"]) if p is not None}
        changed, removed = _plan(out, checked, old_files)
        if not changed and not removed and _same(out, PurePosixPath(MANIFEST), manifest):
            return []
        os.makedirs(out.parent, exist_ok=True)
        try:
            _build(out, staging, checked, changed, removed, manifest)
            swap.install(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    except OSError as exc:
        if isinstance(exc.filename, str) and exc.filename.startswith(str(staging)):
            exc.filename = str(out) + exc.filename[len(str(staging)):]  # name the file the user knows
        raise WriteError(describe_os_error(exc)) from exc
    return changed + removed


def _lstat(root: Path, rel: PurePosixPath) -> os.stat_result | None:
    try:
        st = lstat_beneath(root, rel)
    except SymlinkOnPath as exc:
        raise UnsafePath(f"refusing to touch {rel}: {exc.filename} is a symlink; obs-codegen never writes "
                         "through a symlink inside the output directory") from None
    return st


def _plan(out: Path, checked: Files, old_files: set[PurePosixPath]) -> tuple[list[PurePosixPath], list[PurePosixPath]]:
    """(files to write, files to remove), after checking every component of every path in the real out/."""
    if not os.path.lexists(out):
        return sorted(checked), []
    removed = []
    for p in sorted(old_files - set(checked)):
        st = _lstat(out, p)
        if st is not None and not stat.S_ISDIR(st.st_mode):  # a file, link, FIFO, ...: only its name goes
            removed.append(p)
    gone = set(removed)
    changed: list[PurePosixPath] = []
    foreign: list[str] = []
    for p, data in sorted(checked.items()):
        for i in range(1, len(p.parts)):
            prefix = PurePosixPath(*p.parts[:i])
            st = _lstat(out, prefix)
            if st is None:  # the rest of the path does not exist yet
                break
            if stat.S_ISDIR(st.st_mode):
                continue
            if stat.S_ISLNK(st.st_mode):
                raise UnsafePath(f"refusing to touch {p}: {prefix} is a symlink; obs-codegen never writes "
                                 "through a symlink inside the output directory")
            if prefix not in gone:
                foreign.append(f"{prefix} ({file_kind(st.st_mode)} where {p} needs a directory)")
            break
        st = _lstat(out, p)
        if st is None:
            changed.append(p)
            continue
        if stat.S_ISDIR(st.st_mode):
            foreign.append(f"{p} (a directory where obs-codegen generates a file)")
            continue
        if stat.S_ISREG(st.st_mode) and _same(out, p, data):
            continue
        if p not in old_files:
            foreign.append(str(p) if stat.S_ISREG(st.st_mode) else f"{p} ({file_kind(st.st_mode)})")
        changed.append(p)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ForeignFiles(
            f"refusing to overwrite {len(foreign)} path(s) in {out} that obs-codegen did not generate "
            f"(they are not in its manifest {MANIFEST}): {shown}; move them out of the way (or delete them) "
            "and run generate again")
    return changed, removed


def _same(root: Path, rel: PurePosixPath, data: bytes) -> bool:
    try:
        return read_beneath(root, rel, len(data)) == data
    except OSError:
        return False


def _build(out: Path, staging: Path, checked: Files, changed: list[PurePosixPath], removed: list[PurePosixPath],
           manifest: bytes) -> None:
    """Fill `staging` with a copy of out/ (if any), minus `removed`, plus `changed` and the manifest."""
    if os.path.lexists(staging):
        shutil.rmtree(staging)
    if os.path.lexists(out):
        _clone(out, staging, set(removed))
    else:
        os.mkdir(staging, 0o777)
    for p in removed:  # not copied into staging; prune the directories that leaves empty (never the root)
        for parent in p.parents[:-1]:
            try:
                os.rmdir(staging / parent)
            except OSError:
                break
    for p in changed:
        _write_beneath(staging, p, checked[p], out)
    _write_beneath(staging, PurePosixPath(MANIFEST), manifest, out)


def _clone(src: Path, dst: Path, skip: set[PurePosixPath]) -> None:
    """Copy the tree `src` to `dst` (which must not exist), except the paths in `skip`: hard links where
    possible, symlinks as symlinks. A FIFO, device or socket inside out/ is refused (and never opened):
    obs-codegen keeps only files, directories and links."""
    modes: list[tuple[Path, int]] = []
    stack = [(src, dst, PurePosixPath())]
    while stack:
        s, d, rel = stack.pop()
        os.mkdir(d, 0o700)
        modes.append((d, stat.S_IMODE(os.lstat(s).st_mode)))
        with os.scandir(s) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                sp, dp = Path(entry.path), d / entry.name
                st = entry.stat(follow_symlinks=False)
                if rel / entry.name in skip:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    stack.append((sp, dp, rel / entry.name))
                elif stat.S_ISLNK(st.st_mode):
                    os.symlink(os.readlink(sp), dp)
                elif stat.S_ISREG(st.st_mode):
                    _link_or_copy(sp, dp, st)
                else:
                    raise UnsafePath(f"refusing to copy {sp}: it is {file_kind(st.st_mode)}; obs-codegen keeps only "
                                     "regular files, directories and symlinks in the output directory (remove it)")
    for d, mode in reversed(modes):
        os.chmod(d, mode)


def _link_or_copy(src: Path, dst: Path, st: os.stat_result) -> None:
    """Hard-link `src` as `dst` (the writer never modifies a file in place), else copy it with its times."""
    try:
        os.link(src, dst, follow_symlinks=False)
        return
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EACCES, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
    fd_in = os.open(src, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd_in).st_mode):
            raise UnsafePath(f"refusing to copy {src}: it is no longer a regular file")
        fd_out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, stat.S_IMODE(st.st_mode))
        try:
            while chunk := os.read(fd_in, 1 << 20):
                _write_all(fd_out, chunk)
        finally:
            os.close(fd_out)
    finally:
        os.close(fd_in)
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)


def _write_beneath(root: Path, rel: PurePosixPath, data: bytes, shown: Path) -> None:
    """Create `root/rel` afresh with `data`, making directories, refusing any symlink on the way.

    An OSError names `shown/rel` (the path in out/ the user knows), not the staging path.
    """
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for part in rel.parts[:-1]:
            try:
                os.mkdir(part, 0o777, dir_fd=fd)
            except FileExistsError:
                pass
            try:
                sub = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnsafePath(f"refusing to touch {rel}: {part} on its path is not a real directory") from None
                raise
            os.close(fd)
            fd = sub
        name = rel.parts[-1]
        try:
            os.unlink(name, dir_fd=fd)
        except FileNotFoundError:
            pass
        out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666, dir_fd=fd)
        try:
            _write_all(out, data)
        finally:
            os.close(out)
    except OSError as exc:
        exc.filename = str(shown / rel)
        raise
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
