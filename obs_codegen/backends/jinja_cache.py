"""A per-user cache of compiled templates, so `generate` does not recompile every template each run.

Jinja2's `FileSystemBytecodeCache` keys each entry by template name and file name and checks the
source's sha1 before using it; the directory itself is keyed by everything else the compiled code
depends on: obs-codegen's own sources (the `escaped.enforce` rewrite, the environment's options),
the Jinja2 version and the Python version. So a cached template is only ever the code that
compiling the same source with the same tool would give, and output bytes do not depend on the
cache (tests/test_performance.py renders with and without it).

Where: `$OBS_CODEGEN_CACHE_DIR` if set (set it empty to disable the cache), else
`$XDG_CACHE_HOME/obs-codegen` or `~/.cache/obs-codegen`. The directory is created private (0700);
one that is not ours, is group/world-writable or cannot be created means no cache, never an
error, and a failed write or a corrupt entry is the same as a miss.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2.bccache


def cache_root() -> Path | None:
    """The cache's base directory, or None when disabled."""
    configured = os.environ.get("OBS_CODEGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "obs-codegen" if os.path.isabs(base) else None


def _private_dir(path: Path) -> bool:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def bytecode_cache() -> jinja2.bccache.BytecodeCache | None:
    """The bytecode cache for this obs-codegen, Jinja2 and Python, or None (disabled or unusable)."""
    import jinja2
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    from ..output.fresh import code_fingerprint

    root = cache_root()
    if root is None or not hasattr(os, "getuid"):
        return None
    key = hashlib.sha256(f"{code_fingerprint()}\0{jinja2.__version__}\0{sys.version}".encode()).hexdigest()[:32]
    directory = root / f"templates-{key}"
    if not _private_dir(root) or not _private_dir(directory):
        return None

    class Cache(FileSystemBytecodeCache):
        def load_bytecode(self, bucket: Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # unreadable or corrupt: a miss (Bucket already drops a bad checksum or magic)
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:  # disk full, read-only: compile again next time
                pass

    return Cache(str(directory), "%s.jinja")
