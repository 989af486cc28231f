"""`generate` killed at any filesystem call leaves out/ complete (old or new), and `check` tells the truth.

A forked child runs the writer with every mutating `os` function (and the renameat2 exchange)
wrapped to count calls and SIGKILL the process at the Nth; the parent then inspects the
directory exactly as a user would find it. Both swap strategies are covered: the atomic
exchange (out/ is never missing) and the two-rename fallback (a kill between the renames
leaves only `.out.previous-<pid>`, which the next run restores and reports).

Also here: real filesystem failures (a full tmpfs, a file-size limit, a read-only directory)
give one-line messages and leave out/ as it was.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from conftest import OBS_CODEGEN, ROOT, run_cli, tree

from obs_codegen import __version__
from obs_codegen.backends import render_all
from obs_codegen.backends.templating import Templates
from obs_codegen.output import drift, swap
from obs_codegen.output.writer import WriteError, manifest_bytes, write_tree
from obs_codegen.pipeline import compile_spec

BARE = (ROOT / "tests" / "cases" / "bare" / "spec.yaml").read_text()
# OLD has a second service with a metric (so a dashboard that NEW no longer generates);
# NEW changes a description (files that change) and drops that metric (a file removed).
OLD_SPEC = BARE.replace("services:\n", "services:\n  api: {title: API, description: The API.}\n").replace(
    "metrics:\n", "metrics:\n  api.request.count: {type: counter, unit: requests, tags: [env], description: Requests.}\n")
NEW_SPEC = BARE.replace("Jobs processed.", "Jobs processed (successfully or not).")
# Every os function the writer (and shutil.rmtree) changes the filesystem with; `open` counts when it writes.
WRAPPED = ("mkdir", "open", "write", "rename", "replace", "unlink", "rmdir", "link", "symlink", "chmod", "utime")
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT


@pytest.fixture
def fast_tmp(tmp_path: Path) -> Iterator[Path]:
    """A scratch dir on tmpfs (/dev/shm) when there is one: hundreds of small trees, written quickly."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="obs-codegen-kill-", dir=shm))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def rendered(workdir: Path, text: str) -> tuple[dict[PurePosixPath, bytes], bytes, str]:
    """What `obs-codegen generate --spec spec.yaml` run in `workdir` would write (files, manifest, inputs)."""
    spec = workdir / "spec.yaml"
    spec.write_text(text)
    compiled = compile_spec(spec, "spec.yaml")
    assert compiled.ok and compiled.model is not None, [d.text() for d in compiled.diagnostics]
    tpl = Templates(None)
    inputs = drift.inputs_hash(spec.read_bytes(), "spec.yaml", tpl)
    files = render_all(compiled.model, tpl)
    return files, manifest_bytes(files, inputs, "spec.yaml", __version__), inputs


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("render")
    old_files, old_manifest, _ = rendered(work, OLD_SPEC)
    new_files, new_manifest, new_inputs = rendered(work, NEW_SPEC)
    old_tree = {str(p): d for p, d in old_files.items()} | {".obs-codegen-manifest.json": old_manifest}
    new_tree = {str(p): d for p, d in new_files.items()} | {".obs-codegen-manifest.json": new_manifest}
    assert set(old_tree) - set(new_tree) and set(new_tree) & set(old_tree)
    assert any(old_tree[p] != new_tree[p] for p in set(old_tree) & set(new_tree) if p != ".obs-codegen-manifest.json")
    return {"old": (old_files, old_manifest, old_tree), "new": (new_files, new_manifest, new_tree),
            "new_inputs": new_inputs}


