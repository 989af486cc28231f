"""obs-codegen's per-user cache directory (compiled templates, and Python bytecode when the
environment forbids writing it next to the sources).

`$OBS_CODEGEN_CACHE_DIR` if set (empty: no cache at all), else `$XDG_CACHE_HOME/obs-codegen` or
`~/.cache/obs-codegen`. Every directory used is created private (0700) and must be ours and not
group/world-writable; otherwise there is no cache, never an error. Imports nothing heavy: the
`obs-codegen` entry point calls `enable_bytecode_cache` before anything else is imported.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path


def cache_root() -> Path | None:
    """The cache's base directory, or None when disabled (or no absolute home is known)."""
    configured = os.environ.get("OBS_CODEGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "obs-codegen" if os.path.isabs(base) else None


def private_dir(path: Path) -> bool:
    """Create `path` (0700) if needed; True when it is a directory we own that no one else can write."""
    if not hasattr(os, "getuid"):
        return False
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def enable_bytecode_cache() -> None:
    """With PYTHONDONTWRITEBYTECODE set (and no PYTHONPYCACHEPREFIX), keep bytecode in the cache dir.

    Without it every run recompiles obs-codegen and the libraries it imports that have no .pyc beside
    them (a third of `generate`'s time). The environment's wish, no `__pycache__` beside the sources,
    still holds: bytecode goes to `<cache>/pycache-<python>/` (Python's own PYTHONPYCACHEPREFIX
    mechanism), and only for this process.
    """
    if not sys.flags.dont_write_bytecode or sys.pycache_prefix is not None:
        return
    root = cache_root()
    if root is None:
        return
    prefix = root / f"pycache-{sys.implementation.cache_tag}"
    if private_dir(root) and private_dir(prefix):
        sys.pycache_prefix = str(prefix)
        sys.dont_write_bytecode = False
