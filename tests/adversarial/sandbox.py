"""The watched sandbox: each case runs in a directory of its own, next to canaries that must not change.

Layout of a run's root directory:
  canary/                 files and a subdirectory, hashed before and after the whole run
  cases/<nnnn>/spec.yaml  the case's spec; the CLI runs with this directory as its cwd
  cases/<nnnn>/canary/    a sibling of out/, hashed before and after the case
  cases/<nnnn>/out/       `generate --out out`: the only place the case may write
  consumers/              the batched consumer checks (created after every case has run)

After a case, its directory must hold exactly what it held before plus, when generate
succeeded, an out/ holding exactly the files its manifest lists (no staging leftovers, no
stray files). After all cases, the root and cases/ must hold nothing new, the root canary
must be intact, and the absolute path traversal payloads aim at must not exist.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .payloads import ESCAPE_DIR, MARKER_PREFIX

CANARY_FILES = {"canary/keep.txt": b"do not touch\n", "canary/deep/data.bin": bytes(range(256)),
                "canary/out.txt": b"a file named like the output dir\n"}

Snapshot = dict[str, str]


def snapshot(root: Path, skip: str | None = None) -> Snapshot:
    """Every entry under `root` (not following symlinks): relative path -> kind and content hash."""
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        if skip is not None and rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d != skip]
        for name in sorted(dirnames) + sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel == skip:
                continue
            if os.path.islink(full):
                out[rel] = "link:" + os.readlink(full)
            elif os.path.isdir(full):
                out[rel] = "dir"
            else:
                with open(full, "rb") as f:
                    out[rel] = "file:" + hashlib.sha256(f.read()).hexdigest()
    return out


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """`created x`, `deleted y`, `modified z` lines (sorted; at most 20)."""
    lines = [f"created {p!r}" for p in sorted(set(after) - set(before))]
    lines += [f"deleted {p!r}" for p in sorted(set(before) - set(after))]
    lines += [f"modified {p!r}" for p in sorted(set(before) & set(after)) if before[p] != after[p]]
    return lines[:20] + ([f"... and {len(lines) - 20} more"] if len(lines) > 20 else [])


def make_case_dir(path: Path, spec: bytes) -> Snapshot:
    path.mkdir(parents=True)
    (path / "spec.yaml").write_bytes(spec)
    for rel, data in CANARY_FILES.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_bytes(data)
    return snapshot(path)


def make_root(root: Path) -> Snapshot:
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in CANARY_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "cases").mkdir()
    return snapshot(root / "canary")


def case_problems(case_dir: Path, before: Snapshot, generated: bool) -> list[str]:
    """What the case changed that it may not: outside out/, and inside out/ beyond its manifest."""
    problems = [f"sandbox: {c} outside out/" for c in changes(before, snapshot(case_dir, skip="out"))]
    out = case_dir / "out"
    if not generated:
        return problems
    try:
        listed = set(json.loads((out / ".obs-codegen-manifest.json").read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return problems + [f"sandbox: out/ has no readable manifest ({type(exc).__name__})"]
    present = {p for p, kind in snapshot(out).items() if kind != "dir"}
    extra = sorted(present - listed - {".obs-codegen-manifest.json"})
    missing = sorted(listed - present)
    problems += [f"sandbox: out/ holds {p!r}, which its manifest does not list" for p in extra[:10]]
    problems += [f"sandbox: the manifest lists {p!r}, which out/ lacks" for p in missing[:10]]
    return problems


def root_problems(root: Path, canary: Snapshot, case_names: set[str]) -> list[str]:
    """After every case: nothing new at the root or in cases/, the canary intact, no escape dir."""
    problems = [f"sandbox root: {c}" for c in changes(canary, snapshot(root / "canary"))]
    allowed = {"canary", "cases", "consumers"}
    problems += [f"sandbox root: created {p.name!r}" for p in sorted(root.iterdir()) if p.name not in allowed]
    problems += [f"sandbox root: created cases/{p.name!r}" for p in sorted((root / "cases").iterdir())
                 if p.name not in case_names]
    if os.path.lexists(ESCAPE_DIR):
        problems.append(f"sandbox root: {ESCAPE_DIR} exists (a path traversal payload escaped)")
    return problems


def markers(root: Path) -> dict[str, list[str]]:
    """Marker files an injection payload created anywhere under `root`: variant -> paths."""
    found: dict[str, list[str]] = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.startswith(MARKER_PREFIX):
                found.setdefault(name[len(MARKER_PREFIX):], []).append(os.path.relpath(os.path.join(dirpath, name), root))
    return found
