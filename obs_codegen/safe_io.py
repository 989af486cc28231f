"""Reading files that may be hostile: regular files only, bounded sizes, no symlink escapes.

Two kinds of reads:
  * inputs a user names (the spec, templates, log files, log schemas): `read_regular`
    and `open_regular` follow a symlink the user chose, but only ever read a regular
    file (a FIFO, device, socket or directory is refused before it is read, so
    nothing blocks), and read at most `limit + 1` bytes, never the whole file;
  * files inside a directory obs-codegen owns (out/): `read_beneath` and `lstat_beneath`
    walk the relative path one component at a time with O_NOFOLLOW, so no symlink
    anywhere on the path (or at its end) can lead outside the directory.

Every refusal is an OSError subclass with a one-line message; `describe_os_error`
turns any OSError (disk full, permission denied, read-only file system, ...) into one line.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: `check`'s fast path imports this module
if TYPE_CHECKING:
    from typing import BinaryIO

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
READ_FLAGS = os.O_RDONLY | _NONBLOCK | _CLOEXEC | _BINARY


class NotRegularFile(OSError):
    """A path that is not a regular file (a FIFO, device, socket, directory or symlink) where one is needed."""


class SymlinkOnPath(NotRegularFile):
    """A symlink where obs-codegen needs a real directory or file inside a directory it owns."""


class TooLarge(OSError):
    """A file over its size bound; `size` is what is known of its size (at least limit + 1)."""

    def __init__(self, path: str, size: int, limit: int, unit: str = "bytes"):
        what = f"is {size} bytes" if unit == "bytes" else f"has more than {limit} {unit}"
        super().__init__(errno.EFBIG, f"{what}; the limit is {limit} {unit}", path)
        self.size = size
        self.limit = limit


def file_kind(mode: int) -> str:
    """'a FIFO', 'a directory', ... for a stat mode (for messages)."""
    for test, name in ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symlink"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _not_regular(path: str, mode: int) -> NotRegularFile:
    return NotRegularFile(errno.EINVAL, f"not a regular file ({file_kind(mode)})", path)


def _read_fd(fd: int, path: str, size: int, limit: int) -> bytes:
    """Read at most `limit + 1` bytes; a file over `limit` raises TooLarge (without reading the rest)."""
    if size > limit:
        raise TooLarge(path, size, limit)
    chunks, total = [], 0
    while total <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:  # it grew while we read it
        raise TooLarge(path, total, limit)
    return b"".join(chunks)


def _open_regular_fd(path: str | Path) -> tuple[int, os.stat_result]:
    """An fd on the regular file at `path` (symlinks followed); anything else is refused unopened."""
    name = os.fspath(path)
    st = os.stat(name)  # never open a FIFO or device at all: opening some devices has side effects
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(name, st.st_mode)
    fd = os.open(name, READ_FLAGS)
    try:
        st = os.fstat(fd)  # the file may have been swapped between stat and open
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(name, st.st_mode)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`; TooLarge over `limit`, NotRegularFile for anything else."""
    fd, st = _open_regular_fd(path)
    try:
        return _read_fd(fd, os.fspath(path), st.st_size, limit)
    finally:
        os.close(fd)


def open_regular(path: str | Path) -> BinaryIO:
    """A binary stream on the regular file at `path`, for streaming reads (no size bound)."""
    fd, _ = _open_regular_fd(path)
    try:
        if _NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_tree(root: Path, max_files: int, max_file_bytes: int, max_total_bytes: int) -> list[tuple[str, bytes]]:
    """(relative POSIX path, bytes) of every file under `root`, sorted by path, for hashing a directory.

    Symlinks are followed (a user may link a template in) but each directory is visited once (no loop),
    and every file must be a regular file under the bounds: a FIFO or device raises NotRegularFile
    before it is opened, and too many or too large files raise TooLarge, so this always answers.
    """
    found: list[tuple[str, bytes]] = []
    seen: set[tuple[int, int]] = set()
    total = 0
    stack = [(Path(root), "")]
    while stack:
        directory, prefix = stack.pop()
        st = os.stat(directory)
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries)
        for name in names:
            path, rel = directory / name, f"{prefix}{name}"
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:  # a dangling symlink: nothing anyone could load
                continue
            if stat.S_ISDIR(mode):
                stack.append((path, rel + "/"))
                continue
            if len(found) >= max_files:
                raise TooLarge(str(root), len(found) + 1, max_files, "files")
            data = read_regular(path, min(max_file_bytes, max_total_bytes - total))
            total += len(data)
            found.append((rel, data))
    return sorted(found)


@contextmanager
def dir_beneath(root: Path, parts: tuple[str, ...]) -> Iterator[int]:
    """An fd on directory `root/parts...`, every component opened with O_NOFOLLOW (a symlink is refused)."""
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        walked: list[str] = []
        for part in parts:
            walked.append(part)
            try:
                sub = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    st = os.stat(part, dir_fd=fd, follow_symlinks=False)
                    where = "/".join(walked)
                    if stat.S_ISLNK(st.st_mode):
                        raise SymlinkOnPath(errno.ELOOP, "a symlink on the path", where) from None
                    raise NotADirectoryError(errno.ENOTDIR, f"not a directory ({file_kind(st.st_mode)})",
                                             where) from None
                raise
            os.close(fd)
            fd = sub
        yield fd
    finally:
        os.close(fd)


def read_beneath(root: Path, rel: PurePosixPath, limit: int) -> bytes:
    """The bytes of regular file `root/rel`, never following a symlink on the way (SymlinkOnPath).

    FileNotFoundError when absent, NotADirectoryError when a component is a file, NotRegularFile when
    something else (a symlink, FIFO, device, directory) is at `rel`, TooLarge over `limit`.
    """
    parts = rel.parts
    with dir_beneath(root, parts[:-1]) as dfd:
        st = os.stat(parts[-1], dir_fd=dfd, follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode):  # refused unopened: a FIFO, device, socket, directory or symlink
            raise _not_regular(str(rel), st.st_mode)
        fd = os.open(parts[-1], READ_FLAGS | _NOFOLLOW, dir_fd=dfd)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise _not_regular(str(rel), st.st_mode)
            return _read_fd(fd, str(rel), st.st_size, limit)
        finally:
            os.close(fd)


def lstat_beneath(root: Path, rel: PurePosixPath) -> os.stat_result | None:
    """lstat of `root/rel` without following any symlink on the way; None when absent (or below a non-directory).
    SymlinkOnPath when a directory on the way is a symlink."""
    parts = rel.parts
    try:
        with dir_beneath(root, parts[:-1]) as dfd:
            return os.stat(parts[-1], dir_fd=dfd, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return None


_PLAIN = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large (a file size limit)",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOENT: "no such file or directory",
    errno.ENOTDIR: "not a directory",
    errno.EISDIR: "is a directory",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENAMETOOLONG: "file name too long",
    errno.EMFILE: "too many open files",
    errno.EIO: "input/output error",
}


def describe_os_error(exc: OSError) -> str:
    """One line: what went wrong and with which file (no tuples, no traceback)."""
    what = _PLAIN.get(exc.errno or -1) or exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, (NotRegularFile, TooLarge)):
        what = exc.strerror or what
    where = exc.filename if exc.filename is not None else None
    return f"{what}: {os.fsdecode(where)}" if where is not None else what
