"""Swapping a staged tree in place of out/ so that out/ is never missing, and undoing interrupted swaps.

On Linux the swap is one `renameat2(RENAME_EXCHANGE)` call: out/ and the staging
directory trade places atomically, so at every instant out/ is the complete old or
the complete new tree; the old tree (now under the staging name) is then deleted.
Where the platform or filesystem cannot exchange, two renames are used
(out/ -> .out.previous-PID, staging -> out/); a kill between them leaves no out/,
and the next run's `recover` renames the previous tree back and says so.

Leftovers are found by listing the parent directory and matching names exactly
(`.<name>.staging-<pid>`, `.<name>.previous-<pid>`, pid in ASCII digits): no glob ever
sees a user-supplied name, and a leftover whose process still runs is left alone.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

AT_FDCWD = -100
RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, getattr(errno, "EOPNOTSUPP", errno.ENOTSUP)}


def staging_path(out_dir: Path, pid: int | None = None) -> Path:
    return out_dir.parent / f".{out_dir.name}.staging-{os.getpid() if pid is None else pid}"


def previous_path(out_dir: Path, pid: int | None = None) -> Path:
    return out_dir.parent / f".{out_dir.name}.previous-{os.getpid() if pid is None else pid}"


def _load_renameat2() -> Callable[[bytes, bytes], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # no libc symbol (old glibc, some libcs): use the fallback
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int

    def call(a: bytes, b: bytes) -> int:
        return int(fn(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE))

    return call


_RENAMEAT2 = _load_renameat2()


class ExchangeUnsupported(Exception):
    """The platform or filesystem cannot exchange two paths atomically."""


def exchange(a: Path, b: Path) -> None:
    """Atomically swap the directory entries `a` and `b` (both must exist)."""
    if _RENAMEAT2 is None:
        raise ExchangeUnsupported()
    if _RENAMEAT2(os.fsencode(a), os.fsencode(b)) != 0:
        code = ctypes.get_errno()
        if code in _UNSUPPORTED:
            raise ExchangeUnsupported()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


def install(staging: Path, out_dir: Path) -> None:
    """Put the complete tree `staging` in place of `out_dir`, then delete the old tree."""
    if not os.path.lexists(out_dir):
        os.rename(staging, out_dir)
        return
    try:
        exchange(staging, out_dir)
        old = staging
    except ExchangeUnsupported:
        old = previous_path(out_dir)
        os.rename(out_dir, old)  # from here until the next rename there is no out/: `recover` repairs a kill
        try:
            os.rename(staging, out_dir)
        except BaseException:
            os.rename(old, out_dir)
            raise
    shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid <= 0 or pid == os.getpid():  # 0 would probe our process group; our pid is an earlier process's
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:  # someone else's live process
        return True
    except (ProcessLookupError, OverflowError):
        return False
    return True


def leftovers(out_dir: Path) -> list[tuple[str, int, Path]]:
    """(kind, pid, path) of every `.<name>.staging-<pid>` / `.<name>.previous-<pid>` real directory beside out/."""
    pattern = re.compile(re.escape(f".{out_dir.name}.") + "(staging|previous)-([0-9]+)", re.ASCII)
    found = []
    try:
        entries = list(os.scandir(out_dir.parent))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if m and entry.is_dir(follow_symlinks=False):
            found.append((m.group(1), int(m.group(2)), Path(entry.path)))
    return sorted(found, key=lambda f: (f[0], f[1]))


def recover(out_dir: Path) -> list[str]:
    """Undo what interrupted runs left beside `out_dir`; return notices for the user (restorations)."""
    notices = []
    stale = [(kind, pid, path) for kind, pid, path in leftovers(out_dir) if not _alive(pid)]
    previous = sorted((p for kind, _, p in stale if kind == "previous"),
                      key=lambda p: p.lstat().st_mtime_ns, reverse=True)
    if previous and not os.path.lexists(out_dir):
        os.rename(previous[0], out_dir)
        notices.append(f"restored {out_dir.name}/ from {previous[0].name}, left by a generate that was interrupted "
                       "between its two renames")
        previous = previous[1:]
    for path in previous + [p for kind, _, p in stale if kind == "staging"]:
        if stat.S_ISDIR(path.lstat().st_mode):
            shutil.rmtree(path, ignore_errors=True)
    return notices
