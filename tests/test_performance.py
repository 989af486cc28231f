"""Issue 17 (performance) without timing anything: the fast paths take the shortcuts they claim,
and every shortcut gives the answer the slow path gives. Speed itself is scripts/bench.py's job."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import OBS_CODEGEN, ROOT, SPEC, run, run_cli

from obs_codegen.cli.entry import _check_options, exit_status
from obs_codegen.output import fresh

HEAVY = ("click", "importlib.metadata", "jinja2", "yaml", "jsonschema", "grafanalib", "typing")
# The CLI leaves by os._exit (entry.leave): the probe reports the modules loaded at that moment, then leaves.
PROBE = (
    "import os, sys\nsys.argv = ['obs-codegen', *sys.argv[1:]]\nfrom obs_codegen.cli.entry import main\n"
    "real_exit = os._exit\n"
    "def probe(code):\n"
    f"    print(code, sorted(m for m in {HEAVY!r} if m in sys.modules), flush=True)\n"
    "    real_exit(code)\n"
    "os._exit = probe\nmain()\n"
)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "spec").mkdir()
    shutil.copy(SPEC, tmp_path / "spec" / "observability.yaml")
    r = run_cli("generate", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return tmp_path


@pytest.mark.parametrize("args", [[], ["--spec", "spec/observability.yaml"], ["--out=out", "--spec=spec/observability.yaml"]])
def test_check_on_fresh_out_imports_nothing_heavy(workdir: Path, args: list[str]) -> None:
    r = run([sys.executable, "-c", PROBE, "check", *args], workdir, timeout=60)
    assert r.stdout.strip().splitlines()[-1] == "0 []", r.stdout + r.stderr
    assert r.stderr == "obs-codegen: out/ is up to date\n"


def test_check_on_stale_out_goes_to_the_full_cli(workdir: Path) -> None:
    """Negative control: a hand-edited file is not fresh, so click (and the renderers) decide, with a diff."""
    target = workdir / "out" / "docs" / "observability.md"
    target.write_text(target.read_text() + "edited\n")
    r = run([sys.executable, "-c", PROBE, "check"], workdir, timeout=60)
    assert r.stdout.strip().splitlines()[-1].startswith("1 ['click'"), r.stdout + r.stderr
    assert "hand-edited: out/docs/observability.md" in r.stdout
    installed = run_cli("check", cwd=workdir)
    assert installed.returncode == 1 and "hand-edited: out/docs/observability.md" in installed.stdout


@pytest.mark.parametrize(("code", "status", "printed"), [
    (None, 0, ""), (0, 0, ""), (2, 2, ""), (True, 1, ""), (256, 0, ""), (-1, 255, ""), ("bad spec", 1, "bad spec\n"),
])
def test_exit_status_is_what_sys_exit_gives(code: object, status: int, printed: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(code) == status
    assert capsys.readouterr().err == printed
    r = run([sys.executable, "-c", f"import sys; sys.exit({code!r})"], ROOT)
    assert (r.returncode, r.stderr) == (status, printed)  # the interpreter's own exit, for reference


def test_leaving_early_loses_no_output(workdir: Path) -> None:
    """The installed command (which leaves by os._exit, entry.leave) prints byte for byte what the click CLI prints
    when the interpreter exits normally, with the same status: a long stale-out report, lint errors, help."""
    for target in (workdir / "out").rglob("*"):
        if target.suffix in (".md", ".py", ".yml", ".ts"):  # every line with a `(` or `|` differs: long diffs
            target.write_text(target.read_text().replace("|", "¦").replace("(", "[("))
    spec = workdir / "spec" / "bad.yaml"
    spec.write_text((workdir / "spec" / "observability.yaml").read_text().replace("version: 1\n", "version: 1\nbogus: 1\n"))
    normal = "import sys\nsys.argv = ['obs-codegen', *sys.argv[1:]]\nfrom obs_codegen.cli.main import main\nmain()\n"
    for args in (["check"], ["lint", "--spec", "spec/bad.yaml"], ["generate", "--spec", "spec/bad.yaml"], ["--help"],
                 ["check", "--full"]):
        ours, reference = run_cli(*args, cwd=workdir), run([sys.executable, "-c", normal, *args], workdir, timeout=60)
        assert (ours.returncode, ours.stdout, ours.stderr) == \
            (reference.returncode, reference.stdout, reference.stderr), args
        assert ours.stdout + ours.stderr, args
    assert len(run_cli("check", cwd=workdir).stdout) > 1 << 16  # more than a pipe holds: written while read


def test_leave_flushes_what_is_still_buffered() -> None:
    """click flushes each line it echoes; `leave` also flushes what anything else left in the buffers."""
    probe = ("import sys\nfrom obs_codegen.cli.entry import leave\n"
             "sys.stdout.write('buffered')\nsys.stderr.write('no newline')\nleave(3)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as a user's shell has it
    r = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout, r.stderr) == (3, "buffered", "no newline")


def test_leaving_with_a_closed_stream_keeps_the_status(workdir: Path) -> None:
    """A job that starts the command with stdout or stderr closed (`>&-`) gets the status a normal exit gives."""
    for args, status in ((["--version"], 0), (["check"], 0), (["lint", "--spec", "missing.yaml"], 2)):
        for fd in (1, 2):
            r = subprocess.run(["/bin/sh", "-c", f'"$0" "$@" {fd}>&-', OBS_CODEGEN, *args], cwd=workdir,
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == status and "Traceback" not in r.stdout + r.stderr, (args, fd, r.stdout + r.stderr)


def test_a_profiled_run_exits_normally_so_the_profile_is_written(workdir: Path, tmp_path: Path) -> None:
    """Under a profiler (or a debugger, or coverage) the command exits as the interpreter does: their results are
    written at that exit, which os._exit would skip."""
    profile = tmp_path / "run.prof"
    r = run([sys.executable, "-m", "cProfile", "-o", str(profile), OBS_CODEGEN, "check"], workdir, timeout=60)
    assert r.returncode == 0 and profile.stat().st_size > 0, r.stderr


def test_installed_command_uses_the_entry_point() -> None:
    assert "obs_codegen.cli.entry" in Path(OBS_CODEGEN).read_text()


@pytest.mark.parametrize(("args", "expected"), [
    ([], ("spec/observability.yaml", "out")),
    (["--spec", "a.yaml"], ("a.yaml", "out")),
    (["--out", "o", "--spec=a.yaml"], ("a.yaml", "o")),
    (["--full"], None),
    (["--templates", "t"], None),
    (["--spec"], None),
    (["--spec", "a", "--spec", "b"], None),
    (["--spec", "--out"], None),
    (["--spec="], None),
    (["-h"], None),
    (["extra"], None),
])
def test_check_options(args: list[str], expected: tuple[str, str] | None) -> None:
    assert _check_options(args) == expected


def test_library_versions_agree_with_importlib_metadata() -> None:
    assert fresh._installed_versions(fresh.SHAPING_LIBRARIES) == {n: version(n) for n in fresh.SHAPING_LIBRARIES}
    assert fresh._installed_versions(("surely-not-installed-xyz",)) == {}


def test_code_fingerprint_covers_every_source(tmp_path: Path) -> None:
    """The scandir walk hashes the same files the old rglob did (and only .py files)."""
    import hashlib

    h = hashlib.sha256()
    package = ROOT / "obs_codegen"
    for p in sorted(package.rglob("*.py"), key=lambda p: p.relative_to(package).as_posix()):
        if "__pycache__" not in p.parts:
            h.update(p.relative_to(package).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    assert fresh.code_fingerprint() == h.hexdigest()


def test_template_cache_gives_the_same_bytes_and_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cold cache, warm cache (no template is parsed: every one comes from the cache) and no cache agree."""
    from obs_codegen.backends import render_all, template_compile
    from obs_codegen.backends.templating import Templates
    from obs_codegen.pipeline import compile_spec

    model = compile_spec(SPEC, "spec/observability.yaml").model
    assert model is not None
    parsed: list[str | None] = []
    real_enforce = template_compile.enforce

    def counting(tree: object, name: str | None, filename: str | None) -> object:
        parsed.append(name)
        return real_enforce(tree, name, filename)

    monkeypatch.setattr(template_compile, "enforce", counting)
    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", "")
    uncached = render_all(model, Templates())
    assert parsed, "the counter sees template parses"
    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", str(tmp_path / "cache"))
    parsed.clear()
    assert render_all(model, Templates()) == uncached  # cold: compiles and stores
    cold = len(parsed)
    assert cold and list((tmp_path / "cache").glob("templates-*/*.jinja"))
    parsed.clear()
    assert render_all(model, Templates()) == uncached  # warm: loads
    assert parsed == [], f"templates parsed despite a warm cache: {parsed}"


