"""Golden tests: every case in tests/cases/ x every registered backend.

Expected output lives in tests/cases/<case>/expected/<backend>/<path>. To accept a
reviewed change, regenerate with:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py   (or: make golden)

The Coach Up spec's golden output is out/ itself, guarded by `obs-codegen check`.
"""

from __future__ import annotations

import difflib
import os
import shutil

import pytest
from conftest import CASE_NAMES, CASES, model_of, write_files

from obs_codegen.backends import BACKENDS, backend
from obs_codegen.backends.templating import Templates

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

PARAMS = [(c, b) for c in CASE_NAMES for b in sorted(BACKENDS)]


@pytest.mark.parametrize(("case", "name"), PARAMS)
def test_golden(case: str, name: str) -> None:
    files = backend(name)(model_of(CASES / case / "spec.yaml"), Templates())
    expected_dir = CASES / case / "expected" / name
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        write_files(files, expected_dir)
        return
    if not files and not expected_dir.exists():
        return  # this backend has nothing to say about this case (e.g. no SLOs): nothing expected
    assert expected_dir.is_dir(), f"no goldens for {case}/{name}: run UPDATE_GOLDEN=1 pytest tests/test_golden.py"
    on_disk = {p.relative_to(expected_dir).as_posix() for p in expected_dir.rglob("*") if p.is_file()}
    produced = {p.as_posix() for p in files}
    assert produced == on_disk, f"file sets differ: missing {sorted(on_disk - produced)}, new {sorted(produced - on_disk)}"
    for path, data in files.items():
        want = (expected_dir / path).read_bytes()
        if data != want:
            diff = "".join(difflib.unified_diff(
                want.decode(errors="replace").splitlines(True), data.decode(errors="replace").splitlines(True),
                f"expected/{path}", f"rendered/{path}"))
            pytest.fail(f"{case}/{name}: {path} differs from golden:\n{diff[:4000]}")
