"""End-to-end behaviour of the CLI: generate, check (drift), schema, exit codes, determinism, speed."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import OUT, ROOT, SPEC, run, run_cli, tree


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


def test_check_is_fast_and_imports_no_heavy_library() -> None:
    """`check` runs in every CI job and pre-commit hook: well under half a second on the Coach Up spec."""
    best = min(_timed(lambda: run_cli("check")) for _ in range(3))
    assert best < 0.5, f"obs-codegen check took {best:.3f}s"
    probe = (
        "import sys\nfrom obs_codegen.cli.main import main\n"
        "try:\n    main(['check'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('jinja2', 'grafanalib', 'jsonschema', 'yaml', 'attr') if m in sys.modules))\n"
    )
    r = run([sys.executable, "-c", probe], timeout=60)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout + r.stderr


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    assert result.returncode == 0, result.stdout + result.stderr
    return time.perf_counter() - start


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
