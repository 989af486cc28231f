"""Stage 5: the one writer for every backend's files, and the manifest it keeps.

Guarantees:
  * every path is relative, normalised and inside the output directory;
  * all or nothing: the new tree is staged beside out/ and swapped in with two
    renames; a failed run removes its staging dir and leaves out/ as it was
    (an interrupted swap is repaired by the next run);
  * a manifest (`.obs-codegen-manifest.json`) records each generated file's
    sha256, the inputs' hash and the tool version;
  * only files listed in the previous manifest and no longer generated are
    removed; files obs-codegen did not generate are never touched;
  * when nothing changed, nothing is written (mtimes stay put).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import TypedDict, cast

MANIFEST = ".obs-codegen-manifest.json"

Files = dict[PurePosixPath, bytes]


class _ManifestFiles(TypedDict):
    files: dict[str, object]  # path -> sha256 as recorded; the values of a hand-edited file are unchecked


class Manifest(_ManifestFiles, total=False):
    """The parts of a manifest read back: `files` is checked to be an object, the rest may be anything."""

    inputs_sha256: object


class UnsafePath(ValueError):
    """A backend produced a path that would escape the output directory."""


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


def manifest_bytes(files: Files, inputs: str, spec: str, version: str) -> bytes:
    doc = {
        "generator": f"obs-codegen {version}",
        "spec": spec,
        "inputs_sha256": inputs,
        "files": {str(p): sha256(d) for p, d in sorted(files.items(), key=lambda kv: str(kv[0]))},
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def read_manifest(out_dir: Path) -> Manifest | None:
    try:
        doc = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cast(Manifest, doc) if isinstance(doc, dict) and isinstance(doc.get("files"), dict) else None


def _recover(out_dir: Path) -> None:
    """Finish or undo a swap that an earlier run did not complete."""
    parent = out_dir.parent
    if not parent.is_dir():
        return
    for leftover in sorted(parent.glob(f".{out_dir.name}.previous-*")):
        if not out_dir.exists():
            leftover.rename(out_dir)
        else:
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in parent.glob(f".{out_dir.name}.staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_tree(out_dir: Path, files: Files, manifest: bytes) -> list[PurePosixPath]:
    """Make `out_dir` hold `files` (plus foreign files already there); return the paths that changed."""
    checked = {safe_relpath(p): d for p, d in files.items()}
    out_dir = Path(os.path.abspath(out_dir))
    if Path.cwd().is_relative_to(out_dir):
        raise UnsafePath(f"refusing to use {out_dir} as the output directory: it contains the working directory")
    _recover(out_dir)
    old = read_manifest(out_dir) or {"files": {}}
    old_files = {p for p in map(_manifest_path, old["files"]) if p is not None}
    changed = [p for p, d in sorted(checked.items()) if _read(out_dir / p) != d]
    removed = sorted(p for p in old_files - set(checked) if (out_dir / p).is_file() or (out_dir / p).is_symlink())
    if not changed and not removed and _read(out_dir / MANIFEST) == manifest:
        return []
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
    previous = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
    try:
        if out_dir.exists():
            shutil.copytree(out_dir, staging, symlinks=True)
        else:
            staging.mkdir()
        root = staging.resolve()
        for p in removed:
            _confine(root, staging / p, p)
            (staging / p).unlink()
            _prune_empty(staging, (staging / p).parent)
        for p, data in sorted(checked.items()):
            target = staging / p
            target.parent.mkdir(parents=True, exist_ok=True)
            _confine(root, target, p)
            if target.is_symlink() or target.exists():
                target.unlink()
            target.write_bytes(data)
        (staging / MANIFEST).write_bytes(manifest)
        if out_dir.exists():
            out_dir.rename(previous)
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if previous.exists() and not out_dir.exists():
            previous.rename(out_dir)
        raise
    shutil.rmtree(previous, ignore_errors=True)
    return changed + removed


def _manifest_path(text: str) -> PurePosixPath | None:
    """A path from a (possibly hand-edited) manifest, or None if it is not one we could have written."""
    try:
        return safe_relpath(text)
    except UnsafePath:
        return None


def _confine(root: Path, target: Path, rel: PurePosixPath) -> None:
    """Refuse when a directory on `target`'s path (a symlink, say) leads outside `root`."""
    if not target.parent.resolve().is_relative_to(root):
        raise UnsafePath(f"refusing to touch {rel}: a directory on its path leads outside the output directory")


def _prune_empty(root: Path, directory: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None
