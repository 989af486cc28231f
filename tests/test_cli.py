"""End-to-end behaviour of the CLI: generate, check (drift), schema, exit codes, determinism, speed."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import OBS_CODEGEN, OUT, ROOT, SPEC, run, run_cli, tree


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A copy of the spec with a freshly generated out/, to break at will."""
    (tmp_path / "spec").mkdir()
    shutil.copy(SPEC, tmp_path / "spec" / "observability.yaml")
    r = run_cli("generate", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return tmp_path


def test_generate_matches_committed_out(workdir: Path) -> None:
    assert tree(workdir / "out") == tree(OUT)


def test_generate_twice_changes_nothing(workdir: Path) -> None:
    before = {p: (workdir / "out" / p).stat().st_mtime_ns for p in tree(workdir / "out")}
    r = run_cli("generate", cwd=workdir)
    assert r.returncode == 0 and ", 0 changed" in r.stderr
    assert {p: (workdir / "out" / p).stat().st_mtime_ns for p in tree(workdir / "out")} == before


def test_generated_text_files_are_lf_with_trailing_newline(workdir: Path) -> None:
    for rel, data in tree(workdir / "out").items():
        assert b"\r\n" not in data, rel
        assert data.endswith(b"\n"), rel


def test_check_clean_then_one_byte_edit(workdir: Path) -> None:
    assert run_cli("check", cwd=workdir).returncode == 0
    doc = workdir / "out" / "docs" / "observability.md"
    data = bytearray(doc.read_bytes())
    data[200] = ord("X") if data[200] != ord("X") else ord("Y")
    doc.write_bytes(bytes(data))
    r = run_cli("check", cwd=workdir)
    assert r.returncode == 1
    assert "hand-edited: out/docs/observability.md" in r.stdout
    assert "+++ b/docs/observability.md (generated)" in r.stdout
    assert "obs-codegen generate --spec spec/observability.yaml --out out" in r.stderr


def test_check_reports_deleted_file(workdir: Path) -> None:
    (workdir / "out" / "docs" / "observability.md").unlink()
    r = run_cli("check", cwd=workdir)
    assert r.returncode == 1 and "missing: out/docs/observability.md" in r.stdout


def test_check_reports_spec_change_not_regenerated(workdir: Path) -> None:
    spec = workdir / "spec" / "observability.yaml"
    spec.write_text(spec.read_text().replace("Largest Contentful Paint.", "Largest Contentful Paint (LCP)."))
    r = run_cli("check", cwd=workdir)
    assert r.returncode == 1
    assert "changed: out/docs/observability.md" in r.stdout
    assert "+| <a id=\"metric-web-vitals-lcp-ms\"></a>" in r.stdout


def test_check_reports_orphaned_file(workdir: Path) -> None:
    manifest = workdir / "out" / ".obs-codegen-manifest.json"
    doc = json.loads(manifest.read_text())
    doc["files"]["grafana/dashboards/old-service.json"] = "0" * 64
    manifest.write_text(json.dumps(doc))
    (workdir / "out" / "grafana" / "dashboards").mkdir(parents=True, exist_ok=True)
    (workdir / "out" / "grafana" / "dashboards" / "old-service.json").write_text("{}")
    r = run_cli("check", cwd=workdir)
    assert r.returncode == 1 and "orphaned: out/grafana/dashboards/old-service.json" in r.stdout
    assert run_cli("generate", cwd=workdir).returncode == 0
    assert not (workdir / "out" / "grafana" / "dashboards" / "old-service.json").exists()


def test_check_full_agrees_with_fast_path(workdir: Path) -> None:
    assert run_cli("check", "--full", cwd=workdir).returncode == 0


def test_generate_refuses_a_spec_with_errors(workdir: Path) -> None:
    spec = workdir / "spec" / "observability.yaml"
    before = tree(workdir / "out")
    spec.write_text(spec.read_text().replace("unit: ms\n    buckets: latency_ms", "unit: s\n    buckets: latency_ms", 1))
    r = run_cli("generate", cwd=workdir)
    assert r.returncode == 1 and "metric-unit-suffix" in r.stderr and "Traceback" not in r.stderr
    assert tree(workdir / "out") == before


def test_missing_spec_is_a_usage_error(tmp_path: Path) -> None:
    r = run_cli("lint", "--spec", "nope.yaml", cwd=tmp_path)
    assert r.returncode == 2 and "cannot read spec" in r.stderr and "Traceback" not in r.stderr


def test_schema_command_prints_a_valid_schema_that_accepts_the_spec() -> None:
    import yaml
    from jsonschema import Draft202012Validator

    r = run_cli("schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema).iter_errors(yaml.safe_load(SPEC.read_text())))
    assert errors == []
    assert (OUT / "schema" / "obs-codegen.spec.schema.json").read_text() == json.dumps(schema, indent=2, sort_keys=True) + "\n"
    assert SPEC.read_text().startswith("# yaml-language-server: $schema=../out/schema/obs-codegen.spec.schema.json")


def test_check_fast_path_imports_no_heavy_library() -> None:
    """`check` runs in every CI job and pre-commit hook; its fast path must not import the renderers.

    (Speed itself is measured by a benchmark, as a ratio to the interpreter floor, not by a timed test.)
    """
    probe = (
        "import sys\nfrom obs_codegen.cli.main import main\n"
        "try:\n    main(['check'], standalone_mode=False)\n    code = 0\nexcept SystemExit as e:\n    code = e.code\n"
        "print(code, sorted(m for m in ('jinja2', 'grafanalib', 'jsonschema', 'yaml', 'attr') if m in sys.modules))\n"
    )
    r = run([sys.executable, "-c", probe], timeout=60, cwd=ROOT)
    assert r.stdout.strip().splitlines()[-1] in ("0 []", "None []"), r.stdout + r.stderr


def test_templates_override_restyles_output_and_invalidates_fast_path(workdir: Path) -> None:
    custom = workdir / "my-templates" / "catalog"
    custom.mkdir(parents=True)
    original = (ROOT / "templates" / "catalog" / "observability.md.j2").read_text()
    (custom / "observability.md.j2").write_text(original.replace("observability catalog", "signal catalog"))
    r = run_cli("check", "--templates", "my-templates", cwd=workdir)
    assert r.returncode == 1 and "+# Coach Up signal catalog" in r.stdout
    assert run_cli("generate", "--templates", "my-templates", cwd=workdir).returncode == 0
    assert "# Coach Up signal catalog" in (workdir / "out" / "docs" / "observability.md").read_text()
    assert run_cli("check", "--templates", "my-templates", cwd=workdir).returncode == 0
    assert run_cli("check", cwd=workdir).returncode == 1


def test_broken_template_is_reported_without_traceback(workdir: Path) -> None:
    custom = workdir / "bad" / "catalog"
    custom.mkdir(parents=True)
    (custom / "observability.md.j2").write_text("{% for x in %}")
    before = tree(workdir / "out")
    r = run_cli("generate", "--templates", "bad", cwd=workdir)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "template error: bad/catalog/observability.md.j2:1:" in r.stderr, r.stderr
    assert tree(workdir / "out") == before


# --- hostile files and directories (issue 18): clear messages, no traceback, no hang, nothing touched ---

def _snapshot(root: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = f"-> {os.readlink(p)}" if p.is_symlink() else p.read_bytes() if p.is_file() else "dir"
    return out


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "loop", "dangling"])
def test_spec_that_is_not_a_regular_file_is_a_clear_input_error(tmp_path: Path, kind: str) -> None:
    spec = tmp_path / "spec.yaml"
    if kind == "fifo":
        os.mkfifo(spec)
    elif kind == "dev-zero":
        spec.symlink_to("/dev/zero")
    elif kind == "loop":
        spec.symlink_to(tmp_path / "loop2.yaml")
        (tmp_path / "loop2.yaml").symlink_to(spec)
    else:
        spec.symlink_to(tmp_path / "nowhere.yaml")
    expected = {"fifo": "not a regular file (a FIFO (named pipe))", "dev-zero": "not a regular file (a character device)",
                "loop": "Too many levels of symbolic links", "dangling": "No such file or directory"}[kind]
    for command in (["lint"], ["generate"], ["check"], ["validate-logs", "-"]):
        r = run_cli(*command, "--spec", "spec.yaml", cwd=tmp_path)  # a hang would be a TimeoutExpired
        assert r.returncode == 2, (command, r.stderr)
        assert f"cannot read spec spec.yaml: {expected}" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_generate_with_glob_characters_in_out_leaves_siblings_alone(workdir: Path) -> None:
    for sibling in ("other", ".other.previous-1", ".oher.staging-2", ".out.staging-3"):
        (workdir / sibling / "keep").mkdir(parents=True)
        (workdir / sibling / "keep" / "data").write_text(sibling)
    before = {s: _snapshot(workdir / s) for s in ("other", ".other.previous-1", ".oher.staging-2", ".out.staging-3")}
    for out in ("o[th]er", "*"):
        assert run_cli("generate", "--out", out, cwd=workdir).returncode == 0
        spec = workdir / "spec" / "observability.yaml"
        spec.write_text(spec.read_text() + "\n# touched\n")  # the second run must swap a changed tree in
        assert run_cli("generate", "--out", out, cwd=workdir).returncode == 0
        assert tree(workdir / out) != {} and run_cli("check", "--out", out, cwd=workdir).returncode == 0
    assert {s: _snapshot(workdir / s) for s in before} == before


def test_generate_refuses_a_symlinked_out_and_foreign_files(workdir: Path) -> None:
    real = workdir / "real-out"
    (workdir / "out").rename(real)
    (workdir / "out").symlink_to(real)
    spec = workdir / "spec" / "observability.yaml"
    spec.write_text(spec.read_text() + "\n# touched\n")
    r = run_cli("generate", cwd=workdir)
    assert r.returncode == 1 and "it is a symlink (to" in r.stderr and "Traceback" not in r.stderr
    assert (workdir / "out").is_symlink()
    (workdir / "out").unlink()
    real.rename(workdir / "out")
    (workdir / "out" / "docs" / "observability.md").unlink()
    manifest = workdir / "out" / ".obs-codegen-manifest.json"
    doc = json.loads(manifest.read_text())
    del doc["files"]["docs/observability.md"]
    manifest.write_text(json.dumps(doc))
    (workdir / "out" / "docs" / "observability.md").write_text("my own notes")
    r = run_cli("generate", cwd=workdir)
    assert r.returncode == 1 and "docs/observability.md" in r.stderr and "did not generate" in r.stderr
    assert (workdir / "out" / "docs" / "observability.md").read_text() == "my own notes"
    r = run_cli("generate", "--out", "spec", cwd=workdir)
    assert r.returncode == 1 and "it contains the spec file" in r.stderr


def test_check_with_a_hostile_manifest_answers_quickly_and_touches_nothing(workdir: Path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """Entries naming /dev/zero, a FIFO, ../sibling and a symlink to a huge sparse file: exit 1, never a hang."""
    out = workdir / "out"
    sibling = workdir / "sibling"
    sibling.mkdir()
    (sibling / "secret").write_text("not yours")
    huge = tmp_path_factory.mktemp("huge") / "sparse.bin"
    with open(huge, "wb") as f:
        f.truncate(64 * 1024**3)  # 64 GiB of holes: reading it would take minutes and all memory
    os.mkfifo(out / "pipe")
    doc_path = out / "docs" / "observability.md"
    doc_path.unlink()
    doc_path.symlink_to(huge)
    manifest = out / ".obs-codegen-manifest.json"
    doc = json.loads(manifest.read_text())
    doc["files"].update({"/dev/zero": "0" * 64, "pipe": "0" * 64, "../sibling/secret": "0" * 64,
                         "docs/../../sibling/secret": "0" * 64})
    manifest.write_text(json.dumps(doc))  # inputs_sha256 untouched: the fast path is tried first
    before = _snapshot(sibling)
    for args in ([], ["--full"]):
        r = run_cli("check", *args, cwd=workdir)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert "not-a-file: out/docs/observability.md" in r.stdout and "a symlink" in r.stdout
        assert "changed: out/.obs-codegen-manifest.json" in r.stdout
        assert "/dev/zero" not in r.stdout.split("--- a/")[0] and "secret" not in r.stdout.split("--- a/")[0]
    assert _snapshot(sibling) == before
    assert run_cli("generate", cwd=workdir).returncode == 0  # entries outside out/ are ignored
    assert not doc_path.is_symlink() and not (out / "pipe").exists()  # a listed FIFO is removed (by name)
    assert _snapshot(sibling) == before and run_cli("check", cwd=workdir).returncode == 0


def test_templates_directory_with_a_fifo_or_a_loop_is_a_clear_error(workdir: Path) -> None:
    custom = workdir / "my-templates" / "catalog"
    custom.mkdir(parents=True)
    os.mkfifo(custom / "observability.md.j2")
    for command in ("generate", "check"):
        r = run_cli(command, "--templates", "my-templates", cwd=workdir)
        assert r.returncode == 2 and "cannot read templates: not a regular file (a FIFO (named pipe))" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
    (custom / "observability.md.j2").unlink()
    (custom / "loop").symlink_to(custom)  # a directory loop: visited once, not forever
    assert run_cli("check", "--templates", "my-templates", cwd=workdir).returncode == 0


def test_validate_logs_refuses_fifos_and_devices_but_reads_stdin(workdir: Path) -> None:
    os.mkfifo(workdir / "logs.fifo")
    for name in ("logs.fifo", "/dev/zero"):
        r = run_cli("validate-logs", name, cwd=workdir)
        assert r.returncode == 2 and "not a regular file" in r.stderr and "pass `-`" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and r.stdout == ""
    schemas = workdir / "schemas"
    schemas.mkdir()
    os.mkfifo(schemas / "next.schema.json")
    r = run_cli("validate-logs", "--schemas", "schemas", "-", cwd=workdir)
    assert r.returncode == 2 and "not a regular file (a FIFO" in r.stderr and "Traceback" not in r.stderr
    r = run([OBS_CODEGEN, "validate-logs", "-"], cwd=workdir)  # stdin (empty here) still streams
    assert r.returncode == 0 and "0 lines read" in r.stdout, r.stdout + r.stderr
