"""Shared pytest fixtures and helpers: paths, the compiled Coach Up spec, compiling small specs,
writing rendered files, and running the CLI and the real tools (tsc, mypy, promtool, node)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from obs_codegen.pipeline import Compiled, compile_spec
from obs_codegen.spec.model import Model

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "observability.yaml"
OUT = ROOT / "out"
CASES = ROOT / "tests" / "cases"
NODE_BIN = ROOT / "node_modules" / ".bin"
CASE_NAMES = sorted(p.parent.name for p in CASES.glob("*/spec.yaml"))  # the test cases in tests/cases/
VENV_BIN = Path(sys.executable).parent
OBS_CODEGEN = str(VENV_BIN / "obs-codegen")


@pytest.fixture(scope="session")
def coachup() -> Compiled:
    compiled = compile_spec(SPEC, "spec/observability.yaml")
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    return compiled


@pytest.fixture(scope="session")
def model(coachup: Compiled):  # type: ignore[no-untyped-def]
    return coachup.model


def model_of(path: Path, lint: bool = True) -> Model:
    """Compile a spec file, named relative to the repository as the CLI would; with `lint` it must be clean."""
    compiled = compile_spec(path, path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name,
                            lint=lint)
    assert compiled.model is not None and (compiled.ok or not lint), [d.text() for d in compiled.diagnostics]
    return compiled.model


def checked_texts(check: str, render: Any, model: Model) -> list[str]:
    """Every text the templating layer hands to `contexts.<check>` (marks in) while `render` runs on `model`
    and on every test case's model."""
    from obs_codegen.backends import contexts
    from obs_codegen.backends.templating import Templates

    texts: list[str] = []
    original = getattr(contexts, check)

    def capture(text: str) -> str:
        texts.append(text)
        return original(text)  # type: ignore[no-any-return]

    setattr(contexts, check, capture)
    try:
        for m in [model, *(model_of(CASES / case / "spec.yaml") for case in CASE_NAMES)]:
            render(m, Templates())
    finally:
        setattr(contexts, check, original)
    assert texts
    return texts


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


# --- running programs -------------------------------------------------------------------

def run(cmd: list[str], cwd: Path = ROOT, env: Mapping[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a program and capture its text output; `env` adds to (or overrides) this process's environment."""
    return subprocess.run(cmd, check=False, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def run_cli(*args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `obs-codegen` command, as a user would."""
    return run([OBS_CODEGEN, *args], cwd, env, timeout=60)


def tsc(workdir: Path, config: dict[str, Any], *args: str,
        name: str = "tsconfig.json") -> subprocess.CompletedProcess[str]:
    """Write `config` to `workdir/name` and run the pinned tsc on that project (`args` go before `-p`)."""
    (workdir / name).write_text(json.dumps(config), encoding="utf-8")
    link_node_modules(workdir)
    return run([node_tool("tsc"), *args, "-p", name], workdir)


def link_node_modules(workdir: Path) -> None:
    """Make the project's pinned npm packages resolvable from `workdir` (as an app's own install would be), so
    the generated package's `instrumentation` and `otel` find their peer dependencies (prom-client,
    @opentelemetry/api). A `workdir` with a node_modules of its own keeps it."""
    link = workdir / "node_modules"
    if workdir.resolve() != ROOT and not link.exists() and not link.is_symlink():
        link.symlink_to(ROOT / "node_modules")


def mypy(target: Path | str, mypypath: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`mypy --strict` on `target` (relative to `cwd`), with generated packages found in `mypypath`."""
    return run([str(VENV_BIN / "mypy"), "--strict", "--no-incremental", "--cache-dir", os.devnull, str(target)], cwd,
               {"MYPYPATH": str(mypypath)})


# --- rendered files ---------------------------------------------------------------------

def write_files(files: Mapping[PurePosixPath, bytes], root: Path) -> Path:
    """Write rendered files (relative paths -> bytes) under `root`, creating directories; returns `root`."""
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`: relative POSIX path -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
