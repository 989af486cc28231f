"""project.limits: read by a pre-scan before parsing, capped, overridden by flags, checked with positions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from obs_codegen.diagnostics import Diagnostic
from obs_codegen.pipeline import compile_spec
from obs_codegen.spec import loader
from obs_codegen.spec.limits import CEILINGS, declared, effective

PROJECT = "project:\n  name: shop\n  metric_prefix: shop\n  environments: [prod, dev]\n"
SERVICES = "services:\n  api: {description: The API.}\n"
MANY = "x: &x 1\ny: [" + ", ".join(["*x"] * (loader.MAX_ALIASES + 50)) + "]\n"  # 150 aliases


def spec(limits: str = "", tail: str = "") -> str:
    return "version: 1\n" + PROJECT + limits + SERVICES + tail


def diags(tmp_path: Path, text: str, limits: loader.Limits = loader.DEFAULT_LIMITS) -> list[Diagnostic]:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return compile_spec(path, "spec.yaml", lint=False, limits=limits).diagnostics


def test_the_pre_scan_reads_block_and_one_line_flow_forms_only_under_project() -> None:
    block = spec("  limits:\n    max_yaml_aliases: 300  # generated\n\n    max_yaml_nodes: 400000\n")
    assert declared(block.encode()) == {"max_yaml_aliases": 300, "max_yaml_nodes": 400000}
    assert declared(spec("  limits: {max_spec_bytes: 5000000, max_yaml_aliases: 7}\n").encode()) == {
        "max_spec_bytes": 5000000, "max_yaml_aliases": 7}
    assert declared(b"other:\n  limits:\n    max_yaml_nodes: 5\n" + spec().encode()) == {}
    assert declared(b"project: {limits: {max_yaml_nodes: 5}}\n") == {}
    assert declared(spec("  nested:\n    limits:\n      max_yaml_nodes: 5\n").encode()) == {}


def test_a_spec_raises_its_alias_limit_and_a_flag_overrides_it(tmp_path: Path) -> None:
    assert [d.rule for d in diags(tmp_path, spec(tail=MANY))] == ["spec-yaml-aliases"]
    raised = spec("  limits:\n    max_yaml_aliases: 200\n", MANY)
    assert [d.rule for d in diags(tmp_path, raised) if d.rule.startswith("spec-yaml")] == []
    flag = loader.Limits(aliases=120, explicit=frozenset({"aliases"}))
    assert [d.rule for d in diags(tmp_path, raised, flag)] == ["spec-yaml-aliases"]


def test_a_spec_raises_its_size_limit(tmp_path: Path) -> None:
    pad = "# " + "x" * 1000 + "\n"
    big = spec("  limits: {max_spec_bytes: 3000000}\n") + pad * 2200  # 2.2 MB, over the 2 MiB default
    assert [d.rule for d in diags(tmp_path, spec() + pad * 2200)] == ["spec-too-large"]
    assert [d.rule for d in diags(tmp_path, big) if d.rule == "spec-too-large"] == []


def test_a_spec_cannot_switch_the_protection_off() -> None:
    text = spec("  limits:\n    max_yaml_nodes: 999999999\n").encode()
    assert effective(text, loader.DEFAULT_LIMITS).nodes == CEILINGS["max_yaml_nodes"]
    assert effective(text, loader.Limits(nodes=10, explicit=frozenset({"nodes"}))).nodes == 10


def test_bad_values_are_errors_at_their_position(tmp_path: Path) -> None:
    found = diags(tmp_path, spec("  limits:\n    max_yaml_nodes: 0\n    max_yaml_aliases: many\n"))
    assert sorted((d.line, d.column, d.rule) for d in found) == [(7, 21, "spec-schema"), (8, 23, "spec-type")]
    unread = diags(tmp_path, spec("  limits:\n    max_yaml_nodes: &n 300000\n    max_yaml_aliases: 0x10\n"))
    assert sorted((d.line, d.column, d.rule) for d in unread) == [(7, 21, "spec-limits"), (8, 23, "spec-limits")]
    over = diags(tmp_path, spec(f"  limits: {{max_yaml_aliases: {CEILINGS['max_yaml_aliases'] + 1}}}\n"))
    assert [(d.line, d.rule) for d in over] == [(6, "spec-schema")]


def test_the_cli_flag_overrides_the_spec(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(spec("  limits:\n    max_yaml_aliases: 200\n", MANY), encoding="utf-8")
    cli = [str(Path(sys.executable).parent / "obs-codegen"), "lint", "--spec", str(path)]
    assert "spec-yaml-aliases" not in subprocess.run(cli, capture_output=True, text=True).stdout
    flagged = subprocess.run([*cli, "--max-yaml-aliases", "120"], capture_output=True, text=True)
    assert flagged.returncode == 1 and "spec-yaml-aliases" in flagged.stdout + flagged.stderr
