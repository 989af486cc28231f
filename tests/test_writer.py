"""The writer: confined to out/, all or nothing, manifest-driven removal, foreign files untouched."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest

from obs_codegen.output import writer
from obs_codegen.output.writer import MANIFEST, UnsafePath, manifest_bytes, safe_relpath, write_tree


def files(**kv: str) -> dict[PurePosixPath, bytes]:
    return {PurePosixPath(k.replace("__", "/")): v.encode() for k, v in kv.items()}


def write(out: Path, fs: dict[PurePosixPath, bytes]) -> list[PurePosixPath]:
    return write_tree(out, fs, manifest_bytes(fs, "inputs", "spec.yaml", "test"))


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../x", "a//b", "./a", "", "a\\b", "~/x", MANIFEST, "a/\0"])
def test_unsafe_paths_are_refused(bad: str) -> None:
    with pytest.raises(UnsafePath):
        safe_relpath(bad)


def test_refused_path_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    before = sorted(p.name for p in out.rglob("*"))
    with pytest.raises(UnsafePath):
        write(out, {PurePosixPath("b"): b"2", PurePosixPath("../escape"): b"x"})
    assert sorted(p.name for p in out.rglob("*")) == before
    assert not (tmp_path / "escape").exists()


def test_symlinked_directory_cannot_lead_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outside = tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "docs").symlink_to(outside)
    with pytest.raises(UnsafePath):
        write(out, files(docs__x="1"))
    assert list(outside.iterdir()) == []


def test_manifest_records_hashes_and_inputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1", d__b="2"))
    doc = json.loads((out / MANIFEST).read_text())
    assert doc["inputs_sha256"] == "inputs"
    assert doc["files"] == {"a": writer.sha256(b"1"), "d/b": writer.sha256(b"2")}
    assert doc["generator"] == "obs-codegen test"


def test_removes_only_previously_generated_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1", d__b="2"))
    (out / "d" / "mine.txt").write_text("hand-made")
    (out / "README.md").write_text("infra notes")
    changed = write(out, files(a="1"))
    assert changed == [PurePosixPath("d/b")]
    assert not (out / "d" / "b").exists()
    assert (out / "d" / "mine.txt").read_text() == "hand-made"
    assert (out / "README.md").read_text() == "infra notes"


def test_unchanged_output_is_not_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    inode = (out / "a").stat().st_ino
    assert write(out, files(a="1")) == []
    assert (out / "a").stat().st_ino == inode


def test_failure_mid_write_leaves_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write(out, files(a="old", b="old"))
    real = Path.write_bytes
    calls = {"n": 0}

    def flaky(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(OSError):
        write(out, files(a="new", b="new"))
    monkeypatch.undo()
    assert (out / "a").read_text() == "old" and (out / "b").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "staging directory left behind"


def test_interrupted_swap_is_repaired(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    out.rename(tmp_path / ".out.previous-999")  # as if killed between the two renames
    write(out, files(a="1", b="2"))
    assert (out / "a").read_text() == "1" and (out / "b").read_text() == "2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_tampered_manifest_cannot_delete_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, files(a="1"))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    doc = json.loads((out / MANIFEST).read_text())
    doc["files"]["../victim.txt"] = writer.sha256(b"keep me")
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


def test_output_directory_cannot_contain_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafePath):
        write(Path("."), files(a="1"))
    assert not (tmp_path / "a").exists()