def test_template_cache_refuses_a_shared_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from obs_codegen.backends.jinja_cache import bytecode_cache

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", str(shared))
    assert bytecode_cache() is None
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", str(tmp_path / "file"))
    assert bytecode_cache() is None  # not a directory: no cache, no error
    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", str(tmp_path / "mine"))
    assert bytecode_cache() is not None


def test_corrupt_cache_entry_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from obs_codegen.backends import render_all
    from obs_codegen.backends.templating import Templates
    from obs_codegen.pipeline import compile_spec

    model = compile_spec(SPEC, "spec/observability.yaml").model
    assert model is not None
    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", str(tmp_path))
    first = render_all(model, Templates(), only=["catalog"])
    entries = list(tmp_path.glob("templates-*/*.jinja"))
    assert entries
    for entry in entries:
        entry.write_bytes(b"garbage")
    assert render_all(model, Templates(), only=["catalog"]) == first


def test_bytecode_goes_to_the_cache_dir_under_dontwritebytecode(tmp_path: Path) -> None:
    import os

    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPYCACHEPREFIX", "OBS_CODEGEN_CACHE_DIR")}
    env = {**base, "PYTHONDONTWRITEBYTECODE": "1", "OBS_CODEGEN_CACHE_DIR": str(tmp_path / "c")}
    first = run([OBS_CODEGEN, "lint"], ROOT, env, timeout=120)
    assert first.returncode == 0, first.stderr
    cached = {p.name for p in (tmp_path / "c").rglob("*.pyc")}
    assert any(n.startswith("loader.") for n in cached) and any(n.startswith("resolve.") for n in cached), cached
    second = run([OBS_CODEGEN, "lint"], ROOT, env, timeout=120)
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    # disabled: nothing written; an explicit PYTHONPYCACHEPREFIX is the user's choice and is left alone
    off = run([OBS_CODEGEN, "lint"], ROOT, {**env, "OBS_CODEGEN_CACHE_DIR": ""}, timeout=120)
    assert off.stderr == first.stderr
    mine = tmp_path / "prefix"
    run([OBS_CODEGEN, "lint"], ROOT, {**env, "PYTHONPYCACHEPREFIX": str(mine), "OBS_CODEGEN_CACHE_DIR":
                                      str(tmp_path / "d")}, timeout=120)
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").rglob("*.pyc"))


