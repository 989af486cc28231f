"""The writer: confined to out/, all or nothing, manifest-driven removal, foreign files untouched."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from obs_codegen.output import swap, writer
from obs_codegen.output.writer import (
    MANIFEST,
    ForeignFiles,
    UnsafePath,
    WriteError,
    manifest_bytes,
    safe_relpath,
    write_tree,
)


def files(**kv: str) -> dict[PurePosixPath, bytes]:
    return {PurePosixPath(k.replace("__", "/")): v.encode() for k, v in kv.items()}


def write(out: Path, fs: dict[PurePosixPath, bytes], notices: list[str] | None = None,
          **protect: Path) -> list[PurePosixPath]:
    return write_tree(out, fs, manifest_bytes(fs, "inputs", "spec.yaml", "test"),
                      protect={k.replace("_", " "): v for k, v in protect.items()}, notices=notices)


def snapshot(root: Path) -> str:
    """A hash of everything under `root` (names, kinds, modes, bytes, link targets), without following links."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            st = p.lstat()
            h.update(f"{p.relative_to(root)}\0{st.st_mode}\0".encode())
            if p.is_symlink():
                h.update(os.readlink(p).encode())
            elif p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def dead_pid() -> int:
    """The pid of a process that has exited (so a leftover named after it is stale)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(proc.stdout)


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../x", "a//b", "./a", "", "a\\b", "~/x", MANIFEST, "a/\0"])
def test_unsafe_paths_are_refused(bad: str) -> None:
    with pytest.raises(UnsafePath):
        safe_relpath(bad)


def test_refused_path_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    before = snapshot(tmp_path)
    with pytest.raises(UnsafePath):
        write(out, {PurePosixPath("b"): b"2", PurePosixPath("../escape"): b"x"})
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("rel", ["docs__x", "docs__sub__deeper__x"])
def test_symlinked_directory_creates_nothing_at_its_target(tmp_path: Path, rel: str) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    write(out, files(a="1"))
    (out / "docs").symlink_to(outside)
    before = snapshot(tmp_path)
    with pytest.raises(UnsafePath, match="docs is a symlink"):
        write(out, files(a="1", **{rel: "1"}))
    assert list(outside.iterdir()) == [], "a directory was created at the symlink's target"
    assert snapshot(tmp_path) == before


def test_manifest_records_hashes_and_inputs(tmp_path: Path) -> None:
    out = tmp_path / "new" / "parents" / "out"  # missing parents are created (after every check)
    write(out, files(a="1", d__b="2"))
    doc = json.loads((out / MANIFEST).read_text())
    assert doc["inputs_sha256"] == "inputs"
    assert doc["files"] == {"a": writer.sha256(b"1"), "d/b": writer.sha256(b"2")}
    assert doc["generator"] == "obs-codegen test"


def test_removes_only_previously_generated_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1", d__b="2", e__f="3"))
    (out / "d" / "mine.txt").write_text("hand-made")
    (out / "README.md").write_text("infra notes")
    changed = write(out, files(a="1"))
    assert changed == [PurePosixPath("d/b"), PurePosixPath("e/f")]
    assert not (out / "d" / "b").exists() and not (out / "e").exists()  # an emptied directory goes too
    assert (out / "d" / "mine.txt").read_text() == "hand-made"
    assert (out / "README.md").read_text() == "infra notes"


def test_unchanged_output_is_not_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1", b="1"))
    inode = (out / "a").stat().st_ino
    assert write(out, files(a="1", b="1")) == []
    assert (out / "a").stat().st_ino == inode
    (out / "mine").write_text("x")
    mtime = (out / "mine").stat().st_mtime_ns
    assert write(out, files(a="1", b="2")) == [PurePosixPath("b")]
    assert (out / "mine").read_text() == "x" and (out / "mine").stat().st_mtime_ns == mtime


def test_failure_mid_write_leaves_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write(out, files(a="old", b="old"))
    real = os.write
    calls = {"n": 0}

    def flaky(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", flaky)
    with pytest.raises(WriteError) as caught:
        write(out, files(a="new", b="new"))
    monkeypatch.undo()
    assert str(caught.value) == f"no space left on device: {out / 'b'}" and caught.value.intact
    assert (out / "a").read_text() == "old" and (out / "b").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "staging directory left behind"


def test_interrupted_swap_is_repaired_and_said(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    pid = dead_pid()
    out.rename(tmp_path / f".out.previous-{pid}")  # as if killed between the fallback's two renames
    (tmp_path / f".out.staging-{pid}").mkdir()
    notices: list[str] = []
    write(out, files(a="1", b="2"), notices)
    assert notices == [f"restored out/ from .out.previous-{pid}, left by a generate that was interrupted "
                       "between its two renames"]
    assert (out / "a").read_text() == "1" and (out / "b").read_text() == "2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftovers_of_a_live_process_are_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    busy = tmp_path / f".out.staging-{os.getppid()}"  # our parent is alive: its swap may be under way
    busy.mkdir()
    write(out, files(a="2"))
    assert busy.is_dir()


@pytest.mark.parametrize("name", ["o[th]er", "*", "?ut", "[!x]ut", "out.*"])
def test_glob_metacharacters_in_out_leave_siblings_intact(tmp_path: Path, name: str) -> None:
    parent = tmp_path / "work"
    siblings = ["other", "oher", "out", "x", ".other.previous-1", ".oher.staging-2", ".out.previous-3",
                ".out.staging-4", ".x.staging-5", ".cut.previous-6", ".out.x.staging-7"]
    for s in siblings:
        (parent / s / "keep").mkdir(parents=True)
        (parent / s / "keep" / "data.txt").write_text(f"{s} must survive")
    (parent / "lonely.previous-9").write_text("a file")
    stale = parent / f".{name}.staging-{dead_pid()}"  # our own leftover, named exactly: it does go
    stale.mkdir()
    before = {s: snapshot(parent / s) for s in siblings}
    out = parent / name
    write(out, files(a="1", d__b="2"))
    write(out, files(a="2", d__c="3"))  # a second run swaps out/ (and recovers, again)
    assert {s: snapshot(parent / s) for s in siblings} == before
    assert (parent / "lonely.previous-9").read_text() == "a file"
    assert not stale.exists()
    assert sorted(p.name for p in parent.iterdir()) == sorted(siblings + ["lonely.previous-9", name])
    assert (out / "a").read_text() == "2" and (out / "d" / "c").read_text() == "3"


def test_symlinked_out_is_refused_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write(real, files(a="1"))
    link = tmp_path / "out"
    link.symlink_to(real)
    before = snapshot(tmp_path)
    with pytest.raises(UnsafePath, match="it is a symlink"):
        write(link, files(a="2"))
    assert link.is_symlink() and snapshot(tmp_path) == before


@pytest.mark.parametrize("make", ["file", "under-file", "fifo"])
def test_out_that_is_not_a_directory_is_refused(tmp_path: Path, make: str) -> None:
    target = tmp_path / "thing"
    if make == "fifo":
        os.mkfifo(target)
    else:
        target.write_text("not a dir")
    out = target if make != "under-file" else target / "out"
    before = snapshot(tmp_path)
    with pytest.raises(UnsafePath, match="not a directory"):
        write(out, files(a="1"))
    assert snapshot(tmp_path) == before


def test_out_must_not_contain_or_lie_inside_protected_paths(tmp_path: Path) -> None:
    spec = tmp_path / "repo" / "spec" / "observability.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text("version: 1\n")
    (tmp_path / "repo" / ".git").mkdir()
    templates = tmp_path / "repo" / "my-templates"
    templates.mkdir()
    before = snapshot(tmp_path)
    for out, match in [(spec.parent, "contains the spec file"), (spec, "not a directory"),
                       (templates / "out", "inside the templates directory"), (tmp_path / "repo", "git"),
                       (tmp_path, "contains the repository root"), (tmp_path / "repo" / ".git" / "out", "git")]:
        with pytest.raises(UnsafePath, match=match):
            write(out, files(a="1"), the_spec_file=spec, the_templates_directory=templates)
    assert snapshot(tmp_path) == before
    write(tmp_path / "repo" / "out", files(a="1"), the_spec_file=spec, the_templates_directory=templates)


def test_foreign_file_at_a_generated_path_is_refused_by_name(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    (out / "b.md").write_text("my notes")
    (out / "docs").write_text("a file where a directory is generated")
    before = snapshot(tmp_path)
    with pytest.raises(ForeignFiles) as caught:
        write(out, files(a="2", **{"b.md": "generated", "docs__x.md": "generated"}))
    message = str(caught.value)
    assert "b.md" in message and "docs (a regular file where docs/x.md needs a directory)" in message
    assert "move them out of the way (or delete them)" in message
    assert snapshot(tmp_path) == before
    (out / "docs").unlink()
    (out / "b.md").write_text("generated")  # identical bytes: adopted, not refused
    write(out, files(a="2", **{"b.md": "generated", "docs__x.md": "generated"}))
    assert (out / "a").read_text() == "2"


def test_fifo_inside_out_is_refused_without_blocking(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    os.mkfifo(out / "pipe")
    with pytest.raises(UnsafePath, match="pipe: it is a FIFO"):
        write(out, files(a="2"))  # copying out/ would block on the FIFO if it were opened
    assert (out / "a").read_text() == "1" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_tampered_manifest_cannot_delete_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    doc = json.loads((out / MANIFEST).read_text())
    for bad in ("../victim.txt", str(victim), "a/../../victim.txt", "/dev/zero"):
        doc["files"][bad] = writer.sha256(b"keep me")
    (out / MANIFEST).write_text(json.dumps(doc))
    write(out, files(a="2"))
    assert victim.read_text() == "keep me"


def test_symlinked_directory_in_manifest_is_not_followed_for_removal(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b").write_text("theirs")
    write(out, files(a="1", d__b="2"))
    (out / "d" / "b").unlink()
    (out / "d").rmdir()
    (out / "d").symlink_to(outside)
    with pytest.raises(UnsafePath):
        write(out, files(a="1"))
    assert (outside / "b").read_text() == "theirs"


def test_generated_file_replaced_by_a_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    write(out, files(a="1"))
    (out / "a").unlink()
    (out / "a").symlink_to(victim)
    write(out, files(a="2"))
    assert victim.read_text() == "keep me"
    assert not (out / "a").is_symlink() and (out / "a").read_text() == "2"


def test_output_directory_cannot_contain_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for out in (".", "..", "/"):
        with pytest.raises(UnsafePath):
            write(Path(out), files(a="1"))
    assert not (tmp_path / "a").exists()


def test_exchange_swaps_two_directories_atomically(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux-only; elsewhere the two-rename fallback is used")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "from-a").write_text("a")
    (tmp_path / "b").mkdir()
    swap.exchange(tmp_path / "a", tmp_path / "b")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]
    assert list((tmp_path / "a").iterdir()) == []


def test_fallback_swap_is_used_when_exchange_is_unsupported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(a: bytes, b: bytes) -> int:
        raise swap.ExchangeUnsupported()

    monkeypatch.setattr(swap, "_RENAMEAT2", unsupported)
    out = tmp_path / "out"
    write(out, files(a="1"))
    write(out, files(a="2"))
    assert (out / "a").read_text() == "2" and [p.name for p in tmp_path.iterdir()] == ["out"]
