"""A per-user cache of compiled templates, so `generate` does not recompile every template each run.

Jinja2's `FileSystemBytecodeCache` keys each entry by template name and file name and checks the
source's sha1 before using it; the directory itself is keyed by everything else the compiled code
depends on: obs-codegen's own sources (the `template_compile.enforce` rewrite and code generator, the environment's options),
the Jinja2 version and the Python version. So a cached template is only ever the code that
compiling the same source with the same tool would give, and output bytes do not depend on the
cache (tests/test_performance.py renders with and without it).

Where: `<cache>/templates-<key>/` (obs_codegen/cache.py: `$OBS_CODEGEN_CACHE_DIR`, empty to
disable, else `$XDG_CACHE_HOME/obs-codegen` or `~/.cache/obs-codegen`), private (0700); an
unusable directory means no cache, never an error, and a failed write or a corrupt entry is a miss.
"""

from __future__ import annotations

import hashlib
import sys
from typing import TYPE_CHECKING

from ..cache import cache_root, private_dir

if TYPE_CHECKING:
    import jinja2.bccache


def bytecode_cache() -> jinja2.bccache.BytecodeCache | None:
    """The bytecode cache for this obs-codegen, Jinja2 and Python, or None (disabled or unusable)."""
    import jinja2
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    from ..output.fresh import code_fingerprint

    root = cache_root()
    if root is None:
        return None
    key = hashlib.sha256(f"{code_fingerprint()}\0{jinja2.__version__}\0{sys.version}".encode()).hexdigest()[:32]
    directory = root / f"templates-{key}"
    if not private_dir(root) or not private_dir(directory):
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