def _synth(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_limits_are_settings_with_todays_defaults(tmp_path: Path) -> None:
    """A generator sharing one list by anchor across 110 services hits the 100-alias default; the flag lifts it."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from synth_spec import generate as synth

    shared = "tag_sets:\n  shared: &shared [env]\n" + "".join(f"  s{i}: *shared\n" for i in range(110))
    text = synth(200).replace("tag_sets:\n", shared, 1)
    spec = _synth(tmp_path, text)
    refused = run_cli("lint", "--spec", str(spec), cwd=tmp_path)
    assert refused.returncode == 1 and "more than 100 YAML aliases" in refused.stderr, refused.stderr
    lifted = run_cli("lint", "--spec", str(spec), "--max-yaml-aliases", "200", cwd=tmp_path)
    assert "spec-yaml-aliases" not in lifted.stderr, lifted.stderr
    small = run_cli("lint", "--spec", str(spec), "--max-spec-bytes", "1000", cwd=tmp_path)
    assert small.returncode == 1 and "bytes; the limit is 1000" in small.stderr
    nodes = run_cli("generate", "--spec", str(spec), "--out", "o", "--max-yaml-nodes", "500",
                    "--max-yaml-aliases", "200", cwd=tmp_path)
    assert nodes.returncode == 1 and "more than 500 YAML nodes; the limit is 500" in nodes.stderr
    check = run_cli("check", "--spec", str(spec), "--out", "o", "--max-spec-bytes", "1000", cwd=tmp_path)
    assert check.returncode == 1 and "the limit is 1000" in check.stderr


def test_raised_alias_limit_keeps_the_expansion_bound(tmp_path: Path) -> None:
    """A billion-laughs spec within a raised alias limit is still refused: its expansion passes the node limit."""
    head = "version: 1\nproject: {name: shop, metric_prefix: shop, environments: [prod]}\n"
    levels = ["l0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    levels += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 9)]
    spec = _synth(tmp_path, head + "bucket_sets:\n" + "".join(f"  {line}\n" for line in levels))
    r = run_cli("lint", "--spec", str(spec), "--max-yaml-aliases", "1000", cwd=tmp_path)
    assert r.returncode == 1 and "expands to more than 200000 nodes" in r.stderr, r.stderr
