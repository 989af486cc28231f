"""`check`'s fast path: is out/ fresh for these inputs? Importable without click, Jinja2, PyYAML,
jsonschema or importlib.metadata, so `obs-codegen check` on a fresh out/ costs little more than
starting the interpreter (cli/entry.py calls `fast_check` before click is imported).

The inputs hash covers the spec bytes and path (and a multi-file spec's include patterns and
included files), obs-codegen's version and own Python sources,
every template that could be used, and the versions of the libraries that shape the output
(read from their `*.dist-info` directories on sys.path, the way importlib.metadata finds them,
without importing it). The manifest is not trusted: see `is_fresh`. output/drift.py (the full
path) and output/writer.py import from here, so both paths hash and read manifests the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path, PurePosixPath

from .. import __version__
from ..safe_io import read_beneath, read_tree

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads any TYPE_CHECKING so)
if TYPE_CHECKING:
    from typing import TypedDict

    class _ManifestFiles(TypedDict):
        files: dict[str, object]  # path -> sha256 as recorded; the values of a hand-edited file are unchecked

    class Manifest(_ManifestFiles, total=False):
        """The parts of a manifest read back: `files` is checked to be an object, the rest may be anything."""

        inputs_sha256: object

MANIFEST = ".obs-codegen-manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
SHAPING_LIBRARIES = ("jinja2", "orjson", "promql-parser", "pyyaml")
# The versions of each output-shaping library that scripts/prove_dependency_ranges.py showed to generate
# byte-identical output (and identical diagnostics); pyproject.toml allows exactly these. The inputs hash
# names the proven set instead of the exact version, so out/ (its manifest too) is the same anywhere in the
# range; any other version is hashed as itself (the fast path misses, and the full path compares bytes).
PROVEN_VERSIONS = {
    "jinja2": ("3.1.5", "3.1.6"),
    "orjson": ("3.10.18", "3.11.9", "3.12.0", "3.13.0"),  # indented JSON (backends/fast_json.py, tests/test_fast_json.py)
    "promql-parser": ("0.12.0",),  # durations' seconds (burn-rate factors, test timelines) come from it
    "pyyaml": ("6.0.1", "6.0.2", "6.0.3", "6.0.4"),
}
MAX_FILES = 100_000
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_TEMPLATE_FILES = 5_000
MAX_TEMPLATE_BYTES = 8 * 1024 * 1024
PACKAGE = Path(__file__).resolve().parent.parent


class UnsafePath(ValueError):
    """A path that would escape the output directory, or an output directory obs-codegen must not use."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_relpath(path: PurePosixPath | str) -> PurePosixPath:
    """Return `path` if it is a plain relative path below the output dir, else raise UnsafePath."""
    text = str(path)
    p = PurePosixPath(text)
    if (
        not text
        or "\\" in text
        or "\0" in text
        or p.is_absolute()
        or text.startswith("~")
        or any(part in ("", ".", "..") for part in text.split("/"))
        or p.name == MANIFEST
    ):
        raise UnsafePath(f"refusing to write {text!r}: not a plain relative path inside the output directory")
    return p