def _child(out: Path, files: dict[PurePosixPath, bytes], manifest: bytes, kill_at: int, fallback: bool,
           count_file: Path) -> None:
    """In the forked child: wrap the os calls, run the writer, record the calls it made (by name)."""
    calls: list[str] = []

    def counted(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if fn is not real_open or (args[1] if len(args) > 1 else kwargs["flags"]) & _WRITING:
                calls.append(name)
                if len(calls) == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
            return fn(*args, **kwargs)
        return call

    real_open = os.open

    real_exchange = swap._RENAMEAT2

    def exchange(a: bytes, b: bytes) -> int:
        if fallback or real_exchange is None:
            raise swap.ExchangeUnsupported()
        return real_exchange(a, b)

    swap._RENAMEAT2 = counted(exchange, "exchange")  # type: ignore[assignment]
    real = {name: getattr(os, name) for name in WRAPPED}
    for name, fn in real.items():
        setattr(os, name, counted(fn, name))
    write_tree(out, files, manifest)
    for name, fn in real.items():
        setattr(os, name, fn)
    count_file.write_text("\n".join(calls))


def run_killed(out: Path, files: dict[PurePosixPath, bytes], manifest: bytes, kill_at: int,
               fallback: bool) -> list[str]:
    """Fork, run the writer in the child until its `kill_at`-th call; the calls it made if it finished, else []."""
    count_file = out.parent / "calls.txt"
    count_file.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        try:
            _child(out, files, manifest, kill_at, fallback, count_file)
            os._exit(0)
        except BaseException:
            traceback.print_exc()
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return []
    assert os.WEXITSTATUS(status) == 0, "the writer raised in the child (traceback above)"
    return count_file.read_text().split("\n")


def outcome(parent: Path, out: Path, old_tree: dict[str, bytes], new_tree: dict[str, bytes]) -> str:
    """'old', 'new' or 'missing' (only with a complete previous tree beside it); anything else fails."""
    if out.exists():
        found = tree(out)
        assert found in (old_tree, new_tree), "out/ is neither the complete old nor the complete new tree"
        return "old" if found == old_tree else "new"
    previous = [p for p in parent.iterdir() if p.name.startswith(".out.previous-")]
    assert len(previous) == 1 and tree(previous[0]) == old_tree, "out/ is missing and no complete previous tree"
    return "missing"


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "two-renames"])
def test_kill_at_every_call_leaves_a_complete_out(fast_tmp: Path, versions: dict[str, Any], fallback: bool) -> None:
    if not fallback and not sys.platform.startswith("linux"):
        pytest.skip("the atomic exchange is Linux-only")
    old_files, old_manifest, old_tree = versions["old"]
    new_files, new_manifest, new_tree = versions["new"]
    pristine = fast_tmp / "pristine" / "out"
    write_tree(pristine, old_files, old_manifest)
    seen: dict[str, int] = {}
    kill_at, total = 1, None
    while total is None or kill_at <= total:
        work = fast_tmp / f"k{kill_at}"
        work.mkdir()
        out = work / "out"
        shutil.copytree(pristine, out)
        made = run_killed(out, new_files, new_manifest, kill_at, fallback)
        if made:  # the writer finished before its kill_at-th call: we have counted them all
            total = len(made)
            assert tree(out) == new_tree
            assert "exchange" in made and made.count("rename") == (2 if fallback else 0), made
            break
        state = outcome(work, out, old_tree, new_tree)
        seen.setdefault(state, kill_at)
        if not fallback:
            assert state != "missing", f"killed at call {kill_at}: no out/ (the exchange should never allow that)"
        # What check says must be the truth: fresh exactly when out/ is the new tree.
        fresh = out.exists() and drift.is_fresh(out, versions["new_inputs"])
        assert fresh == (state == "new")
        assert drift.compare(out, new_files, new_manifest).clean == (state == "new")
        # The next run repairs everything and reports a restoration.
        notices: list[str] = []
        write_tree(out, new_files, new_manifest, notices=notices)
        assert tree(out) == new_tree
        assert sorted(p.name for p in work.iterdir()) == ["out"], "a leftover survived the next run"
        assert bool(notices) == (state == "missing"), notices
        shutil.rmtree(work)
        kill_at += 1
    assert total is not None and total > 20, "the writer made suspiciously few calls: is the wrapping working?"
    assert {"old", "new"} <= set(seen), seen
    assert ("missing" in seen) == fallback, seen


