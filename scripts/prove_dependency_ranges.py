"""Prove that the output does not depend on where a runtime dependency sits in its declared range.

For each library version below, install it alone (`pip install --no-deps --target`) into a scratch
directory that shadows the venv's copy (PYTHONPATH comes first on sys.path), then run
`obs-codegen generate` on spec/observability.yaml and `obs-codegen lint --format json` on every
tests/rules fixture, and compare with the same run on the versions the venv holds: out/ must be
byte-identical (the manifest apart: see below) and every diagnostic (file, line, column, rule,
message) identical. Needs network access to PyPI, so it is not part of `make test`; run it when
widening a range:

    .venv/bin/python scripts/prove_dependency_ranges.py [library ...]
    .venv/bin/python scripts/prove_dependency_ranges.py --install   # pip install beside the newest libraries

The manifest's inputs hash names each output-shaping library's version range, not its exact
version, when the version is one of the versions proven here (output/fresh.py PROVEN_RANGES), so
the manifest is identical across the range too; the script checks that as well.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VERSIONS = {
    "pyyaml": ["6.0.1", "6.0.2", "6.0.3", "6.0.4"],
    "jinja2": ["3.1.5", "3.1.6"],
    "orjson": ["3.10.18", "3.11.9", "3.12.0", "3.13.0"],
    "jsonschema": ["4.18.6", "4.21.1", "4.23.0", "4.25.1", "4.26.0"],
    "click": ["8.1.8", "8.2.1", "8.3.1", "8.5.1"],
}


def run_all(pythonpath: str | None, out: Path) -> dict[str, object]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run([str(BIN / "obs-codegen"), "generate", "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    # Every lint fixture's diagnostics, compiled in one process (the loader, schema validation and rules).
    r = subprocess.run([sys.executable, "-c", LINT_ALL], cwd=ROOT, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr[-2000:]}
    return {"files": files, "lint": json.loads(r.stdout)}


LINT_ALL = """
import json
from pathlib import Path
from obs_codegen.pipeline import compile_spec
out = {}
for f in sorted(Path("tests/rules").glob("*.yaml")):
    c = compile_spec(f, f.as_posix())
    out[f.name] = [d.text() for d in c.diagnostics]
print(json.dumps(out))
"""


def install_check(scratch: Path) -> bool:
    """pip installs obs-codegen (this checkout) together with the newest jsonschema, Jinja2, click and PyYAML,
    as an application's requirements would, into a fresh venv; the install generates the same out/."""
    venv = scratch / "app"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    newest = [f"{lib}=={VERSIONS[lib][-1]}" for lib in ("jsonschema", "jinja2", "click", "pyyaml")]
    src = scratch / "src"
    src.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(src), *newest], capture_output=True, text=True)
    print(f"pip install obs-codegen {' '.join(newest)}: {'ok' if done.returncode == 0 else done.stderr[-1500:]}")
    if done.returncode != 0:
        return False
    out = scratch / "app-out"
    subprocess.run([str(venv / "bin" / "obs-codegen"), "generate", "--out", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    same = all((out / p.relative_to(ROOT / "out")).read_bytes() == p.read_bytes()
               for p in (ROOT / "out").rglob("*") if p.is_file())
    print(f"  out/ generated there is {'identical' if same else 'DIFFERENT'} (committed HEAD vs out/)")
    return same


def main() -> int:
    if sys.argv[1:] == ["--install"]:
        with tempfile.TemporaryDirectory() as scratch:
            return 0 if install_check(Path(scratch)) else 1
    wanted = sys.argv[1:] or list(VERSIONS)
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        base = run_all(None, Path(scratch) / "base")
        assert "error" not in base, base
        for lib in wanted:
            for version in VERSIONS[lib]:
                target = Path(scratch) / f"{lib}-{version}"
                subprocess.run([str(BIN / "pip"), "install", "-q", "--no-deps", "--target", str(target),
                                f"{lib}=={version}"], check=True)
                got = run_all(str(target), Path(scratch) / f"out-{lib}-{version}")
                if "error" in got:
                    print(f"{lib} {version}: generate failed: {got['error']}")
                    failures += 1
                    continue
                files_a, files_b = base["files"], got["files"]
                assert isinstance(files_a, dict) and isinstance(files_b, dict)
                differ = sorted(p for p in set(files_a) | set(files_b) if files_a.get(p) != files_b.get(p))
                lint_differ = sorted(k for k in base["lint"] if base["lint"][k] != got["lint"].get(k))  # type: ignore[index,union-attr]
                verdict = "identical" if not differ and not lint_differ else f"DIFFERS: out/ {differ[:5]} lint {lint_differ[:5]}"
                print(f"{lib} {version}: {verdict}", flush=True)
                failures += bool(differ or lint_differ)
    print(json.dumps({"failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
