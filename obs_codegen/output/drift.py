"""The CI drift check: is out/ exactly what the spec generates?

Two paths:
  * fast (output/fresh.py): when the manifest's inputs hash equals the hash of the current inputs
    (spec bytes, every included spec file, obs-codegen's own code, templates, output-shaping library versions)
    and every listed file on disk still has its recorded sha256, out/ is fresh
    without rendering anything (no Jinja2, grafanalib or jsonschema import).
    The manifest is not trusted: only plain relative paths are read, only regular
    files reached without following a symlink, each under MAX_FILE_BYTES and all
    together under MAX_TOTAL_BYTES; anything else means "not fresh" (the full path decides);
  * full: render in memory and compare file by file, classifying each difference
    as changed, missing, orphaned or hand-edited, with a unified diff.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..backends.templating import Templates
from ..safe_io import NotRegularFile, TooLarge, lstat_beneath, read_beneath
from . import fresh
from .fresh import MANIFEST, code_fingerprint, is_fresh, library_versions, manifest_path, read_manifest, sha256
from .writer import Files

__all__ = ["DriftReport", "Difference", "code_fingerprint", "compare", "inputs_hash", "is_fresh", "library_versions"]


def inputs_hash(spec_bytes: bytes, spec_path: str, templates: Templates, include: tuple[str, ...] = (),
                included: tuple[tuple[str, bytes], ...] = ()) -> str:
    """Hash of everything the output depends on; `spec_path` too, since generated headers name it."""
    return fresh.inputs_hash(spec_bytes, spec_path, templates.fingerprint(), include, included)


@dataclass
class Difference:
    path: str
    kind: str  # changed | missing | orphaned | hand-edited | not-a-file
    diff: str = ""


@dataclass
class DriftReport:
    differences: list[Difference] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.differences


def compare(out_dir: Path, files: Files, manifest: bytes, max_diff_lines: int = 200) -> DriftReport:
    """Full comparison of the rendered `files` (and manifest) with what is on disk."""
    old = read_manifest(out_dir) or {"files": {}}
    recorded = old["files"]
    report = DriftReport()
    wanted = dict(files)
    wanted[PurePosixPath(MANIFEST)] = manifest
    for path, data in sorted(wanted.items(), key=lambda kv: str(kv[0])):
        rel = str(path)
        try:
            on_disk: bytes | None = read_beneath(out_dir, path, max(4 * len(data), 1 << 20))
        except TooLarge as exc:
            report.differences.append(Difference(rel, "changed", f"  (on disk: over {exc.limit} bytes; not diffed)\n"))
            continue
        except NotRegularFile as exc:
            where = f"{exc.filename} is {exc.strerror}" if exc.filename != rel else f"it is {exc.strerror}"
            report.differences.append(Difference(rel, "not-a-file", f"  ({where}; obs-codegen generates a regular "
                                                                     "file here)\n"))
            continue
        except OSError:
            on_disk = None
        if on_disk is None:
            report.differences.append(Difference(rel, "missing"))
        elif on_disk != data:
            edited = rel in recorded and sha256(on_disk) != recorded[rel]
            report.differences.append(
                Difference(rel, "hand-edited" if edited else "changed", _diff(rel, on_disk, data, max_diff_lines))
            )
    for rel in sorted(set(recorded) - {str(p) for p in files}):
        orphan = manifest_path(rel)  # a path outside out/ is never looked at (the manifest differs anyway)
        if orphan is not None and _exists(out_dir, orphan):
            report.differences.append(Difference(rel, "orphaned"))
    return report


def _diff(rel: str, old: bytes, new: bytes, limit: int) -> str:
    lines = list(difflib.unified_diff(
        old.decode("utf-8", "replace").splitlines(True), new.decode("utf-8", "replace").splitlines(True),
        f"a/{rel} (on disk)", f"b/{rel} (generated)",
    ))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... {len(lines) - limit} more diff lines\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _exists(root: Path, rel: PurePosixPath) -> bool:
    try:
        return lstat_beneath(root, rel) is not None
    except OSError:
        return False