def test_check_command_tells_the_truth_after_a_kill(fast_tmp: Path, versions: dict[str, Any]) -> None:
    """A kill per outcome (old, new; missing with the fallback), then the real `obs-codegen check` (exit 0
    exactly for the new tree) and `generate` (which restores a missing out/ and says so)."""
    old_files, old_manifest, old_tree = versions["old"]
    new_files, new_manifest, new_tree = versions["new"]
    pristine = fast_tmp / "pristine" / "out"
    write_tree(pristine, old_files, old_manifest)
    points = []
    for fallback in (False, True):
        shutil.copytree(pristine, fast_tmp / f"dry-{fallback}" / "out")
        calls = run_killed(fast_tmp / f"dry-{fallback}" / "out", new_files, new_manifest, 10**9, fallback)
        swapped = calls.index("rename" if fallback else "exchange") + 1  # 1-based number of the swapping call
        points += [("missing", swapped + 1, True)] if fallback else [("old", swapped, False), ("new", len(calls), False)]
    for state, kill_at, fallback in points:
        work = fast_tmp / state
        shutil.copytree(pristine, work / "out")
        out = work / "out"
        assert run_killed(out, new_files, new_manifest, kill_at, fallback) == []
        assert outcome(work, out, old_tree, new_tree) == state
        (work / "spec.yaml").write_text(NEW_SPEC)
        r = run_cli("check", "--spec", "spec.yaml", "--out", "out", cwd=work)
        assert r.returncode == (0 if state == "new" else 1), (state, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        assert ("an interrupted generate left the previous output beside it" in r.stderr) == (state == "missing")
        r = run_cli("generate", "--spec", "spec.yaml", "--out", "out", cwd=work)
        assert r.returncode == 0, r.stderr
        assert ("restored out/ from .out.previous-" in r.stderr) == (state == "missing"), r.stderr
        assert tree(out) == new_tree
        assert run_cli("check", "--spec", "spec.yaml", "--out", "out", cwd=work).returncode == 0


# --- real filesystem failures ---------------------------------------------------------------

@contextmanager
def tmpfs(where: Path, options: str) -> Iterator[Path]:
    where.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_disk_full_is_one_line_and_leaves_out_intact(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "size=64k") as disk:
        out = disk / "out"
        small = {PurePosixPath("a.txt"): b"a" * 1000}
        write_tree(out, small, manifest_bytes(small, "i", "spec.yaml", "test"))
        before = tree(out)
        big = {PurePosixPath("a.txt"): b"b" * 1000, PurePosixPath("big/blob.bin"): b"x" * 200_000}
        with pytest.raises(WriteError) as caught:
            write_tree(out, big, manifest_bytes(big, "i", "spec.yaml", "test"))
        assert str(caught.value) == f"no space left on device: {out}/big/blob.bin"
        assert tree(out) == before and sorted(p.name for p in disk.iterdir()) == ["out"]


def test_read_only_parent_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    fs = {PurePosixPath("a.txt"): b"a"}
    if os.geteuid() != 0:
        parent = tmp_path / "ro"
        parent.mkdir()
        parent.chmod(0o555)
        expected = "permission denied"
    else:  # root ignores permission bits: use a read-only mount instead
        parent = tmp_path / "ro"
        expected = "read-only file system"
    with tmpfs(parent, "ro,size=64k") if os.geteuid() == 0 else _nothing(parent):
        with pytest.raises(WriteError) as caught:
            write_tree(parent / "out", fs, manifest_bytes(fs, "i", "spec.yaml", "test"))
        assert str(caught.value).startswith(expected + ": ") and "\n" not in str(caught.value)
        assert list(parent.iterdir()) == []


@contextmanager
def _nothing(path: Path) -> Iterator[Path]:
    yield path


def test_file_size_limit_gives_one_line_from_the_cli(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes write(2) fail with EFBIG (Python ignores SIGXFSZ): one line, exit 2, out/ intact."""
    (tmp_path / "spec.yaml").write_text(OLD_SPEC)
    assert run_cli("generate", "--spec", "spec.yaml", cwd=tmp_path).returncode == 0
    before = tree(tmp_path / "out")
    (tmp_path / "spec.yaml").write_text(NEW_SPEC)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    r = subprocess.run([OBS_CODEGEN, "generate", "--spec", "spec.yaml"], cwd=tmp_path, capture_output=True, text=True,
                       preexec_fn=limit, timeout=60, check=False)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("obs-codegen: cannot write out/: file too large"), r.stderr
    assert lines[0].endswith("; the previous output is intact") and str(tmp_path / "out") in lines[0]
    assert tree(tmp_path / "out") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "spec.yaml"]
