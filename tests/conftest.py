"""Shared pytest fixtures: paths, the compiled Coach Up spec, and helpers to compile small specs."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from obs_codegen.pipeline import Compiled, compile_spec

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "observability.yaml"
OUT = ROOT / "out"
CASES = ROOT / "tests" / "cases"
NODE_BIN = ROOT / "node_modules" / ".bin"


@pytest.fixture(scope="session")
def coachup() -> Compiled:
    compiled = compile_spec(SPEC, "spec/observability.yaml")
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    return compiled


@pytest.fixture(scope="session")
def model(coachup: Compiled):  # type: ignore[no-untyped-def]
    return coachup.model


@pytest.fixture
def compile_text(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Compile a spec given as YAML text (dedented); returns the Compiled result."""

    def run(text: str, name: str = "spec.yaml", lint: bool = True) -> Compiled:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return compile_spec(path, name, lint=lint)

    return run


def node_tool(name: str) -> str:
    """Path of a pinned Node tool from node_modules; fails (not skips) when `npm ci` has not run."""
    path = NODE_BIN / name
    if not path.exists():
        pytest.fail(f"{path} missing: run `npm ci` (make test does this)")
    return str(path)


def require_binary(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
    if not found:
        pytest.fail(f"{name} not found: `make test` installs it (Debian package `prometheus` for promtool)")
    return found