def read_manifest(out_dir: Path) -> Manifest | None:
    """The manifest in `out_dir` if it is a regular file under the size bound holding a JSON object with `files`."""
    try:
        doc = json.loads(read_beneath(Path(out_dir), PurePosixPath(MANIFEST), MAX_MANIFEST_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    manifest: Manifest | None = doc if _is_manifest(doc) else None  # (doc stays Any: no isinstance narrowing)
    return manifest


def _is_manifest(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("files"), dict)


def manifest_path(text: object) -> PurePosixPath | None:
    """A path from a (possibly hand-edited) manifest, or None if it is not one we could have written."""
    try:
        return safe_relpath(text) if isinstance(text, str) else None
    except UnsafePath:
        return None


def code_fingerprint() -> str:
    """Hash of obs-codegen's own Python sources (a code change invalidates the fast path)."""
    found: list[tuple[str, str]] = []
    stack = [(str(PACKAGE), "")]
    while stack:
        directory, prefix = stack.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.name.endswith(".py"):
                    found.append((f"{prefix}{entry.name}", entry.path))
    h = hashlib.sha256()
    for rel, path in sorted(found):
        with open(path, "rb") as f:
            h.update(rel.encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def _normalise(name: str) -> str:
    out = []
    for ch in name.lower():
        out.append("-" if ch in "-_." else ch)
    return "-".join(part for part in "".join(out).split("-") if part)


def _installed_versions(names: tuple[str, ...]) -> dict[str, str]:
    """Version of each distribution in `names`: the first `*.dist-info`/`*.egg-info` on sys.path (as
    importlib.metadata.version finds it), its `Version:` from METADATA/PKG-INFO."""
    wanted = {_normalise(n): n for n in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for item in sorted(listing):
            base, dot, suffix = item.rpartition(".")
            if suffix not in ("dist-info", "egg-info") or not dot:
                continue
            key = _normalise(base.partition("-")[0])
            if key not in wanted or wanted[key] in found:
                continue
            meta = os.path.join(entry, item, "METADATA" if suffix == "dist-info" else "PKG-INFO")
            try:
                with open(meta, "rb") as f:
                    head = f.read(64 * 1024).decode("utf-8", "replace")
            except OSError:
                continue
            for line in head.splitlines():
                if line.startswith("Version:"):
                    found[wanted[key]] = line.partition(":")[2].strip()
                    break
                if not line:
                    break
        if len(found) == len(wanted):
            break
    return found


def library_versions() -> str:
    found = _installed_versions(SHAPING_LIBRARIES)
    parts = []
    for name in SHAPING_LIBRARIES:
        version, proven = found.get(name, "?"), PROVEN_VERSIONS.get(name, ())
        parts.append(f"{name}={'|'.join(proven) if version in proven else version}")
    return ",".join(parts)


def packaged_templates_dir() -> Path:
    """templates/ next to the package in a checkout, or obs_codegen/templates in a wheel."""
    for candidate in (PACKAGE / "templates", PACKAGE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("obs-codegen templates directory not found")


def template_dirs(override: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: the override directory, then the packaged ones."""
    return ([Path(override)] if override else []) + [packaged_templates_dir()]


def templates_fingerprint(dirs: list[Path]) -> str:
    """Hash of every template file that could be used, for the freshness check.

    Reads only regular files, within bounds (safe_io.read_tree): a FIFO, device, symlink loop or
    an enormous --templates directory raises OSError instead of hanging; call it before rendering.
    """
    h = hashlib.sha256()
    for d in dirs:
        for rel, data in read_tree(d, MAX_TEMPLATE_FILES, MAX_TEMPLATE_BYTES, 8 * MAX_TEMPLATE_BYTES):
            h.update(rel.encode() + b"\0" + data + b"\0")
    return h.hexdigest()


def inputs_hash(spec_bytes: bytes, spec_path: str, templates_fp: str, include: tuple[str, ...] = (),
                included: tuple[tuple[str, bytes], ...] = ()) -> str:
    """Hash of everything the output depends on; `spec_path` too, since generated headers name it.

    A multi-file spec adds its include patterns and every included file (path relative to the
    root's directory, and bytes), so an edit in any file, or a file a glob now matches, changes it.
    """
    h = hashlib.sha256()
    parts = [__version__.encode(), spec_bytes, spec_path.encode(), code_fingerprint().encode(),
             templates_fp.encode(), library_versions().encode()]
    if include:
        parts.append(json.dumps(list(include)).encode())
        for rel, raw in included:
            parts += [rel.encode(), raw]
    for part in parts:
        h.update(sha256(part).encode())
    return h.hexdigest()


def spec_inputs(spec: Path, out_dir: Path, max_bytes: int) -> tuple[bytes, tuple[str, ...], tuple[tuple[str, bytes], ...]] | None:
    """The root spec's bytes, and for a multi-file spec the include patterns the manifest in `out_dir`
    recorded and the files they match now, as `inputs_hash` takes them; None when anything cannot be
    read or is over `max_bytes` in total (not fresh: the full path decides and reports).

    The recorded patterns are not trusted: `inputs_hash` covers them, and the root's bytes (which
    hold the real patterns) too, so a manifest whose patterns differ from the root's is never fresh.
    """
    from ..safe_io import read_regular

    try:
        raw = read_regular(spec, max_bytes)
    except OSError:
        return None
    manifest = read_manifest(out_dir)
    recorded = manifest.get("include") if manifest is not None else None
    if not isinstance(recorded, list) or not recorded or not all(isinstance(p, str) for p in recorded):
        return raw, (), ()
    from ..spec.include_paths import FsTree, IncludeError, expand  # (fnmatch and re: only for a multi-file spec)

    include = tuple(recorded)
    tree = FsTree(spec.parent, "", spec.name)
    left = max_bytes - len(raw)
    files: list[tuple[str, bytes]] = []
    for _, result in expand(list(include), tree):
        if isinstance(result, IncludeError):
            return None
        for rel in result:
            try:
                data = tree.read(rel, left)
            except OSError:
                return None
            left -= len(data)
            files.append((rel, data))
    return raw, include, tuple(files)


def is_fresh(out_dir: Path, inputs: str) -> bool:
    """Fast path: the manifest vouches for the current inputs and every file is untouched.

    The manifest is not trusted: only plain relative paths are read, only regular files reached
    without following a symlink, each under MAX_FILE_BYTES and all together under MAX_TOTAL_BYTES;
    anything else means "not fresh" (the full path decides).
    """
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.get("inputs_sha256") != inputs or len(manifest["files"]) > MAX_FILES:
        return False
    budget = MAX_TOTAL_BYTES
    for text, digest in manifest["files"].items():
        rel = manifest_path(text)
        if rel is None:  # `../x`, `/dev/zero`, ...: not a path obs-codegen writes
            return False
        try:
            data = read_beneath(out_dir, rel, min(MAX_FILE_BYTES, budget))
        except OSError:
            return False
        budget -= len(data)
        if sha256(data) != digest:
            return False
    return True


def display_path(path: Path) -> str:
    """The spec path as it appears in diagnostics and generated headers: relative to cwd when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.as_posix()
