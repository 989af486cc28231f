"""obs_codegen stays clean under `mypy --strict` (with the config and stub packages of pyproject.toml).

mypy runs from the test environment (the `test` extra pins it and the stub packages) with the repository
root as its working directory, so `[tool.mypy]` in pyproject.toml applies exactly as in `make`/CI.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "obs_codegen"


def mypy(tmp: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    """`mypy --strict` as a user would run it, with its cache outside the working tree."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-color-output", "--cache-dir", str(tmp / "cache"), *targets],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def test_package_is_clean_under_mypy_strict(tmp_path: Path) -> None:
    result = mypy(tmp_path, "obs_codegen")
    assert result.returncode == 0, f"mypy --strict obs_codegen:\n{result.stdout}{result.stderr}"
    # Every module was checked: a config that excluded files, or a mypy that found none, would also exit 0.
    modules = len(list(PACKAGE.rglob("*.py")))
    assert result.stdout == f"Success: no issues found in {modules} source files\n", result.stdout + result.stderr


def test_mypy_catches_a_type_error_against_the_package(tmp_path: Path) -> None:
    """Negative control: the same run rejects misuse of obs_codegen's types, so a clean result means something."""
    broken = tmp_path / "broken.py"
    broken.write_text(
        "from pathlib import Path\n"
        "from obs_codegen.spec.model import LogField\n"
        "from obs_codegen.output.writer import read_manifest\n"
        "\n"
        "def digests(out: Path) -> list[int]:\n"
        "    manifest = read_manifest(out)\n"
        "    return manifest['files']\n"  # may be None; and a dict is not a list[int]
        "\n"
        "def size(f: LogField) -> str:\n"
        "    return f.max_length\n"  # int | None, not str
        "\n"
        "def untyped(x):\n"  # --strict: missing annotations
        "    return x\n",
        encoding="utf-8",
    )
    result = mypy(tmp_path, str(broken))
    assert result.returncode == 1, result.stdout + result.stderr
    codes = set(re.findall(r"broken\.py:\d+: error: .*\[([a-z-]+)\]$", result.stdout, flags=re.M))
    assert {"index", "return-value", "no-untyped-def"} <= codes, result.stdout
